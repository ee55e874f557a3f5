"""What `./fraudctl status` shows beside health: the figures an operator looks at first - the scorer's
transactions per second, its lag and p99 decision latency (from Prometheus), the alerts firing, and the
last DAG run with its state (from Airflow's REST API). Best effort: a part that does not answer is named in
``problems`` and its figures stay unknown."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from fraud_platform.config import PlatformConfig
from fraud_platform.live_metrics import QUERIES, prometheus_url, query_values


@dataclass(frozen=True)
class DagRun:
    dag_id: str
    logical_date: str | None
    state: str
    end_date: str | None


@dataclass(frozen=True)
class LiveFigures:
    tx_per_s: float | None = None
    lag: float | None = None
    p99_ms: float | None = None
    firing: list[str] | None = None  # alert names (with their service) firing now; None = unknown
    last_dag_run: DagRun | None = None
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return asdict(self)

    def line(self) -> str:
        def num(value: float | None, fmt: str) -> str:
            return "?" if value is None else format(value, fmt)

        alerts = "?" if self.firing is None else (", ".join(self.firing) if self.firing else "none")
        run = self.last_dag_run
        dag = (" ".join(part for part in (run.dag_id, (run.logical_date or "")[:10], run.state) if part) if run else
               "?" if any(p.startswith("airflow") for p in self.problems) else "none yet")
        text = (f"live: {num(self.tx_per_s, ',.0f')} tx/s, lag {num(self.lag, ',.0f')}, "
                f"p99 {num(self.p99_ms, ',.0f')} ms; alerts firing: {alerts}; last DAG run: {dag}")
        return text + "".join(f"; {p}" for p in self.problems)


def live_figures(config: PlatformConfig, timeout: float = 5.0) -> LiveFigures:
    import requests

    settings, host = config.settings, config.endpoints.host
    prometheus = prometheus_url(config)
    found: dict[str, object] = {}
    problems: list[str] = []
    try:
        found.update(query_values(prometheus, QUERIES, timeout))
        alerts = requests.get(f"{prometheus}/api/v1/alerts", timeout=timeout)
        alerts.raise_for_status()
        found["firing"] = sorted({_alert_name(a) for a in alerts.json()["data"]["alerts"] if a["state"] == "firing"})
    except (requests.RequestException, KeyError, ValueError) as exc:
        problems.append(f"prometheus unreadable ({exc.__class__.__name__})")
    try:
        found["last_dag_run"] = _last_dag_run(f"http://{host}:{settings.airflow.port}", config, timeout)
    except (requests.RequestException, KeyError, ValueError) as exc:
        problems.append(f"airflow unreadable ({exc.__class__.__name__})")
    return LiveFigures(**found, problems=problems)  # type: ignore[arg-type]


def _alert_name(alert: dict) -> str:
    labels = alert.get("labels", {})
    service = labels.get("service")
    return f"{labels.get('alertname')}({service})" if service else str(labels.get("alertname"))


def _last_dag_run(api: str, config: PlatformConfig, timeout: float) -> DagRun | None:
    import requests

    airflow = config.settings.airflow
    if airflow.admin_password is None:
        raise ValueError("no AIRFLOW_ADMIN_PASSWORD")
    login = requests.post(f"{api}/auth/token", timeout=timeout, json={
        "username": airflow.admin_username, "password": airflow.admin_password.get_secret_value()})
    login.raise_for_status()
    runs = requests.get(f"{api}/api/v2/dags/~/dagRuns", params={"order_by": "-start_date", "limit": 1},
                        headers={"Authorization": f"Bearer {login.json()['access_token']}"}, timeout=timeout)
    runs.raise_for_status()
    found = runs.json()["dag_runs"]
    if not found:
        return None
    run = found[0]
    return DagRun(run["dag_id"], run.get("logical_date"), run["state"], run.get("end_date"))
