"""``payment-dr``: the operator CLI (status, switchover, failover, failback, drill, rto-budget).

It imports no CDKTF or construct package, so it starts fast and runs where only the AWS SDK is
installed. Every AWS call names its region explicitly, so it works from either region when
the other is down. Entry point: :func:`dr_app.cli.main.main`.
"""

from __future__ import annotations
