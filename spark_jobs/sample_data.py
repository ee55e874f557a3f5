"""Simulated raw input for tests, benchmarks and demos: the simulator's events and labels as the
transactions API serves them (``event_to_json`` / ``label_to_json`` lines), grouped by UTC day.

Labels are grouped by the day of the transaction they label, like the events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from fraud_domain.schema import Label, TransactionEvent, event_to_json, label_to_json
from fraud_domain.simulator import SimulatorConfig, iter_events, simulate
from fraud_domain.tokenise import Tokeniser

SAMPLE_KEY = b"sample-data-key-not-a-secret-0123456789"  # tokens of synthetic card numbers only


@dataclass(frozen=True)
class SampleDays:
    events: dict[date, list[TransactionEvent]]
    labels: dict[date, list[Label]]

    def event_lines(self, day: date) -> list[str]:
        return [event_to_json(e).decode() for e in self.events.get(day, [])]

    def label_lines(self, day: date) -> list[str]:
        return [label_to_json(label).decode() for label in self.labels.get(day, [])]

    def all_events(self) -> list[TransactionEvent]:
        return [e for day in sorted(self.events) for e in self.events[day]]

    def all_labels(self) -> list[Label]:
        return [label for day in sorted(self.labels) for label in self.labels[day]]


def sample_days(config: SimulatorConfig) -> SampleDays:
    """Simulate ``config`` and group its events and labels by UTC day."""
    events: dict[date, list[TransactionEvent]] = defaultdict(list)
    labels: dict[date, list[Label]] = defaultdict(list)
    for event, label in iter_events(simulate(config), Tokeniser(SAMPLE_KEY)):
        day = event.event_time.date()
        events[day].append(event)
        labels[day].append(label)
    return SampleDays(dict(events), dict(labels))
