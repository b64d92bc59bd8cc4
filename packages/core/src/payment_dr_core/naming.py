"""Physical names: ``<prefix>-<component>[-<region code>]-<suffix>``.

The prefix is ``payment-processing`` unless an environment sets ``name_prefix`` (S3 bucket
names are one global namespace: two adopters with the same suffix need different prefixes).
Every physical name in the project comes from :class:`Namer`. Each resource
kind carries the length and character limits AWS enforces for it, and a name
that would break them fails at synth time with the kind, the name and the limit,
instead of failing half-way through ``cdktf deploy``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from payment_dr_core.errors import ConfigError
from payment_dr_core.regions import region_code

PROJECT = "payment-processing"
"""Default first part of every physical name (``name_prefix`` in the environment config)."""

_COMPONENT = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")

NAME_PREFIX_MAX_LENGTH = 24
"""Longest ``name_prefix``: with the longest suffix, every name must still fit its kind's limit,
which the environment config checks name by name; this bound only keeps messages short."""

_RDS_IDENTIFIER = r"[a-zA-Z](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
"""RDS identifiers (DBClusterIdentifier, DBInstanceIdentifier, GlobalClusterIdentifier,
DBClusterSnapshotIdentifier): 1 to 63 (snapshots 255) letters, digits or hyphens, the first a
letter, no trailing hyphen (RDS API reference, CreateDBCluster). One letter is a valid name."""


@dataclass(frozen=True)
class NameRule:
    """The limits AWS puts on the name of one resource kind."""

    label: str
    min_length: int
    max_length: int
    pattern: str
    charset: str
    no_double_hyphen: bool = False
    prefix: str = ""

    def check(self, name: str, *, tail: int = 0) -> None:
        """Raise :class:`ConfigError` when ``name`` breaks this rule.

        ``tail`` is the number of characters appended to ``name`` at run time (a timestamp):
        the name plus that many characters must still fit.
        """
        allowed = (
            f"a {self.label} name of {self.min_length}-{self.max_length} characters "
            f"({self.charset})"
        )
        length = len(name) + tail
        if not self.min_length <= length <= self.max_length:
            has = (
                f"this one has {len(name)} + {tail} appended at run time = {length}"
                if tail
                else f"this one has {len(name)}"
            )
            raise ConfigError(f"name of {self.label}", name, f"{allowed}; {has}")
        if re.fullmatch(self.pattern, name) is None:
            raise ConfigError(f"name of {self.label}", name, allowed)
        if self.no_double_hyphen and "--" in name:
            raise ConfigError(f"name of {self.label}", name, f"{allowed}, without '--'")


class ResourceKind(Enum):
    """Resource kinds this project names, with the limits from the AWS API references."""

    S3_BUCKET = NameRule(
        "S3 bucket", 3, 63, r"[a-z0-9][a-z0-9.-]*[a-z0-9]", "lowercase letters, digits, '.', '-'"
    )
    RDS_CLUSTER = NameRule(
        "RDS cluster",
        1,
        63,
        _RDS_IDENTIFIER,
        "starts with a letter; letters, digits, '-'; no trailing '-'",
        no_double_hyphen=True,
    )
    RDS_INSTANCE = NameRule(
        "RDS instance",
        1,
        63,
        _RDS_IDENTIFIER,
        "starts with a letter; letters, digits, '-'; no trailing '-'",
        no_double_hyphen=True,
    )
    RDS_GLOBAL_CLUSTER = NameRule(
        "RDS global cluster",
        1,
        63,
        _RDS_IDENTIFIER,
        "starts with a letter; letters, digits, '-'; no trailing '-'",
        no_double_hyphen=True,
    )
    RDS_PARAMETER_GROUP = NameRule(
        "RDS parameter group",
        1,
        255,
        r"[a-z](?:[a-z0-9-]*[a-z0-9])?",
        "starts with a lowercase letter; lowercase letters, digits, '-'",
        no_double_hyphen=True,
    )
    RDS_CLUSTER_SNAPSHOT = NameRule(
        "RDS cluster snapshot",
        1,
        255,
        _RDS_IDENTIFIER,
        "starts with a letter; letters, digits, '-'; no trailing '-'",
        no_double_hyphen=True,
    )
    """DeleteDBCluster FinalDBSnapshotIdentifier: 1-255 letters, digits or hyphens, first a
    letter, no trailing hyphen and no two hyphens in a row (RDS API reference)."""
    RDS_CLUSTER_SNAPSHOT_COPY = NameRule(
        "RDS cluster snapshot copy",
        1,
        63,
        _RDS_IDENTIFIER,
        "starts with a letter; letters, digits, '-'; no trailing '-'",
        no_double_hyphen=True,
    )
    """CopyDBClusterSnapshot TargetDBClusterSnapshotIdentifier: 1-63 letters, digits or
    hyphens, first a letter, no trailing hyphen, no two hyphens in a row (RDS API reference,
    CopyDBClusterSnapshot). Shorter than a final snapshot's 255."""
    DB_SUBNET_GROUP = NameRule(
        "DB subnet group", 1, 255, r"[a-z0-9][a-z0-9 ._-]*", "lowercase letters, digits, ' ._-'"
    )
    LAMBDA_FUNCTION = NameRule(
        "Lambda function", 1, 64, r"[a-zA-Z0-9_-]+", "letters, digits, '-', '_'"
    )
    IAM_ROLE = NameRule("IAM role", 1, 64, r"[\w+=,.@-]+", "letters, digits, '+=,.@_-'")
    IAM_POLICY = NameRule("IAM policy", 1, 128, r"[\w+=,.@-]+", "letters, digits, '+=,.@_-'")
    LOG_GROUP = NameRule(
        "CloudWatch log group", 1, 512, r"[.\-_/#A-Za-z0-9]+", "letters, digits, '._-/#'"
    )
    KMS_ALIAS = NameRule(
        "KMS alias",
        7,
        256,
        r"alias/(?!aws/)[a-zA-Z0-9/_-]+",
        "'alias/' then letters, digits, '/_-', not under alias/aws/",
        prefix="alias/",
    )
    SECURITY_GROUP = NameRule(
        "security group",
        1,
        255,
        r"(?!sg-)[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+",
        "ASCII letters, digits and common punctuation, not starting with 'sg-'",
    )
    DYNAMODB_TABLE = NameRule(
        "DynamoDB table", 3, 255, r"[a-zA-Z0-9_.-]+", "letters, digits, '_.-'"
    )
    SNS_TOPIC = NameRule("SNS topic", 1, 256, r"[A-Za-z0-9_-]+", "letters, digits, '_-'")
    SECRET = NameRule(
        "Secrets Manager secret", 1, 512, r"[A-Za-z0-9/_+=.@-]+", "letters, digits, '/_+=.@-'"
    )
    SSM_PARAMETER = NameRule(
        "SSM parameter",
        1,
        1011,
        r"/[a-zA-Z0-9_.\-/]+",
        "'/' then letters, digits, '_.-/'",
        prefix="/",
    )
    CLOUDWATCH_ALARM = NameRule(
        "CloudWatch alarm", 1, 255, r"[^\x00-\x1f]+", "printable characters"
    )
    DASHBOARD = NameRule("CloudWatch dashboard", 1, 255, r"[A-Za-z0-9_-]+", "letters, digits, '_-'")
    REST_API = NameRule("API Gateway REST API", 1, 1024, r"[^\x00-\x1f]+", "printable characters")
    WAF_WEB_ACL = NameRule("WAF web ACL", 1, 128, r"[\w-]+", "letters, digits, '_-'")
    EVENTBRIDGE_RULE = NameRule(
        "EventBridge rule", 1, 64, r"[.\-_A-Za-z0-9]+", "letters, digits, '._-'"
    )
    NAME_TAG = NameRule("Name tag", 1, 256, r"[\w .:/=+\-@]+", "letters, digits, ' _.:/=+-@'")


@dataclass(frozen=True)
class NameSpec:
    """One physical name the project uses: kind, component and whether it is per region."""

    kind: ResourceKind
    component: str
    regional: bool = False
    """True where the name must differ per region (global namespaces: S3, IAM)."""

    path: str = ""
    """Text placed before the name, after the kind's own prefix (log group paths)."""

    tail: int = 0
    """Characters the runtime appends to the name (``-YYYYMMDDHHMMSS`` is 15); the name with
    them must still fit the kind's limit."""


@dataclass(frozen=True)
class Namer:
    """Builds physical names for one environment suffix and name prefix."""

    suffix: str
    prefix: str = PROJECT
    """First part of every name (``name_prefix``; ``payment-processing`` by default)."""

    def name(
        self,
        kind: ResourceKind,
        component: str,
        *,
        region: str | None = None,
        path: str = "",
        tail: int = 0,
    ) -> str:
        """``<prefix>-<component>[-<region code>]-<suffix>``, checked for ``kind``.

        ``region`` adds the region code (``use1``) where the name must be unique
        per region. ``path`` is put in front (``/aws/vpc/`` for a log group). ``tail``
        characters appended at run time must fit too.
        """
        if not isinstance(component, str) or _COMPONENT.fullmatch(component) is None:
            raise ConfigError(
                "name component",
                component,
                "lowercase letters, digits and single hyphens, starting with a letter",
            )
        parts = [self.prefix, component]
        if region is not None:
            parts.append(region_code(region))
        parts.append(self.suffix)
        name = kind.value.prefix + path + "-".join(parts)
        kind.value.check(name, tail=tail)
        return name

    def of(self, spec: NameSpec, *, region: str | None = None) -> str:
        """The name described by ``spec``; ``region`` is required for regional specs."""
        if spec.regional and region is None:
            raise ConfigError(
                f"region for {spec.component}", None, "a region name: this name is per region"
            )
        return self.name(
            spec.kind,
            spec.component,
            region=region if spec.regional else None,
            path=spec.path,
            tail=spec.tail,
        )
