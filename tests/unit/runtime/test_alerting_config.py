"""Alerting's configuration from the settings: Alertmanager's rendered config (SMTP, routing, a password only
in a 0600 file), Prometheus' rule files and Alertmanager target, the platform exporter's own metrics, and
the live-figures line of `fraudctl status`."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from fraud_runtime.context import Context
from fraud_runtime.live_status import DagRun, LiveFigures
from fraud_runtime.platform_exporter import PlatformCollector
from fraud_runtime.services.alertmanager import Alertmanager
from fraud_runtime.services.prometheus import Prometheus
from fraud_runtime.services.registry import resolve
from fraud_runtime.supervisor import Supervisor

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def tmp_ctx(tmp_path: Path, monkeypatch) -> Context:
    monkeypatch.setenv("FRAUD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("SMTP_ALERT_RECIPIENTS", "a@x.test, b@x.test")
    monkeypatch.setenv("SMTP_HOST", "mail.x.test")
    monkeypatch.setenv("SMTP_PORT", "587")
    monkeypatch.setenv("SMTP_USER", "alerts")
    monkeypatch.setenv("SMTP_PASSWORD", "smtp-secret-789")
    monkeypatch.setenv("SMTP_STARTTLS", "true")
    monkeypatch.setenv("MONITORING_ALERT_GROUP_INTERVAL", "3m")
    return Context.load(root=ROOT)


def test_alertmanager_mails_through_the_smtp_settings_with_the_password_in_a_private_file(tmp_ctx) -> None:
    service = Alertmanager(tmp_ctx)
    service.conf_dir.mkdir(parents=True)
    service.render_config()
    rendered = service.conf_dir / "alertmanager.yml"
    config = yaml.safe_load(rendered.read_text())
    smtp = config["global"]
    assert smtp["smtp_smarthost"] == "mail.x.test:587" and smtp["smtp_require_tls"] is True
    assert smtp["smtp_auth_username"] == "alerts"
    assert "smtp-secret-789" not in rendered.read_text()
    password = Path(smtp["smtp_auth_password_file"])
    assert password.read_text() == "smtp-secret-789"
    for path in (password, rendered):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    email = config["receivers"][0]["email_configs"][0]
    assert email["to"] == "a@x.test, b@x.test" and email["send_resolved"] is True
    assert "Runbook: {{ .Annotations.runbook }}" in email["text"]  # Jinja left Alertmanager's template alone
    assert config["route"]["group_interval"] == "3m"


def test_the_rendered_alertmanager_config_is_valid_for_the_pinned_binary(ctx, tmp_path) -> None:
    """The real Alertmanager parses the config the runtime renders (it exits on a config error)."""
    binary = ctx.artifacts.alertmanager
    assert binary.exists(), f"{binary} missing: run ./fraudctl setup"
    service = Alertmanager(ctx)
    service.paths = type(ctx.paths)(root=ctx.paths.root, cache=ctx.paths.cache, state=tmp_path)
    service.conf_dir.mkdir(parents=True)
    service.render_config()
    argv = [a.replace(f"{service.address()}", "127.0.0.1:0") for a in service.program().argv]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        proc.wait(timeout=3)
        pytest.fail(f"alertmanager exited {proc.returncode}: {proc.stdout.read()[-2000:]}")
    except subprocess.TimeoutExpired:
        pass  # still running: the config loaded
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_prometheus_loads_the_rule_files_and_sends_to_alertmanager_when_it_runs(tmp_ctx) -> None:
    full = next(s for s in resolve(tmp_ctx, "full") if isinstance(s, Prometheus))
    full.conf_dir.mkdir(parents=True)
    full.render_config()
    config = yaml.safe_load((full.conf_dir / "prometheus.yml").read_text())
    assert config["rule_files"] == [str(ROOT / "monitoring" / "prometheus" / "rules" / "*.rules.yml")]
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["127.0.0.1:9095"]
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert {"alertmanager", "platform-exporter", "scorer", "persister", "stream-producer"} <= jobs
    core = next(s for s in resolve(tmp_ctx, "core") if isinstance(s, Prometheus))
    core.render_config()
    assert "alerting" not in yaml.safe_load((core.conf_dir / "prometheus.yml").read_text())


def test_the_platform_exporter_reports_the_state_disk_and_a_silent_supervisor(tmp_path) -> None:
    from fraud_platform.paths import Paths

    paths = Paths(root=ROOT, cache=tmp_path, state=tmp_path)
    registry = CollectorRegistry()
    registry.register(PlatformCollector(Supervisor(paths), tmp_path))
    assert registry.get_sample_value("fraud_platform_supervisor_up") == 0.0  # no supervisord in this state dir
    ratio = registry.get_sample_value("fraud_state_disk_used_ratio")
    assert ratio is not None and 0.0 < ratio < 1.0
    assert registry.get_sample_value("fraud_state_disk_free_bytes") > 0


def test_the_live_line_says_what_is_known_and_what_is_not() -> None:
    known = LiveFigures(tx_per_s=1012.4, lag=3, p99_ms=41.7, firing=["ScorerDown(scorer)"],
                        last_dag_run=DagRun("transactions_daily", "2018-05-03T00:00:00Z", "success", None))
    assert known.line() == ("live: 1,012 tx/s, lag 3, p99 42 ms; alerts firing: ScorerDown(scorer); "
                            "last DAG run: transactions_daily 2018-05-03 success")
    unknown = LiveFigures(problems=["prometheus unreadable (ConnectionError)", "airflow unreadable (HTTPError)"])
    assert unknown.line() == ("live: ? tx/s, lag ?, p99 ? ms; alerts firing: ?; last DAG run: ?; "
                              "prometheus unreadable (ConnectionError); airflow unreadable (HTTPError)")
