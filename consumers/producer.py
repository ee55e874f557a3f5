"""The simulated stream behind ``./fraudctl stream``: events to ``transaction_topic`` (key = customer id,
card and IP already tokenised), labels to ``fraud_labels`` once the chargeback delay has passed.

Two clocks:

* **replay** (``--count`` or ``--replay``): event times are the simulation's (deterministic for a seed);
  a label is published just before the first event whose time reaches its ``reported_at``, and the labels
  still due when the replay ends follow its last event.
* **live** (no ``--count``): a ``LiveBank`` sized for the rate (``bank_for_rate``) simulates the calendar
  day by day; each event is sent when the clock reaches its own time, each label when the clock reaches its
  ``reported_at`` (the labels are re-derived from the days a delay ago, not held in memory). The bank's
  customers keep the handbook's pace, so the live stream's features look like the training data's, and a
  restart resumes at the clock: the same day gives the same events.

``up --profile full`` runs the live clock as the ``stream-producer`` service so the platform is alive on
its own (``fraud_runtime.services.consumers.StreamProducer``).
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from fraud_domain.schema import Label, TransactionEvent, event_to_json, label_to_json
from fraud_domain.simulator import HANDBOOK_COLUMNS, Simulation, SimulatorConfig, iter_events
from fraud_domain.simulator.live import LiveBank
from fraud_domain.simulator.profiles import make_profiles
from fraud_domain.tokenise import Tokeniser

Pair = tuple[TransactionEvent, Label]

@dataclass
class Published:
    events: int = 0
    labels: int = 0
    since: datetime | None = None  # live: the clock's time at the start (events from it on were sent)


def read_dataset(path: Path) -> pd.DataFrame:
    """A handbook-layout CSV or Parquet file (``ValueError`` naming what is wrong)."""
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, parse_dates=["TX_DATETIME"])
    missing = [c for c in HANDBOOK_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing handbook columns {', '.join(missing)}")
    if "DEVICE_SLOT" not in frame.columns:
        frame["DEVICE_SLOT"] = 0
    return frame.sort_values(["TX_TIME_SECONDS", "CUSTOMER_ID"], kind="stable").reset_index(drop=True)


def replay_simulation(frame: pd.DataFrame, config: SimulatorConfig) -> Simulation:
    """Wrap a dataset with the profiles ``config`` simulates (coordinates, terminals' channel and MCC)."""
    n_c, n_t = int(frame["CUSTOMER_ID"].max()) + 1, int(frame["TERMINAL_ID"].max()) + 1
    config = dataclasses.replace(config, n_customers=max(n_c, config.n_customers),
                                 n_terminals=max(n_t, config.n_terminals))
    rng = np.random.default_rng(np.random.SeedSequence(config.seed).spawn(6)[0])  # as simulate() does
    return Simulation(config, make_profiles(rng, config.n_customers, config.n_terminals, config.radius), frame)


class LiveClock:
    """The live event clock: the wall clock, or (for a benchmark) one running ``scale`` times as fast from
    ``origin`` until it reaches the wall clock."""

    def __init__(self, scale: float = 1.0, origin: datetime | None = None) -> None:
        self.scale, self._started = scale, time.monotonic()
        self.origin = origin if origin is not None else datetime.now(UTC)

    def now(self) -> datetime:
        """Never ahead of the wall clock (an event from the future is refused)."""
        scaled = self.origin + timedelta(seconds=(time.monotonic() - self._started) * self.scale)
        return min(scaled, datetime.now(UTC))

    def wait_until(self, when: datetime, stop: Callable[[], bool]) -> None:
        """Sleep until the clock reaches ``when`` (in steps of at most a second, so ``stop`` is heard)."""
        while not stop():
            ahead = (when - self.now()).total_seconds() / self.scale
            if ahead <= 0:
                return
            time.sleep(min(ahead, 1.0))


def scaled_clock(scale: float, runs_for: timedelta) -> LiveClock:
    """An event clock running ``scale`` times as fast as the wall clock that reaches the present when
    ``runs_for`` (wall time) has passed, so it never runs ahead of the wall clock (events from the future are
    refused). A soak uses it to fill the longest window in minutes instead of a month."""
    return LiveClock(scale, datetime.now(UTC) - runs_for * scale)


def live_pairs(bank: LiveBank, tokeniser: Tokeniser, since: datetime) -> Iterator[Pair]:
    """Endless: the bank's events at or after ``since`` (and its first day), day after day, with their labels."""
    since = max(since.astimezone(UTC), datetime.combine(bank.config.start_date, datetime.min.time(), UTC))
    day, first = since.date(), pd.Timestamp(since.replace(tzinfo=None))  # the frame's times are naive UTC
    while True:
        sim = bank.day(day)
        if day == since.date():  # skip the day's earlier rows before they become events
            sim = dataclasses.replace(sim, transactions=sim.transactions[first <= sim.transactions.TX_DATETIME])
        yield from iter_events(sim, tokeniser)
        day += timedelta(days=1)


def publish_live(bank: LiveBank, tokeniser: Tokeniser, send: Callable[[str, bytes, bytes], None], *,
                 topics: tuple[str, str], clock: LiveClock | None = None, count: int | None = None,
                 stop: Callable[[], bool] = lambda: False,
                 on_sent: Callable[[str], None] = lambda topic: None) -> Published:
    """Send the bank's events from the clock's present on, each when the clock reaches its time, and the labels
    whose ``reported_at`` the clock has reached (from the events a label delay ago), until ``stop()`` or
    ``count`` events. ``send(topic, key, value)``; ``topics`` = (transactions, labels).

    A first start also sends, during its first label delay, the chargebacks of the bank's transactions from
    before it (the bank existed before the platform watched it): the persister keeps them as labels without a
    decision, which the decision quality never counts."""
    clock = clock or LiveClock()
    tx_topic, label_topic = topics
    since = clock.now()
    out = Published(since=since)
    labels = (label for _, label in live_pairs(bank, tokeniser, since - bank.config.label_delay)
              if label.reported_at >= since)  # earlier ones were due before this run: a previous run sent them
    next_label = next(labels)
    for event, _ in live_pairs(bank, tokeniser, since):
        if (count is not None and out.events >= count) or stop():
            break
        clock.wait_until(event.event_time, stop)
        if stop():
            break
        now = clock.now()
        while next_label.reported_at <= now:
            send(label_topic, str(next_label.customer_id).encode(), label_to_json(next_label))
            on_sent(label_topic)
            out.labels += 1
            next_label = next(labels)
        send(tx_topic, str(event.customer_id).encode(), event_to_json(event))
        on_sent(tx_topic)
        out.events += 1
    return out


def publish(pairs: Iterator[Pair], send: Callable[[str, bytes, bytes], None], *, count: int | None,
            rate: float | None, topics: tuple[str, str], seed: int = 0,
            stop: Callable[[], bool] = lambda: False,
            on_sent: Callable[[str], None] = lambda topic: None) -> Published:
    """Replay: send up to ``count`` events (all when None) at ``rate`` tx/s (Poisson arrivals; as fast as
    possible when None), keeping the simulation's event times and ids.

    ``send(topic, key, value)``; ``topics`` = (transactions, labels). Labels wait in a FIFO (constant
    delay) until the event clock reaches their time; a replay that ends (not stopped) then sends the labels
    still waiting, so every published transaction gets its label. ``on_sent(topic)`` is told of every record.
    """
    tx_topic, label_topic = topics
    out, waiting = Published(), deque[Label]()
    rng = np.random.default_rng(seed)
    started, due = time.monotonic(), 0.0
    for event, label in pairs:
        if (count is not None and out.events >= count) or stop():
            break
        if rate is not None:
            due += rng.exponential(1.0 / rate)
            ahead = due - (time.monotonic() - started)
            if ahead > 0.002:
                time.sleep(ahead)
        while waiting and waiting[0].reported_at <= event.event_time:
            ready = waiting.popleft()
            send(label_topic, str(ready.customer_id).encode(), label_to_json(ready))
            on_sent(label_topic)
            out.labels += 1
        send(tx_topic, str(event.customer_id).encode(), event_to_json(event))
        on_sent(tx_topic)
        out.events += 1
        waiting.append(label)
    if not stop():  # a finished replay: the chargebacks still due follow, so every published
        for ready in waiting:  # decision can be measured (a label never counts before its reported_at)
            send(label_topic, str(ready.customer_id).encode(), label_to_json(ready))
            on_sent(label_topic)
            out.labels += 1
    return out
