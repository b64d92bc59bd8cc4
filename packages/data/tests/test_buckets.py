from __future__ import annotations

import json
from typing import Any

import pytest
from cdktf import TerraformOutput, TerraformStack
from cdktf import Testing as TfTesting
from cdktf_cdktf_provider_aws.provider import AwsProvider

from data_testing import (
    PRIMARY,
    PRIMARY_KEY,
    SECONDARY,
    SECONDARY_KEY,
    SECONDARY_PROVIDER,
    address,
    output,
    reference,
    secondary_provider,
)
from payment_dr_core import ConfigError, Namer, NameSpec, ResourceKind, names
from payment_dr_core.testing import Json, Synth, synth_stack
from payment_dr_data import (
    AccessLogBucket,
    AccessLogBucketProps,
    BucketReplication,
    BucketReplicationProps,
    SecureBucket,
    SecureBucketProps,
)

SOURCE_NAME = "payment-processing-data-use1-test"
SOURCE_ARN = f"arn:aws:s3:::{SOURCE_NAME}"
PRIMARY_REGION_PROVIDER = "aws.primary_region"
DATA = ("data_", "data-secondary_")
LOGS = ("logs_", "logs-secondary_")


@pytest.fixture(scope="module")
def synth() -> Synth:
    def build(stack: TerraformStack) -> None:
        namer = Namer("test")
        secondary = secondary_provider(stack)
        # The replication lives in the secondary stack with an aliased primary-region provider.
        primary_region = AwsProvider(
            stack, "aws-primary-region", alias="primary_region", region=PRIMARY
        )
        logs = AccessLogBucket(stack, "logs", AccessLogBucketProps(namer=namer, region=PRIMARY))
        logs_secondary = AccessLogBucket(
            stack,
            "logs-secondary",
            # The secondary-region pair as a production environment builds them.
            AccessLogBucketProps(
                namer=namer, region=SECONDARY, force_destroy=False, provider=secondary
            ),
        )
        source = SecureBucket(
            stack,
            "data",
            SecureBucketProps(
                namer=namer,
                region=PRIMARY,
                kms_key_arn=PRIMARY_KEY,
                access_logs=logs,
            ),
        )
        destination = SecureBucket(
            stack,
            "data-secondary",
            SecureBucketProps(
                namer=namer,
                region=SECONDARY,
                kms_key_arn=SECONDARY_KEY,
                access_logs=logs_secondary,
                force_destroy=False,
                provider=secondary,
            ),
        )
        replication = BucketReplication(
            stack,
            "replication",
            BucketReplicationProps(
                namer=namer,
                source_region=PRIMARY,
                source_bucket_name=source.bucket_name,
                source_bucket_arn=source.bucket_arn,
                source_kms_key_arn=PRIMARY_KEY,
                destination=destination,
                depends_on=(source.versioning,),
                provider=primary_region,
            ),
        )
        attributes = {
            "source-name": source.bucket_name,
            "source-arn": source.bucket_arn,
            "source-domain": source.bucket_regional_domain_name,
            "destination-name": destination.bucket_name,
            "destination-arn": destination.bucket_arn,
            "logs-name": logs.bucket_name,
            "logs-arn": logs.bucket_arn,
            "role-arn": replication.role_arn,
            "role-name": replication.role_name,
        }
        for name, value in attributes.items():
            TerraformOutput(stack, name, value=value)
        assert replication.rule_id == "replicate-everything"
        assert (source.region, destination.region) == (PRIMARY, SECONDARY)

    return synth_stack(build, region=PRIMARY)


def each(synth: Synth, kind: str, prefixes: tuple[str, ...]) -> list[tuple[str, Json]]:
    return [(prefix, synth.find(kind, prefix)) for prefix in prefixes]


def test_buckets_have_regional_names_and_force_destroy_as_asked(synth: Synth) -> None:
    expected = {
        "data_": ("payment-processing-data-use1-test", None, True),
        "data-secondary_": ("payment-processing-data-use2-test", SECONDARY_PROVIDER, False),
        "logs_": ("payment-processing-access-logs-use1-test", None, True),
        "logs-secondary_": (
            "payment-processing-access-logs-use2-test",
            SECONDARY_PROVIDER,
            False,
        ),
    }
    assert len(synth.resources("aws_s3_bucket")) == 4
    for prefix, (name, provider, force_destroy) in expected.items():
        bucket = synth.find("aws_s3_bucket", prefix)
        assert bucket["bucket"] == name
        assert bucket["force_destroy"] is force_destroy
        assert bucket.get("provider") == provider
        for inline in ("versioning", "server_side_encryption_configuration", "logging", "acl"):
            assert inline not in bucket


def test_versioning_is_enabled_everywhere(synth: Synth) -> None:
    for prefix, versioning in each(synth, "aws_s3_bucket_versioning", DATA + LOGS):
        assert versioning["versioning_configuration"] == {"status": "Enabled"}
        assert versioning["bucket"] == reference("aws_s3_bucket", prefix, synth, "id")


def test_data_buckets_use_sse_kms_with_their_regions_key_and_bucket_keys(synth: Synth) -> None:
    for (prefix, encryption), key in zip(
        each(synth, "aws_s3_bucket_server_side_encryption_configuration", DATA),
        (PRIMARY_KEY, SECONDARY_KEY),
        strict=True,
    ):
        (rule,) = encryption["rule"]
        assert rule["apply_server_side_encryption_by_default"] == {
            "sse_algorithm": "aws:kms",
            "kms_master_key_id": key,
        }
        assert rule["bucket_key_enabled"] is True
        assert encryption["bucket"] == reference("aws_s3_bucket", prefix, synth, "id")


def test_log_buckets_use_sse_s3_because_log_delivery_requires_it(synth: Synth) -> None:
    for _, encryption in each(synth, "aws_s3_bucket_server_side_encryption_configuration", LOGS):
        (rule,) = encryption["rule"]
        assert rule["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}


def test_public_access_is_fully_blocked_and_acls_are_disabled(synth: Synth) -> None:
    assert len(synth.resources("aws_s3_bucket_public_access_block")) == 4
    for block in synth.resources("aws_s3_bucket_public_access_block").values():
        for setting in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        ):
            assert block[setting] is True
    assert len(synth.resources("aws_s3_bucket_ownership_controls")) == 4
    for controls in synth.resources("aws_s3_bucket_ownership_controls").values():
        assert controls["rule"] == {"object_ownership": "BucketOwnerEnforced"}
    assert not synth.resources("aws_s3_bucket_acl")


def test_bucket_policies_deny_requests_without_tls(synth: Synth) -> None:
    for prefix, policy in each(synth, "aws_s3_bucket_policy", DATA + LOGS):
        assert address("aws_s3_bucket_public_access_block", prefix, synth) in policy["depends_on"]
        document = synth.policy_document(policy["policy"])
        deny = next(s for s in document["statement"] if s["sid"] == "DenyInsecureTransport")
        bucket_arn = reference("aws_s3_bucket", prefix, synth, "arn")
        assert deny["effect"] == "Deny"
        assert deny["principals"] == [{"type": "*", "identifiers": ["*"]}]
        assert deny["actions"] == ["s3:*"]
        assert deny["resources"] == [bucket_arn, f"{bucket_arn}/*"]
        assert deny["condition"] == [
            {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}
        ]


def test_data_bucket_policy_grants_nothing(synth: Synth) -> None:
    for _, policy in each(synth, "aws_s3_bucket_policy", DATA):
        document = synth.policy_document(policy["policy"])
        assert all(statement["effect"] == "Deny" for statement in document["statement"])


def test_log_buckets_admit_only_s3_log_delivery_from_this_account(synth: Synth) -> None:
    for prefix, policy in each(synth, "aws_s3_bucket_policy", LOGS):
        document = synth.policy_document(policy["policy"])
        allow = next(s for s in document["statement"] if s["effect"] == "Allow")
        assert allow["principals"] == [
            {"type": "Service", "identifiers": ["logging.s3.amazonaws.com"]}
        ]
        assert allow["actions"] == ["s3:PutObject"]
        assert allow["resources"] == [reference("aws_s3_bucket", prefix, synth, "arn") + "/*"]
        assert allow["condition"][0]["variable"] == "aws:SourceAccount"


def test_lifecycle_expires_noncurrent_versions_and_aborts_uploads(synth: Synth) -> None:
    for prefix, lifecycle in each(synth, "aws_s3_bucket_lifecycle_configuration", DATA):
        (rule,) = lifecycle["rule"]
        assert rule["status"] == "Enabled"
        assert rule["filter"] == [{}]
        assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": 30}]
        assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]
        assert "expiration" not in rule
        assert address("aws_s3_bucket_versioning", prefix, synth) in lifecycle["depends_on"]
    for _, lifecycle in each(synth, "aws_s3_bucket_lifecycle_configuration", LOGS):
        (rule,) = lifecycle["rule"]
        assert rule["expiration"] == [{"days": 365}]


def test_data_buckets_log_access_to_their_regions_log_bucket(synth: Synth) -> None:
    assert len(synth.resources("aws_s3_bucket_logging")) == 2
    for data, logs, name in (
        ("data_", "logs_", "payment-processing-data-use1-test"),
        ("data-secondary_", "logs-secondary_", "payment-processing-data-use2-test"),
    ):
        logging = synth.find("aws_s3_bucket_logging", data)
        assert logging["bucket"] == reference("aws_s3_bucket", data, synth, "id")
        assert logging["target_bucket"] == reference("aws_s3_bucket", logs, synth, "bucket")
        assert logging["target_prefix"] == f"{name}/"
        assert logging["target_object_key_format"] == {
            "partitioned_prefix": {"partition_date_source": "EventTime"}
        }
        # Log delivery is allowed by the log bucket's policy before logging is switched on.
        assert address("aws_s3_bucket_policy", logs, synth) in logging["depends_on"]


def test_data_buckets_send_events_to_eventbridge(synth: Synth) -> None:
    assert len(synth.resources("aws_s3_bucket_notification")) == 2
    for prefix, notification in each(synth, "aws_s3_bucket_notification", DATA):
        assert notification["eventbridge"] is True
        assert notification["bucket"] == reference("aws_s3_bucket", prefix, synth, "id")


def test_one_replication_configuration_from_the_primary_region(synth: Synth) -> None:
    configuration = synth.only("aws_s3_bucket_replication_configuration")
    assert configuration["provider"] == PRIMARY_REGION_PROVIDER
    assert configuration["bucket"] == reference("aws_s3_bucket", "data_", synth, "bucket")
    assert configuration["role"] == reference("aws_iam_role", "replication", synth, "arn")
    assert (
        address("aws_s3_bucket_versioning", "data-secondary_", synth)
        in (configuration["depends_on"])
    )
    assert address("aws_s3_bucket_versioning", "data_", synth) in configuration["depends_on"]


def test_replication_rule_covers_everything_with_rtc_metrics_and_delete_markers(
    synth: Synth,
) -> None:
    (rule,) = synth.only("aws_s3_bucket_replication_configuration")["rule"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == {}
    assert rule["delete_marker_replication"] == {"status": "Enabled"}
    assert rule["source_selection_criteria"] == {"sse_kms_encrypted_objects": {"status": "Enabled"}}
    destination = rule["destination"]
    assert destination["bucket"] == reference("aws_s3_bucket", "data-secondary_", synth, "arn")
    assert destination["encryption_configuration"] == {"replica_kms_key_id": SECONDARY_KEY}
    assert destination["replication_time"] == {"status": "Enabled", "time": {"minutes": 15}}
    assert destination["metrics"] == {"status": "Enabled", "event_threshold": {"minutes": 15}}


def test_replication_role_trusts_s3_for_this_account_only(synth: Synth) -> None:
    role = synth.only("aws_iam_role")
    assert role["name"] == "payment-processing-s3-replication-use1-test"
    assert role["provider"] == PRIMARY_REGION_PROVIDER
    (statement,) = synth.policy_document(role["assume_role_policy"])["statement"]
    assert statement["principals"] == [{"type": "Service", "identifiers": ["s3.amazonaws.com"]}]
    assert statement["actions"] == ["sts:AssumeRole"]
    (condition,) = statement["condition"]
    assert condition["test"] == "StringEquals"
    assert condition["variable"] == "aws:SourceAccount"
    (caller,) = (name for name in synth.data("aws_caller_identity") if "replication" in name)
    assert condition["values"] == [f"${{data.aws_caller_identity.{caller}.account_id}}"]
    assert not synth.resources("aws_iam_role_policy_attachment")
    assert "managed_policy_arns" not in role


def test_replication_policy_is_least_privilege(synth: Synth) -> None:
    policy = synth.only("aws_iam_role_policy")
    assert policy["name"] == "payment-processing-s3-replication-use1-test"
    assert policy["role"] == reference("aws_iam_role", "replication", synth, "id")
    statements = {s["sid"]: s for s in synth.policy_document(policy["policy"])["statement"]}
    source = reference("aws_s3_bucket", "data_", synth, "arn")
    destination = reference("aws_s3_bucket", "data-secondary_", synth, "arn")
    expected = {
        "ReadSourceReplicationConfiguration": (
            ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            [source],
        ),
        "ReadSourceObjectVersions": (
            [
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionTagging",
            ],
            [f"{source}/*"],
        ),
        "WriteDestinationReplicas": (
            ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
            [f"{destination}/*"],
        ),
        "DecryptWithSourceKey": (["kms:Decrypt"], [PRIMARY_KEY]),
        "EncryptWithDestinationKey": (["kms:Encrypt"], [SECONDARY_KEY]),
    }
    assert set(statements) == set(expected)
    for sid, (actions, resources) in expected.items():
        assert statements[sid]["effect"] == "Allow"
        assert statements[sid]["actions"] == actions, sid
        assert statements[sid]["resources"] == resources, sid
    assert statements["DecryptWithSourceKey"]["condition"] == [
        {
            "test": "StringEquals",
            "variable": "kms:ViaService",
            "values": ["s3.us-east-1.amazonaws.com"],
        }
    ]
    assert statements["EncryptWithDestinationKey"]["condition"] == [
        {
            "test": "StringEquals",
            "variable": "kms:ViaService",
            "values": ["s3.us-east-2.amazonaws.com"],
        }
    ]
    assert "*" not in json.dumps([s["actions"] for s in statements.values()])


def test_attributes(synth: Synth) -> None:
    expected = {
        "source-name": ("aws_s3_bucket", "data_", "bucket"),
        "source-arn": ("aws_s3_bucket", "data_", "arn"),
        "source-domain": ("aws_s3_bucket", "data_", "bucket_regional_domain_name"),
        "destination-name": ("aws_s3_bucket", "data-secondary_", "bucket"),
        "destination-arn": ("aws_s3_bucket", "data-secondary_", "arn"),
        "logs-name": ("aws_s3_bucket", "logs_", "bucket"),
        "logs-arn": ("aws_s3_bucket", "logs_", "arn"),
        "role-arn": ("aws_iam_role", "replication", "arn"),
        "role-name": ("aws_iam_role", "replication", "name"),
    }
    for name, (kind, fragment, attribute) in expected.items():
        assert output(synth, name) == reference(kind, fragment, synth, attribute), name


def bucket_props(**overrides: Any) -> SecureBucketProps:
    values: dict[str, Any] = {"namer": Namer("test"), "region": PRIMARY, "kms_key_arn": PRIMARY_KEY}
    values.update(overrides)
    return SecureBucketProps(**values)


def log_props(**overrides: Any) -> AccessLogBucketProps:
    values: dict[str, Any] = {"namer": Namer("test"), "region": PRIMARY}
    values.update(overrides)
    return AccessLogBucketProps(**values)


@pytest.fixture(scope="module")
def props_stack() -> TerraformStack:
    """A throwaway stack for constructs that props refer to (built, never synthesized)."""
    stack = TerraformStack(TfTesting.app(), "props")
    AwsProvider(stack, "aws", region=SECONDARY)
    return stack


@pytest.fixture(scope="module")
def destination(props_stack: TerraformStack) -> SecureBucket:
    """A real destination bucket in us-east-2."""
    return SecureBucket(
        props_stack,
        "destination",
        SecureBucketProps(namer=Namer("test"), region=SECONDARY, kms_key_arn=SECONDARY_KEY),
    )


def replication_props(destination: SecureBucket, **overrides: Any) -> BucketReplicationProps:
    values: dict[str, Any] = {
        "namer": Namer("test"),
        "source_region": PRIMARY,
        "source_bucket_name": SOURCE_NAME,
        "source_bucket_arn": SOURCE_ARN,
        "source_kms_key_arn": PRIMARY_KEY,
        "destination": destination,
    }
    values.update(overrides)
    return BucketReplicationProps(**values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "mars-1"}, "region"),
        ({"kms_key_arn": ""}, "kms_key_arn"),
        ({"kms_key_arn": SECONDARY_KEY}, "kms_key_arn"),
        ({"name": names.SESSION_TABLE}, "name"),
        ({"name": names.AURORA_GLOBAL_CLUSTER}, "name"),
        ({"noncurrent_version_expiration_days": 0}, "noncurrent_version_expiration_days"),
        ({"force_destroy": 1}, "force_destroy"),
        ({"noncurrent_version_expiration_days": 3651}, "noncurrent_version_expiration_days"),
        ({"abort_incomplete_multipart_upload_days": 0}, "abort_incomplete_multipart_upload_days"),
        ({"abort_incomplete_multipart_upload_days": 366}, "abort_incomplete_multipart_upload_days"),
    ],
)
def test_bad_bucket_props_are_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        bucket_props(**overrides).validate()
    assert error.value.field == field


def test_access_logs_must_go_to_a_bucket_in_the_same_region(props_stack: TerraformStack) -> None:
    other_region = AccessLogBucket(
        props_stack, "logs", AccessLogBucketProps(namer=Namer("test"), region=SECONDARY)
    )
    with pytest.raises(ConfigError) as error:
        bucket_props(access_logs=other_region).validate()
    assert error.value.field == "access_logs"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "mars-1"}, "region"),
        ({"name": NameSpec(ResourceKind.S3_BUCKET, "logs")}, "name"),
        ({"retention_days": 0}, "retention_days"),
        ({"force_destroy": "false"}, "force_destroy"),
        ({"retention_days": 3651}, "retention_days"),
    ],
)
def test_bad_log_bucket_props_are_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        log_props(**overrides).validate()
    assert error.value.field == field


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"source_region": "mars-1"}, "source_region"),
        ({"source_region": SECONDARY}, "source_region"),
        ({"source_bucket_name": "Not A Bucket"}, "source_bucket_name"),
        ({"source_bucket_arn": SOURCE_NAME}, "source_bucket_arn"),
        ({"source_bucket_arn": "arn:aws:s3:us-east-1::x"}, "source_bucket_arn"),
        ({"source_kms_key_arn": SECONDARY_KEY}, "source_kms_key_arn"),
    ],
)
def test_bad_replication_props_are_refused(
    destination: SecureBucket, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConfigError) as error:
        replication_props(destination, **overrides).validate()
    assert error.value.field == field


def test_good_props_pass(destination: SecureBucket) -> None:
    bucket_props().validate()
    log_props(retention_days=1).validate()
    replication_props(destination).validate()
