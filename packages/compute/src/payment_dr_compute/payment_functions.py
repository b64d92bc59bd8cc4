"""PaymentFunctions: the payment API and the schema-migration function of one region."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from constructs import Construct

from payment_dr_compute.bundle import Bundle
from payment_dr_compute.fis_extension import FisLambdaExtension
from payment_dr_compute.function import PolicyStatement, RegionalFunction, RegionalFunctionProps
from payment_dr_core import ConfigError, Namer
from payment_dr_core.validation import Rule, in_range

API_HANDLER = "payment_service.api.handler"
MIGRATION_HANDLER = "payment_service.migrations.handler"
AUTHORIZER_HANDLER = "payment_service.authorizer.handler"
DEFAULT_DB_APP_USER = "payment_app"
"""The application role the migrations create (``0002_application_role.sql``)."""
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
    """This region's cluster endpoint (``aws_rds_cluster.endpoint``): the API and the
    migrations write only there, and only while this region's cluster is the writer (the
    write fence, with :attr:`db_cluster_identifier` and
    :attr:`db_global_cluster_identifier`). A secondary cluster's endpoint is inactive until
    its promotion; the fence does not write to it before."""

    db_name: str
    db_secret_arn: str
    """The master secret in this region (the replica ARN in the secondary): only the
    migration function reads it. The API never sees the master credentials."""

    db_cluster_resource_id: str
    """This region's cluster ``cluster_resource_id`` (``cluster-ABC...``): the API may
    ``rds-db:connect`` as :attr:`db_app_user` to this cluster and no other."""

    client_keys_secret_arn: str
    """This region's copy of the API client keys secret (``ApiClientKeys``): the
    authorizer's only read."""

    payment_id_key_secret_arn: str
    """This region's copy of the payment id key secret (``PaymentIdKey``): the API's only
    secret (``PAYMENT_ID_KEY_SECRET_ARN``), read through Secrets Manager in this region."""

    session_table_name: str
    session_table_arn: str
    """This region's table (or replica) ARN."""

    db_cluster_identifier: str | None = None
    """This region's cluster identifier (``DB_CLUSTER_ID``). With
    :attr:`db_global_cluster_identifier` it turns the write fence on: writes only while
    ``DescribeGlobalClusters`` (this region's RDS API) reports this cluster as the writer,
    or, without an answer, while the database is writable. ``None``: no fence (a single
    cluster)."""
    db_global_cluster_identifier: str | None = None
    """The Aurora global cluster identifier (``DB_GLOBAL_CLUSTER_ID``); set with
    :attr:`db_cluster_identifier`. The API and migration roles may call
    ``rds:DescribeGlobalClusters`` on this global cluster only."""
    db_reader_host: str | None = None
    """This region's reader endpoint (``DB_READER_HOST``): a standby's ``/health`` probes
    it (recovery state, replication lag)."""

    db_app_user: str = DEFAULT_DB_APP_USER
    """PostgreSQL role the API connects as, with IAM database authentication."""

    db_port: int = 5432
    log_retention_days: int = 365
    api_memory_mb: int = 512
    api_timeout_seconds: int = 15
    fis_extension: FisLambdaExtension | None = None
    """The AWS FIS Lambda extension on the API function (its layer, its two variables and
    read access to its configuration location), for the ``api-errors`` game day. None (the
    default): the API function is deployed without it. Only the API function gets it."""

    provider: TerraformProvider | None = None

    def validate(self) -> None:
        """Raise :class:`ConfigError` for the first prop that is not allowed."""
        Rule[int]("db_port", in_range(1150, 65535), "1150 to 65535 (RDS)").apply(self.db_port)
        if not self.db_name:
            raise ConfigError("db_name", self.db_name, "the database name")
        Rule[str](
            "db_app_user",
            lambda v: isinstance(v, str) and v.isidentifier() and v.islower() and len(v) <= 63,
            "a lowercase PostgreSQL identifier (letters, digits, _), at most 63 characters",
        ).apply(self.db_app_user)
        if self.db_app_user in {"postgres", "rdsadmin", "rds_iam", "rds_superuser"}:
            raise ConfigError(
                "db_app_user", self.db_app_user, "the application role, not a built-in role"
            )
        if (self.db_cluster_identifier is None) != (self.db_global_cluster_identifier is None):
            raise ConfigError(
                "db_global_cluster_identifier",
                self.db_global_cluster_identifier,
                "set exactly when db_cluster_identifier is (the write fence needs both)",
            )
        if self.fis_extension is not None:
            self.fis_extension.validate(self.region)


class PaymentFunctions(Construct):
    """Three functions from one bundle: ``payment-api`` behind API Gateway,
    ``payment-auth``, the API's Lambda authorizer, and ``payment-migrate``, invoked after
    each deploy to apply schema migrations.

    Only the migration function reads the master secret. The API connects as the
    application role with IAM database authentication (``rds-db:connect`` on that one
    database user of this region's cluster), alone may use the session table, and reads only
    the payment id key secret of its own region. The authorizer reads only the client keys
    secret of its own region.
    """

    def __init__(self, scope: Construct, construct_id: str, props: PaymentFunctionsProps) -> None:
        props.validate()
        super().__init__(scope, construct_id)
        database = {
            "DB_HOST": props.db_host,
            "DB_PORT": str(props.db_port),
            "DB_NAME": props.db_name,
        }
        if (
            props.db_cluster_identifier is not None
            and props.db_global_cluster_identifier is not None
        ):
            database["DB_CLUSTER_ID"] = props.db_cluster_identifier
            database["DB_GLOBAL_CLUSTER_ID"] = props.db_global_cluster_identifier
        api_database = dict(database)
        if props.db_reader_host is not None:
            api_database["DB_READER_HOST"] = props.db_reader_host
        decrypt_through_secrets_manager = PolicyStatement(
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
        )
        secret_statements = (
            PolicyStatement(
                "ReadDatabaseSecret", ("secretsmanager:GetSecretValue",), (props.db_secret_arn,)
            ),
            decrypt_through_secrets_manager,
        )
        account = DataAwsCallerIdentity(self, "caller", provider=props.provider).account_id
        # IAM database authentication: the resource is
        # arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<db user>, where an Aurora
        # cluster's DbiResourceId is its cluster resource ID (Service Authorization
        # Reference, "Amazon RDS IAM Authentication"; RDS User Guide, "Creating and using
        # an IAM policy for IAM database access").
        connect_statement = PolicyStatement(
            "ConnectAsApplicationRole",
            ("rds-db:connect",),
            (
                f"arn:aws:rds-db:{props.region}:{account}:dbuser:"
                f"{props.db_cluster_resource_id}/{props.db_app_user}",
            ),
        )
        # The write fence asks this region's RDS API which member writes. DescribeGlobalClusters
        # takes the global-cluster resource type, whose ARN has no region:
        # arn:aws:rds::<account>:global-cluster:<id> (Service Authorization Reference,
        # "Actions, resources, and condition keys for Amazon RDS"; Aurora User Guide,
        # "Constructing an ARN for Amazon RDS").
        fence_statements: tuple[PolicyStatement, ...] = ()
        if props.db_global_cluster_identifier is not None:
            fence_statements = (
                PolicyStatement(
                    "ReadGlobalClusterWriter",
                    ("rds:DescribeGlobalClusters",),
                    (
                        f"arn:aws:rds::{account}:global-cluster:"
                        f"{props.db_global_cluster_identifier}",
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
            layer_arns: tuple[str, ...] = (),
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
                    layer_arns=layer_arns,
                    memory_mb=memory_mb,
                    timeout_seconds=timeout_seconds,
                    log_retention_days=props.log_retention_days,
                    provider=props.provider,
                ),
            )

        table_statement = PolicyStatement(
            "UseSessionTable", TABLE_ACTIONS, (props.session_table_arn,)
        )
        # The table (and its replica) are encrypted with this region's customer-managed key,
        # and DynamoDB uses that key on behalf of the caller, with the caller's permissions
        # (AWS KMS Developer Guide, "How Amazon DynamoDB uses AWS KMS"; the key policy leaves
        # data use to IAM). Only through DynamoDB in this region.
        table_key_statement = PolicyStatement(
            "UseSessionTableKeyThroughDynamoDb",
            ("kms:Decrypt", "kms:GenerateDataKey"),
            (props.kms_key_arn,),
            (("StringEquals", "kms:ViaService", (f"dynamodb.{props.region}.amazonaws.com",)),),
        )
        id_key_statement = PolicyStatement(
            "ReadPaymentIdKey",
            ("secretsmanager:GetSecretValue",),
            (props.payment_id_key_secret_arn,),
        )
        fis = props.fis_extension
        self.fis_extension = fis
        """The FIS Lambda extension on :attr:`api`, or None."""
        self.api = function(
            "api",
            "payment-api",
            API_HANDLER,
            "Payment API (API Gateway REST proxy)",
            (
                connect_statement,
                table_statement,
                table_key_statement,
                id_key_statement,
                decrypt_through_secrets_manager,
                *fence_statements,
                *(fis.statements(props.region) if fis is not None else ()),
            ),
            {
                **api_database,
                "DB_IAM_USER": props.db_app_user,
                "SESSION_TABLE_NAME": props.session_table_name,
                "PAYMENT_ID_KEY_SECRET_ARN": props.payment_id_key_secret_arn,
                "POWERTOOLS_SERVICE_NAME": "payment-api",
                **(fis.environment if fis is not None else {}),
            },
            props.api_memory_mb,
            props.api_timeout_seconds,
            (fis.layer_arn,) if fis is not None else (),
        )
        self.migrate = function(
            "migrate",
            "payment-migrate",
            MIGRATION_HANDLER,
            "Applies the payment schema migrations (invoke after deploy)",
            (*secret_statements, *fence_statements),
            {**database, "DB_SECRET_ARN": props.db_secret_arn},
            256,
            300,
        )
        self.authorizer = function(
            "authorizer",
            "payment-auth",
            AUTHORIZER_HANDLER,
            "Payment API Lambda authorizer (client keys of this region)",
            (
                PolicyStatement(
                    "ReadClientKeys",
                    ("secretsmanager:GetSecretValue",),
                    (props.client_keys_secret_arn,),
                ),
                decrypt_through_secrets_manager,
            ),
            {
                "CLIENT_KEYS_SECRET_ARN": props.client_keys_secret_arn,
                "POWERTOOLS_SERVICE_NAME": "payment-auth",
            },
            256,
            5,
        )
