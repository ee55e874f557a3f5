"""Superset's REST API, as the platform uses it: the runtime imports the reports bundle, the
``superset_refresh`` DAG refreshes datasets and warms chart caches, the tests read chart data.

Authentication is Superset's own: ``POST /api/v1/security/login`` (database users) gives a JWT bearer token;
every write also needs the CSRF token of the same session (``GET /api/v1/security/csrf_token/``) in
``X-CSRFToken``, with a ``Referer`` on the same origin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import requests

from fraud_platform.errors import FraudError

DASHBOARD_SLUG = "fraud-analytics"  # the reports' dashboard: built by apps/superset_reports, refreshed by the DAG
DASHBOARD_TITLE = "Fraud analytics"


class SupersetError(FraudError):
    """Superset answered an error (the message names the call and Superset's answer)."""


@dataclass
class SupersetClient:
    base_url: str
    username: str
    password: str = field(repr=False)
    timeout: float = 120.0  # a chart's query on HiveServer2 may run a Spark job
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def login(self) -> SupersetClient:
        """Log in and fetch the CSRF token; returns self for chaining."""
        body = {"username": self.username, "password": self.password, "provider": "db", "refresh": False}
        token = self._call("POST", "/api/v1/security/login", json=body)["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        csrf = self._call("GET", "/api/v1/security/csrf_token/")["result"]
        self.session.headers.update({"X-CSRFToken": csrf, "Referer": self.base_url})
        return self

    # ---- reports as code -----------------------------------------------------------------------
    def import_assets(self, bundle: bytes, name: str = "bundle.zip", *,
                      passwords: dict[str, str] | None = None) -> None:
        """``POST /api/v1/assets/import/``: every object in the bundle is created or overwritten by its uuid.
        ``passwords`` maps a database's bundle path to the password its URI masks."""
        files = {"bundle": (name, bundle, "application/zip")}
        self._call("POST", "/api/v1/assets/import/", files=files, data={"passwords": json.dumps(passwords or {})})

    # ---- reading -------------------------------------------------------------------------------
    def dashboards(self) -> list[dict[str, Any]]:
        query = "(columns:!(id,dashboard_title,slug),page_size:100)"
        return list(self._call("GET", f"/api/v1/dashboard/?q={query}")["result"])

    def dashboard(self, slug: str = DASHBOARD_SLUG) -> dict[str, Any]:
        return dict(self._call("GET", f"/api/v1/dashboard/{slug}")["result"])

    def dashboard_charts(self, slug: str = DASHBOARD_SLUG) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/api/v1/dashboard/{slug}/charts")["result"])

    def dashboard_datasets(self, slug: str = DASHBOARD_SLUG) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/api/v1/dashboard/{slug}/datasets")["result"])

    def count(self, resource: str) -> int:
        """How many objects of a kind (``dashboard``, ``chart``, ``dataset``, ``database``) Superset holds."""
        return int(self._call("GET", f"/api/v1/{resource}/?q=(page_size:1)")["count"])

    def chart(self, chart_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/api/v1/chart/{chart_id}")["result"])

    def chart_data(self, chart_id: int) -> list[dict[str, Any]]:
        """The rows of each query of the chart's saved query context (``GET /api/v1/chart/<id>/data/``)."""
        result = self._call("GET", f"/api/v1/chart/{chart_id}/data/")["result"]
        return [row for query in result for row in query.get("data", [])]

    # ---- refreshing ----------------------------------------------------------------------------
    def refresh_dataset(self, dataset_id: int) -> None:
        """Re-read the dataset's columns from the database (``PUT /api/v1/dataset/<id>/refresh``)."""
        self._call("PUT", f"/api/v1/dataset/{dataset_id}/refresh")

    def warm_up_chart(self, chart_id: int, dashboard_id: int | None = None) -> None:
        """Run the chart's query into Superset's data cache; raises when Superset reports an error."""
        body = {"chart_id": chart_id, **({"dashboard_id": dashboard_id} if dashboard_id else {})}
        for status in self._call("PUT", "/api/v1/chart/warm_up_cache", json=body)["result"]:
            if status.get("viz_error"):
                raise SupersetError(f"warming chart {chart_id}: {status['viz_error']}")

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self.base_url.rstrip('/')}{path}"
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise SupersetError(f"{method} {path}: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise SupersetError(f"{method} {path}: HTTP {response.status_code}: {response.text[:500]}")
        return response.json()
