"""Operations' "done when", on the whole platform after the other tiers ran (the file sorts last on purpose):
Prometheus loads the alert rules and sends to Alertmanager; `./fraudctl stop scorer` e-mails an alert to the
SMTP receiver and `./fraudctl up` a resolved notice; every dashboard panel and every rule's signal returns
series from the live Prometheus (no drift between monitoring code and the metrics really emitted); and
`./fraudctl status` shows the live figures."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from apps.smtp_receiver import read_messages
from fraud_runtime.services.registry import resolve
from monitoring.grafana.build_dashboards import expressions
from monitoring.prometheus.build_rules import RULES, signals
from tests.support.stream import wait_for

ROOT = Path(__file__).resolve().parents[2]
WINDOW_SECONDS = 3 * 3600  # longer than the whole suite: the batch tier's DAG runs happened earlier in it


def fraudctl(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "fraudctl"), *args], cwd=ROOT, env={**os.environ, "FRAUD_ROOT": str(ROOT)},
                          capture_output=True, text=True, timeout=timeout)


EVERYTHING = ("kafka", "cassandra", "namenode", "datanode", "hive-metastore", "hiveserver2", "statsd-exporter",
              "process-exporter", "platform-exporter", "alertmanager", "prometheus", "transactions-api", "scorer",
              "persister", "stream-producer", "alerts-ui", "smtp-receiver", "airflow-api-server", "airflow-scheduler",
              "airflow-dag-processor", "airflow-triggerer", "superset")


@pytest.fixture(scope="module")
def full(platform, start_full) -> dict[str, object]:
    """Every full-profile service up; Prometheus re-rendered with every job and Alertmanager, then reloaded."""
    assert set(EVERYTHING) == {s.name for s in resolve(platform.ctx, "full")}
    return start_full(*EVERYTHING)


def prometheus_query(base: str, query: str) -> list[dict]:
    answer = requests.get(f"{base}/api/v1/query", params={"query": query}, timeout=10).json()
    assert answer["status"] == "success", (query, answer)
    return answer["data"]["result"]


def alert_states(base: str, name: str, service: str) -> set[str]:
    alerts = requests.get(f"{base}/api/v1/alerts", timeout=10).json()["data"]["alerts"]
    return {a["state"] for a in alerts if a["labels"]["alertname"] == name and a["labels"].get("service") == service}


def test_prometheus_loads_the_rules_and_sends_to_alertmanager(full) -> None:
    base = full["prometheus"].url()
    groups = requests.get(f"{base}/api/v1/rules", params={"type": "alert"}, timeout=10).json()["data"]["groups"]
    loaded = {rule["name"] for group in groups for rule in group["rules"]}
    assert loaded == {rule.name for rule in RULES}
    assert len(loaded) >= 10
    wanted = f"{full['alertmanager'].url()}/api/v2/alerts"

    def discovered() -> bool:
        active = requests.get(f"{base}/api/v1/alertmanagers", timeout=10).json()["data"]["activeAlertmanagers"]
        return wanted in {a["url"] for a in active}

    wait_for(discovered, 60, "Prometheus to discover Alertmanager", every=2)


def test_stopping_the_scorer_mails_an_alert_and_up_mails_it_resolved(full) -> None:
    prometheus, maildir = full["prometheus"].url(), full["smtp-receiver"].maildir
    wait_for(lambda: prometheus_query(prometheus, 'up{job="scorer"} == 1') != [], 120,
             "Prometheus to scrape the scorer", every=3)
    wait_for(lambda: not alert_states(prometheus, "ScorerDown", "scorer"), 120,
             "no ScorerDown pending or firing", every=3)
    seen = {m.key for m in read_messages(maildir)}

    def new_mail(marker: str) -> list:
        return [m for m in read_messages(maildir)
                if m.key not in seen and "ScorerDown" in m.subject and marker in m.subject]

    stopped_at = time.monotonic()
    result = fraudctl("stop", "scorer", timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    wait_for(lambda: new_mail("FIRING"), 180, "the ScorerDown e-mail (within 3 minutes)", every=5)
    fired = new_mail("FIRING")[0]
    assert "./fraudctl" in fired.body, "the e-mail carries the rule's runbook line"
    assert set(fired.recipients) == {r.strip() for r in full["smtp-receiver"].settings.smtp.alert_recipients.split(",")}
    print(f"ScorerDown e-mailed {time.monotonic() - stopped_at:.0f}s after `fraudctl stop scorer`")

    restarted_at = time.monotonic()
    result = fraudctl("up", "--skip-setup", "--service", "scorer", timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    wait_for(lambda: new_mail("RESOLVED"), 300, "the ScorerDown resolved notice", every=5)
    print(f"ScorerDown resolved e-mailed {time.monotonic() - restarted_at:.0f}s after `fraudctl up`")


def _series_over_window(base: str, expr: str) -> int:
    end = time.time()
    answer = requests.get(f"{base}/api/v1/query_range", timeout=30, params={
        "query": expr, "start": end - WINDOW_SECONDS, "end": end, "step": "60"}).json()
    assert answer["status"] == "success", (expr, answer)
    return len(answer["data"]["result"])


def test_every_dashboard_panel_and_rule_signal_returns_series(full) -> None:
    base = full["prometheus"].url()
    queries = [(f"dashboard {board} / {title}", expr) for board, title, expr in expressions()]
    queries += [(f"rule {name}", expr) for name, expr in signals()]
    deadline = time.monotonic() + 180  # a target added by this module's `up` needs two scrapes for a rate
    while True:
        empty = [(what, expr) for what, expr in queries if _series_over_window(base, expr) == 0]
        if not empty or time.monotonic() > deadline:
            break
        time.sleep(15)
    assert not empty, "queries without a series over the suite's run:\n" + "\n".join(f"{w}: {e}" for w, e in empty)


def test_status_shows_the_live_figures(full) -> None:
    def live_figures() -> dict:
        return json.loads(fraudctl("status", "--json", timeout=120).stdout)["live"]

    # a rate needs two scrapes of the scorer (15 s apart) since Prometheus last loaded its targets
    wait_for(lambda: live_figures()["tx_per_s"] is not None, 90, "a tx/s figure in `fraudctl status`", every=5)
    live = live_figures()
    assert live["problems"] == [], live
    assert live["tx_per_s"] is not None and live["tx_per_s"] > 0, live  # the live stream-producer publishes
    assert live["lag"] is not None and live["p99_ms"] is not None, live
    assert isinstance(live["firing"], list)
    assert live["last_dag_run"] and live["last_dag_run"]["state"] in {"success", "failed", "running", "queued"}
    text = " ".join(fraudctl("status", timeout=120).stdout.split())  # the table wraps at the terminal's width
    assert "live:" in text and "tx/s" in text and "last DAG run:" in text
