"""A program that dies by itself (kill -9) leaves its children behind; the real supervisord restarts it and
the restart ends them first (``fraud_runtime/reap_leftovers.py``), as the Airflow scheduler's LocalExecutor
workers needed - found by process group, even when the child has rewritten its ``environ`` (setproctitle).
Processes of another program are left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fraud_platform.paths import Paths
from fraud_runtime import reap_leftovers
from fraud_runtime.services.base import Program
from fraud_runtime.supervisor import Supervisor

pytestmark = pytest.mark.unit
# A parent that starts a child (its "worker") and waits: the child's pid goes to the file named by argv[1].
PARENT = ("import subprocess, sys, time\n"
          "child = subprocess.Popen(['sleep', '600'], env={})\n"
          "open(sys.argv[1], 'w').write(str(child.pid))\n"
          "time.sleep(600)\n")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()[0]
    except OSError:
        return False
    return state != b"Z"


def _wait(predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_restart_after_kill_9_ends_what_the_dead_instance_left(tmp_path: Path) -> None:
    paths = Paths(root=tmp_path, cache=tmp_path / "cache", state=tmp_path / "state")
    sup = Supervisor(paths)
    (tmp_path / "parent.py").write_text(PARENT)
    programs = {name: (Program(argv=[sys.executable, str(tmp_path / "parent.py"), str(tmp_path / f"{name}.child")]),
                       tmp_path / f"{name}.log") for name in ("leaky", "bystander")}
    sup.write_config(programs)
    sup.ensure_running()
    outsider = subprocess.Popen(["sleep", "600"])  # this test's own process group
    first: dict[str, int] = {}
    try:
        for name in programs:
            sup.start(name)
        _wait(lambda: all((tmp_path / f"{n}.child").exists() for n in programs))
        first.update({n: int((tmp_path / f"{n}.child").read_text()) for n in programs})
        leader = sup.info("leaky")["pid"]
        (tmp_path / "leaky.child").unlink()

        os.kill(leader, signal.SIGKILL)  # dies by itself: supervisord's group stop does not run
        _wait(lambda: (tmp_path / "leaky.child").exists())  # the restarted instance is up

        assert sup.info("leaky")["pid"] != leader
        _wait(lambda: not _alive(first["leaky"]), 10)  # the dead instance's worker was ended before the restart
        assert _alive(int((tmp_path / "leaky.child").read_text()))  # the new instance's is running
        assert _alive(first["bystander"])  # another program's: untouched
        assert outsider.poll() is None  # not in the dead instance's group: untouched
        assert "the previous instance left behind" in (tmp_path / "leaky.log").read_text()
    finally:
        outsider.kill()
        sup.shutdown()
        for pid in first.values():  # had the test failed, nothing is left running either
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_group_whose_leader_lives_is_not_a_dead_instances() -> None:
    leader = subprocess.Popen(["sleep", "600"], start_new_session=True)
    try:
        assert reap_leftovers.members(leader.pid) == [leader.pid]
        assert reap_leftovers.leftovers(leader.pid, os.getpgid(0)) == []
        assert reap_leftovers.leftovers(os.getpgid(0), os.getpgid(0)) == []  # its own group
    finally:
        leader.kill()
        leader.wait()
