"""AlertTopics and CrossRegionSubscription, synthesized as the secondary stack has them:
default provider in the secondary region, an aliased provider for the primary region."""

from __future__ import annotations

from typing import Any

import pytest
from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider

from observability_testing import (
    ORCHESTRATOR,
    PRIMARY,
    PRIMARY_KEY,
    PRIMARY_TOPIC,
    SECONDARY,
    SECONDARY_KEY,
    address,
    reference,
)
from payment_dr_core import ConfigError, Namer
from payment_dr_core.testing import Json, Synth, synth_stack
from payment_dr_observability import (
    AlertTopics,
    AlertTopicsProps,
    CrossRegionSubscription,
    CrossRegionSubscriptionProps,
)

PRIMARY_REGION_PROVIDER = "aws.primary_region"
EMAIL = "oncall@example.com"
WEBHOOK = "https://events.example.com/integration/3f2a/enqueue"


@pytest.fixture(scope="module")
def synth() -> Synth:
    def build(stack: TerraformStack) -> None:
        namer = Namer("test")
        primary_region = AwsProvider(
            stack, "aws-primary-region", alias="primary_region", region=PRIMARY
        )
        primary = AlertTopics(
            stack,
            "topics-primary",
            AlertTopicsProps(
                namer=namer,
                region=PRIMARY,
                kms_key_arn=PRIMARY_KEY,
                alert_email=EMAIL,
                provider=primary_region,
            ),
        )
        AlertTopics(
            stack,
            "topics-secondary",
            AlertTopicsProps(
                namer=namer, region=SECONDARY, kms_key_arn=SECONDARY_KEY, alert_https_url=WEBHOOK
            ),
        )
        CrossRegionSubscription(
            stack,
            "failover-signal",
            CrossRegionSubscriptionProps(
                topic_arn=primary.topic_arn,
                topic_region=PRIMARY,
                function_arn=ORCHESTRATOR,
                function_region=SECONDARY,
                topic_provider=primary_region,
            ),
        )

    return synth_stack(build, region=SECONDARY)


def topic(synth: Synth, fragment: str) -> Json:
    return synth.find("aws_sns_topic", fragment)


def test_each_topic_is_encrypted_with_its_own_regions_key(synth: Synth) -> None:
    primary, secondary = topic(synth, "topics-primary"), topic(synth, "topics-secondary")
    assert primary["kms_master_key_id"] == PRIMARY_KEY
    assert primary["provider"] == PRIMARY_REGION_PROVIDER
    assert secondary["kms_master_key_id"] == SECONDARY_KEY
    assert "provider" not in secondary  # the stack's default provider: the secondary region


def test_topics_are_named_per_region(synth: Synth) -> None:
    assert topic(synth, "topics-primary")["name"] == "payment-processing-alerts-use1-test"
    assert topic(synth, "topics-secondary")["name"] == "payment-processing-alerts-use2-test"


def statements(synth: Synth, fragment: str) -> dict[str, Json]:
    policy = synth.find("aws_sns_topic_policy", fragment)
    return {s["sid"]: s for s in synth.policy_document(policy["policy"])["statement"]}


@pytest.mark.parametrize(("fragment", "region"), [("primary", PRIMARY), ("secondary", SECONDARY)])
def test_policy_lets_this_accounts_alarms_publish(synth: Synth, fragment: str, region: str) -> None:
    policy = synth.find("aws_sns_topic_policy", f"topics-{fragment}")
    topic_arn = reference(synth, "aws_sns_topic", f"topics-{fragment}", "arn")
    assert policy["arn"] == topic_arn
    allow = statements(synth, f"topics-{fragment}")["CloudWatchAlarmsPublish"]
    assert allow["effect"] == "Allow"
    assert allow["principals"] == [{"type": "Service", "identifiers": ["cloudwatch.amazonaws.com"]}]
    assert allow["actions"] == ["sns:Publish"]
    assert allow["resources"] == [topic_arn]
    conditions = {c["variable"]: c for c in allow["condition"]}
    account = conditions["aws:SourceAccount"]["values"][0]
    assert conditions["aws:SourceAccount"]["test"] == "StringEquals"
    assert account.startswith("${data.aws_caller_identity.")
    assert account.endswith(".account_id}")
    assert conditions["aws:SourceArn"]["test"] == "ArnLike"
    assert conditions["aws:SourceArn"]["values"] == [
        f"arn:aws:cloudwatch:{region}:{account}:alarm:*"
    ]


@pytest.mark.parametrize("fragment", ["primary", "secondary"])
def test_policy_denies_publishing_without_tls(synth: Synth, fragment: str) -> None:
    found = statements(synth, f"topics-{fragment}")
    deny = found["DenyPublishWithoutTls"]
    assert deny["effect"] == "Deny"
    assert deny["principals"] == [{"type": "*", "identifiers": ["*"]}]
    assert deny["actions"] == ["sns:Publish"]
    assert deny["resources"] == [reference(synth, "aws_sns_topic", f"topics-{fragment}", "arn")]
    assert deny["condition"] == [
        {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}
    ]
    # Nothing else: no statement grants anything to other accounts or to "*".
    assert set(found) == {"CloudWatchAlarmsPublish", "DenyPublishWithoutTls"}


def test_policy_and_caller_use_the_topics_region(synth: Synth) -> None:
    assert synth.find("aws_sns_topic_policy", "topics-primary")["provider"] == (
        PRIMARY_REGION_PROVIDER
    )
    assert "provider" not in synth.find("aws_sns_topic_policy", "topics-secondary")


def test_email_subscription_only_where_an_address_is_given(synth: Synth) -> None:
    emails = [
        s
        for s in synth.resources("aws_sns_topic_subscription").values()
        if s["protocol"] == "email"
    ]
    assert emails == [
        {
            "endpoint": EMAIL,
            "protocol": "email",
            "topic_arn": reference(synth, "aws_sns_topic", "topics-primary", "arn"),
            "provider": PRIMARY_REGION_PROVIDER,
        }
    ]


def test_https_subscription_only_where_a_url_is_given(synth: Synth) -> None:
    webhooks = [
        s
        for s in synth.resources("aws_sns_topic_subscription").values()
        if s["protocol"] == "https"
    ]
    assert webhooks == [
        {
            "endpoint": WEBHOOK,
            "protocol": "https",
            "endpoint_auto_confirms": False,
            "topic_arn": reference(synth, "aws_sns_topic", "topics-secondary", "arn"),
        }
    ]


def test_cross_region_subscription_is_made_through_the_topics_region(synth: Synth) -> None:
    subscription = synth.find("aws_sns_topic_subscription", "failover-signal")
    assert subscription["protocol"] == "lambda"
    assert subscription["endpoint"] == ORCHESTRATOR
    assert subscription["topic_arn"] == reference(synth, "aws_sns_topic", "topics-primary", "arn")
    assert subscription["provider"] == PRIMARY_REGION_PROVIDER
    assert subscription["depends_on"] == [address(synth, "aws_lambda_permission", "failover")]


def test_lambda_permission_is_made_through_the_functions_region(synth: Synth) -> None:
    permission = synth.only("aws_lambda_permission")
    assert "provider" not in permission  # default provider: us-east-2, the function's region
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["principal"] == "sns.amazonaws.com"
    assert permission["function_name"] == ORCHESTRATOR
    assert permission["source_arn"] == reference(synth, "aws_sns_topic", "topics-primary", "arn")
    assert permission["statement_id"] == "AllowSnsAlertsUse1"


def topic_props(**overrides: Any) -> AlertTopicsProps:
    values: dict[str, Any] = {"namer": Namer("test"), "region": PRIMARY, "kms_key_arn": PRIMARY_KEY}
    values.update(overrides)
    return AlertTopicsProps(**values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "nowhere"}, "region"),
        ({"kms_key_arn": SECONDARY_KEY}, "kms_key_arn"),
        ({"kms_key_arn": ""}, "kms_key_arn"),
        ({"kms_key_arn": "alias/aws/sns"}, "kms_key_arn"),
        ({"alert_email": "not-an-address"}, "alert_email"),
        ({"alert_email": ""}, "alert_email"),
        ({"alert_https_url": "http://events.example.com/x"}, "alert_https_url"),
        ({"alert_https_url": "events.example.com"}, "alert_https_url"),
        ({"alert_https_url": ""}, "alert_https_url"),
    ],
)
def test_bad_topic_props(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        topic_props(**overrides).validate()
    assert error.value.field == field


def test_references_are_accepted_as_they_are() -> None:
    topic_props(kms_key_arn="${TfToken[TOKEN.7]}", alert_email="${var.email}").validate()


def subscription_props(**overrides: Any) -> CrossRegionSubscriptionProps:
    values: dict[str, Any] = {
        "topic_arn": PRIMARY_TOPIC,
        "topic_region": PRIMARY,
        "function_arn": ORCHESTRATOR,
        "function_region": SECONDARY,
    }
    values.update(overrides)
    return CrossRegionSubscriptionProps(**values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"topic_region": "nowhere"}, "topic_region"),
        ({"function_region": "us-east"}, "function_region"),
        ({"function_region": PRIMARY}, "function_region"),
        ({"topic_arn": PRIMARY_TOPIC.replace(PRIMARY, SECONDARY)}, "topic_arn"),
        ({"topic_arn": "payment-processing-alerts-use1-test"}, "topic_arn"),
        ({"function_arn": ORCHESTRATOR.replace(SECONDARY, PRIMARY)}, "function_arn"),
        ({"function_arn": "payment-processing-failover-use2-test"}, "function_arn"),
    ],
)
def test_bad_subscription_props(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        subscription_props(**overrides).validate()
    assert error.value.field == field


def test_a_qualified_function_arn_is_accepted() -> None:
    subscription_props(function_arn=f"{ORCHESTRATOR}:live").validate()
