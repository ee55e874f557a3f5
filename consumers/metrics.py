"""Prometheus metrics of both consumers, served over HTTP on a configurable port (``start``).

One registry per process; metric names are prefixed ``fraud_stream_`` and labelled by ``consumer``
(scorer | persister) so one dashboard serves both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
QUALITY_DAYS = 14  # decision-quality gauges keep the most recent days only (bounded label sets)


class Metrics:
    """The consumers' metric families, bound to one registry (tests may build several)."""

    def __init__(self, consumer: str, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r, lbl = self.registry, ["consumer"]
        self.consumer = consumer
        self._consumed = Counter("fraud_stream_consumed", "Records consumed", [*lbl, "topic"], registry=r)
        self._produced = Counter("fraud_stream_produced", "Records produced", [*lbl, "topic"], registry=r)
        self._invalid = Counter("fraud_stream_invalid", "Invalid records (DLQ or skipped)",
                                [*lbl, "reason"], registry=r)
        self._flagged = Counter("fraud_stream_flagged", "Decisions flagged, by reason", [*lbl, "reason"],
                                registry=r)
        self._decisions = Counter("fraud_stream_decisions", "Decisions by outcome", [*lbl, "decision"],
                                  registry=r)
        self._written = Counter("fraud_stream_rows_written", "Cassandra rows written", [*lbl, "table"],
                                registry=r)
        self._retries = Counter("fraud_stream_retries", "Retried batches (sink unavailable)", lbl, registry=r)
        self._lag = Gauge("fraud_stream_lag", "Consumer lag per partition (records)",
                          [*lbl, "topic", "partition"], registry=r)
        self._processing = Histogram("fraud_stream_processing_seconds", "Batch processing time (poll excluded)",
                                     lbl, buckets=_LATENCY_BUCKETS, registry=r)
        self._e2e = Histogram("fraud_stream_end_to_end_seconds", "Record produced -> its batch's outputs handed "
                              "over (written, for the persister; sent, for the scorer)", lbl,
                              buckets=_LATENCY_BUCKETS, registry=r)
        self._waited = Histogram("fraud_stream_wait_seconds", "Record produced -> its batch started (queueing)",
                                 lbl, buckets=_LATENCY_BUCKETS, registry=r)
        self._acked = Histogram("fraud_stream_produce_ack_seconds", "Output sent -> acknowledged by Kafka "
                                "(acks=all)", lbl, buckets=_LATENCY_BUCKETS, registry=r)
        self._checkpoint = Histogram("fraud_stream_checkpoint_seconds", "State checkpoint save time (scorer; "
                                     "in the background)", lbl, buckets=_LATENCY_BUCKETS, registry=r)
        self._gc = Histogram("fraud_stream_gc_seconds", "Full collections of the cyclic garbage collector, "
                             "between batches (consumers/loop.py)", lbl, buckets=_LATENCY_BUCKETS, registry=r)
        self._model = Gauge("fraud_stream_model_info", "Model version in use (value 1)",
                            [*lbl, "model_version"], registry=r)
        self._model_quality = Gauge("fraud_stream_model_quality", "The serving model's test-week figures from "
                                    "its training run (metric: auc_roc | average_precision | "
                                    "card_precision_at_100)", [*lbl, "model_version", "metric"], registry=r)
        self._model_refused = Counter("fraud_stream_model_refused", "Champion versions that could not be loaded "
                                      "(the previous model kept serving)", lbl, registry=r)
        self._held = Gauge("fraud_stream_held_records", "Records held back so partitions advance together in "
                           "event time (scorer)", lbl, registry=r)
        self._hold_timeouts = Counter("fraud_stream_alignment_timeouts", "Holds released after "
                                      "STREAM_ALIGNMENT_MAX_WAIT_SECONDS (a partition that did not come)", lbl,
                                      registry=r)
        self._quality = {name: Gauge(f"fraud_stream_{name}", doc, [*lbl, "day"], registry=r) for name, doc in (
            ("decision_precision", "Alerts that were fraud / alerts, per UTC day (decided and labelled tx)"),
            ("decision_recall", "Frauds alerted / frauds, per UTC day (decided and labelled tx)"),
            ("alert_rate", "Alerts (review|block) / decided and labelled tx, per UTC day"),
            ("fraud_rate", "Frauds / decided and labelled tx, per UTC day"),
            ("labelled_decisions", "Transactions with both a decision and a label, per UTC day"))}
        self._quality_days: set[str] = set()
        self._model_version: str | None = None
        self._quality_of: tuple[str, list[str]] | None = None  # version and metric names in _model_quality
        self._children: dict[tuple[object, ...], object] = {}

    def _of(self, metric: Any, *labels: str) -> Any:
        """The child of ``metric`` for ``(consumer, *labels)``, cached: ``labels()`` costs a lookup each call."""
        key = (metric, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(self.consumer, *labels)
        return child

    def consumed(self, topic: str, n: int = 1) -> None:
        self._of(self._consumed, topic).inc(n)

    def produced(self, topic: str, n: int = 1) -> None:
        self._of(self._produced, topic).inc(n)

    def declare(self, invalid_reasons: Iterable[str], models: bool) -> None:
        """Export the counters that may never move at 0 from the start (a DLQ reason that never happened, no
        refused model), so dashboards and alert rules see a series instead of nothing."""
        for reason in invalid_reasons:
            self._of(self._invalid, reason)
        if models:
            self._of(self._model_refused)

    def invalid(self, reason: str) -> None:
        self._of(self._invalid, reason).inc()

    def flagged(self, reason: str, n: int = 1) -> None:
        self._of(self._flagged, reason).inc(n)

    def decision(self, outcome: str, n: int = 1) -> None:
        self._of(self._decisions, outcome).inc(n)

    def written(self, table: str, n: int) -> None:
        self._of(self._written, table).inc(n)

    def retried(self) -> None:
        self._of(self._retries).inc()

    def lag(self, topic: str, partition: int, value: int) -> None:
        self._of(self._lag, topic, str(partition)).set(value)

    def processing(self, seconds: float) -> None:
        self._of(self._processing).observe(seconds)

    def end_to_end(self, seconds: Iterable[float]) -> None:
        observe = self._of(self._e2e).observe
        for value in seconds:
            observe(max(0.0, value))

    def waited(self, seconds: Iterable[float]) -> None:
        observe = self._of(self._waited).observe
        for value in seconds:
            observe(max(0.0, value))

    def acknowledged(self, seconds: float) -> None:
        self._of(self._acked).observe(seconds)

    def checkpoint(self, seconds: float) -> None:
        self._of(self._checkpoint).observe(seconds)

    def collected(self, seconds: float) -> None:
        self._of(self._gc).observe(seconds)

    def held(self, n: int, timeouts: int = 0) -> None:
        self._of(self._held).set(n)
        if timeouts:
            self._of(self._hold_timeouts).inc(timeouts)

    def model_refused(self) -> None:
        self._of(self._model_refused).inc()

    def decision_quality(self, day: str, *, precision: float, recall: float, alert_rate: float,
                         fraud_rate: float, labelled: int) -> None:
        """One UTC day's (ISO date) decision quality; only the ``QUALITY_DAYS`` latest days stay exported."""
        values = {"decision_precision": precision, "decision_recall": recall, "alert_rate": alert_rate,
                  "fraud_rate": fraud_rate, "labelled_decisions": labelled}
        for name, value in values.items():
            self._of(self._quality[name], day).set(value)
        self._quality_days.add(day)
        for old in sorted(self._quality_days)[:-QUALITY_DAYS]:
            for gauge in self._quality.values():
                gauge.remove(self.consumer, old)
                self._children.pop((gauge, old), None)
            self._quality_days.discard(old)

    def model_version(self, version: str) -> None:
        if self._model_version is not None:
            self._model.remove(self.consumer, self._model_version)
            self._children.pop((self._model, self._model_version), None)
        self._of(self._model, version).set(1)
        self._model_version = version

    def model_quality(self, version: str, metrics: Mapping[str, object]) -> None:
        """The test-week figures of the model now serving (its metadata's ``metrics``); the previous version's
        are removed, so one version is exported at a time. Values that are missing or not numbers are skipped."""
        if self._quality_of is not None:
            old, names = self._quality_of
            for name in names:
                self._model_quality.remove(self.consumer, old, name)
                self._children.pop((self._model_quality, old, name), None)
        values = {name: float(value) for name, value in sorted(metrics.items())
                  if isinstance(value, int | float) and not isinstance(value, bool)}
        for name, value in values.items():
            self._of(self._model_quality, version, name).set(value)
        self._quality_of = version, list(values)


class ProducerMetrics:
    """The simulated producer's one family (``fraud_stream_published_total{topic}``), its own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._published = Counter("fraud_stream_published", "Records published by the simulated producer",
                                  ["topic"], registry=self.registry)
        self._children: dict[str, Any] = {}

    def published(self, topic: str) -> None:
        child = self._children.get(topic)
        if child is None:
            child = self._children[topic] = self._published.labels(topic)
        child.inc()


def start(metrics: Metrics | ProducerMetrics, host: str, port: int) -> None:
    """Serve ``/metrics`` on ``host:port`` from a daemon thread."""
    start_http_server(port, addr=host, registry=metrics.registry)
