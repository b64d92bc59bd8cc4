"""``payment-dr-deploy``: plan, apply, destroy and validate the synthesized stacks with Terraform.

The synthesized ``cdk.tf.json`` of each stack is plain Terraform JSON, so this runs the
``terraform`` CLI on it directly (no CDKTF CLI, no Node.js):

- :mod:`dr_app.deploy.steps` builds the exact commands of a run, offline;
- :mod:`dr_app.deploy.checks` finds terraform and AWS credentials before anything runs;
- :mod:`dr_app.deploy.stacks` names an environment's stack directories and synthesizes them;
- :mod:`dr_app.deploy.runner` runs the steps (``--dry-run`` prints them instead);
- :mod:`dr_app.deploy.validate` runs ``terraform validate`` on copies of the stacks against a
  provider mirror;
- :mod:`dr_app.deploy.outputs` writes both stacks' outputs to one file for the live tests;
- :mod:`dr_app.deploy.main` is the command line.
"""

from __future__ import annotations
