"""``payment-dr preflight``: what a first apply needs that cannot be checked offline.

Each check runs with the operator's credentials and prints one PASS or FAIL line; the
command exits non-zero when any check fails. Read-only: it creates nothing.

* the S3 bucket names of both regions are free (bucket names are global across all
  accounts: ``HeadBucket`` answers 404 for a free name, 403 for another account's);
* the hosted zone exists, and public DNS serves the zone's own name servers for it
  (``GetHostedZone`` delegation set compared with an NS lookup, with a timeout);
* the Terraform state bucket exists with versioning enabled (``GetBucketVersioning``);
* the unreserved Lambda concurrency of each region covers the API stage's steady rate
  at one second per request, plus the other functions (``GetAccountSettings``);
* the pinned Aurora PostgreSQL version is orderable as ``db.serverless`` in each region
  (``DescribeOrderableDBInstanceOptions``);
* unless the environment manages it (``manage_api_gateway_account``), API Gateway's account
  setting in each region names a CloudWatch Logs role (``GetAccount``
  ``cloudwatchRoleArn``): a stage with access or execution logging is refused without it;
* the two secrets whose values an operator writes after the first apply (the API client key
  hashes, docs/deployment.md 4b, and the payment id key, 4c) hold a value in each region:
  ``DescribeSecret`` lists a version labelled ``AWSCURRENT`` (``VersionIdsToStages``; the
  value itself is never read). Before the first apply they do not exist yet, which passes;
  afterwards a secret without a value fails, because clients get 503 from the authorizer until
  the key hashes exist and the API answers 500 ``id_key_misconfigured`` for new payments until
  the id key does.

It also prints, without passing or failing on it, the global writer endpoint's live DNS chain
next to the writer per ``DescribeGlobalClusters`` and whether they agree
(:func:`payment_service.writer_sources.compare_writer_sources`, the comparison ``payment-dr
status`` prints too): once the environment exists, the first deployment shows whether the
chain passes through the writer's cluster endpoint. The write fence does not depend on it.

Self-contained on purpose: it builds its own boto3 clients (short timeouts, two
attempts) and does not depend on the other commands' client helpers.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dr_app.cli.context import CliContext, Exit
from dr_app.cli.output import emit
from dr_app.cli.preflight_dns import DnsLookupError, lookup_ns
from payment_dr_core import EnvironmentConfig, names
from payment_dr_core.naming import ResourceKind
from payment_service.writer_sources import (
    Resolver,
    WriterComparison,
    dns_alias_chain,
    read_writer_sources,
)

SERVERLESS_CLASS = "db.serverless"
ENGINE = "aurora-postgresql"
CONCURRENCY_HEADROOM = 10
"""Concurrent executions for the functions other than the API (authorizer cache misses,
migrations, the orchestrator) on top of the API's own."""
REQUEST_SECONDS = 1.0
"""Execution time budgeted per API request (its p99 objective): at ``api_throttle_rate``
requests per second, the API holds about rate x seconds executions at once."""

ClientMaker = Callable[[str, str], Any]
NsLookup = Callable[[str], set[str]]


@dataclass(frozen=True)
class CheckResult:
    """One line of the report."""

    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.detail}"


def boto3_client(service: str, region: str) -> Any:
    """A client with short timeouts: a region that does not answer fails the check."""
    import boto3  # type: ignore[import-untyped]  # imported here: keeps the CLI start fast
    from botocore.config import Config  # type: ignore[import-untyped]

    config = Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 2})
    return boto3.client(service, region_name=region, config=config)


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def check_bucket_names(config: EnvironmentConfig, client: ClientMaker) -> list[CheckResult]:
    """HeadBucket on every bucket name the stacks create."""
    s3 = client("s3", config.regions.primary)
    results = []
    for region in (config.regions.primary, config.regions.secondary):
        for spec in (names.DATA_BUCKET, names.ACCESS_LOG_BUCKET):
            bucket = config.namer.of(spec, region=region)
            check = f"bucket name {bucket}"
            try:
                s3.head_bucket(Bucket=bucket)
            except Exception as exc:
                code = _error_code(exc)
                if code in {"404", "NoSuchBucket", "NotFound"}:
                    results.append(CheckResult(check, True, "free"))
                elif code in {"403", "AccessDenied", "Forbidden"}:
                    results.append(
                        CheckResult(check, False, "taken by another AWS account: change the suffix")
                    )
                elif code:
                    results.append(
                        CheckResult(check, False, f"exists already ({code}): import or delete it")
                    )
                else:
                    results.append(CheckResult(check, False, f"could not check: {exc}"))
                continue
            results.append(
                CheckResult(check, False, "exists already in this account: import or delete it")
            )
    return results


def _normalize(servers: object) -> set[str]:
    if not isinstance(servers, list):
        return set()
    return {str(s).lower().rstrip(".") for s in servers}


def check_hosted_zone(
    config: EnvironmentConfig, client: ClientMaker, ns_lookup: NsLookup
) -> CheckResult:
    """The public zone exists and public DNS answers with its name servers."""
    zone = config.hosted_zone_name
    check = f"hosted zone {zone}"
    route53 = client("route53", "us-east-1")
    try:
        listed = route53.list_hosted_zones_by_name(DNSName=zone, MaxItems="10")["HostedZones"]
    except Exception as exc:
        return CheckResult(check, False, f"could not list hosted zones: {exc}")
    public = [
        z
        for z in listed
        if z["Name"].rstrip(".") == zone and not z.get("Config", {}).get("PrivateZone", False)
    ]
    if not public:
        if config.create_hosted_zone:
            return CheckResult(
                check,
                True,
                "does not exist yet and the apply creates it: delegate it from the parent "
                "zone as soon as it exists (certificate validation waits for delegation)",
            )
        return CheckResult(
            check, False, "no public hosted zone with this name (create_hosted_zone is false)"
        )
    if len(public) > 1:
        return CheckResult(check, False, f"{len(public)} public zones have this name: keep one")
    zone_id = public[0]["Id"]
    try:
        expected = _normalize(route53.get_hosted_zone(Id=zone_id)["DelegationSet"]["NameServers"])
    except Exception as exc:
        return CheckResult(check, False, f"could not read the delegation set: {exc}")
    try:
        served = ns_lookup(zone)
    except DnsLookupError as exc:
        return CheckResult(check, False, f"not delegated: NS lookup failed: {exc}")
    if served != expected:
        return CheckResult(
            check,
            False,
            f"not delegated to this zone: DNS serves {sorted(served) or 'no NS'}, the zone's "
            f"name servers are {sorted(expected)}",
        )
    return CheckResult(check, True, f"exists ({zone_id}) and is delegated to its name servers")


def check_state_bucket(config: EnvironmentConfig, client: ClientMaker) -> CheckResult:
    """The S3 backend's bucket exists with versioning (state history survives mistakes)."""
    state = config.state
    if state.kind != "s3":
        return CheckResult("state bucket", True, "local backend: nothing to check")
    bucket = config.state_bucket
    check = f"state bucket {bucket} ({state.region})"
    try:
        status = client("s3", state.region).get_bucket_versioning(Bucket=bucket).get("Status")
    except Exception as exc:
        code = _error_code(exc)
        if code in {"NoSuchBucket", "404"}:
            return CheckResult(check, False, "does not exist: create it with versioning first")
        return CheckResult(check, False, f"could not read versioning: {code or exc}")
    if status != "Enabled":
        return CheckResult(check, False, f"versioning is {status or 'never enabled'}: enable it")
    return CheckResult(check, True, "exists, versioning enabled")


def check_lambda_concurrency(
    config: EnvironmentConfig, client: ClientMaker, region: str
) -> CheckResult:
    """Unreserved concurrency covers the API's steady rate plus the other functions."""
    api = math.ceil(config.api_throttle_rate * REQUEST_SECONDS)
    required = api + CONCURRENCY_HEADROOM
    check = f"Lambda concurrency {region}"
    try:
        limits = client("lambda", region).get_account_settings()["AccountLimit"]
    except Exception as exc:
        return CheckResult(check, False, f"could not read account settings: {exc}")
    unreserved = int(limits.get("UnreservedConcurrentExecutions", 0))
    total = int(limits.get("ConcurrentExecutions", 0))
    if unreserved < required:
        return CheckResult(
            check,
            False,
            f"{unreserved} unreserved of {total}; need {required} (api_throttle_rate "
            f"{config.api_throttle_rate}/s x {REQUEST_SECONDS:g} s + {CONCURRENCY_HEADROOM}): "
            "request a quota increase",
        )
    return CheckResult(check, True, f"{unreserved} unreserved of {total}; need {required}")


def check_orderable(engine_version: str, client: ClientMaker, region: str) -> CheckResult:
    """The pinned version is offered as db.serverless in ``region``."""
    check = f"Aurora PostgreSQL {engine_version} {SERVERLESS_CLASS} {region}"
    rds = client("rds", region)
    marker: str | None = None
    try:
        for _ in range(20):
            kwargs: dict[str, Any] = {
                "Engine": ENGINE,
                "EngineVersion": engine_version,
                "DBInstanceClass": SERVERLESS_CLASS,
            }
            if marker:
                kwargs["Marker"] = marker
            page = rds.describe_orderable_db_instance_options(**kwargs)
            # Filtered again here: the answer is trusted only for the class asked for.
            if any(
                o.get("DBInstanceClass") == SERVERLESS_CLASS
                and o.get("EngineVersion") == engine_version
                for o in page.get("OrderableDBInstanceOptions", [])
            ):
                return CheckResult(check, True, "orderable")
            marker = page.get("Marker")
            if not marker:
                break
    except Exception as exc:
        return CheckResult(check, False, f"could not list orderable options: {exc}")
    return CheckResult(check, False, "not orderable: pick a version this region offers")


def check_api_gateway_account(
    config: EnvironmentConfig, client: ClientMaker, region: str
) -> CheckResult:
    """The account's API Gateway CloudWatch Logs role is set (or this environment sets it)."""
    check = f"API Gateway logging role {region}"
    if config.manage_api_gateway_account:
        return CheckResult(check, True, "managed by this environment (manage_api_gateway_account)")
    try:
        role = client("apigateway", region).get_account().get("cloudwatchRoleArn")
    except Exception as exc:
        return CheckResult(check, False, f"could not read the account setting: {exc}")
    if not role:
        return CheckResult(
            check,
            False,
            "not set: stages cannot log until it is; set it once per account and region "
            "(docs/deployment.md) or set manage_api_gateway_account = true in one environment",
        )
    return CheckResult(check, True, f"set to {role}")


#: Secrets whose value an operator writes after the first apply: (name component, what it
#: holds, the deployment guide's step). The components are those of
#: payment_dr_compute.client_keys and payment_dr_compute.payment_id_key (tests pin them).
OPERATOR_SECRETS = (
    ("api-client-keys", "the API client key hashes", "docs/deployment.md, 4b"),
    ("payment-id-key", "the payment id key", "docs/deployment.md, 4c"),
)


def check_secret_value(
    config: EnvironmentConfig, client: ClientMaker, region: str, component: str
) -> CheckResult:
    """The secret ``component`` holds a current value in ``region`` (or does not exist yet)."""
    name = config.namer.name(ResourceKind.SECRET, component)
    what, step = next((w, s) for c, w, s in OPERATOR_SECRETS if c == component)
    check = f"secret {name} {region}"
    try:
        described = client("secretsmanager", region).describe_secret(SecretId=name)
    except Exception as exc:
        if _error_code(exc) == "ResourceNotFoundException":
            return CheckResult(
                check, True, f"not created yet: after the first apply write {what} ({step})"
            )
        return CheckResult(check, False, f"could not describe it: {exc}")
    stages = described.get("VersionIdsToStages") or {}
    if any("AWSCURRENT" in labels for labels in stages.values()):
        return CheckResult(check, True, f"holds {what}")
    detail = f"has no value: write {what} ({step}); until then the API cannot serve payments"
    return CheckResult(check, False, detail)


def writer_sources(
    config: EnvironmentConfig, client: ClientMaker, resolve: Resolver | None = None
) -> tuple[WriterComparison, list[str]]:
    """The global writer endpoint's DNS chain against DescribeGlobalClusters (secondary
    region first), and its report lines; before the first apply it says so."""
    global_cluster = config.namer.of(names.AURORA_GLOBAL_CLUSTER)
    regions = (config.regions.secondary, config.regions.primary)
    comparison = read_writer_sources(
        [(region, client("rds", region)) for region in regions],
        global_cluster,
        resolve=resolve or dns_alias_chain,
    )
    failures = (comparison.api_error or "").split("; ")
    if comparison.api_error and all(
        "GlobalClusterNotFoundFault" in failure or "not found" in failure for failure in failures
    ):
        return comparison, [
            f"global writer endpoint: the global cluster {global_cluster} does not exist yet; "
            "after the first apply, preflight and status compare its DNS chain with "
            "DescribeGlobalClusters"
        ]
    return comparison, comparison.lines()


def run_checks(
    config: EnvironmentConfig,
    engine_version: str,
    client: ClientMaker = boto3_client,
    ns_lookup: NsLookup = lookup_ns,
) -> list[CheckResult]:
    """Every check, in report order."""
    regions = (config.regions.primary, config.regions.secondary)
    results = check_bucket_names(config, client)
    results.append(check_hosted_zone(config, client, ns_lookup))
    results.append(check_state_bucket(config, client))
    results += [check_lambda_concurrency(config, client, region) for region in regions]
    results += [check_orderable(engine_version, client, region) for region in regions]
    results += [check_api_gateway_account(config, client, region) for region in regions]
    results += [
        check_secret_value(config, client, region, component)
        for component, _what, _step in OPERATOR_SECRETS
        for region in regions
    ]
    return results


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``preflight`` command."""
    parser = subparsers.add_parser(
        "preflight", help="check, read-only, what a first apply needs (names, zone, quotas)"
    )
    parser.set_defaults(run=run)


def run(ctx: CliContext, args: argparse.Namespace) -> int:
    """Run the checks; exit 1 when any fails."""
    config = ctx.config
    if config is None:
        ctx.err.write("payment-dr preflight: no environment configuration\n")
        return int(Exit.USAGE)
    from payment_dr_data.aurora_settings import ENGINE_VERSION

    results = run_checks(config, ENGINE_VERSION)
    failed = [r for r in results if not r.passed]
    comparison, comparison_lines = writer_sources(config, boto3_client)
    document: dict[str, object] = {
        "environment": config.suffix,
        "checks": [{"name": r.name, "passed": r.passed, "detail": r.detail} for r in results],
        "passed": not failed,
        "writer_sources": comparison.to_json(),
    }
    lines = [r.line() for r in results]
    lines.extend(comparison_lines)
    lines.append(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    emit(ctx, document, lines)
    return int(Exit.FAILED) if failed else int(Exit.OK)
