"""The handbook's training protocol (Le Borgne et al., ch. 5) as the training DAGs run it for their date ``D``:
features for ``D-21 .. D-1``; train on the first 7 days, skip the 7-day label delay, test on the last 7;
the features' history (``build_features.history_days``) has to be loaded before the first of them.

The one home of these spans: ``features_and_training``, ``bootstrap_history``, ``train_model``'s defaults and
``./fraudctl benchmark model`` all read them here. Light to import (DAG files do, at parse time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

HANDBOOK_RUN_DATE = date(2018, 8, 15)  # train 2018-07-25..31, test 2018-08-08..14: the handbook's weeks
TRAIN_DAYS, DELAY_DAYS, TEST_DAYS = 7, 7, 7
FEATURE_DAYS = TRAIN_DAYS + DELAY_DAYS + TEST_DAYS  # features are built for D-21 .. D-1


@dataclass(frozen=True)
class Protocol:
    run_date: date = HANDBOOK_RUN_DATE
    train_days: int = TRAIN_DAYS
    delay_days: int = DELAY_DAYS
    test_days: int = TEST_DAYS

    @classmethod
    def latest(cls, first: date, last: date) -> Protocol:
        """The most recent run data served on ``first .. last`` allows: features up to ``last``. Raises
        ``ValueError`` when the range is too short for one run (history + train + delay + test)."""
        protocol = cls(run_date=last + timedelta(days=1))
        problem = protocol.coverage_problem(first, last)
        if problem:
            raise ValueError(problem)
        return protocol

    def coverage_problem(self, first: date, last: date) -> str | None:
        """What is wrong when data on ``first .. last`` misses days this run needs (None: nothing)."""
        if first <= self.first_day and self.last_day <= last:
            return None
        return (f"the data covers {first}..{last}; the protocol needs {self.first_day}..{self.last_day} "
                f"({len(self.days())} days: feature history, train, delay, test)")

    @classmethod
    def starting(cls, first_day: date) -> Protocol:
        """The protocol whose loaded window begins on ``first_day``."""
        probe = cls(run_date=first_day)
        return cls(run_date=first_day + (probe.run_date - probe.first_day))

    @property
    def train_start(self) -> date:
        """The first features day, and the first training day."""
        return self.run_date - timedelta(days=self.train_days + self.delay_days + self.test_days)

    @property
    def train_end(self) -> date:
        return self.train_start + timedelta(days=self.train_days - 1)

    @property
    def test_start(self) -> date:
        return self.run_date - timedelta(days=self.test_days)

    @property
    def last_day(self) -> date:
        """The last features day and the last test day: the day before the run."""
        return self.run_date - timedelta(days=1)

    @property
    def first_day(self) -> date:
        """The first day to load: the features' history before ``train_start``."""
        from spark_jobs.build_features import history_days

        return self.train_start - timedelta(days=history_days(self.train_start))

    def days(self) -> list[date]:
        """Every day to extract and load, in order."""
        from spark_jobs.entry import date_range

        return date_range(self.first_day, self.last_day)

    def train_args(self) -> list[str]:
        """``train_model``'s arguments for this protocol."""
        return ["--train-start", self.train_start.isoformat(), "--train-days", str(self.train_days),
                "--delay-days", str(self.delay_days), "--test-days", str(self.test_days)]

    def to_json(self) -> dict[str, object]:
        return {"run_date": self.run_date.isoformat(),
                "loaded": [self.first_day.isoformat(), self.last_day.isoformat()],
                "features": [self.train_start.isoformat(), self.last_day.isoformat()],
                "train": [self.train_start.isoformat(), self.train_end.isoformat()],
                "delay_days": self.delay_days,
                "test": [self.test_start.isoformat(), self.last_day.isoformat()]}
