"""Typed, frozen environment configuration.

The environment suffix comes from ``ENVIRONMENT_SUFFIX`` (default ``dev``). An
optional ``<suffix>.toml`` in the environments directory overrides defaults.
Everything is validated on construction: invalid config raises
:class:`~payment_dr_core.errors.ConfigError` naming the field, the value and what
is allowed, before any construct is built.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from payment_dr_core import names
from payment_dr_core.errors import ConfigError, TomlSyntaxError, UnknownKeyError
from payment_dr_core.naming import NAME_PREFIX_MAX_LENGTH, PROJECT, Namer, ResourceKind
from payment_dr_core.regions import (
    RegionPair,
    RegionRole,
    region_code,
    validate_aws_partition,
)
from payment_dr_core.validation import Rule, check_all, in_range, matches, parse_ipv4_network

DEFAULT_SUFFIX = "dev"
SUFFIX_MAX_LENGTH = 16

LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
"""Retention values CloudWatch Logs accepts."""

INTERFACE_ENDPOINT_SERVICES = ("secretsmanager", "ssm", "sns", "monitoring", "rds", "sts", "kms")
"""Services an interface endpoint may be created for (what the Lambdas call)."""

_TAG_VALUE = r"[\w .:/=+\-@]{1,256}"
_DNS_NAME = r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
_HTTPS_URL = r"https://[A-Za-z0-9.\-]+(:\d{1,5})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/\-]*)?(\?[^\s#]*)?"

CERTIFICATE_DOMAIN_MAX_OCTETS = 64
"""ACM RequestCertificate: "the length of the domain name (technically, the Common Name) that
you provide cannot exceed 64 octets (characters), including periods" (ACM API reference,
RequestCertificate, DomainName). Each API hostname is the DomainName of its own certificate."""

ROUTE53_METRICS_REGION = "us-east-1"
"""Route 53 publishes health-check metrics only in us-east-1 (Route 53 Developer Guide,
"Monitoring health check status and getting notifications"): the primary-health alarm must
live there, and the stacks create it with the primary region's provider."""

RESERVED_DNS_NAMES = (
    "example.com",
    "example.net",
    "example.org",
    "example",
    "test",
    "invalid",
    "localhost",
)
"""Names reserved for documentation and tests (RFC 2606, sections 2 and 3): never a zone a
production environment can be reached at."""

BACKUP_RETENTION_RANGE = (1, 35)
"""Aurora accepts 1 to 35 days of automated backups (BackupRetentionPeriod)."""

PRODUCTION_MIN_BACKUP_RETENTION_DAYS = 7
"""Production keeps at least a week of point-in-time recovery."""

AURORA_INSTANCE_RANGE = (1, 16)
"""An Aurora cluster has one writer and up to 15 Aurora Replicas."""

GLOBAL_DB_RPO_RANGE = (20, 900)
"""``rds.global_db_rpo`` accepts 20 seconds or more; above the 15-minute business RPO it
would bound nothing the objective cares about."""

PRODUCTION_SECRET_RECOVERY_WINDOW_DAYS = 30
"""Days a deleted master secret stays recoverable in production (Secrets Manager allows
7 to 30; 0 deletes at once)."""

FIS_EXTENSION_ARCHITECTURE = "x86_64"
"""Architecture of the payment functions (``RegionalFunction``): the AWS FIS Lambda extension
is published per architecture, and the layer must match the function's."""

FIS_EXTENSION_SSM_PARAMETER = (
    f"/aws/service/fis/lambda-extension/AWS-FIS-extension-{FIS_EXTENSION_ARCHITECTURE}/1.x.x"
)
"""Public SSM parameter whose value, in each region, is the extension's layer version ARN there
(FIS User Guide, "Available versions of the AWS FIS extension for Lambda")."""


def fis_extension_layer_pattern(region: str) -> str:
    """Regular expression of the FIS extension's layer version ARN in ``region``: the layer
    ``aws-fis-extension-<architecture>`` of an AWS account, at a version number (the shape of
    the SSM parameter's value in the FIS User Guide's example)."""
    return (
        rf"arn:aws:lambda:{re.escape(region)}:\d{{12}}:layer:"
        rf"aws-fis-extension-{FIS_EXTENSION_ARCHITECTURE}:[1-9]\d*"
    )


BackendKind = Literal["s3", "local"]


@dataclass(frozen=True)
class StateBackendConfig:
    """Where Terraform state lives."""

    kind: BackendKind = "s3"
    """``s3`` (default) or ``local``; ``local`` writes state to ``terraform-state/<suffix>/``
    beside the output directory (an absolute path, never inside it, so no synth deletes it),
    for trying the app without a state bucket."""

    bucket: str = ""
    """S3 bucket for state. Empty means ``<name_prefix>-tfstate-<suffix>``. Create it
    first (docs/deployment.md)."""

    region: str = "us-west-2"
    """Region of the state bucket. Not the primary region, so state is readable while the
    primary region is down."""

    key_prefix: str = "payment-dr"
    """First part of each state key: ``<key_prefix>/<suffix>/<stack>.tfstate``."""


@dataclass(frozen=True)
class DataProtection:
    """How protected the data stores are. The defaults are the dev/test profile: everything
    can be destroyed by ``cdktf destroy``; :attr:`EnvironmentConfig.data_protection` returns
    the production profile when ``production = true``."""

    deletion_protection: bool = False
    """Aurora clusters, the global cluster, the DynamoDB session table, its replica and the
    orchestrator's decision table refuse deletion."""

    final_snapshot: bool = False
    """Each Aurora cluster takes a final snapshot (``aurora-final`` by the naming rules)
    when it is deleted, instead of ``skip_final_snapshot``."""

    force_destroy: bool = True
    """Buckets holding data or audit logs, and the global cluster's members, are emptied or
    detached by ``destroy``. False: destroy fails until an operator empties them."""

    secret_recovery_window_days: int = 0
    """Days a deleted master secret stays recoverable (0: deleted at once)."""

    keep_automated_backups: bool = False
    """Keep a deleted cluster's automated backups until their retention ends."""


def aurora_instance_component(index: int) -> str:
    """Name component of instance ``index`` (0: ``aurora-instance``, then ``-2``, ``-3``...)."""
    return "aurora-instance" if index == 0 else f"aurora-instance-{index + 1}"


@dataclass(frozen=True)
class EnvironmentConfig:
    """Everything that differs between environments. Defaults make ``make synth`` work."""

    suffix: str = DEFAULT_SUFFIX
    """Environment suffix in every physical name: lowercase letters, digits, single hyphens."""

    name_prefix: str = PROJECT
    """First part of every physical name (``<name_prefix>-<component>-<suffix>``) and the
    Project tag. S3 bucket names are global across all AWS accounts: set your own (an
    organization name, say ``acme-payments``) so that your buckets do not collide with
    another adopter's of the same suffix. Changing it on a deployed environment replaces
    every named resource."""

    regions: RegionPair = field(default_factory=RegionPair)
    """Primary (us-east-1) and secondary (us-east-2) regions. The primary must be us-east-1
    (Route 53 publishes health-check metrics only there); the secondary may be any other
    Region of the aws partition (set ``secondary_az_ids`` to match). GovCloud is refused."""

    primary_cidr: str = "10.0.0.0/16"
    """VPC CIDR of the primary region."""

    secondary_cidr: str = "10.1.0.0/16"
    """VPC CIDR of the secondary region; must not overlap the primary one (peering)."""

    primary_az_ids: tuple[str, ...] = ("use1-az1", "use1-az2", "use1-az4")
    """AZ IDs (the same in every account, unlike AZ names) of the primary subnets, 2 or 3.
    use1-az3 is left out: it is constrained for new capacity."""

    secondary_az_ids: tuple[str, ...] = ("use2-az1", "use2-az2", "use2-az3")
    """AZ IDs of the secondary subnets, 2 or 3."""

    interface_endpoints: tuple[str, ...] = ("secretsmanager", "rds")
    """AWS services reached through interface endpoints (private DNS on) from the private
    subnets, which have no NAT. The VPC-attached payment functions call Secrets Manager (the
    migrations' secret) and the RDS API (``DescribeGlobalClusters`` in their own region: the
    write fence); S3 and DynamoDB go through free gateway endpoints; logs, traces and
    environment decryption are handled by the Lambda service outside the VPC. Without
    ``rds`` the fence gets no answer and leaves every decision to the database's read-only
    state. Each endpoint costs about $22 a month per region (three AZs)."""

    log_retention_days: int = 365
    """Retention of every log group this project creates (one year, as PCI DSS asks)."""

    state: StateBackendConfig = field(default_factory=StateBackendConfig)
    """Terraform state backend."""

    hosted_zone_name: str = "payments.example.com"
    """Public Route 53 hosted zone that holds the API's custom domain and the certificate
    validation records."""

    create_hosted_zone: bool = False
    """False: look the zone up by name (it must exist). True: create it (then delegate it
    from the parent domain before the certificates can validate)."""

    domain_name: str = ""
    """Custom domain of the API, inside the hosted zone. Empty: ``api-<suffix>.<zone>``."""

    manage_api_gateway_account: bool = False
    """API Gateway's CloudWatch Logs role (``aws_api_gateway_account``) is one setting per
    account and region, and stages can only log once it is set. False (default): the account
    already has it (``payment-dr preflight`` checks; docs/deployment.md shows how to set it
    once). True: this environment creates the role and owns the setting in both regions:
    set it in exactly one environment per account, since each environment that manages it
    overwrites the others, and destroying that environment leaves the setting pointing at a
    deleted role."""

    waf_enabled: bool = True
    """Attach a WAF web ACL (AWS managed rules and a rate limit) to each regional API."""

    api_throttle_rate: int = 500
    """Steady-state requests per second each regional API stage accepts."""

    api_throttle_burst: int = 1000
    """Burst of requests each regional API stage accepts."""

    alert_email: str = ""
    """E-mail address subscribed to the alert topics in both regions. Empty: none."""

    replication_lag_alarm_seconds: int = 60
    """Aurora global replication lag that raises an alarm (well below the 15-minute RPO)."""

    auto_failover_enabled: bool = True
    """Initial value of the auto-failover switch (an SSM parameter in the secondary region;
    operators flip the parameter itself, and deploys do not reset it)."""

    failover_consecutive_checks: int = 3
    """Unhealthy evaluations in a row before the orchestrator fails over."""

    orchestrator_schedule_minutes: int = 1
    """How often the failover orchestrator evaluates the primary."""

    production: bool = False
    """Marks a production environment: data protection on (deletion protection, final
    snapshots, no ``force_destroy`` on data buckets, a 30-day secret recovery window,
    7+ days of backups, 2 Aurora instances per cluster), an alert endpoint required, and
    the ``payment-dr drill`` command refuses to run."""

    gameday_experiments: bool | None = None
    """AWS FIS experiment templates for game days (docs/gameday.md): DynamoDB and S3
    replication paused (and API errors with ``gameday_lambda_faults``), each with its own stop
    conditions and a role limited to its actions.
    None (the default) means on outside production and off in production; ``true`` in a
    production file is the explicit opt-in, ``false`` turns them off anywhere. A template
    does nothing until someone starts it (``payment-dr gameday``)."""

    gameday_lambda_faults: bool = False
    """The ``api-errors`` game day (docs/gameday.md): errors injected into the primary API
    function by AWS FIS (``aws:lambda:invocation-error``). It changes the deployment, so it
    is off unless set: true adds the AWS FIS Lambda extension to the us-east-1 API function
    (the layer ``gameday_fis_extension_layer_arn`` and the variables
    ``AWS_LAMBDA_EXEC_WRAPPER`` and ``AWS_FIS_CONFIGURATION_LOCATION``), a configuration
    bucket in us-east-1 that the function reads and FIS writes, and the experiment template.
    Needs the game-day experiments on (``gameday_experiments``, so in production only with
    ``gameday_experiments = true`` as well)."""

    gameday_fis_extension_layer_arn: str = ""
    """Layer version ARN of the AWS FIS Lambda extension for us-east-1 and x86_64 (the API
    function's architecture); required when ``gameday_lambda_faults`` is true, unused (but
    still checked when set) otherwise. AWS publishes it per region as the public SSM parameter
    ``/aws/service/fis/lambda-extension/AWS-FIS-extension-x86_64/1.x.x`` (FIS User Guide,
    "Available versions of the AWS FIS extension for Lambda"): ``aws ssm get-parameter
    --region us-east-1 --name <that name> --query Parameter.Value``. A pinned version, so a new
    extension release changes nothing until this value does."""

    # --- data protection and paging (what ``production`` changes) ------------------------

    backup_retention_days: int = 7
    """Days of Aurora automated backups (point-in-time recovery), 1 to 35; at least 7 in
    production. Aurora keeps the ``rds:unplanned-global-failover-*`` snapshot, which holds
    the writes an unplanned failover lost, only this long (docs/runbook.md)."""

    aurora_instances_per_cluster: int = 0
    """Aurora instances in each regional cluster, 1 to 16. 0 (the default) means 2 in
    production (a writer and a reader in another AZ, so an instance or AZ loss is an
    in-region failover, not a cross-region one) and 1 otherwise. Production refuses 1."""

    aurora_global_db_rpo_seconds: int = 0
    """``rds.global_db_rpo`` on the primary region's cluster parameter group, 20 to 900
    seconds; 0 (the default) leaves it unset. When set, Aurora blocks commits on the
    primary while no secondary is within this RPO lag. With one secondary region, an
    unreachable us-east-2 then stops every payment in us-east-1 (see "Bounding the RPO" in
    docs/deployment.md before setting it)."""

    allow_destroy: bool = False
    """Production only: true lifts deletion protection and ``force_destroy`` for a deliberate
    ``cdktf destroy`` (apply first; final snapshots, backups and the secret recovery window
    stay). Without effect elsewhere: dev/test environments are always destroyable."""

    alert_https_url: str = ""
    """HTTPS endpoint (an incident-management webhook) subscribed to the alert topics in
    both regions. Empty: none. Production needs this or ``alert_email``."""

    probe_region: str = "us-west-2"
    """Third region, neither the primary nor the secondary, that runs a probe of the
    primary's direct ``/health`` every minute, with its alarm: one of the two independent
    vantage points (with the secondary region) from which the failover orchestrator decides
    that the primary region is down when no us-east-1 signal can be read."""

    owner: str = "platform-engineering"
    """Owner tag."""

    cost_center: str = "payments"
    """CostCenter tag."""

    data_classification: str = "confidential"
    """DataClassification tag."""

    def __post_init__(self) -> None:
        check_all(
            [
                (
                    Rule(
                        "suffix",
                        matches(rf"(?=.{{1,{SUFFIX_MAX_LENGTH}}}$)[a-z][a-z0-9]*(-[a-z0-9]+)*"),
                        f"1-{SUFFIX_MAX_LENGTH} characters: lowercase letters, digits and single "
                        "hyphens, starting with a letter and not ending with a hyphen",
                    ),
                    self.suffix,
                ),
            ]
        )
        Rule(
            "name_prefix",
            matches(rf"(?=.{{1,{NAME_PREFIX_MAX_LENGTH}}}$)[a-z][a-z0-9]*(-[a-z0-9]+)*"),
            f"1-{NAME_PREFIX_MAX_LENGTH} characters: lowercase letters, digits and single "
            "hyphens, starting with a letter and not ending with a hyphen",
        ).apply(self.name_prefix)
        check_all(
            [
                (Rule("owner", matches(_TAG_VALUE), "1-256 tag value characters"), self.owner),
                (
                    Rule("cost_center", matches(_TAG_VALUE), "1-256 tag value characters"),
                    self.cost_center,
                ),
                (
                    Rule("data_classification", matches(_TAG_VALUE), "1-256 tag value characters"),
                    self.data_classification,
                ),
            ]
        )
        Rule[int](
            "log_retention_days",
            lambda v: v in LOG_RETENTION_DAYS and not isinstance(v, bool),
            f"one of the CloudWatch Logs retention values {LOG_RETENTION_DAYS}",
        ).apply(self.log_retention_days)
        self._check_region_pair()
        self._check_edge()
        self._check_cidrs()
        self._check_az_ids()
        self._check_endpoints()
        self._check_state()
        self._check_probe_region()
        self._check_data_protection()
        self._check_paging()
        self._check_production_inputs()
        self._check_lambda_faults()
        self._check_names()

    def _check_data_protection(self) -> None:
        low, high = BACKUP_RETENTION_RANGE
        minimum = PRODUCTION_MIN_BACKUP_RETENTION_DAYS if self.production else low
        check_all(
            [
                (
                    Rule[int](
                        "backup_retention_days",
                        in_range(minimum, high),
                        f"{minimum} to {high} days"
                        + (" (production keeps at least a week)" if self.production else ""),
                    ),
                    self.backup_retention_days,
                ),
            ]
        )
        low, high = AURORA_INSTANCE_RANGE
        count = self.aurora_instances_per_cluster
        if not (in_range(0, 0)(count) or in_range(low, high)(count)):
            raise ConfigError(
                "aurora_instances_per_cluster",
                count,
                f"0 (2 in production, 1 otherwise) or {low} to {high}",
            )
        if self.production and count == 1:
            raise ConfigError(
                "aurora_instances_per_cluster",
                count,
                f"2 to {high} in production: with one instance, an instance or AZ loss "
                "becomes a cross-region failover that can lose writes",
            )
        low, high = GLOBAL_DB_RPO_RANGE
        rpo = self.aurora_global_db_rpo_seconds
        if not (in_range(0, 0)(rpo) or in_range(low, high)(rpo)):
            raise ConfigError(
                "aurora_global_db_rpo_seconds",
                rpo,
                f"0 (unset) or {low} to {high} seconds (rds.global_db_rpo accepts 20 or more; "
                "the business RPO is 900)",
            )

    def _check_production_inputs(self) -> None:
        if not self.production:
            return
        zone = self.hosted_zone_name
        if any(zone == name or zone.endswith("." + name) for name in RESERVED_DNS_NAMES):
            raise ConfigError(
                "hosted_zone_name",
                zone,
                "a zone you own: production refuses the names reserved for examples and "
                f"tests (RFC 2606: {', '.join(RESERVED_DNS_NAMES)})",
            )
        if self.state.kind == "s3" and not self.state.bucket:
            raise ConfigError(
                "state.bucket",
                self.state.bucket,
                "the name of the state bucket you created (docs/deployment.md, step 2): "
                f"production does not fall back to the default {self.state_bucket}",
            )

    def _check_paging(self) -> None:
        Rule[str](
            "alert_https_url",
            lambda v: v == "" or (len(v) <= 2048 and matches(_HTTPS_URL)(v)),
            "empty, or an https:// URL (SNS delivers to HTTPS endpoints; plain HTTP is refused)",
        ).apply(self.alert_https_url)
        if self.production and not self.alert_email and not self.alert_https_url:
            raise ConfigError(
                "alert_email",
                self.alert_email,
                "an e-mail address, or alert_https_url set: a production environment must page "
                "a person (signals_unreadable, failover_failed and secondary_unhealthy reach no "
                "one otherwise)",
            )

    def _check_edge(self) -> None:
        check_all(
            [
                (
                    Rule[str](
                        "hosted_zone_name",
                        matches(_DNS_NAME),
                        "a DNS name such as " "payments.example.com (lowercase, no trailing dot)",
                    ),
                    self.hosted_zone_name,
                ),
                (
                    Rule[str](
                        "domain_name",
                        lambda v: v == "" or matches(_DNS_NAME)(v),
                        "empty, or a DNS name",
                    ),
                    self.domain_name,
                ),
                (
                    Rule[str](
                        "alert_email",
                        lambda v: v == "" or matches(_EMAIL)(v),
                        "empty, or an e-mail address",
                    ),
                    self.alert_email,
                ),
            ]
        )
        domain = self.api_domain_name
        if not domain.endswith("." + self.hosted_zone_name):
            raise ConfigError(
                "domain_name", domain, f"a name inside the hosted zone {self.hosted_zone_name}"
            )
        self._check_certificate_names()
        check_all(
            [
                (
                    Rule[int]("api_throttle_rate", in_range(1, 10000), "1 to 10000"),
                    self.api_throttle_rate,
                ),
                (
                    Rule[int]("api_throttle_burst", in_range(1, 5000), "1 to 5000"),
                    self.api_throttle_burst,
                ),
                (
                    Rule[int](
                        "replication_lag_alarm_seconds",
                        in_range(1, 600),
                        "1 to 600 (the RPO objective is 900)",
                    ),
                    self.replication_lag_alarm_seconds,
                ),
                (
                    Rule[int]("failover_consecutive_checks", in_range(1, 10), "1 to 10"),
                    self.failover_consecutive_checks,
                ),
                (
                    Rule[int]("orchestrator_schedule_minutes", in_range(1, 10), "1 to 10"),
                    self.orchestrator_schedule_minutes,
                ),
            ]
        )
        for name in (
            "create_hosted_zone",
            "manage_api_gateway_account",
            "waf_enabled",
            "auto_failover_enabled",
            "production",
            "allow_destroy",
        ):
            value = getattr(self, name)
            if not isinstance(value, bool):
                raise ConfigError(name, value, "true or false")
        if self.gameday_experiments is not None and not isinstance(self.gameday_experiments, bool):
            raise ConfigError("gameday_experiments", self.gameday_experiments, "true or false")

    def _check_lambda_faults(self) -> None:
        if not isinstance(self.gameday_lambda_faults, bool):
            raise ConfigError("gameday_lambda_faults", self.gameday_lambda_faults, "true or false")
        layer = self.gameday_fis_extension_layer_arn
        expected = fis_extension_layer_pattern(self.regions.primary)
        allowed = (
            f"the AWS FIS Lambda extension's layer version ARN for {self.regions.primary} and "
            f"{FIS_EXTENSION_ARCHITECTURE} (arn:aws:lambda:{self.regions.primary}:<account>:layer:"
            f"aws-fis-extension-{FIS_EXTENSION_ARCHITECTURE}:<version>), the value of the public "
            f"SSM parameter {FIS_EXTENSION_SSM_PARAMETER} in {self.regions.primary}"
        )
        if not isinstance(layer, str) or (layer and re.fullmatch(expected, layer) is None):
            raise ConfigError("gameday_fis_extension_layer_arn", layer, allowed)
        if not self.gameday_lambda_faults:
            return
        if not self.gameday_experiments_enabled:
            raise ConfigError(
                "gameday_lambda_faults",
                self.gameday_lambda_faults,
                "false while the game-day experiments are off: set gameday_experiments = true "
                "as well (production has none unless it says so)",
            )
        if not layer:
            raise ConfigError("gameday_fis_extension_layer_arn", layer, allowed)

    def _check_certificate_names(self) -> None:
        limit = CERTIFICATE_DOMAIN_MAX_OCTETS
        hostnames = [
            ("domain_name" if self.domain_name else "hosted_zone_name", self.api_domain_name)
        ]
        hostnames += [
            ("hosted_zone_name", self.direct_api_domain_name(role)) for role in RegionRole
        ]
        for field_name, hostname in hostnames:
            if len(hostname) > limit:
                value = self.domain_name if field_name == "domain_name" else self.hosted_zone_name
                raise ConfigError(
                    field_name,
                    value,
                    f"a name that keeps every certificate's domain name within {limit} "
                    f"characters (ACM RequestCertificate); {hostname} has {len(hostname)}",
                )

    def _check_cidrs(self) -> None:
        primary = parse_ipv4_network("primary_cidr", self.primary_cidr)
        secondary = parse_ipv4_network("secondary_cidr", self.secondary_cidr)
        for name, net in (("primary_cidr", primary), ("secondary_cidr", secondary)):
            in_range(16, 24)(net.prefixlen) or _raise(
                name, str(net), "a prefix length from /16 to /24 (room for three /20-/28 subnets)"
            )
            net.is_private or _raise(name, str(net), "a private (RFC 1918) range")
        if primary.overlaps(secondary):
            raise ConfigError(
                "secondary_cidr",
                self.secondary_cidr,
                f"a block that does not overlap primary_cidr ({self.primary_cidr}): "
                "peered VPCs need distinct ranges",
            )

    def _check_az_ids(self) -> None:
        for role in RegionRole:
            name = f"{role.value}_az_ids"
            az_ids = self.az_ids_for(role)
            validate_az_ids(name, az_ids, self.regions.region_for(role))

    def _check_endpoints(self) -> None:
        allowed = f"a subset of {INTERFACE_ENDPOINT_SERVICES} without repeats"
        endpoints = self.interface_endpoints
        if not isinstance(endpoints, tuple) or len(set(endpoints)) != len(endpoints):
            raise ConfigError("interface_endpoints", endpoints, allowed)
        for service in endpoints:
            if service not in INTERFACE_ENDPOINT_SERVICES:
                raise ConfigError("interface_endpoints", service, allowed)

    def _check_state(self) -> None:
        state = self.state
        if state.kind not in ("s3", "local"):
            raise ConfigError("state.kind", state.kind, "'s3' or 'local'")
        validate_aws_partition("state.region", state.region)
        if state.kind == "s3" and state.region == self.regions.primary:
            raise ConfigError(
                "state.region",
                state.region,
                f"a region other than the primary region ({self.regions.primary}), so that "
                "state stays readable while the primary region is down",
            )
        try:
            ResourceKind.S3_BUCKET.value.check(self.state_bucket)
        except ConfigError as exc:
            raise ConfigError("state.bucket", self.state_bucket, exc.allowed) from exc
        Rule(
            "state.key_prefix",
            matches(r"[a-zA-Z0-9_.-]+(/[a-zA-Z0-9_.-]+)*"),
            "path segments of letters, digits, '_.-' separated by '/'",
        ).apply(state.key_prefix)

    def _check_region_pair(self) -> None:
        if self.regions.primary != ROUTE53_METRICS_REGION:
            raise ConfigError(
                "regions.primary",
                self.regions.primary,
                f"{ROUTE53_METRICS_REGION}: Route 53 publishes health-check metrics only there, "
                "and the primary-health alarm is created with the primary region's provider",
            )

    def _check_probe_region(self) -> None:
        validate_aws_partition("probe_region", self.probe_region)
        region_code(self.probe_region)
        pair = (self.regions.primary, self.regions.secondary)
        if self.probe_region in pair:
            raise ConfigError(
                "probe_region",
                self.probe_region,
                f"a third region, neither the primary ({pair[0]}) nor the secondary "
                f"({pair[1]}): a probe there is an independent vantage point",
            )

    def _names_too_long(self, exc: ConfigError) -> ConfigError:
        if self.name_prefix != PROJECT:
            return ConfigError(
                "name_prefix",
                self.name_prefix,
                f"a name_prefix short enough, with the suffix {self.suffix!r}, for every "
                f"generated name; {exc}",
            )
        return ConfigError(
            "suffix", self.suffix, f"a suffix short enough for every generated name; {exc}"
        )

    def _check_names(self) -> None:
        namer = self.namer
        for spec in names.PROBE_NAMES:
            try:
                namer.of(spec, region=self.probe_region)
            except ConfigError as exc:
                raise self._names_too_long(exc) from exc
        for spec in names.ALL:
            for region in (self.regions.primary, self.regions.secondary):
                try:
                    namer.of(spec, region=region)
                    if spec is names.AURORA_INSTANCE:  # the longest: the last instance's
                        namer.name(
                            spec.kind,
                            aurora_instance_component(self.aurora_instance_count - 1),
                            region=region,
                        )
                except ConfigError as exc:
                    raise self._names_too_long(exc) from exc

    @property
    def namer(self) -> Namer:
        """The name builder for this environment's suffix and name prefix."""
        return Namer(self.suffix, self.name_prefix)

    @property
    def aurora_instance_count(self) -> int:
        """Instances per Aurora cluster: the configured count, or the profile's default."""
        if self.aurora_instances_per_cluster:
            return self.aurora_instances_per_cluster
        return 2 if self.production else 1

    @property
    def gameday_experiments_enabled(self) -> bool:
        """Whether the stacks hold the game-day experiment templates: ``gameday_experiments``
        when set, else on outside production and off in production."""
        if self.gameday_experiments is not None:
            return self.gameday_experiments
        return not self.production

    @property
    def data_protection(self) -> DataProtection:
        """What the profile (``production`` or not) turns on for the data stores."""
        if self.production:
            return DataProtection(
                deletion_protection=not self.allow_destroy,
                final_snapshot=True,
                force_destroy=self.allow_destroy,
                secret_recovery_window_days=PRODUCTION_SECRET_RECOVERY_WINDOW_DAYS,
                keep_automated_backups=True,
            )
        return DataProtection()

    @property
    def alert_endpoints(self) -> tuple[tuple[str, str], ...]:
        """(protocol, endpoint) of every human subscriber of the alert topics."""
        endpoints: list[tuple[str, str]] = []
        if self.alert_email:
            endpoints.append(("email", self.alert_email))
        if self.alert_https_url:
            endpoints.append(("https", self.alert_https_url))
        return tuple(endpoints)

    @property
    def api_domain_name(self) -> str:
        """The API's custom domain (``domain_name``, or ``api-<suffix>.<hosted zone>``)."""
        return self.domain_name or f"api-{self.suffix}.{self.hosted_zone_name}"

    def direct_api_domain_name(self, role: RegionRole) -> str:
        """``api-<region code>-<suffix>.<hosted zone>``: the API of ``role``'s region alone
        (health checks, and operators reaching one region directly)."""
        code = region_code(self.regions.region_for(role))
        return f"api-{code}-{self.suffix}.{self.hosted_zone_name}"

    @property
    def state_bucket(self) -> str:
        """The state bucket name, defaulted from the suffix."""
        return self.state.bucket or f"{self.name_prefix}-tfstate-{self.suffix}"

    def state_key(self, stack_name: str) -> str:
        """``<key_prefix>/<suffix>/<stack>.tfstate``."""
        return f"{self.state.key_prefix}/{self.suffix}/{stack_name}.tfstate"

    def stack_name(self, role: RegionRole) -> str:
        """``payment-dr-<suffix>-primary`` or ``payment-dr-<suffix>-secondary``."""
        return f"payment-dr-{self.suffix}-{role.value}"

    def az_ids_for(self, role: RegionRole) -> tuple[str, ...]:
        """The AZ IDs of ``role``'s private subnets."""
        return self.primary_az_ids if role is RegionRole.PRIMARY else self.secondary_az_ids

    def cidr_for(self, role: RegionRole) -> str:
        """The VPC CIDR of ``role``'s region."""
        return self.primary_cidr if role is RegionRole.PRIMARY else self.secondary_cidr


def validate_az_ids(field_name: str, az_ids: object, region: str) -> tuple[str, ...]:
    """2 or 3 distinct AZ IDs of ``region`` (``use1-az1`` for us-east-1)."""
    prefix = region_code(region)
    allowed = f"2 or 3 distinct AZ IDs of {region}, like {prefix}-az1"
    if (
        not isinstance(az_ids, tuple)
        or not 2 <= len(az_ids) <= 3
        or len(set(az_ids)) != len(az_ids)
    ):
        raise ConfigError(field_name, az_ids, allowed)
    for az_id in az_ids:
        if not isinstance(az_id, str) or re.fullmatch(rf"{prefix}-az\d{{1,2}}", az_id) is None:
            raise ConfigError(field_name, az_id, allowed)
    return az_ids


def _raise(field_name: str, value: object, allowed: str) -> bool:
    raise ConfigError(field_name, value, allowed)


_TOP_LEVEL = {f.name for f in dataclasses.fields(EnvironmentConfig)} - {"suffix"}
_STATE_KEYS = {f.name for f in dataclasses.fields(StateBackendConfig)}
_REGION_KEYS = {f.name for f in dataclasses.fields(RegionPair)}


_EXPECTED: dict[str, tuple[tuple[type, ...], str]] = {
    "int": ((int,), "an integer"),
    "str": ((str,), "a string"),
    "bool": ((bool,), "true or false"),
    "float": ((int, float), "a number"),
}


def _toml_type(value: object) -> str:
    """What a parsed TOML value is, in the words of the TOML spec."""
    if isinstance(value, bool):
        return "a boolean"
    for kind, words in ((int, "an integer"), (float, "a float"), (str, "a string")):
        if isinstance(value, kind):
            return words
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    return type(value).__name__


def _check_types(prefix: str, cls: type, table: Mapping[str, Any]) -> None:
    """Refuse a value of the wrong TOML type (``"7"`` or ``7.5`` for an integer) as a type error."""
    hints = {f.name: str(f.type) for f in dataclasses.fields(cls)}
    for key, value in table.items():
        hint = hints.get(key, "")
        expected = _EXPECTED.get(hint)
        if expected is not None:
            kinds, words = expected
            wrong_bool = isinstance(value, bool) and hint != "bool"
            if wrong_bool or not isinstance(value, kinds):
                raise ConfigError(
                    f"{prefix}{key}", value, f"{words} (type error: got {_toml_type(value)})"
                )
        elif hint == "tuple[str, ...]" and (
            not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value)
        ):
            raise ConfigError(
                f"{prefix}{key}",
                value,
                f"an array of strings (type error: got {_toml_type(value)})",
            )


def _unknown(key: str, value: object, known: set[str], *, prefix: str = "") -> UnknownKeyError:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return UnknownKeyError(f"{prefix}{key}", value, f"{prefix}{close[0]}" if close else None)


def config_from_mapping(suffix: str, data: Mapping[str, Any]) -> EnvironmentConfig:
    """Build a config from parsed TOML; unknown keys are refused, not ignored, and a value of
    the wrong type is a type error naming the key."""
    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise _unknown(unknown[0], data[unknown[0]], _TOP_LEVEL)
    _check_types("", EnvironmentConfig, data)
    values: dict[str, Any] = dict(data)
    for key, allowed_keys, kind in (
        ("state", _STATE_KEYS, StateBackendConfig),
        ("regions", _REGION_KEYS, RegionPair),
    ):
        if key in values:
            table = values[key]
            if not isinstance(table, Mapping):
                raise ConfigError(key, table, f"a table with keys {sorted(allowed_keys)}")
            extra = sorted(set(table) - allowed_keys)
            if extra:
                raise _unknown(extra[0], table[extra[0]], allowed_keys, prefix=f"{key}.")
            _check_types(f"{key}.", kind, table)
            values[key] = kind(**table)
    for key in ("interface_endpoints", "primary_az_ids", "secondary_az_ids"):
        if isinstance(values.get(key), list):
            values[key] = tuple(values[key])
    return EnvironmentConfig(suffix=suffix, **values)


def load_config(
    environ: Mapping[str, str] | None = None, environments_dir: Path | None = None
) -> EnvironmentConfig:
    """Load the config of the environment named by ``ENVIRONMENT_SUFFIX``.

    ``PAYMENT_DR_BACKEND=local`` switches the state backend to local, whatever the file says.
    """
    env = os.environ if environ is None else environ
    suffix = env.get("ENVIRONMENT_SUFFIX", DEFAULT_SUFFIX)
    data: dict[str, Any] = {}
    if environments_dir is not None and _safe_file_name(suffix):
        path = environments_dir / f"{suffix}.toml"
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise TomlSyntaxError(path, str(exc)) from exc
    backend = env.get("PAYMENT_DR_BACKEND")
    if backend is not None:
        if backend not in ("s3", "local"):
            raise ConfigError("PAYMENT_DR_BACKEND", backend, "'s3' or 'local'")
        state = dict(cast(Mapping[str, Any], data.get("state", {})))
        state["kind"] = backend
        data["state"] = state
    return config_from_mapping(suffix, data)


def _safe_file_name(suffix: str) -> bool:
    # The suffix is validated by EnvironmentConfig; refuse to read a path built from a bad one.
    return suffix.replace("-", "").isalnum() and suffix == suffix.lower()
