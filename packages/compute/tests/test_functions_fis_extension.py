"""PaymentFunctions with the AWS FIS Lambda extension (the ``api-errors`` game day): the layer
and the two variables on the API function only, read access to the configuration folder and
its key through S3, and nothing of it on the other functions; invalid extension props
refused."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cdktf import TerraformStack
from test_functions_fence import functions, props, statements_of

from payment_dr_compute.bundle import Bundle
from payment_dr_compute.fis_extension import FisLambdaExtension
from payment_dr_compute.function import RegionalFunctionProps
from payment_dr_compute.payment_functions import PaymentFunctions
from payment_dr_core import ConfigError, Namer
from payment_dr_core.testing import Synth, synth_stack

LAYER = "arn:aws:lambda:us-east-2:211125607513:layer:aws-fis-extension-x86_64:374"
BUCKET = "arn:aws:s3:::payment-processing-fis-config-use2-test"
KEY = "arn:aws:kms:us-east-2:111111111111:key/k"
EXTENSION = FisLambdaExtension(
    layer_arn=LAYER, configuration_bucket_arn=BUCKET, configuration_key_arn=KEY
)


@pytest.fixture(scope="module")
def synth(bundle: Bundle) -> Synth:
    def build(stack: TerraformStack) -> None:
        PaymentFunctions(stack, "functions", props(bundle, fis_extension=EXTENSION))

    return synth_stack(build, region="us-east-2")


def test_the_api_function_runs_through_the_extension(synth: Synth) -> None:
    api = functions(synth)["payment-processing-payment-api-use2-test"]
    assert api["layers"] == [LAYER]
    variables = api["environment"]["variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/aws-fis/bootstrap"
    assert variables["AWS_FIS_CONFIGURATION_LOCATION"] == (
        "arn:aws:s3:::payment-processing-fis-config-use2-test/FisConfigs/"
    )
    assert variables["POWERTOOLS_SERVICE_NAME"] == "payment-api"


def test_no_other_function_gets_it(synth: Synth) -> None:
    for name in (
        "payment-processing-payment-migrate-use2-test",
        "payment-processing-payment-auth-use2-test",
    ):
        function = functions(synth)[name]
        assert "layers" not in function
        assert not any(key.startswith("AWS_") for key in function["environment"]["variables"])
    for fragment in ("functions_migrate", "functions_authorizer"):
        assert "ReadFaultConfiguration" not in statements_of(synth, fragment)


def test_the_api_role_reads_only_the_configuration_folder(synth: Synth) -> None:
    statements = statements_of(synth, "functions_api")
    listing = statements["ListFaultConfiguration"]
    assert listing["actions"] == ["s3:ListBucket"]
    assert listing["resources"] == [BUCKET]
    assert listing["condition"] == [
        {"test": "StringLike", "variable": "s3:prefix", "values": ["FisConfigs/*"]}
    ]
    reading = statements["ReadFaultConfiguration"]
    assert reading["actions"] == ["s3:GetObject"]
    assert reading["resources"] == [f"{BUCKET}/FisConfigs/*"]
    decrypt = statements["DecryptFaultConfigurationThroughS3"]
    assert decrypt["actions"] == ["kms:Decrypt"]
    assert decrypt["resources"] == [KEY]
    assert decrypt["condition"] == [
        {
            "test": "StringEquals",
            "variable": "kms:ViaService",
            "values": ["s3.us-east-2.amazonaws.com"],
        }
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"layer_arn": LAYER.replace("us-east-2", "us-east-1")},
            "fis_extension.layer_arn",
        ),
        ({"layer_arn": "arn:aws:lambda:us-east-2:211125607513:layer:x"}, "fis_extension.layer_arn"),
        (
            {"configuration_bucket_arn": "payment-processing-fis"},
            "fis_extension.configuration_bucket_arn",
        ),
        (
            {"configuration_key_arn": "arn:aws:kms:us-east-1:111111111111:key/k"},
            "fis_extension.configuration_key_arn",
        ),
        ({"configuration_prefix": "FisConfigs"}, "fis_extension.configuration_prefix"),
    ],
)
def test_invalid_extension_props_are_refused(
    bundle: Bundle, changes: dict[str, Any], field: str
) -> None:
    extension = dataclasses.replace(EXTENSION, **changes)
    with pytest.raises(ConfigError) as caught:
        props(bundle, fis_extension=extension).validate()
    assert caught.value.field == field


@pytest.mark.parametrize(
    "layers",
    [
        (LAYER.replace("us-east-2", "us-east-1"),),
        (LAYER, LAYER),
        tuple(f"{LAYER[:-3]}{n}" for n in range(1, 7)),
    ],
)
def test_a_function_takes_at_most_five_distinct_layers_of_its_region(
    bundle: Bundle, layers: tuple[str, ...]
) -> None:
    function = RegionalFunctionProps(
        namer=Namer("test"),
        region="us-east-2",
        component="payment-api",
        handler="svc.handler",
        bundle=bundle,
        kms_key_arn=KEY,
        subnet_ids=("subnet-a",),
        security_group_ids=("sg-a",),
        layer_arns=layers,
    )
    with pytest.raises(ConfigError) as caught:
        function.validate()
    assert caught.value.field == "layer_arns"
