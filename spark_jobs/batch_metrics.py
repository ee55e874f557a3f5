"""The batch layer's row counters, sent to StatsD when a load job has written and checked a day.

Each loaded day adds its rows to two counters, ``fraud.batch.rows.<kind>.<outcome>`` (outcome: ``loaded``
= rows now in the Hive partition, ``quarantined`` = rows rejected to ``/quarantine``); statsd_exporter
(``monitoring/statsd/mapping.yml``) exports them as ``fraud_batch_rows_total{kind, outcome}``. Zero counts
are sent too, so both series exist from the first load.

UDP, fire-and-forget: a missing or unreachable exporter never fails a load (a warning at most, when the
address cannot be resolved; the ``statsd`` client drops send errors itself).
"""

from __future__ import annotations

from statsd import StatsClient

from fraud_platform.lake import KINDS
from fraud_platform.logs import get_logger

PREFIX = "fraud"
log = get_logger("spark_jobs.batch_metrics")


def rows_stat(kind: str, outcome: str) -> str:
    """The counter's name below ``PREFIX``."""
    return f"batch.rows.{kind}.{outcome}"


def report_rows(kind: str, loaded: int, quarantined: int, *, address: tuple[str, int]) -> None:
    """Add one day's ``loaded`` and ``quarantined`` rows of ``kind`` (one of ``lake.KINDS``) to the counters
    of the StatsD server at ``address`` (``Endpoints.statsd``), in one datagram."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    try:
        client = StatsClient(*address, prefix=PREFIX)
    except OSError as exc:  # the host does not resolve: the load itself succeeded
        log.warning("batch row counters not sent", statsd=f"{address[0]}:{address[1]}", error=str(exc)[:200])
        return
    try:
        with client.pipeline() as pipe:
            pipe.incr(rows_stat(kind, "loaded"), loaded)
            pipe.incr(rows_stat(kind, "quarantined"), quarantined)
    finally:
        client.close()
