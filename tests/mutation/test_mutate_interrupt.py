"""scripts/mutate.py while it runs: a progress line at least every ``--progress-seconds``, and
on SIGINT or SIGTERM its test processes stopped and its temporary copies removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import pytest

from tests.mutation.scripts import REPO, load_script

mutate = load_script("mutate")


def _processes_under(directory: Path) -> list[str]:
    """Command lines of the processes that run in ``directory`` or name it."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if str(directory) in cmdline or cwd.startswith(str(directory)):
            found.append(cmdline)
    return found


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_reports_progress_then_cleans_up(
    tmp_path: Path, signum: signal.Signals
) -> None:
    env = dict(os.environ, TMPDIR=str(tmp_path), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "mutate.py"), "rules", "--progress-seconds", "1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    lines: list[tuple[float, str]] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append((time.monotonic(), line))
            if "mutants run" in line:
                break
        progress = [at for at, line in lines if line.startswith("rules: ")]
        assert len(progress) >= 2, "".join(line for _, line in lines)
        copies = sorted(path.name for path in tmp_path.iterdir())
        assert any(name.startswith("mutate-tree-") for name in copies), copies
        assert any(name.startswith("mutate-rules-") for name in copies), copies
        assert _processes_under(tmp_path), "cosmic-ray exec is not running"

        process.send_signal(signum)
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    assert process.returncode == 128 + signum, rest
    assert f"mutate: interrupted by {signum.name}" in rest
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith("mutate-")] == []
    assert _processes_under(tmp_path) == []


def test_progress_comes_at_the_interval_while_a_child_runs(tmp_path: Path) -> None:
    calls: list[float] = []
    code, output = mutate.run_child(
        [sys.executable, "-c", "import time; time.sleep(1.3); print('done')"],
        cwd=tmp_path,
        env=dict(os.environ),
        capture=True,
        interval=0.2,
        progress=calls.append,
    )

    assert (code, output) == (0, "done\n")
    assert len(calls) >= 4
    assert all(later - earlier < 0.5 for earlier, later in pairwise(calls))


def test_a_time_bound_stops_the_child_and_everything_it_started(tmp_path: Path) -> None:
    marker = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    started = time.monotonic()

    code, _ = mutate.run_child(
        [sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ), timeout=2.0
    )

    assert code is None
    assert time.monotonic() - started < 30
    grandchild = int(marker.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(grandchild)


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
