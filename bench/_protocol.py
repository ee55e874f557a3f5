"""The handbook's training protocol (Le Borgne et al., ch. 5) as the weekly DAG runs it for its date ``D``:
features for ``D-21 .. D-1``; train on the first 7 days, skip the 7-day label delay, test on the last 7;
the features' history (``build_features.history_days``) has to be loaded before the first of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from spark_jobs.build_features import history_days
from spark_jobs.entry import date_range

HANDBOOK_RUN_DATE = date(2018, 8, 15)  # train 2018-07-25..31, test 2018-08-08..14: the handbook's weeks


@dataclass(frozen=True)
class Protocol:
    run_date: date = HANDBOOK_RUN_DATE
    train_days: int = 7
    delay_days: int = 7
    test_days: int = 7

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
        return self.train_start - timedelta(days=history_days(self.train_start))

    def days(self) -> list[date]:
        """Every day to extract and load, in order."""
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
