"""PaymentFunctions: the payment API and the schema-migration function of one region."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformProvider
from constructs import Construct

from payment_dr_compute.bundle import Bundle
from payment_dr_compute.function import PolicyStatement, RegionalFunction, RegionalFunctionProps
from payment_dr_core import ConfigError, Namer
from payment_dr_core.validation import Rule, in_range

API_HANDLER = "payment_service.api.handler"
MIGRATION_HANDLER = "payment_service.migrations.handler"
TABLE_ACTIONS = (
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)


@dataclass(frozen=True)
class PaymentFunctionsProps:
    """Props of :class:`PaymentFunctions`. Every ARN and endpoint is of this region."""

    namer: Namer
    region: str
    bundle: Bundle
    kms_key_arn: str
    subnet_ids: Sequence[str]
    security_group_id: str
    db_host: str
    """This region's cluster endpoint (writer in the primary, reader in a standby)."""

    db_name: str
    db_secret_arn: str
    """The master secret in this region (the replica ARN in the secondary)."""

    session_table_name: str
    session_table_arn: str
    """This region's table (or replica) ARN."""

    db_port: int = 5432
    log_retention_days: int = 365
    api_memory_mb: int = 512
    api_timeout_seconds: int = 15
    provider: TerraformProvider | None = None

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        Rule[int]("db_port", in_range(1150, 65535), "1150 to 65535 (RDS)").apply(self.db_port)
        if not self.db_name:
            raise ConfigError("db_name", self.db_name, "the database name")


class PaymentFunctions(Construct):
    """Two functions from one bundle: ``payment-api`` behind API Gateway, and
    ``payment-migrate``, invoked after each deploy to apply schema migrations.

    Both read the database credentials from the region's secret; only the API
    function may use the session table.
    """

    def __init__(self, scope: Construct, construct_id: str, props: PaymentFunctionsProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        environment = {
            "DB_HOST": props.db_host,
            "DB_PORT": str(props.db_port),
            "DB_NAME": props.db_name,
            "DB_SECRET_ARN": props.db_secret_arn,
            "SESSION_TABLE_NAME": props.session_table_name,
            "POWERTOOLS_SERVICE_NAME": "payment-api",
        }
        secret_statements = (
            PolicyStatement(
                "ReadDatabaseSecret", ("secretsmanager:GetSecretValue",), (props.db_secret_arn,)
            ),
            PolicyStatement(
                "DecryptSecretThroughSecretsManager",
                ("kms:Decrypt",),
                (props.kms_key_arn,),
                (
                    (
                        "StringEquals",
                        "kms:ViaService",
                        (f"secretsmanager.{props.region}.amazonaws.com",),
                    ),
                ),
            ),
        )

        def function(
            construct_id: str,
            component: str,
            handler: str,
            description: str,
            statements: tuple[PolicyStatement, ...],
            variables: dict[str, str],
            memory_mb: int,
            timeout_seconds: int,
        ) -> RegionalFunction:
            return RegionalFunction(
                self,
                construct_id,
                RegionalFunctionProps(
                    namer=props.namer,
                    region=props.region,
                    component=component,
                    handler=handler,
                    description=description,
                    bundle=props.bundle,
                    kms_key_arn=props.kms_key_arn,
                    subnet_ids=props.subnet_ids,
                    security_group_ids=(props.security_group_id,),
                    statements=statements,
                    environment=variables,
                    memory_mb=memory_mb,
                    timeout_seconds=timeout_seconds,
                    log_retention_days=props.log_retention_days,
                    provider=props.provider,
                ),
            )

        table_statement = PolicyStatement(
            "UseSessionTable", TABLE_ACTIONS, (props.session_table_arn,)
        )
        self.api = function(
            "api",
            "payment-api",
            API_HANDLER,
            "Payment API (API Gateway REST proxy)",
            (*secret_statements, table_statement),
            environment,
            props.api_memory_mb,
            props.api_timeout_seconds,
        )
        self.migrate = function(
            "migrate",
            "payment-migrate",
            MIGRATION_HANDLER,
            "Applies the payment schema migrations (invoke after deploy)",
            secret_statements,
            {k: v for k, v in environment.items() if k.startswith("DB_")},
            256,
            300,
        )
