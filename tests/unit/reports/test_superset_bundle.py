"""The Superset bundle generator (apps/superset_reports): stable uuids (idempotent import, in-place updates),
every chart on an existing dataset and on its columns, one "Fraud analytics" dashboard placing every chart,
and the committed superset/assets matching what the code renders."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path

import yaml

from apps.superset_reports import build
from apps.superset_reports.bundle import NAMESPACE, database_password, files, hive_uri, slug, stable_uuid, zipped
from apps.superset_reports.charts import CHARTS, DATASET_METRICS, Agg
from fraud_platform.clients import HiveLogin
from fraud_platform.superset_api import DASHBOARD_SLUG, DASHBOARD_TITLE
from spark_jobs.report_views import REPORTED_TABLES

ROOT = Path(__file__).resolve().parents[3]
LOGIN = HiveLogin("fraud_app", "hive-secret", "CUSTOM")
URI = hive_uri("127.0.0.1", 10000, LOGIN)


def _objects(prefix: str, uri: str = URI) -> dict[str, dict]:
    return {path: yaml.safe_load(text) for path, text in files(uri).items() if path.startswith(prefix)}


def test_the_bundle_is_the_same_every_time_with_uuids_derived_from_names() -> None:
    assert files(URI) == files(URI)
    assert zipped(files(URI)) == zipped(files(URI))  # byte-identical: fixed timestamps, sorted entries
    chart = next(iter(_objects("charts/").values()))
    assert chart["uuid"] == str(uuid.uuid5(NAMESPACE, f"chart:{chart['slice_name']}"))
    every = [o["uuid"] for o in _objects("").values() if "uuid" in o]
    assert len(every) == len(set(every)) == 1 + len(REPORTED_TABLES) + len(CHARTS) + 1


def test_a_changed_chart_keeps_its_uuid_and_only_the_hive_address_follows_the_settings() -> None:
    other = files(hive_uri("hs2.example", 10001, HiveLogin("first.last@corp", "p", "LDAP")))
    ours = files(URI)
    assert {p for p in ours if ours[p] != other[p]} == {"databases/fraud_hive.yaml"}
    assert yaml.safe_load(other["databases/fraud_hive.yaml"])["sqlalchemy_uri"] == \
        "hive://first.last%40corp:XXXXXXXXXX@hs2.example:10001/fraud?auth=LDAP"
    assert stable_uuid("chart", "Daily transactions") == stable_uuid("chart", "Daily transactions")


def test_the_hive_password_travels_beside_the_bundle_never_in_it() -> None:
    assert all("hive-secret" not in text for text in files(URI).values())
    assert yaml.safe_load(files(URI)["databases/fraud_hive.yaml"])["sqlalchemy_uri"] == \
        "hive://fraud_app:XXXXXXXXXX@127.0.0.1:10000/fraud?auth=CUSTOM"
    assert database_password(LOGIN) == {"databases/fraud_hive.yaml": "hive-secret"}
    no_password = HiveLogin("analyst", None, "NONE")
    assert hive_uri("hs2.example", 10000, no_password) == "hive://analyst@hs2.example:10000/fraud?auth=NONE"
    assert database_password(no_password) == {}


def test_every_chart_uses_an_existing_dataset_and_its_columns() -> None:
    datasets = {d["uuid"]: d for d in _objects("datasets/").values()}
    database = next(iter(_objects("databases/").values()))
    assert all(d["database_uuid"] == database["uuid"] for d in datasets.values())
    for chart in CHARTS:
        obj = yaml.safe_load(files(URI)[f"charts/{slug(chart.title)}.yaml"])
        dataset = datasets[obj["dataset_uuid"]]
        assert dataset["table_name"] == chart.dataset.name
        columns = {c["column_name"] for c in dataset["columns"]}
        metrics = {m["metric_name"] for m in dataset["metrics"]}
        assert set(chart.columns) <= columns, chart.title
        for metric in chart.metrics:
            assert (metric.column in columns) if isinstance(metric, Agg) else (metric in metrics), (chart.title, metric)
        context = json.loads(obj["query_context"])
        assert context["queries"][0]["columns"] == list(chart.columns) and context["queries"][0]["metrics"]


def test_dataset_metrics_only_name_their_views_columns() -> None:
    by_name = {t.name: set(dict(t.columns)) for t in REPORTED_TABLES}
    for view, metrics in DATASET_METRICS.items():
        for sql in metrics.values():
            named = {w for w in sql.replace("(", " ").replace(")", " ").replace(",", " ").split() if w.islower()}
            assert named <= by_name[view], (view, sql)


def test_one_fraud_dashboard_placing_every_chart_once() -> None:
    dashboards = list(_objects("dashboards/").values())
    assert len(dashboards) == 1
    dashboard = dashboards[0]
    assert dashboard["dashboard_title"] == DASHBOARD_TITLE and "Fraud" in DASHBOARD_TITLE
    assert dashboard["slug"] == DASHBOARD_SLUG
    nodes = [n for n in dashboard["position"].values() if isinstance(n, dict)]
    placed = [n["meta"]["uuid"] for n in nodes if n.get("type") == "CHART"]
    charts = {c["uuid"]: c["slice_name"] for c in _objects("charts/").values()}
    assert sorted(placed) == sorted(charts) and len(charts) >= 6
    assert len(set(charts.values())) == len(charts)  # titles are unique (and name the uuids)
    rows = [n for n in nodes if n.get("type") == "ROW"]
    for row in rows:
        assert sum(dashboard["position"][c]["meta"]["width"] for c in row["children"]) <= 12


def test_the_bundle_is_an_assets_bundle_under_one_folder() -> None:
    assert yaml.safe_load(files(URI)["metadata.yaml"]) == {"version": "1.0.0", "type": "assets"}
    names = zipfile.ZipFile(io.BytesIO(zipped(files(URI)))).namelist()
    assert all(name.startswith("fraud_reports/") for name in names) and "fraud_reports/metadata.yaml" in names


def test_committed_assets_are_what_the_code_renders() -> None:
    assert build.committed() == build.default_files(), "run: python -m apps.superset_reports.build"


def test_no_superset_package_shadows_superset_itself() -> None:
    # fraudctl puts the checkout on PYTHONPATH: superset/__init__.py would replace the real package in
    # Superset's venv (a folder without one is only a namespace portion, which a real package always beats).
    assert not (ROOT / "superset" / "__init__.py").exists()
    assert not list((ROOT / "superset").rglob("*.py"))


def test_over_tls_the_uri_names_the_tls_dialect_and_the_ca() -> None:
    tls = HiveLogin("fraud_app", "hive-secret", "CUSTOM", tls=True, ca_file="/state/tls/ca.pem")
    assert hive_uri("127.0.0.1", 10000, tls) == \
        "hive+tls://fraud_app:XXXXXXXXXX@127.0.0.1:10000/fraud?auth=CUSTOM&ssl_ca_file=/state/tls/ca.pem"
    system_cas = HiveLogin("analyst", "p", "LDAP", tls=True)
    assert hive_uri("hs2.example", 10000, system_cas) == "hive+tls://analyst:XXXXXXXXXX@hs2.example:10000/fraud?auth=LDAP"
