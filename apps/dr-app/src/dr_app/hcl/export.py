"""Export: find the stacks, obtain the provider schema, convert, write and format."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dr_app.hcl.convert import STACK_FILE, convert_stack, load_stack_json
from dr_app.hcl.schema import ExportError, Json, Schemas
from dr_app.paths import DEFAULT_OUTDIR

DEFAULT_STACKS_DIR = DEFAULT_OUTDIR / "stacks"
DEFAULT_OUT_DIR = DEFAULT_OUTDIR / "hcl"


def _run(command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> str:
    result = subprocess.run(  # noqa: S603 - terraform with fixed arguments, no shell
        list(command), cwd=cwd, env=dict(env), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-12:]
        raise ExportError(f"{' '.join(command)} failed in {cwd}:\n  " + "\n  ".join(detail))
    return result.stdout


def scratch_config(document: Mapping[str, Json]) -> dict[str, Json]:
    """The stack without its backend and metadata: enough for init to install providers."""
    config = {key: value for key, value in document.items() if key != "//"}
    terraform = config.get("terraform")
    if isinstance(terraform, dict):
        config["terraform"] = {k: v for k, v in terraform.items() if k != "backend"}
    return config


def schema_from_terraform(
    documents: Mapping[str, Mapping[str, Json]], terraform: str, plugin_cache: Path
) -> list[Mapping[str, Json]]:
    """Run ``terraform init`` and ``providers schema -json`` on a backend-less copy of each
    stack (local state in a scratch directory; nothing is read from or written to the real
    backend)."""
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    env.setdefault("TF_PLUGIN_CACHE_DIR", str(plugin_cache))
    Path(env["TF_PLUGIN_CACHE_DIR"]).mkdir(parents=True, exist_ok=True)
    results: list[Mapping[str, Json]] = []
    for stack, document in documents.items():
        with tempfile.TemporaryDirectory(prefix=f"schema-{stack}-") as scratch:
            workdir = Path(scratch)
            (workdir / "main.tf.json").write_text(
                json.dumps(scratch_config(document), default=str), encoding="utf-8"
            )
            _run([terraform, "init", "-input=false", "-no-color"], workdir, env)
            output = _run([terraform, "providers", "schema", "-json"], workdir, env)
            results.append(json.loads(output))
    return results


# -------------------------------------------------------------------------------- main


def find_stacks(stacks_dir: Path, names: Sequence[str]) -> dict[str, Path]:
    """Stack name -> its ``cdk.tf.json``, all of them or the ones named."""
    if not stacks_dir.is_dir():
        raise ExportError(f"{stacks_dir}: no such directory (run 'make synth' first)")
    found = {path.parent.name: path for path in sorted(stacks_dir.glob(f"*/{STACK_FILE}"))}
    if not found:
        raise ExportError(f"{stacks_dir}: no */{STACK_FILE} (run 'make synth' first)")
    missing = [name for name in names if name not in found]
    if missing:
        raise ExportError(f"unknown stacks {missing}; found {sorted(found)}")
    return {name: found[name] for name in names} if names else found


def write_stack(out_dir: Path, stack_file: Path, files: Mapping[str, str]) -> list[Path]:
    """Write the HCL files and copy the stack's assets; return the written files."""
    target = out_dir / stack_file.parent.name
    target.mkdir(parents=True, exist_ok=True)
    leftovers = sorted(target.glob("*.tf.json"))
    if leftovers:
        raise ExportError(f"{target} holds {leftovers[0].name}: Terraform would read both")
    written = []
    for name, text in files.items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    assets = stack_file.parent / "assets"
    if assets.is_dir():
        shutil.copytree(assets, target / "assets", dirs_exist_ok=True)
    return written


def terraform_fmt(terraform: str, directory: Path) -> None:
    """Run ``terraform fmt`` over the output (normally a no-op: the output is canonical)."""
    _run(
        [terraform, "fmt", "-no-color", "-list=false", "-recursive", str(directory)],
        directory,
        os.environ,
    )


@dataclass(frozen=True)
class ExportOptions:
    """What to export, from where, to where."""

    stacks_dir: Path = DEFAULT_STACKS_DIR
    """Directory of synthesized stacks (``<stack>/cdk.tf.json``)."""
    out: Path = DEFAULT_OUT_DIR
    """Output directory, one subdirectory per stack."""
    stacks: tuple[str, ...] = ()
    """Stack names; empty: every stack."""
    schema: tuple[Path, ...] = ()
    """Saved ``terraform providers schema -json`` outputs; empty: run terraform to get it."""
    terraform: str | None = None
    """terraform executable; ``None``: from PATH."""
    no_fmt: bool = False
    """Do not run ``terraform fmt`` over the output."""


def export(options: ExportOptions) -> list[Path]:
    """Convert the selected stacks; return the files written."""
    stacks = find_stacks(options.stacks_dir, list(options.stacks))
    documents = {name: load_stack_json(path) for name, path in stacks.items()}
    terraform = options.terraform or shutil.which("terraform")
    if options.schema:
        raw_schemas = []
        for schema_path in options.schema:
            try:
                raw_schemas.append(json.loads(Path(schema_path).read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError) as exc:
                raise ExportError(f"--schema {schema_path}: {exc}") from exc
    elif terraform is None:
        raise ExportError(
            "the provider schema is needed to tell blocks from arguments: install terraform "
            "(>= 1.11) or pass --schema FILE (from 'terraform providers schema -json')"
        )
    else:
        with tempfile.TemporaryDirectory(prefix="tf-plugin-cache-") as cache:
            try:
                raw_schemas = schema_from_terraform(documents, terraform, Path(cache))
            except ExportError as exc:
                raise ExportError(
                    f"{exc}\nreading the provider schema needs the provider from the registry, "
                    "a mirror or TF_PLUGIN_CACHE_DIR; or pass --schema FILE (from "
                    "'terraform providers schema -json')"
                ) from exc
    schemas = Schemas.from_documents(raw_schemas)
    out_dir = options.out
    written: list[Path] = []
    for name, path in stacks.items():
        written.extend(write_stack(out_dir, path, convert_stack(documents[name], schemas, name)))
    if terraform is not None and not options.no_fmt:
        terraform_fmt(terraform, out_dir)
    return written
