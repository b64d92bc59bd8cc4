"""RegionalApi: the payment REST API of one region, with its stage, domain and WAF."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from cdktf import ITerraformDependable, TerraformProvider, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.api_gateway_base_path_mapping import ApiGatewayBasePathMapping
from cdktf_cdktf_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktf_cdktf_provider_aws.api_gateway_domain_name import (
    ApiGatewayDomainName,
    ApiGatewayDomainNameEndpointConfiguration,
)
from cdktf_cdktf_provider_aws.api_gateway_method_settings import (
    ApiGatewayMethodSettings,
    ApiGatewayMethodSettingsSettings,
)
from cdktf_cdktf_provider_aws.api_gateway_rest_api import (
    ApiGatewayRestApi,
    ApiGatewayRestApiEndpointConfiguration,
)
from cdktf_cdktf_provider_aws.api_gateway_stage import (
    ApiGatewayStage,
    ApiGatewayStageAccessLogSettings,
)
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.route53_record import Route53Record, Route53RecordAlias
from constructs import Construct

from payment_dr_core import ConfigError, Namer, names
from payment_dr_core.regions import validate_region
from payment_dr_edge._account_logging import ApiGatewayAccountLogging
from payment_dr_edge._authorizer import TokenAuthorizer
from payment_dr_edge._certificate import RegionalCertificate
from payment_dr_edge._checks import (
    check_bool,
    check_domain_name,
    check_hosted_zone_id,
    check_int,
    check_kms_key_arn,
    check_literal,
    check_log_retention,
    check_number,
    check_one_of,
    check_provider_region,
)
from payment_dr_edge._routes import PaymentRoutes
from payment_dr_edge._web_acl import ApiWebAcl
from payment_dr_edge.settings import (
    ACCESS_LOG_FORMAT,
    DEFAULT_AUTHORIZER_CACHE_SECONDS,
    DEFAULT_STAGE_NAME,
    HEALTH_PATH,
    TLS_SECURITY_POLICY,
)

ExecutionLoggingLevel = Literal["ERROR", "INFO"]
Authorization = Literal["CUSTOM", "NONE"]

MAX_THROTTLING_RATE = 10_000.0
MAX_THROTTLING_BURST = 5_000
MIN_WAF_RATE_LIMIT = 100
"""Route 53 sends each checker's requests from its own IP: at a 10 s interval that is 30
requests per 5 minutes, so a lower limit could block the health checks themselves."""
MAX_WAF_RATE_LIMIT = 2_000_000_000

_FUNCTION = r"[A-Za-z0-9_-]{1,64}"
_ACCOUNT = r"\d{12}"


@dataclass(frozen=True, kw_only=True)
class RegionalApiProps:
    """Props of :class:`RegionalApi`. Every ARN is of ``region``."""

    namer: Namer
    region: str
    """Region of the API (the provider's region); the certificate is requested here too."""

    kms_key_arn: str
    """This region's key: encrypts the access, execution and WAF log groups."""

    function_name: str
    """Name (or ARN) of this region's payment Lambda function."""

    function_invoke_arn: str
    """Its invoke ARN (``arn:aws:apigateway:<region>:lambda:path/.../invocations``)."""

    domain_name: str
    """The API's custom domain, the same in both regions (e.g. ``api.example.com``)."""

    hosted_zone_id: str
    """Public hosted zone of ``domain_name`` and ``direct_domain_name`` (validation
    records, and the direct hostname's alias record)."""

    direct_domain_name: str
    """This region's own hostname (e.g. ``api-use1-<suffix>.<zone>``), different in each
    region and from ``domain_name``: a second custom domain on the same stage, with its
    own certificate and ``TLS_1_2``. Route 53 health-checks the region through it, and
    operators use it to reach this region directly, whatever the failover name answers."""

    authorizer_function_name: str | None = None
    """Name (a reference to the function) of this region's Lambda authorizer; required
    while ``authorization`` is ``CUSTOM``."""

    authorizer_invoke_arn: str | None = None
    """Invoke ARN of that function; required while ``authorization`` is ``CUSTOM``."""

    authorizer_cache_seconds: int = DEFAULT_AUTHORIZER_CACHE_SECONDS
    """Seconds API Gateway reuses the authorizer's decision for one token, 0 to 3600: a
    revoked key keeps working at most this long."""

    shared_validation_record_fqdn: str | None = None
    """None (default): this API creates the certificate's DNS validation record. In the
    second region, pass the first region's ``validation_record_fqdn``: ACM issues the same
    validation CNAME for a domain in every region of an account, so this certificate
    validates against the existing record and no record is written twice."""

    stage_name: str = DEFAULT_STAGE_NAME
    """Stage name (``v1``); the custom domain maps its root to this stage."""

    log_retention_days: int = 365
    """Retention of the access, execution and WAF log groups."""

    throttling_rate_limit: float = 100.0
    """Steady-state requests per second for the whole stage (every method), above 0 and at
    most 10000 (the default account quota)."""

    throttling_burst_limit: int = 200
    """Burst capacity of the stage, 1 to 5000."""

    execution_logging_level: ExecutionLoggingLevel = "ERROR"
    """``ERROR`` (default) or ``INFO``. Full request/response data tracing is always off:
    payment data never reaches the execution logs."""

    authorization: Authorization = "CUSTOM"
    """Authorization of ``/payments`` and ``/payments/{id}``: ``CUSTOM`` (default, the
    Lambda authorizer: the same client credential works in both regions) or ``NONE``.
    ``AWS_IAM`` is not offered: SigV4 signatures are scoped to a region, so a client
    signing for one region is refused by the other after DNS fails over. ``/health`` is
    always open: Route 53 health checkers send no credentials."""

    waf_enabled: bool = True
    """True (default): a WAF web ACL with AWS managed rules and a rate limit protects the
    stage. False: no web ACL and no WAF log group."""

    waf_rate_limit: int = 2000
    """Requests per client IP per 5 minutes before WAF blocks that IP, 100 to 2e9."""

    manage_account_logging_role: bool = False
    """True: create the region's API Gateway account logging role and own the account setting
    (``aws_api_gateway_account``), which stages need before they can write logs. It is one
    setting per account and region, so at most one stack per account and region may set this;
    destroying that stack leaves the setting pointing at a deleted role. False (default): the
    account's setting already exists and is managed elsewhere."""

    provider: TerraformProvider | None = None
    """Provider for ``region``; None: the stack's default provider."""

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        region = validate_region("region", self.region)
        check_provider_region("provider", self.provider, region)
        check_kms_key_arn("kms_key_arn", self.kms_key_arn, region)
        check_literal(
            "function_name",
            self.function_name,
            rf"{_FUNCTION}|arn:aws[a-z-]*:lambda:{re.escape(region)}:{_ACCOUNT}:function:{_FUNCTION}",
            f"a Lambda function name or the ARN of a function in {region}",
        )
        check_literal(
            "function_invoke_arn",
            self.function_invoke_arn,
            rf"arn:aws[a-z-]*:apigateway:{re.escape(region)}:lambda:path/2015-03-31/functions/"
            rf"arn:aws[a-z-]*:lambda:{re.escape(region)}:{_ACCOUNT}:function:{_FUNCTION}"
            r"(:[A-Za-z0-9$_-]+)?/invocations",
            f"the invoke ARN of a Lambda function in {region}",
        )
        check_domain_name("domain_name", self.domain_name)
        check_hosted_zone_id("hosted_zone_id", self.hosted_zone_id)
        check_domain_name("direct_domain_name", self.direct_domain_name)
        if self.direct_domain_name.rstrip(".").lower() == self.domain_name.rstrip(".").lower():
            raise ConfigError(
                "direct_domain_name",
                self.direct_domain_name,
                "this region's own hostname, not the failover name domain_name",
            )
        if self.shared_validation_record_fqdn is not None:
            check_literal(
                "shared_validation_record_fqdn",
                self.shared_validation_record_fqdn,
                r"_[a-z0-9]+\.[a-z0-9._-]+[a-z0-9]\.?",
                "the FQDN of the other region's ACM validation record (_<token>.<domain>)",
            )
        check_literal(
            "stage_name", self.stage_name, r"[A-Za-z0-9_-]{1,128}", "1-128 of A-Z a-z 0-9 _ -"
        )
        check_log_retention("log_retention_days", self.log_retention_days)
        check_number("throttling_rate_limit", self.throttling_rate_limit, 0, MAX_THROTTLING_RATE)
        check_int("throttling_burst_limit", self.throttling_burst_limit, 1, MAX_THROTTLING_BURST)
        check_one_of("execution_logging_level", self.execution_logging_level, ("ERROR", "INFO"))
        check_one_of("authorization", self.authorization, ("CUSTOM", "NONE"))
        self._check_authorizer()
        check_bool("waf_enabled", self.waf_enabled)
        check_int(
            "waf_rate_limit",
            self.waf_rate_limit,
            MIN_WAF_RATE_LIMIT,
            MAX_WAF_RATE_LIMIT,
            f"an integer from {MIN_WAF_RATE_LIMIT} (above what Route 53 health checkers send "
            f"from one IP) to {MAX_WAF_RATE_LIMIT}",
        )
        check_bool("manage_account_logging_role", self.manage_account_logging_role)

    def _check_authorizer(self) -> None:
        check_int("authorizer_cache_seconds", self.authorizer_cache_seconds, 0, 3600)
        if self.authorization != "CUSTOM":
            return
        if self.authorizer_function_name is None:
            raise ConfigError(
                "authorizer_function_name", None, "the authorizer function while CUSTOM"
            )
        if self.authorizer_invoke_arn is None:
            raise ConfigError("authorizer_invoke_arn", None, "its invoke ARN while CUSTOM")
        region = re.escape(self.region)
        check_literal(
            "authorizer_function_name",
            self.authorizer_function_name,
            rf"{_FUNCTION}|arn:aws[a-z-]*:lambda:{region}:{_ACCOUNT}:function:{_FUNCTION}",
            f"a Lambda function name or the ARN of a function in {self.region}",
        )
        check_literal(
            "authorizer_invoke_arn",
            self.authorizer_invoke_arn,
            rf"arn:aws[a-z-]*:apigateway:{region}:lambda:path/2015-03-31/functions/"
            rf"arn:aws[a-z-]*:lambda:{region}:{_ACCOUNT}:function:{_FUNCTION}"
            r"(:[A-Za-z0-9$_-]+)?/invocations",
            f"the invoke ARN of a Lambda function in {self.region}",
        )


class RegionalApi(Construct):
    """The payment REST API of one region, REGIONAL endpoint type, behind a custom domain.

    * ``POST /payments`` (``Idempotency-Key`` header and JSON body model required),
      ``GET /payments/{id}`` (path parameter required) and ``GET /health``, all Lambda
      proxy integrations to this region's function, which may be invoked only by these
      routes of this API's stage.
    * A deployment replaced whenever the API definition changes (``triggers``), created
      before the old one is destroyed, and one stage pointing at it: X-Ray tracing,
      JSON access logs, execution logs without data tracing, throttling on ``*/*``,
      no cache. Log groups are created up front, encrypted and with retention.
    * ``/payments`` methods authorized by a Lambda TOKEN authorizer (``CUSTOM``).
    * No default ``execute-api`` endpoint (it accepts TLS 1.0): clients reach the API
      only through custom domains with the ``TLS_1_2`` policy.
    * A custom domain (REGIONAL, TLS 1.2) with a DNS-validated ACM certificate of this
      region, its root mapped to the stage; and this region's direct hostname, the same
      with its own certificate and an alias record, for health checks and operators.
    * Optionally a WAF web ACL on the stage, and the region's API Gateway logging role.
    """

    def __init__(self, scope: Construct, construct_id: str, props: RegionalApiProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        provider, region, namer = props.provider, props.region, props.namer
        self.region = region
        self._rest_api_name = namer.of(names.REST_API)
        self.rest_api = ApiGatewayRestApi(
            self,
            "api",
            name=self._rest_api_name,
            description=f"Payment API ({region})",
            endpoint_configuration=ApiGatewayRestApiEndpointConfiguration(types=["REGIONAL"]),
            # The default https://<id>.execute-api.<region>.amazonaws.com endpoint would
            # accept TLS 1.0 and bypass the custom domains' TLS_1_2 policy (API Gateway
            # developer guide, "Disabling the default endpoint for REST APIs"); health
            # checks use the direct hostname instead.
            disable_execute_api_endpoint=True,
            # Implied already by the deployment's create_before_destroy; stated for readers.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            provider=provider,
        )
        self.authorizer: TokenAuthorizer | None = None
        if props.authorization == "CUSTOM":
            assert props.authorizer_function_name is not None
            assert props.authorizer_invoke_arn is not None
            self.authorizer = TokenAuthorizer(
                self,
                "authorizer",
                rest_api=self.rest_api,
                function_name=props.authorizer_function_name,
                invoke_arn=props.authorizer_invoke_arn,
                cache_seconds=props.authorizer_cache_seconds,
                provider=provider,
            )
        self.routes = PaymentRoutes(
            self,
            "routes",
            rest_api=self.rest_api,
            stage_name=props.stage_name,
            function_name=props.function_name,
            function_invoke_arn=props.function_invoke_arn,
            authorization=props.authorization,
            authorizer_id=self.authorizer.authorizer_id if self.authorizer else None,
            provider=provider,
        )
        self.access_log_group = CloudwatchLogGroup(
            self,
            "access-logs",
            name=namer.of(names.API_ACCESS_LOG_GROUP),
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
            provider=provider,
        )
        # The group API Gateway writes execution logs to; created here first so that it
        # is encrypted and has a retention (API Gateway would create a plain one).
        self.execution_log_group = CloudwatchLogGroup(
            self,
            "execution-logs",
            name=f"API-Gateway-Execution-Logs_{self.rest_api.id}/{props.stage_name}",
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
            provider=provider,
        )
        self.account_logging: ApiGatewayAccountLogging | None = None
        stage_dependencies: list[ITerraformDependable] = [
            self.access_log_group,
            self.execution_log_group,
        ]
        if props.manage_account_logging_role:
            self.account_logging = ApiGatewayAccountLogging(
                self, "account-logging", namer=namer, region=region, provider=provider
            )
            stage_dependencies.append(self.account_logging.account)
        self.deployment = ApiGatewayDeployment(
            self,
            "deployment",
            rest_api_id=self.rest_api.id,
            description="Payment API routes",
            triggers={
                "redeployment": self.routes.redeployment_trigger,
                **(
                    {"gateway_responses": self.authorizer.definition}
                    if self.authorizer is not None
                    else {}
                ),
            },
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            provider=provider,
        )
        self.stage = ApiGatewayStage(
            self,
            "stage",
            rest_api_id=self.rest_api.id,
            deployment_id=self.deployment.id,
            stage_name=props.stage_name,
            xray_tracing_enabled=True,
            cache_cluster_enabled=False,
            access_log_settings=ApiGatewayStageAccessLogSettings(
                destination_arn=self.access_log_group.arn, format=ACCESS_LOG_FORMAT
            ),
            depends_on=stage_dependencies,
            provider=provider,
        )
        self.method_settings = ApiGatewayMethodSettings(
            self,
            "method-settings",
            rest_api_id=self.rest_api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=ApiGatewayMethodSettingsSettings(
                metrics_enabled=True,
                logging_level=props.execution_logging_level,
                data_trace_enabled=False,
                throttling_rate_limit=props.throttling_rate_limit,
                throttling_burst_limit=props.throttling_burst_limit,
                caching_enabled=False,
            ),
            provider=provider,
        )
        self.certificate = RegionalCertificate(
            self,
            "certificate",
            domain_name=props.domain_name,
            hosted_zone_id=props.hosted_zone_id,
            shared_validation_record_fqdn=props.shared_validation_record_fqdn,
            provider=provider,
        )
        self.domain = ApiGatewayDomainName(
            self,
            "domain",
            domain_name=props.domain_name,
            regional_certificate_arn=self.certificate.certificate_arn,
            endpoint_configuration=ApiGatewayDomainNameEndpointConfiguration(types=["REGIONAL"]),
            security_policy=TLS_SECURITY_POLICY,
            provider=provider,
        )
        self.base_path_mapping = ApiGatewayBasePathMapping(
            self,
            "base-path",
            api_id=self.rest_api.id,
            stage_name=self.stage.stage_name,
            domain_name=self.domain.domain_name,
            provider=provider,
        )
        self._direct_domain(props)
        self.web_acl: ApiWebAcl | None = None
        if props.waf_enabled:
            self.web_acl = ApiWebAcl(
                self,
                "waf",
                namer=namer,
                region=region,
                stage_arn=self.stage.arn,
                rate_limit=props.waf_rate_limit,
                kms_key_arn=props.kms_key_arn,
                log_retention_days=props.log_retention_days,
                provider=provider,
            )
        self._stage_name = props.stage_name

    def _direct_domain(self, props: RegionalApiProps) -> None:
        """This region's own hostname: certificate, custom domain, mapping, alias record."""
        provider = props.provider
        self._direct_domain_name = props.direct_domain_name
        # A name of its own, so this region owns its validation record.
        self.direct_certificate = RegionalCertificate(
            self,
            "direct-certificate",
            domain_name=props.direct_domain_name,
            hosted_zone_id=props.hosted_zone_id,
            shared_validation_record_fqdn=None,
            provider=provider,
        )
        self.direct_domain = ApiGatewayDomainName(
            self,
            "direct-domain",
            domain_name=props.direct_domain_name,
            regional_certificate_arn=self.direct_certificate.certificate_arn,
            endpoint_configuration=ApiGatewayDomainNameEndpointConfiguration(types=["REGIONAL"]),
            security_policy=TLS_SECURITY_POLICY,
            provider=provider,
        )
        self.direct_base_path_mapping = ApiGatewayBasePathMapping(
            self,
            "direct-base-path",
            api_id=self.rest_api.id,
            stage_name=self.stage.stage_name,
            domain_name=self.direct_domain.domain_name,
            provider=provider,
        )
        # A simple (non-failover) alias: this name always answers with this region.
        self.direct_record = Route53Record(
            self,
            "direct-record",
            zone_id=props.hosted_zone_id,
            name=self.direct_domain.domain_name,
            type="A",
            alias=Route53RecordAlias(
                name=self.direct_domain.regional_domain_name,
                zone_id=self.direct_domain.regional_zone_id,
                evaluate_target_health=False,
            ),
            provider=provider,
        )

    @property
    def rest_api_id(self) -> str:
        """ID of the REST API."""
        return self.rest_api.id

    @property
    def rest_api_name(self) -> str:
        """Name of the REST API (``payment-processing-api-<suffix>``): the ``ApiName``
        dimension of its CloudWatch metrics."""
        return self._rest_api_name

    @property
    def execution_arn(self) -> str:
        """Execution ARN of the REST API (``arn:aws:execute-api:<region>:<account>:<id>``)."""
        return self.rest_api.execution_arn

    @property
    def stage_name(self) -> str:
        """Name of the stage."""
        return self._stage_name

    @property
    def stage_arn(self) -> str:
        """ARN of the stage (what the web ACL is associated with)."""
        return self.stage.arn

    @property
    def direct_url(self) -> str:
        """``https://<direct hostname>``: this region's API, whatever DNS failover says."""
        return f"https://{self._direct_domain_name}"

    @property
    def direct_domain_name(self) -> str:
        """This region's own hostname (literal, as given)."""
        return self._direct_domain_name

    @property
    def health_check_fqdn(self) -> str:
        """This region's direct hostname, as a reference to its alias record (so a health
        check is created once the name resolves): what Route 53 health-checks, never the
        failover name, which resolves to either region."""
        return self.direct_record.fqdn

    @property
    def health_check_path(self) -> str:
        """``/health``: the health route on :attr:`health_check_fqdn` (its root is the stage)."""
        return HEALTH_PATH

    @property
    def authorizer_id(self) -> str | None:
        """ID of the Lambda authorizer; None when ``authorization`` is ``NONE``."""
        return self.authorizer.authorizer_id if self.authorizer else None

    @property
    def domain_name(self) -> str:
        """The custom domain name."""
        return self.domain.domain_name

    @property
    def regional_domain_name(self) -> str:
        """The custom domain's regional endpoint (``d-....execute-api.<region>...``): the
        alias target of this region's failover record."""
        return self.domain.regional_domain_name

    @property
    def regional_zone_id(self) -> str:
        """Hosted zone ID of :attr:`regional_domain_name` (for the alias record)."""
        return self.domain.regional_zone_id

    @property
    def certificate_arn(self) -> str:
        """ARN of the validated ACM certificate of this region."""
        return self.certificate.certificate_arn

    @property
    def direct_certificate_arn(self) -> str:
        """ARN of the validated ACM certificate of this region's own hostname."""
        return self.direct_certificate.certificate_arn

    @property
    def validation_record_fqdn(self) -> str:
        """FQDN of the certificate's DNS validation record (pass it to the other region's
        ``shared_validation_record_fqdn``)."""
        return self.certificate.validation_record_fqdn

    @property
    def access_log_group_name(self) -> str:
        """Access log group name."""
        return self.access_log_group.name

    @property
    def access_log_group_arn(self) -> str:
        """Access log group ARN."""
        return self.access_log_group.arn

    @property
    def execution_log_group_name(self) -> str:
        """``API-Gateway-Execution-Logs_<api id>/<stage>``."""
        return self.execution_log_group.name

    @property
    def web_acl_arn(self) -> str | None:
        """ARN of the web ACL; None when ``waf_enabled`` is False."""
        return self.web_acl.web_acl.arn if self.web_acl else None

    @property
    def waf_log_group_name(self) -> str | None:
        """``aws-waf-logs-...``; None when ``waf_enabled`` is False."""
        return self.web_acl.log_group.name if self.web_acl else None
