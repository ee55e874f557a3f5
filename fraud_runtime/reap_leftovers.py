"""Start a supervised program after ending what its previous instance left behind, then exec it.

supervisord runs each program in a process group of its own and stops the whole group (``stopasgroup``), but
when a program dies by itself - killed -9, or the OOM killer - its children live on: the Airflow scheduler's
LocalExecutor workers kept running beside the restarted scheduler. Every program's command is therefore

    python fraud_runtime/reap_leftovers.py ARGV...

which finds the processes of an earlier instance of the same program of the same supervisord (the
``SUPERVISOR_PROCESS_NAME`` and ``SUPERVISOR_SERVER_URL`` that supervisord puts in each program's
environment, and every child inherits) outside its own process group, ends them (TERM, then KILL after
``GRACE_SECONDS``), and execs ARGV in its own place: same pid, same process group, same environment.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator

GRACE_SECONDS = 5.0
_MARKERS = ("SUPERVISOR_PROCESS_NAME", "SUPERVISOR_SERVER_URL")


def _environ(pid: int) -> dict[bytes, bytes]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            raw = f.read()
    except OSError:  # gone, or not ours to read
        return {}
    return dict(item.partition(b"=")[::2] for item in raw.split(b"\0") if item)


def leftovers(name: str, server_url: str, own_group: int) -> Iterator[int]:
    """Pids of processes of program ``name`` under the supervisord at ``server_url``, outside ``own_group``."""
    wanted = {b"SUPERVISOR_PROCESS_NAME": name.encode(), b"SUPERVISOR_SERVER_URL": server_url.encode()}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        env = _environ(pid)
        if all(env.get(k) == v for k, v in wanted.items()):
            try:
                if os.getpgid(pid) != own_group:
                    yield pid
            except ProcessLookupError:
                continue


def reap(name: str, server_url: str) -> list[int]:
    """End the leftovers of ``name``'s earlier instances; returns their pids."""
    own = os.getpgid(0)
    pids = list(leftovers(name, server_url, own))
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + (GRACE_SECONDS if sig == signal.SIGTERM else 0)
        while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
            time.sleep(0.1)
    return pids


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()[0] != b"Z"  # a zombie has already ended
    except OSError:
        return False


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit("usage: reap_leftovers.py ARGV...")
    name, url = (os.environ.get(k) for k in _MARKERS)
    if name and url:  # under supervisord (run by hand, there is nothing to reap)
        ended = reap(name, url)
        if ended:
            print(f"reap_leftovers: ended {len(ended)} process(es) an earlier {name} left behind: {ended}",
                  file=sys.stderr, flush=True)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
