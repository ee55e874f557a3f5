"""``Watchdog``: end a consumer process whose loop has stopped making progress, so that its supervisor
restarts it — the restart resumes from the last commit/checkpoint, so nothing is lost or doubled.

Why: a Kafka client can hang inside ``poll`` (seen here with kafka-python 3.0 after a rebalance that
first assigned no partition: the group coordinator dropped the member and ``poll`` never returned; the
project's issues #3106/#3131 describe other 3.x stalls). No exception ever reaches the loop, so the only
sign is silence. Progress = a loop iteration with partitions assigned that returned records or found
nothing left to read (``ConsumerLoop`` beats; the client was also seen revoking every partition and never
finishing the rejoin, polling empty forever, and spinning on a lost coordinator with records waiting), or
a retry of a failing write (the consumers beat on each retry, so a long Cassandra outage is not a stall).
So a member left without partitions for the whole limit restarts: run no more instances than partitions.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from fraud_platform.logs import get_logger

log = get_logger("consumers.watchdog")
STALLED_EXIT_CODE = 70  # EX_SOFTWARE: the supervisor restarts the process (autorestart)


class Watchdog:
    def __init__(self, limit_seconds: float, name: str,
                 on_stall: Callable[[int], None] = os._exit) -> None:  # os._exit: poll() holds the main thread
        self.limit, self.name, self.on_stall = limit_seconds, name, on_stall
        self._last = time.monotonic()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        self._last = time.monotonic()

    def start(self) -> None:
        self.beat()
        self._thread = threading.Thread(target=self._watch, name=f"{self.name}-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _watch(self) -> None:
        while not self._stopped.wait(min(5.0, self.limit / 4)):
            silent = time.monotonic() - self._last
            if silent > self.limit:
                log.error("no progress: the consumer loop is stuck; exiting so the supervisor restarts it "
                          "(it resumes from the last commit)", consumer=self.name, seconds=round(silent, 1),
                          limit=self.limit)
                self.on_stall(STALLED_EXIT_CODE)
                return
