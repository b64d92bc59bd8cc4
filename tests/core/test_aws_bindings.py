"""The lazy loader of the AWS provider bindings: when it engages, when it refuses, what it loads."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from payment_dr_core import aws_bindings
from payment_dr_core.aws_bindings import EAGER_MARKER, split_eager_block

HEAD = textwrap.dedent(
    """
    import publication
    __all__ = ["alpha", "beta"]
    publication.publish()
    """
)


def _fake_package(root: Path, tail: str) -> Path:
    """A stand-in for the provider package: a head, the eager block, two submodules."""
    package = root / aws_bindings.PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text(HEAD + EAGER_MARKER + "\n" + tail, encoding="utf-8")
    (package / "alpha.py").write_text("VALUE = 'alpha'\n", encoding="utf-8")
    (package / "beta.py").write_text("VALUE = 'beta'\n", encoding="utf-8")
    return root


def _run(code: str, *, path: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run ``code`` in a fresh interpreter (optionally with ``path`` first on sys.path)."""
    prefix = f"import sys; sys.path.insert(0, {str(path)!r})\n" if path else ""
    result = subprocess.run(
        [sys.executable, "-c", prefix + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip() + "\n---\n" + result.stderr.strip()


class TestSplit:
    def test_expected_form_is_split_into_head_and_names(self) -> None:
        source = "x = 1\n" + EAGER_MARKER + "\nfrom . import vpc\n\nfrom . import s3_bucket\n"
        lazy = split_eager_block(source)
        assert lazy is not None
        assert lazy.head == "x = 1\n"
        assert lazy.submodules == frozenset({"vpc", "s3_bucket"})

    @pytest.mark.parametrize(
        "tail",
        [
            "from . import vpc\nprint('registered')\n",  # code after the imports
            "from . import vpc as network\n",  # an alias is not a plain submodule import
            "from .vpc import Vpc\n",  # a name import, not a submodule import
            "",  # marker and nothing after it
        ],
    )
    def test_any_other_form_is_refused(self, tail: str) -> None:
        assert split_eager_block("x = 1\n" + EAGER_MARKER + "\n" + tail) is None

    def test_source_without_the_marker_is_refused(self) -> None:
        assert split_eager_block("from . import vpc\n") is None

    def test_the_installed_bindings_have_the_expected_form(self) -> None:
        """The pinned 21.22.1 source splits, with every published submodule deferred."""
        spec = importlib.util.find_spec(aws_bindings.PACKAGE)
        assert spec is not None
        assert spec.origin is not None
        lazy = split_eager_block(Path(spec.origin).read_text(encoding="utf-8"))
        assert lazy is not None
        assert len(lazy.submodules) == 2212
        assert {"vpc", "s3_bucket", "rds_global_cluster", "provider"} <= lazy.submodules
        assert "from . import" not in lazy.head.split("__all__")[-1]


class TestFinder:
    def test_another_version_falls_back_with_one_line(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setattr(aws_bindings, "SUPPORTED_VERSION", "21.22.0")
        assert aws_bindings._FINDER.find_spec(aws_bindings.PACKAGE, None) is None
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert "cdktf-cdktf-provider-aws 21.22.1 is not 21.22.0" in err
        assert "eagerly" in err

    def test_changed_source_falls_back_with_one_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        root = _fake_package(tmp_path, "from . import alpha\nregister_everything()\n")
        assert aws_bindings._FINDER.find_spec(aws_bindings.PACKAGE, [str(root)]) is None
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert "does not have the expected eager-import block" in err

    def test_eager_switch_turns_it_off(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(aws_bindings.EAGER_ENV, "1")
        assert aws_bindings._FINDER.find_spec(aws_bindings.PACKAGE, None) is None

    def test_other_modules_are_left_alone(self) -> None:
        assert aws_bindings._FINDER.find_spec("cdktf", None) is None
        assert aws_bindings._FINDER.find_spec(aws_bindings.PACKAGE + ".vpc", None) is None


class TestLazyPackage:
    """A fake provider package, loaded in a fresh interpreter through the hook."""

    def test_submodules_load_on_first_use_only(self, tmp_path: Path) -> None:
        root = _fake_package(tmp_path, "from . import alpha\nfrom . import beta\n")
        out = _run(
            """
            import payment_dr_core  # installs the hook
            import cdktf_cdktf_provider_aws as aws
            from payment_dr_core import aws_bindings
            print(aws_bindings.is_lazy(), aws_bindings.loaded_submodules())
            print(aws.alpha.VALUE, aws_bindings.loaded_submodules())
            from cdktf_cdktf_provider_aws import beta
            print(beta.VALUE, sorted(aws_bindings.loaded_submodules()))
            print(sorted(n for n in dir(aws) if not n.startswith("_")))
            try:
                aws.gamma
            except AttributeError as error:
                print("AttributeError:", error)
            """,
            path=root,
        )
        assert out.splitlines()[:5] == [
            "True []",
            "alpha ['alpha']",
            "beta ['alpha', 'beta']",
            "['alpha', 'beta']",
            "AttributeError: module 'cdktf_cdktf_provider_aws' has no attribute 'gamma'",
        ]

    @pytest.mark.parametrize(
        ("package", "module"),
        [
            ("payment_dr_network", "regional_network"),
            ("payment_dr_data", "regional_key"),
            ("payment_dr_compute", "function"),
            ("payment_dr_edge", "regional_api"),
            ("payment_dr_observability", "alert_topics"),
            ("dr_app", "stack"),
        ],
    )
    def test_provider_imported_by_a_construct_module_first_is_lazy(
        self, package: str, module: str
    ) -> None:
        """A fresh interpreter whose first import is a construct module that imports the
        provider at its top, before any payment_dr_core import in that module."""
        spec = importlib.util.find_spec(package)
        assert spec is not None
        assert spec.submodule_search_locations is not None
        source = (Path(spec.submodule_search_locations[0]) / f"{module}.py").read_text(
            encoding="utf-8"
        )
        assert source.index("from cdktf_cdktf_provider_aws") < source.index("from payment_dr_core")
        out = _run(
            f"""
            import {package}.{module}
            from payment_dr_core import aws_bindings
            loaded = aws_bindings.loaded_submodules()
            print(aws_bindings.is_lazy(), len(loaded) < 200)
            """
        )
        assert out.splitlines()[0] == "True True"
