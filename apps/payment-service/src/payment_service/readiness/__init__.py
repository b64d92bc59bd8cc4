"""Continuous DR readiness: a scheduled evaluator in the secondary region that checks, every 5
minutes, what a failover will need, and says pass, fail or unknown for each with a reason.

It is part of the DR control plane, kept apart from the payment API: it imports the failover
core (:mod:`payment_service.failover`), the writer comparison
(:mod:`payment_service.writer_sources`) and the orchestrator's decision-log names, and nothing
of the API.

* :mod:`~payment_service.readiness.checks`: the checks, each citing the AWS fields it reads;
* :mod:`~payment_service.readiness.runner`: one evaluation within its budget;
* :mod:`~payment_service.readiness.publish`: the ``PaymentDR/Readiness`` metrics (EMF);
* :mod:`~payment_service.readiness.store`: the record in the decision table;
* :mod:`~payment_service.readiness.entry`: the Lambda handler
  (``payment_service.readiness.handler``).

``payment-dr readiness`` prints the last recorded evaluation; ``--now`` runs
:func:`~payment_service.readiness.runner.evaluate` with the operator's credentials.
"""

from __future__ import annotations

from payment_service.readiness.entry import handler

__all__ = ["handler"]
