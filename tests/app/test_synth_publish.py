"""``payment-dr-synth`` builds the new output aside and swaps it in only once it succeeded;
Terraform's own files (state, lock file, ``.terraform/``) survive every synth, ``--clean``
included; the local backend's state path is absolute and shared by both stacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dr_app import bundles
from dr_app.output_swap import is_kept, publish, staging_dir
from dr_app.synth import main


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _write(path: Path, text: str = "x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """An output directory as a user leaves it after ``terraform init`` and a local apply."""
    out = tmp_path / "cdktf.out"
    _write(out / "manifest.json", "old manifest")
    _write(out / "stacks/env-primary/cdk.tf.json", "old primary")
    _write(out / "stacks/env-primary/.terraform.lock.hcl", "lock")
    _write(out / "stacks/env-primary/.terraform/providers/aws", "provider")
    _write(out / "stacks/env-primary/terraform.env-primary.tfstate", "state")
    _write(out / "stacks/env-primary/terraform.env-primary.tfstate.backup", "backup")
    _write(out / "stacks/other-primary/cdk.tf.json", "another environment")
    _write(out / "stacks/other-primary/.terraform.lock.hcl", "other lock")
    return out


def _new_synth(staging: Path) -> None:
    _write(staging / "manifest.json", "new manifest")
    _write(staging / "stacks/env-primary/cdk.tf.json", "new primary")


def test_kept_files_are_terraforms() -> None:
    kept = [".terraform", ".terraform.lock.hcl", "a.tfstate", "a.tfstate.backup"]
    assert all(is_kept(Path(name)) for name in kept)
    assert not any(is_kept(Path(n)) for n in ("cdk.tf.json", "assets", "plan.tfstate.json"))


def test_clean_drops_old_stacks_but_keeps_state_and_lock_files(previous: Path) -> None:
    with staging_dir(previous) as staging:
        _new_synth(staging)
        publish(staging, previous, clean=True)
    assert _tree(previous) == {
        "manifest.json",
        "stacks/env-primary/cdk.tf.json",
        "stacks/env-primary/.terraform.lock.hcl",
        "stacks/env-primary/.terraform/providers/aws",
        "stacks/env-primary/terraform.env-primary.tfstate",
        "stacks/env-primary/terraform.env-primary.tfstate.backup",
        "stacks/other-primary/.terraform.lock.hcl",
    }
    assert (previous / "stacks/env-primary/cdk.tf.json").read_text() == "new primary"
    assert (previous / "stacks/env-primary/.terraform.lock.hcl").read_text() == "lock"
    assert sorted(p.name for p in previous.parent.iterdir()) == ["cdktf.out"]


def test_without_clean_other_stacks_are_carried_whole(previous: Path) -> None:
    with staging_dir(previous) as staging:
        _new_synth(staging)
        publish(staging, previous, clean=False)
    assert "stacks/other-primary/cdk.tf.json" in _tree(previous)
    assert (previous / "stacks/env-primary/cdk.tf.json").read_text() == "new primary"


def test_a_failed_synth_leaves_the_previous_output_and_no_staging(previous: Path) -> None:
    before = {p: (previous / p).read_text() for p in _tree(previous)}

    def half_written_synth() -> None:
        with staging_dir(previous) as staging:
            _write(staging / "manifest.json", "half written")
            raise RuntimeError("a construct failed")

    with pytest.raises(RuntimeError):
        half_written_synth()
    assert {p: (previous / p).read_text() for p in _tree(previous)} == before
    assert sorted(p.name for p in previous.parent.iterdir()) == ["cdktf.out"]


def test_a_first_synth_creates_the_output(tmp_path: Path) -> None:
    out = tmp_path / "fresh" / "cdktf.out"
    with staging_dir(out) as staging:
        _new_synth(staging)
        publish(staging, out, clean=True)
    assert _tree(out) == {"manifest.json", "stacks/env-primary/cdk.tf.json"}


def test_a_synth_error_keeps_the_previous_output(
    previous: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dr_app.app

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a construct failed")

    monkeypatch.setattr(dr_app.app, "build_app", broken)
    before = _tree(previous)
    with pytest.raises(RuntimeError, match="a construct failed"):
        main(["--outdir", str(previous), "--clean", "--no-report"], {"ENVIRONMENT_SUFFIX": "dev"})
    assert _tree(previous) == before
    assert sorted(p.name for p in previous.parent.iterdir()) == ["cdktf.out"]


def test_an_installed_app_builds_its_bundle_in_the_user_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bundles, "IN_CHECKOUT", False)
    assert bundles.build_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "payment-dr/build"
    assert bundles.build_dir({}) == Path.home() / ".cache/payment-dr/build"


def test_local_backend_state_is_absolute_outside_the_output_and_shared(tmp_path: Path) -> None:
    """One real synth through the entry point, with ``PAYMENT_DR_BACKEND=local``."""
    out = tmp_path / "cdktf.out"
    _write(out / "stacks/payment-dr-loc1-primary/.terraform.lock.hcl", "lock")
    _write(tmp_path / "environments/loc1.toml", 'owner = "platform"\n')
    status = main(
        ["--outdir", str(out), "--clean", "--no-report"],
        {
            "ENVIRONMENT_SUFFIX": "loc1",
            "PAYMENT_DR_BACKEND": "local",
            "PAYMENT_DR_ENVIRONMENTS_DIR": str(tmp_path / "environments"),
        },
    )
    assert status == 0
    stacks = {
        role: json.loads((out / f"stacks/payment-dr-loc1-{role}/cdk.tf.json").read_text())
        for role in ("primary", "secondary")
    }
    state_dir = tmp_path / "terraform-state" / "loc1"
    for role, stack in stacks.items():
        path = stack["terraform"]["backend"]["local"]["path"]
        assert path == str(state_dir / f"payment-dr-loc1-{role}.tfstate")
    (remote,) = stacks["secondary"]["data"]["terraform_remote_state"].values()
    assert remote["backend"] == "local"
    assert remote["config"]["path"] == str(state_dir / "payment-dr-loc1-primary.tfstate")
    assert (out / "stacks/payment-dr-loc1-primary/.terraform.lock.hcl").read_text() == "lock"
