"""AlertTopics: the encrypted SNS topic that receives one region's alarms."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from payment_dr_core import Namer, names
from payment_dr_core.iam import confused_deputy_conditions
from payment_dr_core.regions import validate_region
from payment_dr_observability._checks import check_kms_key_arn, check_literal

_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_HTTPS_URL = r"https://[A-Za-z0-9.-]+(:\d{1,5})?(/\S*)?"


@dataclass(frozen=True)
class AlertTopicsProps:
    """Props of :class:`AlertTopics`."""

    namer: Namer
    region: str
    """Region of the topic; must be the region of ``provider``."""

    kms_key_arn: str
    """This region's customer-managed key: SNS encrypts messages at rest with it. Its key
    policy must let ``cloudwatch.amazonaws.com`` use it (``RegionalKey`` does)."""

    alert_email: str | None = None
    """E-mail address subscribed to the topic. None: no subscription (automation and other
    subscribers are added by the caller). The address must confirm the subscription by
    e-mail before it receives anything."""

    alert_https_url: str | None = None
    """HTTPS endpoint (an incident-management webhook) subscribed to the topic. None: none.
    SNS sends it a SubscriptionConfirmation request; until the endpoint confirms (services
    such as PagerDuty do so by themselves), the subscription stays pending and receives
    nothing."""

    provider: TerraformProvider | None = None
    """Provider for ``region``. None: the stack's default provider."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        validate_region("region", self.region)
        check_kms_key_arn("kms_key_arn", self.kms_key_arn, self.region)
        if self.alert_email is not None:
            check_literal("alert_email", self.alert_email, _EMAIL, "an e-mail address")
        if self.alert_https_url is not None:
            check_literal("alert_https_url", self.alert_https_url, _HTTPS_URL, "an https:// URL")


class AlertTopics(Construct):
    """One region's alert topic, encrypted with that region's key.

    The topic policy lets CloudWatch alarms of this account and region publish
    (``aws:SourceAccount`` and ``aws:SourceArn`` conditions) and denies ``sns:Publish``
    to everyone over plain HTTP (``aws:SecureTransport`` false). Principals of the
    account keep the access their IAM policies give them; the policy grants nothing
    to other accounts.
    """

    def __init__(self, scope: Construct, construct_id: str, props: AlertTopicsProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        region, provider = props.region, props.provider
        self.region = region
        self.topic = SnsTopic(
            self,
            "topic",
            name=props.namer.of(names.ALERT_TOPIC, region=region),
            display_name=f"payment-processing alerts {region}",
            kms_master_key_id=props.kms_key_arn,
            provider=provider,
        )
        account = DataAwsCallerIdentity(self, "caller", provider=provider).account_id
        policy = DataAwsIamPolicyDocument(
            self,
            "policy-document",
            statement=[
                DataAwsIamPolicyDocumentStatement(
                    sid="CloudWatchAlarmsPublish",
                    effect="Allow",
                    principals=[
                        DataAwsIamPolicyDocumentStatementPrincipals(
                            type="Service", identifiers=["cloudwatch.amazonaws.com"]
                        )
                    ],
                    actions=["sns:Publish"],
                    resources=[self.topic.arn],
                    condition=confused_deputy_conditions(
                        account, f"arn:aws:cloudwatch:{region}:{account}:alarm:*"
                    ),
                ),
                DataAwsIamPolicyDocumentStatement(
                    sid="DenyPublishWithoutTls",
                    effect="Deny",
                    principals=[
                        DataAwsIamPolicyDocumentStatementPrincipals(type="*", identifiers=["*"])
                    ],
                    actions=["sns:Publish"],
                    resources=[self.topic.arn],
                    condition=[
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="Bool", variable="aws:SecureTransport", values=["false"]
                        )
                    ],
                ),
            ],
            provider=provider,
        )
        self.policy = SnsTopicPolicy(
            self, "policy", arn=self.topic.arn, policy=policy.json, provider=provider
        )
        # E-mail and HTTPS subscriptions stay "pending confirmation" until the endpoint
        # confirms (SNS Subscribe API reference: "If the endpoint type is HTTP/S or email
        # ... the endpoint owner must run the ConfirmSubscription action"; the token is valid
        # for two days). Terraform creates them without waiting (endpoint_auto_confirms is
        # false), so a deploy never blocks on a person reading mail.
        self.email_subscription: SnsTopicSubscription | None = None
        self.https_subscription: SnsTopicSubscription | None = None
        if props.alert_https_url is not None:
            self.https_subscription = SnsTopicSubscription(
                self,
                "https",
                topic_arn=self.topic.arn,
                protocol="https",
                endpoint=props.alert_https_url,
                endpoint_auto_confirms=False,
                provider=provider,
            )
        if props.alert_email is not None:
            self.email_subscription = SnsTopicSubscription(
                self,
                "email",
                topic_arn=self.topic.arn,
                protocol="email",
                endpoint=props.alert_email,
                provider=provider,
            )

    @property
    def topic_arn(self) -> str:
        """ARN of the topic: the alarm action of this region's alarms."""
        return self.topic.arn

    @property
    def topic_name(self) -> str:
        """``payment-processing-alerts-<region code>-<suffix>``."""
        return self.topic.name
