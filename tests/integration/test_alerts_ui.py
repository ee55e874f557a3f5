"""The live-alerts page on the real Cassandra: the store reads what the persister's tables hold, the page
renders it (Streamlit's AppTest runs the real script), and the `alerts-ui` service answers its health check.
Its day picker defaults to the newest decision's day, its filters and customer drill-down read the real
tables, and a Cassandra that stops answering (a real TCP proxy closed in front of it) shows an error the page
recovers from on the next rerun. The decision quality beside the alerts: decisions and labels on real Kafka
topics, the real persister process, its `decision_quality_by_day` row and gauges."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from cassandra.query import ValueSequence

from apps.alerts.store import AlertStore
from fraud_domain import topics
from fraud_domain.schema import Decision, Label, decision_to_json, label_to_json
from tests.support.stream import TcpProxy, admin_access, free_port, kafka_args, metric, spawn, stop, wait_for

PAGE = Path(__file__).resolve().parents[2] / "apps" / "alerts" / "page.py"
HOURS = ValueSequence(range(24))  # rendered as (0, 1, ...) for CQL's IN


def _insert_alert(cql, when: datetime, customer: int, decision: str) -> str:
    tx = uuid.uuid4()
    cql.execute(
        "INSERT INTO fraud.alerts_by_day (day, event_time, transaction_id, customer_id, terminal_id, amount, score,"
        " decision, reasons, model_version) VALUES (%s, %s, %s, %s, 1, 999.5, 0.93, %s, ['amount_anomaly'], 'rules')",
        (when.date(), when, tx, customer, decision),
    )
    minute = when.replace(second=0, microsecond=0)
    cql.execute("INSERT INTO fraud.decisions_by_minute (minute, transaction_id, decision, score, amount)"
                " VALUES (%s, %s, %s, 0.93, 999.5)", (minute, tx, decision))
    return str(tx)


def test_store_reads_newest_first_and_counts_per_minute(cql) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    customer = int(uuid.uuid4().int % 10**9)
    older = _insert_alert(cql, now - timedelta(seconds=30), customer, "review")
    newer = _insert_alert(cql, now - timedelta(seconds=1), customer, "block")
    store = AlertStore(cql)
    ids = [alert.transaction_id for alert in store.recent_alerts(now.date(), 10_000)]
    assert ids.index(newer) < ids.index(older)
    counts = dict(store.decisions_per_minute(now, 2))
    assert sum(counter["block"] + counter["review"] for counter in counts.values()) >= 2


def _page():
    """The page as a signed-in user sees it (the UI credentials of .env)."""
    from streamlit.testing.v1 import AppTest

    from fraud_platform.config import load_config

    ui = load_config().settings.ui
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not app.exception, app.exception
    assert not app.dataframe and not app.metric, "nothing shows before signing in"
    app.text_input(key="user").input(ui.username)
    app.text_input(key="password").input(ui.password.get_secret_value())
    app.button[0].click().run()
    assert not app.exception, app.exception
    return app


def test_the_page_shows_nothing_without_the_ui_credentials(cql) -> None:
    from streamlit.testing.v1 import AppTest

    _insert_alert(cql, datetime.now(UTC).replace(microsecond=0), int(uuid.uuid4().int % 10**9), "block")
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    app.text_input(key="user").input("fraud-team")
    app.text_input(key="password").input("guess")
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == ["Wrong user or password."]
    assert not app.dataframe and not app.metric and not app.date_input


def _shown(app) -> set[str]:
    return set(app.dataframe[0].value["transaction_id"]) if app.dataframe else set()


def test_page_renders_a_picked_days_alerts(cql) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    tx = _insert_alert(cql, now, int(uuid.uuid4().int % 10**9), "block")
    app = _page()
    assert app.title[0].value == "Live fraud alerts"
    assert [m.label for m in app.metric][:3] == ["tx/s (1 min)", "alert rate (5 min)", "p99 decision latency (5 min)"]
    app.date_input(key="day").set_value(now.date()).run()
    assert tx in _shown(app)


@pytest.fixture
def future_day(cql):
    """Decisions on a day after any stream's (a replay's 2018 or today's): the newest day in the database.
    Written the persister's way: the decision, its alert, its minute, its decision_labels half, the customer's
    transaction. Deleted afterwards."""
    unique = uuid.uuid4()
    day = date(2200, 1, 1) + timedelta(days=unique.int % 3000)
    customer = unique.int % 10**9
    written: list[tuple[uuid.UUID, datetime]] = []

    def decide(hour: int, decision: str, reasons: list[str]) -> str:
        when = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
        tx = uuid.uuid4()
        cql.execute("INSERT INTO fraud.decisions (transaction_id, event_time, scored_at, customer_id, terminal_id,"
                    " amount, score, decision, reasons, model_version) VALUES (%s, %s, %s, %s, 7, 12.5, 0.9, %s, %s,"
                    " 'rules')", (tx, when, when, customer, decision, reasons))
        if decision != "approve":
            cql.execute("INSERT INTO fraud.alerts_by_day (day, event_time, transaction_id, customer_id, terminal_id,"
                        " amount, score, decision, reasons, model_version) VALUES (%s, %s, %s, %s, 7, 12.5, 0.9, %s,"
                        " %s, 'rules')", (day, when, tx, customer, decision, reasons))
        cql.execute("INSERT INTO fraud.decisions_by_minute (minute, transaction_id, decision, score, amount)"
                    " VALUES (%s, %s, %s, 0.9, 12.5)", (when, tx, decision))
        cql.execute("INSERT INTO fraud.decision_labels (day, hour, transaction_id, decision, score)"
                    " VALUES (%s, %s, %s, %s, 0.9)", (day, hour, tx, decision))
        cql.execute("INSERT INTO fraud.transactions_by_customer (customer_id, event_time, transaction_id, terminal_id,"
                    " amount, channel) VALUES (%s, %s, %s, 7, 12.5, 'online')", (customer, when, tx))
        written.append((tx, when))
        return str(tx)

    yield day, customer, decide
    cql.execute("DELETE FROM fraud.alerts_by_day WHERE day = %s", (day,))
    cql.execute("DELETE FROM fraud.decision_labels WHERE day = %s AND hour IN %s", (day, HOURS))
    cql.execute("DELETE FROM fraud.transactions_by_customer WHERE customer_id = %s", (customer,))
    for tx, when in written:
        cql.execute("DELETE FROM fraud.decisions WHERE transaction_id = %s", (tx,))
        cql.execute("DELETE FROM fraud.decisions_by_minute WHERE minute = %s", (when,))


def test_the_newest_decisions_day_shows_without_picking_and_filters_apply(future_day) -> None:
    day, _, decide = future_day
    amount = decide(1, "block", ["amount_anomaly"])
    velocity = decide(2, "review", ["velocity"])
    both = decide(3, "block", ["velocity", "amount_anomaly"])
    approved = decide(4, "approve", [])
    app = _page()
    assert app.date_input(key="day").value == day
    assert _shown(app) == {amount, velocity, both}
    assert approved not in _shown(app)
    app.multiselect(key="decision").set_value(["review"]).run()
    assert _shown(app) == {velocity}
    app.multiselect(key="decision").set_value(["block", "review"]).run()
    app.multiselect(key="reason").set_value(["velocity"]).run()
    assert _shown(app) == {velocity, both}
    app.multiselect(key="decision").set_value(["block"]).run()
    assert _shown(app) == {both}


def test_customer_drill_down_shows_their_decisions(future_day) -> None:
    _, customer, decide = future_day
    blocked, approved = decide(5, "block", ["amount_anomaly"]), decide(6, "approve", [])
    app = _page()
    app.number_input(key="customer").set_value(customer).run()
    assert not app.exception, app.exception
    drill = app.dataframe[-1].value
    assert list(drill["transaction_id"]) == [approved, blocked]  # newest first
    assert list(drill["decision"]) == ["approve", "block"]


def test_a_day_without_alerts_says_so() -> None:
    quiet = date(1990, 1, 1) + timedelta(days=uuid.uuid4().int % 3000)  # before any stream's events
    app = _page()
    app.date_input(key="day").set_value(quiet).run()
    assert not app.exception, app.exception
    assert any(f"No alerts on {quiet}" in info.value for info in app.info)
    assert not _shown(app)


def test_cassandra_down_shows_an_error_then_the_page_recovers(ctx, monkeypatch) -> None:
    import streamlit as st

    proxy = TcpProxy(ctx.settings.cassandra.port)  # not open yet: Cassandra "down" behind it
    monkeypatch.setenv("CASSANDRA_PORT", str(proxy.port))
    st.cache_resource.clear()  # the page's settings and connection, read again with the proxy's port
    try:
        app = _page()
        assert app.error and "does not answer" in app.error[0].value, [e.value for e in app.error]
        proxy.open()  # Cassandra is back; the same page session reconnects on its next run
        app.run()
        assert not app.exception, app.exception
        assert not app.error, [e.value for e in app.error]
        assert app.date_input(key="day").value is not None
    finally:
        proxy.close()
        st.cache_resource.clear()


def test_service_answers_health(start_full) -> None:
    ui = start_full("alerts-ui")["alerts-ui"]
    response = requests.get(f"{ui.url()}/_stcore/health", timeout=5)
    assert response.status_code == 200 and response.text == "ok"


def test_persister_measures_precision_recall_and_alert_rate_per_day(cql, kafka_bootstrap, tmp_path) -> None:
    """Six transactions with a decision and a label (2 TP, 1 FN, 1 FP, 2 TN), one decision without a label,
    one label without a decision, a replayed decision, some labels published before their decisions, and an
    invalid label: precision 2/3, recall 2/3, alert rate 1/2, fraud rate 1/2 over 6 labelled decisions."""
    from kafka import KafkaAdminClient

    from consumers import kafka_io
    from fraud_platform.kafka_topics import ensure_topics

    unique = uuid.uuid4().hex[:10]
    day = date(2001, 1, 1) + timedelta(days=int(unique, 16) % 5000)  # a day no live stream writes
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    names = {t: f"{t}_q{unique}" for t in (topics.TRANSACTIONS, topics.DECISIONS, topics.LABELS)}
    ensure_topics(kafka_bootstrap, names.values(), access=admin_access(),
                  partitions=3, replication_factor=1, retention_ms=86_400_000)
    outcomes = [("block", True), ("review", True), ("approve", True), ("review", False), ("approve", False),
                ("approve", False), ("block", None), (None, True)]
    decisions, labels = [], []
    for i, (decision, is_fraud) in enumerate(outcomes, 1):
        tx = str(uuid.uuid4())
        when = midnight + timedelta(hours=2 * i) if i > 1 else midnight + timedelta(days=1, microseconds=-1)
        if decision is not None:
            decisions.append(decision_to_json(Decision(transaction_id=tx, event_time=when, scored_at=when,
                                                       score=0.1 if decision == "approve" else 0.9,
                                                       decision=decision, customer_id=i, terminal_id=i)))
        if is_fraud is not None:
            labels.append(label_to_json(Label(transaction_id=tx, event_time=when, customer_id=i, terminal_id=i,
                                              is_fraud=is_fraud, scenario=1 if is_fraud else 0,
                                              reported_at=when + timedelta(days=7))))
    sends = [(topics.LABELS, v) for v in labels[:3]] + [(topics.DECISIONS, v) for v in [*decisions, decisions[0]]]
    sends += [(topics.LABELS, v) for v in [*labels[3:], b'{"not": "a label"}']]
    p = kafka_io.producer(kafka_bootstrap, access=admin_access(), client_id="test-quality")
    for topic, value in sends:
        p.send(names[topic], value=value)
    p.flush()
    p.close()
    port = free_port()
    args = ["--group", f"q-{unique}", "--metrics-port", str(port), "--transactions-topic", names[topics.TRANSACTIONS],
            "--decisions-topic", names[topics.DECISIONS], "--labels-topic", names[topics.LABELS]]
    s = spawn("consumers.persister", args, tmp_path / "q.log", STREAM_QUALITY_SECONDS="1")
    try:
        def row():
            return cql.execute("SELECT * FROM decision_quality_by_day WHERE day = %s", (day,)).one()

        wait_for(lambda: row() is not None and row().labelled == 6, 120, "the day's quality row", [s])
        q = row()
        assert (q.labelled, q.alerts, q.true_positives, q.false_positives, q.false_negatives) == (6, 3, 2, 1, 1)
        assert (q.precision, q.recall, q.alert_rate, q.fraud_rate) == (2 / 3, 2 / 3, 0.5, 0.5)
        wait_for(lambda: metric(port, "fraud_stream_labelled_decisions", day=day.isoformat()) == 6, 60,
                 "the day's gauges", [s])
        assert metric(port, "fraud_stream_decision_precision", day=day.isoformat()) == 2 / 3
        assert metric(port, "fraud_stream_decision_recall", day=day.isoformat()) == 2 / 3
        assert metric(port, "fraud_stream_alert_rate", day=day.isoformat()) == 0.5
        assert metric(port, "fraud_stream_fraud_rate", day=day.isoformat()) == 0.5
        wait_for(lambda: metric(port, "fraud_stream_invalid_total", reason="label") == 1, 60, "invalid label", [s])
        joined = {(r.decision, r.is_fraud) for r in cql.execute(
            "SELECT decision, is_fraud FROM decision_labels WHERE day = %s AND hour IN %s", (day, HOURS))}
        hours = {r.hour: r.labelled for r in cql.execute(
            "SELECT hour, labelled FROM decision_quality_by_hour WHERE day = %s", (day,))}
        assert sum(hours.values()) == 6 and len(hours) == 8  # the hours of the 8 transactions, summed
        assert joined == {o for o in outcomes if None not in o} | {("block", None), (None, True)}
        assert stop(s) == 0
    finally:
        stop(s)
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, **kafka_args())
        try:
            admin.delete_topics(list(names.values()))
        finally:
            admin.close()
        cql.execute("DELETE FROM decision_labels WHERE day = %s AND hour IN %s", (day, HOURS))
        for table in ("decision_quality_by_hour", "decision_quality_by_day"):
            cql.execute(f"DELETE FROM {table} WHERE day = %s", (day,))
