"""The consumers' stall watchdog: silence past the limit ends the process (here: a recorded call)."""

from __future__ import annotations

import threading
import time

from consumers.watchdog import STALLED_EXIT_CODE, Watchdog


def test_silence_past_the_limit_triggers_the_exit() -> None:
    fired = threading.Event()
    codes: list[int] = []
    dog = Watchdog(0.4, "test", on_stall=lambda code: (codes.append(code), fired.set()))
    dog.start()
    assert fired.wait(5)
    assert codes == [STALLED_EXIT_CODE]


def test_beats_keep_it_quiet_and_stop_disarms_it() -> None:
    codes: list[int] = []
    dog = Watchdog(0.4, "test", on_stall=codes.append)
    dog.start()
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        dog.beat()
        time.sleep(0.05)
    dog.stop()
    time.sleep(0.8)
    assert codes == []
