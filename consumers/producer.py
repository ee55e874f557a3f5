"""The simulated stream behind ``./fraudctl stream``: events to ``transaction_topic`` (key = customer id,
card and IP already tokenised), labels to ``fraud_labels`` once the chargeback delay has passed.

Two clocks:

* **replay** (``--count`` or ``--replay``): event times are the simulation's (deterministic for a seed);
  a label is published just before the first event whose time reaches its ``reported_at``, and the labels
  still due when the replay ends follow its last event.
* **live** (no ``--count``): each event is re-timed to the wall clock as it is sent (Poisson arrivals at
  ``rate`` x ``seasonality(now)``, a daily and weekly rhythm averaging 1) with a new transaction id (a replay
  of the same seed keeps the simulation's ids: the two never collide); a label is published when the wall
  clock reaches its ``reported_at``. When a simulation is used up the next seed continues.

``up --profile full`` runs the live clock as the ``stream-producer`` service so the platform is alive on
its own (``fraud_runtime.services.consumers.StreamProducer``).
"""

from __future__ import annotations

import dataclasses
import math
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from fraud_domain.schema import Label, TransactionEvent, event_to_json, label_to_json
from fraud_domain.simulator import HANDBOOK_COLUMNS, Simulation, SimulatorConfig, iter_events, simulate
from fraud_domain.simulator.profiles import make_profiles
from fraud_domain.tokenise import Tokeniser

Pair = tuple[TransactionEvent, Label]

# Live traffic rhythm (UTC): busiest mid-afternoon, quietest before dawn; weekends a little quieter.
DAILY_AMPLITUDE, DAILY_PEAK_HOUR = 0.6, 14.0
WEEKDAY_WEIGHTS = (1.05, 1.05, 1.05, 1.05, 1.1, 0.9, 0.8)  # Monday .. Sunday; mean 1


def seasonality(now: datetime) -> float:
    """The rate multiplier at ``now``: a daily cosine (mean 1) times the weekday weight (mean 1)."""
    hour = now.hour + now.minute / 60 + now.second / 3600
    daily = 1 + DAILY_AMPLITUDE * math.cos(2 * math.pi * (hour - DAILY_PEAK_HOUR) / 24)
    return daily * WEEKDAY_WEIGHTS[now.weekday()]


@dataclass
class Published:
    events: int = 0
    labels: int = 0


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


def live_pairs(config: SimulatorConfig, tokeniser: Tokeniser) -> Iterator[Pair]:
    """Endless: the simulation for ``config``, then for the next seeds."""
    seed = config.seed
    while True:
        yield from iter_events(simulate(dataclasses.replace(config, seed=seed)), tokeniser)
        seed += 1


def scaled_clock(scale: float, runs_for: timedelta) -> Callable[[], datetime]:
    """An event clock running ``scale`` times as fast as the wall clock that reaches the present when
    ``runs_for`` (wall time) has passed, so it never runs ahead of the wall clock (events from the future are
    refused). A soak uses it to fill the longest window in minutes instead of a month."""
    started = time.monotonic()
    origin = datetime.now(UTC) - runs_for * scale
    return lambda: origin + timedelta(seconds=(time.monotonic() - started) * scale)


def publish(pairs: Iterator[Pair], send: Callable[[str, bytes, bytes], None], *, count: int | None,
            rate: float | None, live: bool, topics: tuple[str, str], seed: int = 0,
            stop: Callable[[], bool] = lambda: False, seasonal: bool = False,
            on_sent: Callable[[str], None] = lambda topic: None,
            clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Published:
    """Send up to ``count`` events (all when None) at ``rate`` tx/s (as fast as possible when None).

    ``send(topic, key, value)``; ``topics`` = (transactions, labels). Labels wait in a FIFO (constant
    delay) until their time, judged by the event clock (replay) or the wall clock (live); a replay that ends
    (not stopped) then sends the labels still waiting, so every published transaction gets its label. ``seasonal``
    scales the rate by ``seasonality`` of the wall clock; ``on_sent(topic)`` is told of every record.
    ``clock`` is the live event clock (the wall clock; a benchmark may run one faster, see ``scaled_clock``).
    """
    tx_topic, label_topic = topics
    out, waiting = Published(), deque[Label]()
    rng = np.random.default_rng(seed)
    started, due = time.monotonic(), 0.0
    for event, label in pairs:
        if (count is not None and out.events >= count) or stop():
            break
        if rate is not None:
            current = rate * seasonality(datetime.now(UTC)) if seasonal else rate
            due += rng.exponential(1.0 / current)  # Poisson arrivals (piecewise-constant rate)
            ahead = due - (time.monotonic() - started)
            if ahead > 0.002:
                time.sleep(ahead)
        if live:  # a new transaction, now: a new id too (a replay of the same seed keeps the simulation's ids)
            now, tx = clock(), str(uuid.uuid4())
            event = dataclasses.replace(event, event_time=now, transaction_id=tx)
            label = dataclasses.replace(label, transaction_id=tx, event_time=now,
                                        reported_at=now + (label.reported_at - label.event_time))
        current_time = clock() if live else event.event_time
        while waiting and waiting[0].reported_at <= current_time:
            ready = waiting.popleft()
            send(label_topic, str(ready.customer_id).encode(), label_to_json(ready))
            on_sent(label_topic)
            out.labels += 1
        send(tx_topic, str(event.customer_id).encode(), event_to_json(event))
        on_sent(tx_topic)
        out.events += 1
        waiting.append(label)
    if not live and not stop():  # a finished replay: the chargebacks still due follow, so every published
        for ready in waiting:    # decision can be measured (a label never counts before its reported_at)
            send(label_topic, str(ready.customer_id).encode(), label_to_json(ready))
            on_sent(label_topic)
            out.labels += 1
    return out
