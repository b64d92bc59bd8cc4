"""What a run needs before it starts: the terraform executable and AWS credentials.

Each problem is a :class:`DeployError`, printed as one line with no traceback.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping

TERRAFORM_VAR = "TERRAFORM"
CONTAINER_CREDENTIAL_VARS = (
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)

NO_CREDENTIALS = (
    "no AWS credentials: set AWS_PROFILE (after `aws configure` or `aws sso login`) or "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; instance-profile credentials are not "
    "looked up (no network call before terraform runs)"
)


class DeployError(Exception):
    """A problem the user fixes before running again: printed as one line, exit status 1."""


def terraform_name(flag: str | None, environ: Mapping[str, str]) -> str:
    """The terraform executable as given: ``--terraform``, else ``$TERRAFORM``, else
    ``terraform`` (looked up on PATH when it runs)."""
    return flag or environ.get(TERRAFORM_VAR) or "terraform"


def require_terraform(name: str, environ: Mapping[str, str]) -> str:
    """The path of ``name`` on ``PATH`` (or ``name`` itself when it is a path), or a
    :class:`DeployError` saying how to get one."""
    found = shutil.which(name, path=environ.get("PATH", os.defpath))
    if found is None:
        where = "is not an executable file" if os.sep in name else "is not on PATH"
        raise DeployError(
            f"terraform not found: {name!r} {where}; install Terraform >= 1.11 "
            "(docs/deployment.md, Prerequisites) or set TERRAFORM=/path/to/terraform"
        )
    return found


def credentials_problem(environ: Mapping[str, str]) -> str | None:
    """``None`` when botocore's credential chain finds credentials, else one line saying so.

    The chain is botocore's own (boto3 guide, "Credentials": environment variables, assume-role
    and web-identity providers, IAM Identity Center, shared credential and config files,
    ``credential_process``, container and instance metadata providers, in that order) minus
    the two providers that would fetch over the network while resolving: the container
    provider counts as configured when its variables are set, and the instance metadata
    provider (an HTTP call to the EC2 metadata service) is not consulted. Assume-role and
    IAM Identity Center credentials are returned unrefreshed, so resolving them makes no call.
    """
    if any(environ.get(name) for name in CONTAINER_CREDENTIAL_VARS):
        return None
    import botocore.exceptions  # type: ignore[import-untyped]  # loaded only for a real run
    import botocore.session  # type: ignore[import-untyped]

    try:
        resolver = botocore.session.Session().get_component("credential_provider")
        for provider in ("iam-role", "container-role"):
            resolver.remove(provider)  # a no-op when the chain has no such provider
        credentials = resolver.load_credentials()
    except botocore.exceptions.BotoCoreError as exc:
        return f"AWS credentials: {exc}"
    if credentials is None:
        return NO_CREDENTIALS
    return None


def require_credentials(environ: Mapping[str, str]) -> None:
    """A :class:`DeployError` when :func:`credentials_problem` finds one."""
    problem = credentials_problem(environ)
    if problem is not None:
        raise DeployError(problem)
