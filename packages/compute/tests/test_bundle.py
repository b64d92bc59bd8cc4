from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from payment_dr_compute.bundle import build_bundle, dependency_closure, zip_bytes
from payment_dr_core import ConfigError

# A dependency this package declares itself, so the tests run with only it installed.
REQUIREMENTS = ("packaging",)


@pytest.fixture
def service(tmp_path: Path) -> Path:
    """A small handler package with a data file and a subpackage."""
    package = tmp_path / "src" / "handler_pkg"
    (package / "sql").mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 1\n")
    (package / "api.py").write_text("def handler(event, context):\n    return event\n")
    (package / "sql" / "__init__.py").write_text("")
    (package / "sql" / "0001_init.sql").write_text("CREATE TABLE t (id int);\n")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "api.cpython-311.pyc").write_bytes(b"\0")
    return package


def test_same_sources_give_the_same_bytes_and_hash(tmp_path: Path, service: Path) -> None:
    first = build_bundle(service, REQUIREMENTS, tmp_path / "a" / "payment.zip")
    second = build_bundle(service, REQUIREMENTS, tmp_path / "b" / "payment.zip")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256_base64 == second.sha256_base64
    assert first.size_bytes == len(first.path.read_bytes())


def test_hash_follows_the_content(tmp_path: Path) -> None:
    package = tmp_path / "src" / "svc"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 1\n")
    one = build_bundle(package, (), tmp_path / "one.zip")
    (package / "__init__.py").write_text("VALUE = 2\n")
    two = build_bundle(package, (), tmp_path / "two.zip")
    assert one.sha256_base64 != two.sha256_base64


def test_bundle_holds_the_package_and_its_pure_python_dependencies(
    tmp_path: Path, service: Path
) -> None:
    bundle = build_bundle(service, REQUIREMENTS, tmp_path / "handler.zip")
    names = set(bundle.files)
    assert "handler_pkg/__init__.py" in names
    assert "handler_pkg/api.py" in names
    assert "handler_pkg/sql/0001_init.sql" in names
    assert "packaging/version.py" in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert any(d.startswith("packaging==") for d in bundle.distributions)


def test_entries_are_sorted_with_fixed_time_and_mode(tmp_path: Path, service: Path) -> None:
    bundle = build_bundle(service, REQUIREMENTS, tmp_path / "payment.zip")
    with zipfile.ZipFile(bundle.path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_zip_bytes_does_not_depend_on_insertion_order() -> None:
    assert zip_bytes({"b": b"2", "a": b"1"}) == zip_bytes({"a": b"1", "b": b"2"})


def test_missing_dependency_is_named(tmp_path: Path, service: Path) -> None:
    with pytest.raises(ConfigError) as error:
        build_bundle(service, ("no-such-distribution-xyz",), tmp_path / "x.zip")
    assert error.value.value == "no-such-distribution-xyz"


def test_version_mismatch_is_refused() -> None:
    with pytest.raises(ConfigError, match="matching"):
        dependency_closure(["pg8000<1.0"])


def test_markers_are_evaluated_for_lambda() -> None:
    names = {d.metadata["Name"].lower() for d in dependency_closure(["structlog"])}
    assert "structlog" in names
    # structlog needs typing-extensions only before Python 3.11
    assert "typing-extensions" not in names


def test_bundle_tooling_does_not_load_the_provider_bindings() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, payment_dr_compute, payment_dr_compute.bundle; print('cdktf' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_constructs_are_still_reachable_from_the_package() -> None:
    import payment_dr_compute
    from payment_dr_compute.payment_functions import PaymentFunctions

    assert payment_dr_compute.PaymentFunctions is PaymentFunctions
    with pytest.raises(AttributeError):
        _ = payment_dr_compute.NoSuchConstruct
