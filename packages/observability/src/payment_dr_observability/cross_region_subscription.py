"""CrossRegionSubscription: a Lambda function in one region subscribed to a topic in another."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from payment_dr_core import ConfigError
from payment_dr_core.regions import region_code, validate_region
from payment_dr_observability._checks import check_arn

SNS_PRINCIPAL = "sns.amazonaws.com"


@dataclass(frozen=True)
class CrossRegionSubscriptionProps:
    """Props of :class:`CrossRegionSubscription`."""

    topic_arn: str
    """The topic that publishes (the primary region's alert topic)."""

    topic_region: str
    """Region of the topic."""

    function_arn: str
    """The function that receives each message (the failover orchestrator)."""

    function_region: str
    """Region of the function; differs from ``topic_region``."""

    topic_provider: TerraformProvider | None = None
    """Provider for ``topic_region``: SNS creates a subscription only through the topic's
    region. In the secondary stack this is the aliased primary-region provider."""

    function_provider: TerraformProvider | None = None
    """Provider for ``function_region``: the function's resource policy is changed there."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        validate_region("topic_region", self.topic_region)
        validate_region("function_region", self.function_region)
        if self.topic_region == self.function_region:
            raise ConfigError(
                "function_region",
                self.function_region,
                f"a region other than topic_region ({self.topic_region}): "
                "this construct joins two regions",
            )
        check_arn("topic_arn", self.topic_arn, "sns", self.topic_region, r"[A-Za-z0-9_-]{1,256}")
        check_arn(
            "function_arn",
            self.function_arn,
            "lambda",
            self.function_region,
            r"function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?",
        )


class CrossRegionSubscription(Construct):
    """Subscribe a function to a topic of another region, and let that topic invoke it.

    * ``subscription``: protocol ``lambda``, created through the topic's region.
    * ``permission``: ``lambda:InvokeFunction`` for ``sns.amazonaws.com`` with
      ``source_arn`` = the topic, created through the function's region. The
      subscription waits for it, so no message is refused after the first apply.
    """

    def __init__(
        self, scope: Construct, construct_id: str, props: CrossRegionSubscriptionProps
    ) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        self.permission = LambdaPermission(
            self,
            "permission",
            statement_id=f"AllowSnsAlerts{region_code(props.topic_region).capitalize()}",
            action="lambda:InvokeFunction",
            function_name=props.function_arn,
            principal=SNS_PRINCIPAL,
            source_arn=props.topic_arn,
            provider=props.function_provider,
        )
        self.subscription = SnsTopicSubscription(
            self,
            "subscription",
            topic_arn=props.topic_arn,
            protocol="lambda",
            endpoint=props.function_arn,
            depends_on=[self.permission],
            provider=props.topic_provider,
        )

    @property
    def subscription_arn(self) -> str:
        """ARN of the subscription."""
        return self.subscription.arn

    @property
    def permission_statement_id(self) -> str:
        """Statement ID of the function's resource policy that admits the topic."""
        return self.permission.statement_id
