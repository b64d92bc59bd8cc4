"""dr_app.hcl and its command line scripts/export_hcl.py: JSON stacks to Terraform native
syntax, checked without a synth.

The fixture under ``fixtures/hcl_export`` is a small ``cdk.tf.json`` with the constructs the
app uses (backend, provider alias, nested and repeated blocks, ``${}`` templates and
escapes, ``jsonencode``, lifecycle, ``depends_on``, the ``ephemeral`` block, remote state)
and a provider schema in the format of ``terraform providers schema -json``. Where
``terraform`` is installed, it checks the syntax and evaluates converted expressions
(``terraform fmt`` and ``terraform console`` need no provider and no network).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dr_app import hcl as export_hcl

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "export_hcl.py"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hcl_export"
STACKS = FIXTURES / "stacks"
SCHEMA = FIXTURES / "schema.json"
TERRAFORM = shutil.which("terraform")
needs_terraform = pytest.mark.skipif(
    TERRAFORM is None, reason="terraform is not on PATH (fmt and console checks need it)"
)


def convert(document: Mapping[str, Any]) -> dict[str, str]:
    schemas = export_hcl.Schemas.from_documents([json.loads(SCHEMA.read_text(encoding="utf-8"))])
    converted: dict[str, str] = export_hcl.convert_stack(document, schemas, "demo-primary")
    return converted


@pytest.fixture(scope="module")
def converted() -> dict[str, str]:
    document = export_hcl.load_stack_json(STACKS / "demo-primary" / "cdk.tf.json")
    return convert(document)


def block(text: str, header: str) -> str:
    """The top-level block starting with ``header`` (up to its closing brace)."""
    match = re.search(rf"^{re.escape(header)} {{\n.*?^}}$", text, re.MULTILINE | re.DOTALL)
    assert match, f"no block {header!r} in:\n{text}"
    return match.group(0)


def terraform_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": os.devnull,
        "TF_IN_AUTOMATION": "1",
        "TF_DATA_DIR": str(tmp_path / ".terraform"),
        "CHECKPOINT_DISABLE": "1",
    }


# ------------------------------------------------------------------ the fixture stack


def test_files_per_concern(converted: dict[str, str]) -> None:
    assert sorted(converted) == ["main.tf", "outputs.tf", "providers.tf", "terraform.tf"]
    assert all(text.startswith("# demo-primary: converted from") for text in converted.values())


def test_terraform_block_keeps_backend_and_provider_requirements(
    converted: dict[str, str],
) -> None:
    assert block(converted["terraform.tf"], "terraform") == (
        "terraform {\n"
        '  backend "s3" {\n'
        '    bucket       = "demo-tfstate"\n'
        "    encrypt      = true\n"
        '    key          = "payment-dr/demo/demo-primary.tfstate"\n'
        '    region       = "us-west-2"\n'
        "    use_lockfile = true\n"
        "  }\n"
        "  required_providers {\n"
        "    aws = {\n"
        '      source  = "aws"\n'
        '      version = "6.25.0"\n'
        "    }\n"
        "  }\n"
        "}"
    )


def test_providers_with_alias_and_default_tags_block(converted: dict[str, str]) -> None:
    providers = converted["providers.tf"]
    assert providers.count('provider "aws" {') == 2
    assert (
        "  default_tags {\n"
        "    tags = {\n"
        '      "Cost Center" = "payments"\n'
        '      Environment   = "demo"\n'
        "    }\n"
        "  }\n"
    ) in providers
    assert '  alias  = "secondary_region"\n  region = "us-east-2"\n' in providers


def test_provider_references_are_bare_traversals(converted: dict[str, str]) -> None:
    main = converted["main.tf"]
    kms = block(main, 'resource "aws_kms_key" "secondary"')
    assert "  provider                = aws.secondary_region\n" in kms
    assert "  provider = aws\n" in block(main, 'data "aws_caller_identity" "me"')
    assert 'provider = "' not in main


def test_repeated_and_nested_blocks_follow_the_schema(converted: dict[str, str]) -> None:
    policy = block(converted["main.tf"], 'data "aws_iam_policy_document" "key_policy"')
    assert policy.count("\n  statement {\n") == 2
    assert "    principals {\n" in policy
    assert (
        "    condition {\n"
        '      test     = "Bool"\n'
        '      values   = ["false"]\n'
        '      variable = "aws:SecureTransport"\n'
        "    }\n"
    ) in policy
    waf = block(converted["main.tf"], 'resource "aws_wafv2_web_acl" "acl"')
    assert "  default_action {\n    allow {}\n  }\n" in waf
    # A block that CDKTF's own HCL output renders as an argument: it must stay a block.
    assert (
        "    statement {\n"
        "      managed_rule_group_statement {\n"
        '        name        = "AWSManagedRulesCommonRuleSet"\n'
        '        vendor_name = "AWS"\n'
        "      }\n"
        "    }\n"
    ) in waf
    lambda_function = block(converted["main.tf"], 'resource "aws_lambda_function" "api"')
    assert "  environment {\n    variables = {\n" in lambda_function


def test_map_arguments_stay_arguments(converted: dict[str, str]) -> None:
    main = converted["main.tf"]
    assert "  tags = {\n" in block(main, 'resource "aws_s3_bucket" "bucket"')
    assert "  triggers = {\n" in block(main, 'resource "aws_api_gateway_deployment" "deployment"')
    remote = block(main, 'data "terraform_remote_state" "cross-stack-reference-input-demo-primary"')
    assert "  config = {\n" in remote
    assert "  workspace = terraform.workspace\n" in remote


def test_interpolations_become_expressions_and_templates_stay_quoted(
    converted: dict[str, str],
) -> None:
    main = converted["main.tf"]
    assert (
        '      identifiers = ["arn:aws:iam::${data.aws_caller_identity.me.account_id}:root"]'
        in main
    )
    assert '    resources = [aws_s3_bucket.bucket.arn, "${aws_s3_bucket.bucket.arn}/*"]' in main
    assert '    redeployment = sha1(jsonencode(["v1", aws_s3_bucket.bucket.id]))\n' in block(
        main, 'resource "aws_api_gateway_deployment" "deployment"'
    )
    assert (
        '  secret_string_wo         = jsonencode({engine = "postgres", password = '
        "ephemeral.aws_secretsmanager_random_password.master-password.random_password})\n"
    ) in main


def test_escapes_keep_their_meaning(converted: dict[str, str]) -> None:
    main = converted["main.tf"]
    # A template argument: $${ and %%{ are escapes in JSON and in HCL alike.
    assert (
        '  value = "literal $${not_interpolated}, 100%%{x} and ${aws_s3_bucket.bucket.id}"\n'
        in main
    )
    # Quotes, tabs, backslashes and newlines are escaped in the literal parts only.
    assert (
        '  description             = "Key for \\"demo\\"\\tin C:\\\\keys\\nsecond line"\n' in main
    )
    # Terraform reads an output description from JSON verbatim (no template), so its value
    # is "Deployed by $${pipeline}"; in HCL, "$$${" is a "$" then an escaped "${".
    outputs = converted["outputs.tf"]
    assert '  description = "Deployed by $$${pipeline}"\n' in outputs


def test_ephemeral_block_and_write_only_use(converted: dict[str, str]) -> None:
    main = converted["main.tf"]
    assert block(main, 'ephemeral "aws_secretsmanager_random_password" "master-password"') == (
        'ephemeral "aws_secretsmanager_random_password" "master-password" {\n'
        "  provider            = aws\n"
        "  exclude_punctuation = true\n"
        "  password_length     = 32\n"
        "}"
    )
    cluster = block(main, 'resource "aws_rds_cluster" "cluster"')
    assert (
        "  master_password_wo         = "
        "ephemeral.aws_secretsmanager_random_password.master-password.random_password\n"
    ) in cluster


def test_lifecycle_and_depends_on(converted: dict[str, str]) -> None:
    main = converted["main.tf"]
    assert block(main, 'resource "aws_rds_cluster" "cluster"').endswith(
        "  lifecycle {\n"
        "    ignore_changes = [replication_source_identifier, engine_version]\n"
        "  }\n"
        "}"
    )
    assert "  lifecycle {\n    create_before_destroy = true\n  }\n" in block(
        main, 'resource "aws_api_gateway_deployment" "deployment"'
    )
    assert "  depends_on = [aws_s3_bucket_versioning.bucket, aws_kms_key.secondary]\n" in block(
        main, 'resource "aws_s3_bucket_policy" "policy"'
    )


def test_numbers_keep_their_text(converted: dict[str, str]) -> None:
    cluster = block(converted["main.tf"], 'resource "aws_rds_cluster" "cluster"')
    assert "    max_capacity = 2\n    min_capacity = 0.5\n" in cluster


def test_construct_paths_become_comments(converted: dict[str, str]) -> None:
    main = converted["main.tf"]
    assert '# demo-primary/bucket/bucket\nresource "aws_s3_bucket" "bucket" {' in main
    assert "//" not in main.replace("https://", "")


def test_outputs_keep_sensitive_and_names(converted: dict[str, str]) -> None:
    assert block(
        converted["outputs.tf"], 'output "cross-stack-output-aws_s3_bucket.bucket.arn"'
    ) == (
        'output "cross-stack-output-aws_s3_bucket.bucket.arn" {\n'
        "  sensitive = true\n"
        "  value     = aws_s3_bucket.bucket.arn\n"
        "}"
    )


def test_every_fixture_resource_is_converted(converted: dict[str, str]) -> None:
    document = json.loads((STACKS / "demo-primary" / "cdk.tf.json").read_text(encoding="utf-8"))
    main = converted["main.tf"]
    for kind in ("resource", "data", "ephemeral"):
        for type_name, named in document[kind].items():
            for name in named:
                assert f'{kind} "{type_name}" "{name}" {{' in main


# ---------------------------------------------------------------- template expressions


@pytest.mark.parametrize(
    ("json_string", "hcl"),
    [
        ("plain", '"plain"'),
        ("${var.x}", "var.x"),
        ("${ var.x }", "var.x"),
        ("a-${var.x}", '"a-${var.x}"'),
        ("${a}${b}", '"${a}${b}"'),
        ("$${literal}", '"$${literal}"'),
        ("%%{literal}", '"%%{literal}"'),
        ("%{ if var.on }yes%{ endif }", '"%{ if var.on }yes%{ endif }"'),
        ('${jsonencode({a = "}"})}', 'jsonencode({a = "}"})'),
        ('${format("%s-${var.x}", "y")}', 'format("%s-${var.x}", "y")'),
        ('x${replace(var.p, "\\\\", "/")}\n', '"x${replace(var.p, "\\\\", "/")}\\n"'),
        ("${~ var.x ~}", '"${~ var.x ~}"'),
        ("tab\there", '"tab\\there"'),
        ("bell\x07", '"bell\\u0007"'),
        ("ünïcode ✓", '"ünïcode ✓"'),
    ],
)
def test_template_expression(json_string: str, hcl: str) -> None:
    assert export_hcl.template_expression(json_string) == hcl


@pytest.mark.parametrize(
    ("text", "hcl"),
    [
        ("plain", '"plain"'),
        ("${x}", '"$${x}"'),
        ("$${x}", '"$$${x}"'),
        ("100%{x}", '"100%%{x}"'),
        ('say "hi"\\', '"say \\"hi\\"\\\\"'),
    ],
)
def test_literal_string(text: str, hcl: str) -> None:
    assert export_hcl.literal_string(text) == hcl


@pytest.mark.parametrize("broken", ["${unterminated", '${f("x)}', "a ${b"])
def test_unterminated_templates_are_errors(broken: str) -> None:
    with pytest.raises(export_hcl.ExportError, match="unterminated"):
        export_hcl.template_expression(broken)


# -------------------------------------------------------------------------- refusals


def _fixture() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (STACKS / "demo-primary" / "cdk.tf.json").read_text(encoding="utf-8"),
        parse_float=Decimal,
    )
    return document


Mutation = Callable[[dict[str, Any]], None]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        pytest.param(
            lambda d: d["resource"]["aws_s3_bucket"]["bucket"].update(acl="private"),
            r"resource\.aws_s3_bucket\.bucket\.acl: not an argument or block",
            id="unknown-argument",
        ),
        pytest.param(
            lambda d: d["resource"].update(aws_sqs_queue={"q": {"name": "q"}}),
            r"resource aws_sqs_queue: type not in the schema of provider 'aws'",
            id="unknown-type",
        ),
        pytest.param(
            lambda d: d["resource"]["aws_s3_bucket"]["bucket"].update(
                dynamic={"tag": {"for_each": "${var.x}"}}
            ),
            r"aws_s3_bucket\.bucket\.dynamic: dynamic blocks are not supported",
            id="dynamic",
        ),
        pytest.param(
            lambda d: d["resource"]["aws_s3_bucket"]["bucket"].update(
                provisioner=[{"local-exec": {"command": "echo"}}]
            ),
            r"provisioners are not supported",
            id="provisioner",
        ),
        pytest.param(
            lambda d: d.update(module={"m": {"source": "./m"}}),
            r"unsupported top-level blocks \['module'\]",
            id="module",
        ),
        pytest.param(
            lambda d: d["resource"]["aws_s3_bucket_policy"]["policy"].update(
                depends_on=["not a reference"]
            ),
            r"expected a reference, got 'not a reference'",
            id="bad-depends-on",
        ),
        pytest.param(
            lambda d: d["terraform"]["required_providers"].update(
                random={"source": "hashicorp/random"}
            )
            or d["resource"].update(random_id={"r": {"byte_length": 4}}),
            r"no schema for provider registry\.terraform\.io/hashicorp/random",
            id="provider-without-schema",
        ),
    ],
)
def test_anything_not_converted_exactly_is_an_error(mutate: Mutation, message: str) -> None:
    document = _fixture()
    mutate(document)
    with pytest.raises(export_hcl.ExportError, match=message):
        convert(document)


def test_schema_must_be_terraform_output() -> None:
    with pytest.raises(export_hcl.ExportError, match="provider_schemas"):
        export_hcl.Schemas.from_documents([{"format_version": "1.0"}])


# ------------------------------------------------------------ variables, locals, moved


def test_variables_locals_and_moved_blocks() -> None:
    document = {
        "variable": {
            "suffix": {"type": "string", "default": "dev", "description": "Suffix $${x}"},
            "sizes": {"type": "${map(number)}", "default": {"a": 1}},
        },
        "locals": {"name": "payment-${var.suffix}"},
        "moved": [{"from": "aws_s3_bucket.old", "to": "aws_s3_bucket.new"}],
        "import": [{"to": "aws_s3_bucket.new", "id": "bucket-${var.suffix}"}],
    }
    files = convert(document)
    assert files["variables.tf"].endswith(
        'variable "suffix" {\n'
        "  type        = string\n"
        '  default     = "dev"\n'
        '  description = "Suffix $$${x}"\n'
        "}\n\n"
        'variable "sizes" {\n'
        "  type = map(number)\n"
        "  default = {\n"
        "    a = 1\n"
        "  }\n"
        "}\n"
    )
    assert 'locals {\n  name = "payment-${var.suffix}"\n}\n' in files["locals.tf"]
    assert (
        "moved {\n  from = aws_s3_bucket.old\n  to   = aws_s3_bucket.new\n}\n" in files["main.tf"]
    )
    assert (
        'import {\n  to = aws_s3_bucket.new\n  id = "bucket-${var.suffix}"\n}\n' in files["main.tf"]
    )


# -------------------------------------------------------------------- command line


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_cli_writes_each_stack_and_copies_its_assets(tmp_path: Path) -> None:
    out = tmp_path / "hcl"
    result = run_cli(
        "--stacks-dir", str(STACKS), "--out", str(out), "--schema", str(SCHEMA), "--no-fmt"
    )
    assert result.returncode == 0, result.stderr
    stack = out / "demo-primary"
    assert sorted(p.name for p in stack.glob("*.tf")) == [
        "main.tf",
        "outputs.tf",
        "providers.tf",
        "terraform.tf",
    ]
    asset = stack / "assets" / "api_code" / "ABC123" / "payment-service.zip"
    assert (
        asset.read_bytes()
        == (
            STACKS / "demo-primary" / "assets" / "api_code" / "ABC123" / "payment-service.zip"
        ).read_bytes()
    )
    assert 'filename      = "assets/api_code/ABC123/payment-service.zip"' in (
        stack / "main.tf"
    ).read_text(encoding="utf-8")
    assert str(stack / "main.tf") in result.stdout


def test_cli_refuses_to_write_next_to_json_configuration(tmp_path: Path) -> None:
    out = tmp_path / "hcl"
    (out / "demo-primary").mkdir(parents=True)
    (out / "demo-primary" / "cdk.tf.json").write_text("{}", encoding="utf-8")
    result = run_cli(
        "--stacks-dir", str(STACKS), "--out", str(out), "--schema", str(SCHEMA), "--no-fmt"
    )
    assert result.returncode == 1
    assert "Terraform would read both" in result.stderr


def test_cli_explains_a_missing_synth(tmp_path: Path) -> None:
    result = run_cli("--stacks-dir", str(tmp_path / "nothing"), "--schema", str(SCHEMA))
    assert result.returncode == 1
    assert "run 'make synth' first" in result.stderr


def test_cli_without_terraform_or_schema_says_what_is_needed(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # no terraform on PATH
    result = run_cli("--stacks-dir", str(STACKS), "--out", str(tmp_path / "o"), env=env)
    assert result.returncode == 1
    assert "install terraform" in result.stderr
    assert "--schema FILE" in result.stderr


def test_schema_is_read_from_terraform_on_a_backendless_copy(tmp_path: Path) -> None:
    """Without --schema, the script runs init and 'providers schema -json' in a scratch
    directory holding the stack minus its backend (a stand-in terraform records that)."""
    log = tmp_path / "calls.log"
    fake = tmp_path / "terraform"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$PWD|$TF_PLUGIN_CACHE_DIR|$*" >> "{log}"\n'
        f'cp main.tf.json "{tmp_path}/seen.tf.json"\n'
        f'if [ "$1" = providers ]; then cat "{SCHEMA}"; fi\n',
        encoding="utf-8",
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    out = tmp_path / "hcl"
    result = run_cli(
        "--stacks-dir", str(STACKS), "--out", str(out), "--terraform", str(fake), "--no-fmt"
    )
    assert result.returncode == 0, result.stderr
    calls = [line.split("|") for line in log.read_text(encoding="utf-8").splitlines()]
    assert [call[2] for call in calls] == ["init -input=false -no-color", "providers schema -json"]
    assert calls[0][0] == calls[1][0]  # the same scratch directory
    assert calls[0][1]  # a plugin cache is set, so providers download once per run
    seen = json.loads((tmp_path / "seen.tf.json").read_text(encoding="utf-8"))
    assert "backend" not in seen["terraform"]
    assert seen["terraform"]["required_providers"] == {
        "aws": {"source": "aws", "version": "6.25.0"}
    }
    assert "//" not in seen
    assert 'backend "s3"' in (out / "demo-primary" / "terraform.tf").read_text(encoding="utf-8")


# ---------------------------------------------------------- checks with real terraform


@needs_terraform
def test_terraform_accepts_the_syntax_and_fmt_changes_only_whitespace(tmp_path: Path) -> None:
    raw, formatted = tmp_path / "raw", tmp_path / "formatted"
    common = ["--stacks-dir", str(STACKS), "--schema", str(SCHEMA)]
    assert run_cli(*common, "--out", str(raw), "--no-fmt").returncode == 0
    result = run_cli(*common, "--out", str(formatted), "--terraform", str(TERRAFORM))
    assert result.returncode == 0, result.stderr
    check = subprocess.run(
        [str(TERRAFORM), "fmt", "-check", "-recursive", str(formatted)],
        capture_output=True,
        text=True,
        check=False,
        env=terraform_env(tmp_path),
    )
    assert check.returncode == 0, check.stdout + check.stderr
    for path in sorted((raw / "demo-primary").glob("*.tf")):
        before = path.read_text(encoding="utf-8")
        after = (formatted / "demo-primary" / path.name).read_text(encoding="utf-8")
        assert re.sub(r"\s+", "", before) == re.sub(r"\s+", "", after), path.name


EXPRESSIONS: dict[str, Any] = {
    "plain": "a plain string",
    "escapes": 'quote " backslash \\ tab \t newline \n unicode ✓',
    "dollar_escape": "literal $${not.a.reference} and %%{ not a directive }",
    "lone_dollar": "cost: $5 and 100% {braces}",
    "directive": "%{ for n in [1, 2] }${n};%{ endfor }",
    "lone_interpolation": '${tolist(["x", "y"])}',
    "mixed": 'arn:${upper("aws")}:${jsonencode({k = "v}", n = 1})}',
    "nested_template": '${format("%s", "inner ${upper("q\\"uote")}")}',
    "number": Decimal("1.50"),
    "integer": 42,
    "boolean": True,
    "nothing": None,
    "list": ["a", 1, None, False, '${upper("b")}'],
    "object": {"simple": 1, "with-dash": 2, "with space": 3, '${lower("KEY")}': "templated key"},
}


def _console(directory: Path, expression: str, env: dict[str, str]) -> str:
    subprocess.run(
        [str(TERRAFORM), "init", "-input=false", "-no-color"],
        cwd=directory,
        capture_output=True,
        check=True,
        env=env,
    )
    result = subprocess.run(
        [str(TERRAFORM), "console", "-no-color"],
        cwd=directory,
        input=expression,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return result.stdout.strip()


@needs_terraform
def test_converted_values_evaluate_like_the_json(tmp_path: Path) -> None:
    """Terraform evaluates locals (templates) and a variable default (read verbatim from
    JSON) to the same values from the JSON file and from the converted HCL."""
    document = {
        "locals": EXPRESSIONS,
        "variable": {
            "verbatim": {"default": {k: EXPRESSIONS[k] for k in ("dollar_escape", "escapes")}}
        },
    }
    json_dir, hcl_dir = tmp_path / "json", tmp_path / "hcl"
    json_dir.mkdir()
    hcl_dir.mkdir()
    # Decimal numbers are written as JSON numbers with their exact text.
    text = json.dumps(document, default=lambda d: f"@decimal:{d}@", ensure_ascii=False)
    (json_dir / "main.tf.json").write_text(
        re.sub(r'"@decimal:([-0-9.eE+]+)@"', r"\1", text), encoding="utf-8"
    )
    for name, text in convert(document).items():
        (hcl_dir / name).write_text(text, encoding="utf-8")
    fields = ", ".join(f"{key} = local.{key}" for key in EXPRESSIONS)
    expression = f"jsonencode({{{fields}, verbatim = var.verbatim}})\n"
    env = terraform_env(tmp_path)
    from_json = _console(json_dir, expression, {**env, "TF_DATA_DIR": str(json_dir / ".tf")})
    from_hcl = _console(hcl_dir, expression, {**env, "TF_DATA_DIR": str(hcl_dir / ".tf")})
    assert from_hcl == from_json
    values = json.loads(json.loads(from_json))
    assert values["dollar_escape"] == "literal ${not.a.reference} and %{ not a directive }"
    assert (
        values["verbatim"]["dollar_escape"]
        == "literal $${not.a.reference} and %%{ not a directive }"
    )
    assert values["directive"] == "1;2;"
    assert values["object"]["key"] == "templated key"
