"""``QualityRefresh``: the persister's periodic decision-quality recount (``decision_quality.py`` on
Cassandra rows).

Every ``every`` seconds at most, for the hours that got decision or label rows since the last run:

1. per hour: read ``SELECT decision, is_fraud FROM decision_labels WHERE day = ? AND hour = ?`` (one
   partition, paged by the driver), count it (``day_quality``) and upsert ``decision_quality_by_hour``;
2. per day of those hours: sum its hour rows (at most 24), upsert ``decision_quality_by_day`` (recounts:
   idempotent, a replay or a restart gives the same rows);
3. set the day's gauges (``Metrics.decision_quality``).

Only changed hours are re-read: at 20 tx/s an hour is ~72k rows, a day 1.7M. Steps 1-2 run in one
background thread, so a recount never holds up the consumer loop or its offset commits; step 3 runs in the
loop's thread. A failure (Cassandra unavailable) logs a warning and puts the hours back for the next
interval. ``close`` waits for the run in flight and recounts what is still pending once; hours touched just
before a crash (kill -9) are recounted when they are next touched.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

from consumers import persister_rows as rows
from consumers.decision_quality import DayQuality, combined, day_quality
from fraud_platform.logs import get_logger

log = get_logger("consumers.quality")
PAGE_ROWS = 5000
Hour = tuple[date, int]
Result = tuple[list[DayQuality], set[Hour]]  # (recounted days, hours to retry)


class QualityRefresh:
    """See the module docstring. ``touched``/``poll``/``close`` are called from the consumer loop's thread."""

    def __init__(self, session: Any, metrics: Any, *, every: float) -> None:
        self.session, self.metrics, self.every = session, metrics, every
        self.select = session.prepare(f"SELECT decision, is_fraud FROM {rows.DECISION_LABELS} "
                                      "WHERE day = ? AND hour = ?")
        self.select.fetch_size = PAGE_ROWS
        self.hours = session.prepare(f"SELECT {', '.join(rows.COUNT_COLUMNS)} FROM {rows.QUALITY_BY_HOUR} "
                                     "WHERE day = ?")
        self.upsert_hour = session.prepare(rows.insert_cql(rows.QUALITY_BY_HOUR, rows.HOUR_QUALITY_COLUMNS))
        self.upsert_day = session.prepare(rows.insert_cql(rows.QUALITY_BY_DAY, rows.QUALITY_COLUMNS))
        self.pending: set[Hour] = set()
        self._next = time.monotonic() + every
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quality")
        self._running: Future[Result] | None = None

    def touched(self, hours: Iterable[Hour]) -> None:
        """(day, hour) partitions of ``decision_labels`` written to (call after the write succeeded)."""
        self.pending.update(hours)
    def poll(self) -> None:
        """Collect a finished run; start the next one when it is due and hours are pending."""
        if self._running is not None:
            if not self._running.done():
                return
            self._collect(self._running.result())
            self._running = None
        if self.pending and time.monotonic() >= self._next:
            self._next = time.monotonic() + self.every
            hours, self.pending = sorted(self.pending), set()
            self._running = self._pool.submit(self._recompute, hours)

    def close(self) -> None:
        """Finish the run in flight, then recount the pending hours once (a clean stop leaves none stale)."""
        if self._running is not None:
            self._collect(self._running.result())
            self._running = None
        self._pool.shutdown(wait=True)
        if self.pending:
            hours, self.pending = sorted(self.pending), set()
            self._collect(self._recompute(hours))

    def _collect(self, result: Result) -> None:
        done, retry = result
        for q in done:  # Step 3
            self.metrics.decision_quality(q.day.isoformat(), precision=q.precision, recall=q.recall,
                                          alert_rate=q.alert_rate, fraud_rate=q.fraud_rate, labelled=q.labelled)
        self.pending |= retry

    def _recompute(self, hours: list[Hour]) -> Result:
        done: list[DayQuality] = []
        days = sorted({day for day, _ in hours})
        try:
            now = datetime.now(UTC)
            for day, hour in hours:  # Step 1
                q = day_quality(day, self._read(day, hour))
                self.session.execute(self.upsert_hour, rows.hour_quality_row(q, hour, now))
            for day in days:  # Step 2
                total = combined(day, (DayQuality(day, *r) for r in self.session.execute(self.hours, (day,))))
                self.session.execute(self.upsert_day, rows.quality_row(total, now))
                done.append(total)
        except Exception as exc:  # Cassandra unavailable: every hour of this run waits for the next interval
            log.warning("decision quality not updated; retrying at the next interval", hours=len(hours),
                        error=str(exc)[:200])
            return done, set(hours)
        return done, set()

    def _read(self, day: date, hour: int) -> Iterator[tuple[str | None, bool | None]]:
        for row in self.session.execute(self.select, (day, hour)):
            yield row[0], row[1]
