"""The Streamlit live-alerts page, reading the persister's Cassandra tables."""

from __future__ import annotations

import sys

from fraud_runtime.probes import HttpProbe
from fraud_runtime.services.base import FULL, Program, Service


class AlertsUi(Service):
    name = "alerts-ui"
    profiles = FULL
    depends_on = ("cassandra",)
    process_pattern = r"streamlit run .*alerts/page\.py"
    ready_timeout = 60.0

    @property
    def port(self) -> int:
        return self.settings.ui.port

    def ports(self) -> dict[str, int]:
        return {"http": self.port}

    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def program(self) -> Program:
        page = self.paths.root / "apps" / "alerts" / "page.py"
        argv = [
            sys.executable, "-m", "streamlit", "run", str(page),
            "--server.address", self.host, "--server.port", str(self.port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ]
        env = {"PYTHONPATH": str(self.paths.root), "FRAUD_ROOT": str(self.paths.root),
               "STREAMLIT_HOME": str(self.data_dir)}
        return Program(argv=argv, env=env, cwd=self.data_dir)

    def probe(self) -> HttpProbe:
        return HttpProbe(f"{self.url()}/_stcore/health")
