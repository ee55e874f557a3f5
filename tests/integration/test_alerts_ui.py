"""The live-alerts page on the real Cassandra: the store reads what the persister's tables hold, the page
renders it (Streamlit's AppTest runs the real script), and the `alerts-ui` service answers its health check."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from apps.alerts.store import AlertStore

PAGE = Path(__file__).resolve().parents[2] / "apps" / "alerts" / "page.py"


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


def test_page_renders_todays_alerts(cql) -> None:
    from streamlit.testing.v1 import AppTest

    now = datetime.now(UTC).replace(microsecond=0)
    tx = _insert_alert(cql, now, int(uuid.uuid4().int % 10**9), "block")
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Live fraud alerts"
    table = app.dataframe[0].value
    assert tx in set(table["transaction_id"])


def test_service_answers_health(start_full) -> None:
    ui = start_full("alerts-ui")["alerts-ui"]
    response = requests.get(f"{ui.url()}/_stcore/health", timeout=5)
    assert response.status_code == 200 and response.text == "ok"
