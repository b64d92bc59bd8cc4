"""The outputs file of a deployed environment: parsing and validation.

``payment-dr-deploy outputs --outputs-file <path>`` (like ``cdktf output`` with
``--outputs-file``) writes ``{"<stack name>": {"<output>": value, ...}, ...}`` with the
non-sensitive outputs of both stacks. The stacks of one environment are
``payment-dr-<suffix>-primary`` and ``payment-dr-<suffix>-secondary``; each emits the
outputs in :data:`REQUIRED_OUTPUTS` (``dr_app.stack.PaymentDrStack._outputs``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

OUTPUTS_ENV = "PAYMENT_DR_OUTPUTS_FILE"
"""Path of the outputs file; the live tests are skipped without it."""

SUFFIX_ENV = "ENVIRONMENT_SUFFIX"
"""Selects the environment when the outputs file holds several."""

HOW_TO_PRODUCE = (
    "after make deploy, run 'ENVIRONMENT_SUFFIX=<suffix> .venv/bin/payment-dr-deploy outputs "
    f"--outputs-file <path>' (both stacks' non-sensitive outputs) and set {OUTPUTS_ENV}=<path>"
)

REQUIRED_OUTPUTS = (
    "region",
    "api_invoke_url",
    "api_domain_name",
    "data_bucket_name",
    "session_table_name",
    "aurora_cluster_identifier",
    "payment_function_name",
    "migration_function_name",
    "alert_topic_arn",
)

_STACK = re.compile(r"^payment-dr-(?P<suffix>[a-z0-9][a-z0-9-]*)-(?P<role>primary|secondary)$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


class OutputsError(ValueError):
    """The outputs file cannot describe a deployed environment; the message says why."""


@dataclass(frozen=True)
class StackOutputs:
    """The outputs of one stack (one region)."""

    stack_name: str
    region: str
    api_invoke_url: str
    api_domain_name: str
    data_bucket_name: str
    session_table_name: str
    aurora_cluster_identifier: str
    payment_function_name: str
    migration_function_name: str
    alert_topic_arn: str

    def api_url(self, path: str) -> str:
        """``path`` under this region's stage URL (``https://<id>.execute-api.../v1``)."""
        return f"{self.api_invoke_url.rstrip('/')}/{path.lstrip('/')}"


@dataclass(frozen=True)
class Deployment:
    """Both stacks of one deployed environment."""

    suffix: str
    primary: StackOutputs
    secondary: StackOutputs
    source: str

    @property
    def api_domain_name(self) -> str:
        """The custom domain shared by both regions (Route 53 failover records)."""
        return self.primary.api_domain_name


def _stack_outputs(stack_name: str, values: object, source: str) -> StackOutputs:
    if not isinstance(values, dict):
        raise OutputsError(
            f"{source}: {stack_name}: expected an object of outputs, got {type(values).__name__}"
        )
    missing = [name for name in REQUIRED_OUTPUTS if name not in values]
    if missing:
        raise OutputsError(
            f"{source}: {stack_name}: missing outputs {', '.join(missing)} (deployed from an "
            "older version of the app, or not deployed yet?)"
        )
    for name in REQUIRED_OUTPUTS:
        value = values[name]
        if not isinstance(value, str) or not value.strip():
            raise OutputsError(
                f"{source}: {stack_name}.{name}: expected a non-empty string, got {value!r}"
            )
    outputs = StackOutputs(stack_name=stack_name, **{k: values[k] for k in REQUIRED_OUTPUTS})
    if not _REGION.match(outputs.region):
        raise OutputsError(f"{source}: {stack_name}.region: not an AWS region: {outputs.region!r}")
    url = urlsplit(outputs.api_invoke_url)
    if url.scheme != "https" or not url.hostname:
        raise OutputsError(
            f"{source}: {stack_name}.api_invoke_url: expected an https:// URL, "
            f"got {outputs.api_invoke_url!r}"
        )
    return outputs


def parse_outputs(document: object, source: str, suffix: str | None = None) -> Deployment:
    """The environment described by a decoded outputs file.

    Stacks that are not ``payment-dr-<suffix>-<role>`` are ignored. With several
    environments in one file, ``suffix`` selects one.
    """
    if not isinstance(document, dict):
        raise OutputsError(
            f"{source}: expected a JSON object keyed by stack name, got {type(document).__name__}"
        )
    found: dict[str, dict[str, str]] = {}
    for name in document:
        match = _STACK.match(str(name))
        if match:
            found.setdefault(match["suffix"], {})[match["role"]] = str(name)
    if not found:
        raise OutputsError(
            f"{source}: no payment-dr-<suffix>-primary/-secondary stacks "
            f"(found {sorted(map(str, document)) or 'no stacks'})"
        )
    if suffix is None:
        if len(found) > 1:
            raise OutputsError(
                f"{source}: holds environments {sorted(found)}; set {SUFFIX_ENV} to choose one"
            )
        suffix = next(iter(found))
    if suffix not in found:
        raise OutputsError(f"{source}: no stacks of environment {suffix!r} (found {sorted(found)})")
    roles = found[suffix]
    for role in ("primary", "secondary"):
        if role not in roles:
            raise OutputsError(
                f"{source}: payment-dr-{suffix}-{role} is missing: write the file with "
                "'payment-dr-deploy outputs', which names both stacks"
            )
    primary = _stack_outputs(roles["primary"], document[roles["primary"]], source)
    secondary = _stack_outputs(roles["secondary"], document[roles["secondary"]], source)
    if primary.region == secondary.region:
        raise OutputsError(f"{source}: both stacks are in {primary.region}")
    if primary.api_domain_name != secondary.api_domain_name:
        raise OutputsError(
            f"{source}: api_domain_name differs between the stacks "
            f"({primary.api_domain_name!r} and {secondary.api_domain_name!r})"
        )
    return Deployment(suffix=suffix, primary=primary, secondary=secondary, source=source)


def load_outputs(path: Path, suffix: str | None = None) -> Deployment:
    """Read and validate the outputs file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OutputsError(f"{path}: cannot read: {exc}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OutputsError(f"{path}: not JSON: {exc}") from exc
    return parse_outputs(document, str(path), suffix)
