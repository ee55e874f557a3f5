"""Start a supervised program after ending what its previous instance left behind, then exec it.

supervisord runs each program in a process group of its own and stops the whole group (``stopasgroup``), but
when a program dies by itself - killed -9, or the OOM killer - its children live on, still in the dead
program's group: the Airflow scheduler's LocalExecutor workers kept running beside the restarted scheduler.
Every program's command is therefore

    python fraud_runtime/reap_leftovers.py PGID_FILE ARGV...

which reads the process group the previous instance recorded in ``PGID_FILE``, ends the processes still in it
(TERM, then KILL after ``GRACE_SECONDS``), records its own group, and execs ARGV in its own place: same pid,
same process group, same environment. The members of a group whose leader is dead can only be the previous
instance's: Linux does not hand out a group's number again while any process is in it. A live leader means
the group is not a dead instance's, and nothing is touched. (Processes are found by group, not by an
environment marker: ``setproctitle``, which Airflow's workers use, overwrites a process's ``environ``.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

GRACE_SECONDS = 5.0


def _stat(pid: int) -> list[bytes] | None:
    """Fields of ``/proc/PID/stat`` after the command name (state first), or None if the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()
    except OSError:
        return None


def _alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != b"Z"  # a zombie has already ended


def members(group: int) -> list[int]:
    """Live processes in process group ``group``."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and fields[0] != b"Z" and int(fields[2]) == group:
                found.append(int(entry.name))
    return found


def leftovers(group: int, own_group: int) -> list[int]:
    """The processes a dead instance whose group was ``group`` left behind (none if its leader lives)."""
    if group == own_group or _alive(group):
        return []
    return members(group)


def reap(pids: list[int]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + (GRACE_SECONDS if sig == signal.SIGTERM else 0)
        while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
            time.sleep(0.1)


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        sys.exit("usage: reap_leftovers.py PGID_FILE ARGV...")
    pgid_file, own = Path(argv[0]), os.getpgid(0)
    with contextlib.suppress(OSError, ValueError):
        pids = leftovers(int(pgid_file.read_text()), own)
        if pids:
            reap(pids)
            print(f"reap_leftovers: ended {len(pids)} process(es) the previous instance left behind: {pids}",
                  file=sys.stderr, flush=True)
    pgid_file.parent.mkdir(parents=True, exist_ok=True)
    pgid_file.write_text(f"{own}\n")
    os.execvp(argv[1], argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
