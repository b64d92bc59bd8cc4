"""The ACM certificate of a regional custom domain, validated through Route 53."""

from __future__ import annotations

from cdktf import TerraformProvider, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.acm_certificate import AcmCertificate, AcmCertificateOptions
from cdktf_cdktf_provider_aws.acm_certificate_validation import AcmCertificateValidation
from cdktf_cdktf_provider_aws.route53_record import Route53Record
from constructs import Construct

VALIDATION_RECORD_TTL = 300
"""TTL of the validation CNAME (ACM re-reads it at each renewal)."""


class RegionalCertificate(Construct):
    """A DNS-validated ACM certificate in the API's own region (the provider's): a REGIONAL
    custom domain takes a certificate of its region; only edge-optimized ones use us-east-1.

    ACM gives the same validation CNAME for a domain name in every region of an account,
    so two regions certifying the same name would create the same record twice. One
    region owns the record (``shared_validation_record_fqdn`` None); the other passes
    that record's FQDN and creates none: its validation fails at once, naming the
    missing record, if ACM ever hands it a different one.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_name: str,
        hosted_zone_id: str,
        shared_validation_record_fqdn: str | None,
        provider: TerraformProvider | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.certificate = AcmCertificate(
            self,
            "certificate",
            domain_name=domain_name,
            validation_method="DNS",
            key_algorithm="RSA_2048",
            options=AcmCertificateOptions(certificate_transparency_logging_preference="ENABLED"),
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            provider=provider,
        )
        option = self.certificate.domain_validation_options.get(0)
        self.validation_record: Route53Record | None
        if shared_validation_record_fqdn is None:
            self.validation_record = Route53Record(
                self,
                "validation-record",
                zone_id=hosted_zone_id,
                name=option.resource_record_name,
                type=option.resource_record_type,
                records=[option.resource_record_value],
                ttl=VALIDATION_RECORD_TTL,
                # The value is fixed per domain and account: adopting a record left by an
                # earlier deployment or a console validation is safe.
                allow_overwrite=True,
                provider=provider,
            )
            self.validation_record_fqdn = self.validation_record.fqdn
        else:
            self.validation_record = None
            self.validation_record_fqdn = shared_validation_record_fqdn
        self.validation = AcmCertificateValidation(
            self,
            "validation",
            certificate_arn=self.certificate.arn,
            validation_record_fqdns=[self.validation_record_fqdn],
            provider=provider,
        )

    @property
    def certificate_arn(self) -> str:
        """ARN of the certificate, known once it is issued (validation complete)."""
        return self.validation.certificate_arn
