"""The transactions API (FastAPI under uvicorn): the batch layer's upstream, served from the simulator's
history or a handbook-layout file. `API_URL` points the platform at an existing API instead."""

from __future__ import annotations

import sys

from fraud_runtime.probes import HttpProbe
from fraud_runtime.services.base import FULL, Program, Service


class TransactionsApi(Service):
    name = "transactions-api"
    profiles = FULL
    process_pattern = r"apps\.transactions_api"
    ready_timeout = 90.0  # simulating six months takes a few seconds on two cores

    @property
    def external(self) -> bool:
        return self.endpoints.api_external

    @property
    def base_url(self) -> str:
        return self.endpoints.api_url

    def ports(self) -> dict[str, int]:
        return {"http": self.settings.api.port}

    def url(self) -> str:
        return self.base_url

    def metrics_targets(self) -> list[str]:
        return [] if self.external else [f"{self.host}:{self.settings.api.port}"]

    def program(self) -> Program:
        return Program(
            argv=[sys.executable, "-m", "apps.transactions_api"],
            env={"PYTHONPATH": str(self.paths.root), "FRAUD_ROOT": str(self.paths.root)},
            cwd=self.paths.root,
        )

    def probe(self) -> HttpProbe:
        return HttpProbe(f"{self.base_url}/healthz", check_json=_dataset_ready)


def _dataset_ready(body: object) -> str | None:
    ok = isinstance(body, dict) and body.get("status") == "ok"
    return None if ok else f"transactions API /healthz answered {body!r}"
