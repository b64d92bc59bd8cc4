"""IAM policy pieces for AWS service principals: a role's trust policy, and the conditions
that keep a service acting for this account only.

A construct module imports this one explicitly (``payment_dr_core``'s ``__init__`` does not),
so programs that use only naming and configuration, such as the ``payment-dr`` CLI, never load
CDKTF.

``aws:SourceAccount`` in the trust policy limits which account's resources can make the
service assume the role (IAM User Guide, "The confused deputy problem": use
``aws:SourceAccount`` or ``aws:SourceArn`` in resource-based and trust policies of roles
assumed by a service principal).
"""

from __future__ import annotations

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from constructs import Construct

from payment_dr_core.errors import ConfigError

_SERVICE_SUFFIX = ".amazonaws.com"


def confused_deputy_conditions(
    account: str, source_arn_pattern: str
) -> list[DataAwsIamPolicyDocumentStatementCondition]:
    """``aws:SourceAccount`` equal to ``account`` and ``aws:SourceArn`` like the pattern.

    For a statement that lets a service principal act on a resource (a key, a topic, a log
    group): the service then acts only for resources of this account that match the pattern
    (IAM User Guide, "The confused deputy problem": use both keys together when the service
    supports them).
    """
    return [
        DataAwsIamPolicyDocumentStatementCondition(
            test="StringEquals", variable="aws:SourceAccount", values=[account]
        ),
        DataAwsIamPolicyDocumentStatementCondition(
            test="ArnLike", variable="aws:SourceArn", values=[source_arn_pattern]
        ),
    ]


def service_assume_role_policy(
    scope: Construct,
    construct_id: str,
    *,
    service: str,
    provider: TerraformProvider | None,
    source_account: str | None = None,
) -> DataAwsIamPolicyDocument:
    """A policy document letting ``service`` (``lambda.amazonaws.com``, ...) call
    ``sts:AssumeRole``; with ``source_account``, only on behalf of that account's resources.

    ``construct_id`` is part of the contract: it names the Terraform data source.
    """
    if not service.endswith(_SERVICE_SUFFIX) or service == _SERVICE_SUFFIX:
        raise ConfigError(
            "service", service, f"a service principal such as 'lambda{_SERVICE_SUFFIX}'"
        )
    condition = (
        [
            DataAwsIamPolicyDocumentStatementCondition(
                test="StringEquals", variable="aws:SourceAccount", values=[source_account]
            )
        ]
        if source_account is not None
        else None
    )
    return DataAwsIamPolicyDocument(
        scope,
        construct_id,
        statement=[
            DataAwsIamPolicyDocumentStatement(
                effect="Allow",
                actions=["sts:AssumeRole"],
                principals=[
                    DataAwsIamPolicyDocumentStatementPrincipals(
                        type="Service", identifiers=[service]
                    )
                ],
                condition=condition,
            )
        ],
        provider=provider,
    )
