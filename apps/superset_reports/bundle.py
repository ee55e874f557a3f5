"""Superset's import bundle ("assets": ``metadata.yaml``, ``databases/``, ``datasets/``, ``charts/``,
``dashboards/``) rendered from the declarations in ``charts.py``.

Every object's ``uuid`` is a uuid5 of its kind and name, so importing twice updates the same objects (Superset
matches by uuid) and an edited chart replaces its previous version in place. Each chart carries a saved query
context (what ``/api/v1/chart/<id>/data/`` and cache warm-up run); the dashboard's layout places the charts
in rows of 12 columns.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from typing import Any
from urllib.parse import quote

import yaml

from apps.superset_reports.charts import CHARTS, DATASET_METRICS, Agg, Chart, Dataset, Metric
from fraud_platform.clients import HiveLogin
from fraud_platform.lake import DATABASE
from fraud_platform.superset_api import DASHBOARD_SLUG, DASHBOARD_TITLE
from spark_jobs.report_views import REPORTED_TABLES

NAMESPACE = uuid.UUID("5b0e8a6c-2f7d-4c39-9a57-0d3e1c6f4a21")  # fixed: the uuids below must never change
VERSION = "1.0.0"  # Superset's import format version
DATABASE_NAME = "Fraud Hive"
ROOT = "fraud_reports"  # the folder inside the ZIP (Superset strips it)
CHART_HEIGHT = 50
PASSWORD_MASK = "X" * 10  # Superset's placeholder for a password it stores apart from the URI


def stable_uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


DATABASE_FILE = f"databases/{slug(DATABASE_NAME)}.yaml"  # its path in the bundle, as Superset names it


def hive_uri(host: str, port: int, login: HiveLogin) -> str:
    """PyHive's SQLAlchemy URL of HiveServer2 on database ``fraud``, as ``login`` in its auth mode (``hive+tls``
    over TLS, checked against the login's CA file). A password
    is never in it: it shows Superset's mask, and the import sends the password beside the bundle
    (``database_password``), which Superset keeps encrypted with its secret key."""
    user = quote(login.username, safe="")
    credentials = f"{user}:{PASSWORD_MASK}" if login.password is not None else user
    if login.tls:  # apps/superset_reports/hive_tls_dialect.py
        ca = f"&ssl_ca_file={quote(login.ca_file, safe='/')}" if login.ca_file else ""
        return f"hive+tls://{credentials}@{host}:{port}/{DATABASE}?auth={login.auth}{ca}"
    return f"hive://{credentials}@{host}:{port}/{DATABASE}?auth={login.auth}"


def database_password(login: HiveLogin) -> dict[str, str]:
    """The import request's ``passwords``: bundle path of the database -> the password its URI masks."""
    return {} if login.password is None else {DATABASE_FILE: login.password}


def database(uri: str) -> dict[str, Any]:
    return {"database_name": DATABASE_NAME, "sqlalchemy_uri": uri, "uuid": stable_uuid("database", DATABASE_NAME),
            "version": VERSION, "expose_in_sqllab": True, "allow_run_async": False, "allow_ctas": False,
            "allow_cvas": False, "allow_dml": False, "cache_timeout": None, "extra": {}}


def dataset(table: Dataset) -> dict[str, Any]:
    temporal = [name for name, sql in table.columns if sql in ("DATE", "TIMESTAMP")]
    columns = [{"column_name": name, "type": sql, "is_dttm": name in temporal, "groupby": True, "filterable": True,
                "is_active": True} for name, sql in table.columns]
    metrics = [{"metric_name": "count", "expression": "COUNT(*)", "metric_type": "count"}] + [
        {"metric_name": name, "expression": sql, "d3format": ".2%"}
        for name, sql in DATASET_METRICS.get(table.name, {}).items()]
    return {"table_name": table.name, "schema": DATABASE, "main_dttm_col": temporal[0] if temporal else None,
            "uuid": stable_uuid("dataset", table.name), "database_uuid": stable_uuid("database", DATABASE_NAME),
            "version": VERSION, "columns": columns, "metrics": metrics, "sql": None, "cache_timeout": None,
            "filter_select_enabled": True, "description": None}


def _metric(metric: Metric) -> dict[str, Any] | str:
    if isinstance(metric, str):
        return metric  # a dataset metric, by name
    return {"expressionType": "SIMPLE", "aggregate": metric.function, "column": {"column_name": metric.column},
            "label": metric.label, "hasCustomLabel": False, "optionName": f"metric_{slug(metric.label)}"}


def _form_data(chart: Chart) -> dict[str, Any]:
    metrics = [_metric(m) for m in chart.metrics]
    form: dict[str, Any] = {"viz_type": chart.viz_type, "row_limit": chart.row_limit, "adhoc_filters": [],
                            "extra_form_data": {}, "color_scheme": "supersetColors"}
    if chart.viz_type == "pie":
        return form | {"groupby": list(chart.groupby), "metric": metrics[0], "show_legend": True,
                       "show_labels": True, "label_type": "key_percent"}
    if chart.viz_type == "table":
        return form | {"query_mode": "aggregate", "groupby": list(chart.groupby), "metrics": metrics,
                       "timeseries_limit_metric": metrics[0], "order_desc": True, "all_columns": [],
                       "percent_metrics": []}
    series = form | {"x_axis": chart.x_axis, "groupby": list(chart.groupby), "metrics": metrics,
                     "x_axis_sort_asc": True, "show_legend": True, "rich_tooltip": True, "truncateXAxis": True}
    if chart.temporal_x:
        series["time_grain_sqla"] = "P1D"
    if any(m == "fraud_rate" or (isinstance(m, Agg) and m.column in ("share", "fraud_rate")) for m in chart.metrics):
        series["y_axis_format"] = ".2%"
    return series


def _query_context(chart: Chart, form: dict[str, Any]) -> str:
    """The query Superset runs for the chart data API and cache warm-up (datasource ids are set by the import)."""
    metrics = [_metric(m) for m in chart.metrics]
    # By the first metric, as Superset's own charts ask: ordering by the x-axis column would select it twice,
    # which Spark SQL then finds ambiguous in ORDER BY. The charts sort their x-axis themselves.
    query = {"columns": list(chart.columns), "metrics": metrics, "orderby": [[metrics[0], False]],
             "row_limit": chart.row_limit, "filters": [], "extras": {"having": "", "where": ""},
             "time_range": "No filter", "applied_time_extras": {}, "annotation_layers": [], "series_limit": 0,
             "order_desc": True}
    return json.dumps({"datasource": {"id": 0, "type": "table"}, "force": False, "queries": [query],
                       "form_data": form, "result_format": "json", "result_type": "full"}, sort_keys=True)


def chart_object(chart: Chart) -> dict[str, Any]:
    form = _form_data(chart)
    return {"slice_name": chart.title, "description": chart.description or None, "viz_type": chart.viz_type,
            "params": form, "query_context": _query_context(chart, form), "cache_timeout": None,
            "uuid": stable_uuid("chart", chart.title), "version": VERSION,
            "dataset_uuid": stable_uuid("dataset", chart.dataset.name)}


def dashboard(charts: tuple[Chart, ...] = CHARTS) -> dict[str, Any]:
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": DASHBOARD_TITLE}},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
    }
    rows: list[list[Chart]] = []
    for chart in charts:  # fill rows left to right, 12 columns each
        if not rows or sum(c.width for c in rows[-1]) + chart.width > 12:
            rows.append([])
        rows[-1].append(chart)
    for r, row in enumerate(rows, 1):
        row_id = f"ROW-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {"type": "ROW", "id": row_id, "children": [], "parents": ["ROOT_ID", "GRID_ID"],
                            "meta": {"background": "BACKGROUND_TRANSPARENT"}}
        for chart in row:
            index = charts.index(chart) + 1
            chart_id = f"CHART-{slug(chart.title)}"
            position[row_id]["children"].append(chart_id)
            position[chart_id] = {"type": "CHART", "id": chart_id, "children": [],
                                  "parents": ["ROOT_ID", "GRID_ID", row_id],
                                  "meta": {"chartId": index, "uuid": stable_uuid("chart", chart.title),
                                           "sliceName": chart.title, "width": chart.width, "height": CHART_HEIGHT}}
    return {"dashboard_title": DASHBOARD_TITLE, "slug": DASHBOARD_SLUG,
            "uuid": stable_uuid("dashboard", DASHBOARD_SLUG), "version": VERSION, "published": True, "css": "",
            "description": None, "position": position,
            "metadata": {"color_scheme": "supersetColors", "refresh_frequency": 0, "expanded_slices": {},
                         "timed_refresh_immune_slices": [], "native_filter_configuration": [],
                         "cross_filters_enabled": False}}


def files(uri: str) -> dict[str, str]:
    """Bundle path -> YAML text, for HiveServer2 at ``uri``."""
    objects: dict[str, Any] = {"metadata.yaml": {"version": VERSION, "type": "assets"},
                               DATABASE_FILE: database(uri)}
    for table in REPORTED_TABLES:
        objects[f"datasets/{slug(DATABASE_NAME)}/{table.name}.yaml"] = dataset(table)
    for chart in CHARTS:
        objects[f"charts/{slug(chart.title)}.yaml"] = chart_object(chart)
    objects[f"dashboards/{slug(DASHBOARD_TITLE)}.yaml"] = dashboard()
    return {path: yaml.safe_dump(obj, sort_keys=True, allow_unicode=True) for path, obj in objects.items()}


def zipped(texts: dict[str, str]) -> bytes:
    """The bundle as the ZIP Superset's import endpoints take (fixed timestamps: same input, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(texts.items()):
            archive.writestr(zipfile.ZipInfo(f"{ROOT}/{path}", date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()
