"""Superset against the real HiveServer2, started through the runtime (``up`` imports the reports): the issue's
"done when" — with the ``.env`` credentials the API lists exactly one dashboard titled "Fraud…", with ≥ 6 charts
each returning rows from Hive; importing again leaves the same counts and updates an edited chart in place;
``superset_refresh`` succeeds under ``./fraudctl airflow dags test``; in headless Chromium a user signs in and
the dashboard draws every chart without an error (screenshot: docs/screenshots/superset-dashboard.png);
``decisions_daily`` counts a day of decisions from Cassandra into Hive, for the "decisions by outcome and
reason" chart.

Runs after test_batch_dags (file order), whose DAG runs loaded the days, created the reporting views and
trained a model; alone, the module loads one day itself (no model metrics then: see ``loaded``)."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
import yaml

from apps.superset_reports.bundle import files, hive_uri, slug, zipped
from apps.superset_reports.charts import CHARTS
from apps.superset_reports.importer import client, import_reports
from consumers import persister_rows as rows
from fraud_domain.schema import Decision, Label, decision_to_json, label_to_json
from fraud_platform.clients import hive_connection
from fraud_platform.superset_api import DASHBOARD_SLUG
from spark_jobs.load_decisions import HOURS
from spark_jobs.report_views import DAILY
from spark_jobs.tables import DECISION_COUNTS, MODEL_METRICS
from tests.support.browser import chromium, screenshot, wait_until

ROOT = Path(__file__).resolve().parents[2]
DAY = "2018-05-02"  # test_batch_dags' day
AIRFLOW = ("transactions-api", "smtp-receiver", "airflow-api-server", "airflow-scheduler", "airflow-dag-processor",
           "airflow-triggerer")


def fraudctl_airflow(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "fraudctl"), "airflow", *args], env={**os.environ, "FRAUD_ROOT": str(ROOT)},
                          capture_output=True, text=True, timeout=1200, cwd=ROOT)


def _exists(cursor, table: str) -> bool:
    database, name = table.split(".")
    cursor.execute(f"SHOW TABLES IN {database} LIKE '{name}'")
    return bool(cursor.fetchall())


@pytest.fixture(scope="module")
def loaded(services, start_full) -> None:
    """The reporting views exist (the load job makes them); without test_batch_dags' runs, load DAY now."""
    start_full(*AIRFLOW)
    server = services["hiveserver2"]
    with hive_connection(server.server_host, server.settings.hive.hiveserver2_port,
                         login=server.endpoints.hive_login) as conn:
        if not _exists(conn.cursor(), DAILY.qualified()):
            result = fraudctl_airflow("dags", "test", "transactions_daily", DAY)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert _exists(conn.cursor(), MODEL_METRICS.qualified()), \
            "no fraud.model_metrics: run with tests/integration/test_batch_dags.py (it trains a model)"


# A day no other test streams (the simulator's days end 2018-09-30), after decisions_daily's start_date (a
# `dags test` before it runs nothing): the fixture owns its 24 partitions.
DECISIONS_DAY = date(2018, 12, 30)
# (decision, reasons, label or None) x how many: what the day's decisions and labels are.
SEEDED = [(("block", ("velocity",), True), 3), (("block", ("velocity",), False), 1),
          (("block", ("velocity",), None), 1),
          (("block", ("velocity", "model", "model:tx_amount"), True), 2),
          (("review", ("model", "model:customer_nb_tx_1d"), False), 1),
          (("review", ("model", "model:customer_nb_tx_1d"), None), 3),
          (("approve", (), False), 15), (("approve", (), None), 5)]
EXPECTED_COUNTS = [("approve", "none", 20, 15, 0), ("block", "model", 2, 2, 2), ("block", "velocity", 7, 6, 5),
                   ("review", "model", 4, 1, 0)]


def _seed_decisions(cql) -> None:
    """The day's decisions and labels written as the persister writes them (its row mapping, its columns)."""
    for hour in HOURS:
        cql.execute(f"DELETE FROM {rows.DECISION_LABELS} WHERE day = %s AND hour = %s", (DECISIONS_DAY, hour))
    decision_half = cql.prepare(rows.insert_cql(rows.DECISION_LABELS, rows.JOINED_DECISION_COLUMNS))
    label_half = cql.prepare(rows.insert_cql(rows.DECISION_LABELS, rows.JOINED_LABEL_COLUMNS))
    midnight = datetime.combine(DECISIONS_DAY, datetime.min.time(), tzinfo=UTC)
    n = 0
    for (outcome, reasons, is_fraud), times in SEEDED:
        for _ in range(times):
            tx, when = str(uuid.uuid4()), midnight + timedelta(minutes=47 * n)  # spread over the day's hours
            n += 1
            decision = Decision(transaction_id=tx, event_time=when, scored_at=when, score=0.5, decision=outcome,
                                reasons=reasons)
            cql.execute(decision_half, rows.decision_rows(decision_to_json(decision))[3])
            if is_fraud is not None:
                label = Label(transaction_id=tx, event_time=when, customer_id=1, terminal_id=1, is_fraud=is_fraud,
                              scenario=1 if is_fraud else 0, reported_at=when + timedelta(days=7))
                cql.execute(label_half, rows.label_row(label_to_json(label)))


@pytest.fixture(scope="module")
def decisions_counted(loaded, services, cql) -> list[tuple]:
    """``decisions_daily`` run for the seeded day (logical date = the day after); returns the Hive rows."""
    _seed_decisions(cql)
    started = time.monotonic()
    result = fraudctl_airflow("dags", "test", "decisions_daily", (DECISIONS_DAY + timedelta(days=1)).isoformat())
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "state=failed" not in output, output[-3000:]
    print(f"decisions_daily counted {DECISIONS_DAY} in {time.monotonic() - started:.1f}s")
    server = services["hiveserver2"]
    with hive_connection(server.server_host, server.settings.hive.hiveserver2_port,
                         login=server.endpoints.hive_login) as conn:
        cursor = conn.cursor()
        assert _exists(cursor, DECISION_COUNTS.qualified()), "decisions_daily ran no job: " + output[-3000:]
        cursor.execute(f"SELECT {', '.join(DECISION_COUNTS.column_names)} FROM {DECISION_COUNTS.qualified()} "
                       f"WHERE dt = '{DECISIONS_DAY.isoformat()}' ORDER BY decision, reason")
        return [tuple(row) for row in cursor.fetchall()]


def test_decisions_daily_counts_the_days_decisions_by_outcome_and_reason(decisions_counted) -> None:
    assert decisions_counted == EXPECTED_COUNTS


@pytest.fixture(scope="module")
def superset(loaded, decisions_counted, start_full, ctx):
    started = time.monotonic()
    start_full("superset")
    print(f"superset up (initialise, start, import) in {time.monotonic() - started:.1f}s")
    return client(ctx)


@pytest.fixture(scope="module")
def dashboard(superset) -> dict:
    fraud = [d for d in superset.dashboards() if "Fraud" in d["dashboard_title"]]
    assert len(fraud) == 1, fraud
    return fraud[0]


def _counts(api) -> dict[str, int]:
    return {kind: api.count(kind) for kind in ("dashboard", "chart", "dataset", "database")}


def test_one_fraud_dashboard_with_every_chart_returning_rows_from_hive(superset, dashboard) -> None:
    charts = superset.dashboard_charts(dashboard["slug"])
    assert {c["slice_name"] for c in charts} == {c.title for c in CHARTS} and len(charts) >= 6
    empty = [c["slice_name"] for c in charts if not superset.chart_data(c["id"])]
    assert not empty, f"charts without rows: {empty}"


def test_importing_again_changes_no_count_and_updates_an_edited_chart_in_place(superset, dashboard, ctx) -> None:
    before = _counts(superset)
    import_reports(ctx)
    assert _counts(superset) == before
    bundle = files(hive_uri(*ctx.endpoints.hiveserver2, ctx.endpoints.hive_login))
    path = f"charts/{slug(CHARTS[0].title)}.yaml"
    edited = yaml.safe_load(bundle[path]) | {"description": "edited by the test"}
    chart_id = next(c["id"] for c in superset.dashboard_charts() if c["slice_name"] == CHARTS[0].title)
    try:
        superset.import_assets(zipped(bundle | {path: yaml.safe_dump(edited)}))
        assert superset.chart(chart_id)["description"] == "edited by the test"
        assert _counts(superset) == before
    finally:
        import_reports(ctx)


def test_hiveserver2_password_is_stored_encrypted_and_never_logged(superset, dashboard, ctx) -> None:
    """The import sends HiveServer2's password beside the bundle: Superset keeps it encrypted, apart from the
    masked URI, and neither its action log (table `logs`) nor its process log holds it."""
    import sqlite3

    from fraud_runtime.services.superset import Superset

    service, password = Superset(ctx), ctx.endpoints.hive_login.password
    assert password and ctx.settings.superset.sqlalchemy_uri is None  # the SQLite metadata database
    with sqlite3.connect(service.sqlite_file) as db:
        uri, stored = db.execute("SELECT sqlalchemy_uri, password FROM dbs WHERE database_name = ?",
                                 ("Fraud Hive",)).fetchone()
        logged = db.execute("SELECT action, json FROM logs").fetchall()
    assert uri.startswith(f"hive://{ctx.settings.hive.username}:XXXXXXXXXX@") and uri.endswith("?auth=CUSTOM")
    assert stored and password not in str(stored)
    assert any(action == "ImportExportRestApi.import_" for action, _ in logged)  # the import was logged ...
    assert not [action for action, record in logged if password in (record or "")]  # ... without the password
    assert password not in service.log_file.read_text(errors="replace")


def test_superset_refresh_dag_refreshes_and_warms_every_chart(superset, dashboard) -> None:
    result = fraudctl_airflow("dags", "test", "superset_refresh")
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "state=failed" not in output, output[-3000:]


def test_superset_sends_statsd_metrics(superset, services) -> None:
    exporter = services["statsd-exporter"]
    text = requests.get(exporter.url(), timeout=10).text
    assert any(line.startswith("superset_") for line in text.splitlines()), "no superset_* series in statsd_exporter"


# Per chart on the dashboard (``.chart-slice[data-test-chart-id]``): drawn (an ECharts canvas or table rows),
# still loading, or showing an error alert.
_CHART_STATES = """return Array.from(document.querySelectorAll('.chart-slice[data-test-chart-id]')).map(e => ({
  id: e.getAttribute('data-test-chart-id'), viz: e.getAttribute('data-test-viz-type'),
  title: (e.querySelector('[data-test="editable-title"], .header-title') || {}).textContent || '',
  drawn: e.querySelectorAll('canvas').length + e.querySelectorAll('table tbody tr').length,
  loading: e.querySelectorAll('.loading, [data-test="loading-indicator"]').length,
  errors: Array.from(e.querySelectorAll('[role="alert"], .ant-alert-error')).map(a => a.textContent.trim())}))"""


def test_a_user_signs_in_and_the_dashboard_draws_every_chart_in_a_browser(superset, dashboard, ctx) -> None:
    from selenium.webdriver.common.by import By

    s = ctx.settings.superset
    with chromium(height=1900) as browser:
        browser.get(f"{superset.base_url}/login/")
        wait_until(lambda: browser.find_element(By.ID, "username"), 60, "Superset's sign-in form").send_keys(
            s.admin_username)
        browser.find_element(By.ID, "password").send_keys(s.admin_password.get_secret_value())
        browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
        wait_until(lambda: "/superset/welcome" in browser.current_url, 60, "the welcome page after signing in")

        started = time.monotonic()
        browser.get(f"{superset.base_url}/superset/dashboard/{DASHBOARD_SLUG}/")

        def settled() -> list[dict] | None:
            states = browser.execute_script(_CHART_STATES)
            done = len(states) == len(CHARTS) and all(c["errors"] or (c["drawn"] and not c["loading"]) for c in states)
            return states if done else None

        states = wait_until(settled, 300, f"the {len(CHARTS)} charts of the dashboard to draw or fail")
        print(f"\ndashboard drawn in the browser {time.monotonic() - started:.1f}s after opening it")
        time.sleep(1.0)  # animations finish
        screenshot(browser, "superset-dashboard")
    failed = [(c["title"] or c["id"], c["errors"]) for c in states if c["errors"]]
    assert not failed, failed
