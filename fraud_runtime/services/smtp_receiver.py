"""The local SMTP receiver for development and tests; with SMTP_HOST set, the platform sends to that server
instead and nothing is started here."""

from __future__ import annotations

import sys
from pathlib import Path

from fraud_runtime.probes import SmtpProbe
from fraud_runtime.services.base import FULL, Program, Service


class SmtpReceiver(Service):
    name = "smtp-receiver"
    profiles = FULL
    process_pattern = r"apps\.smtp_receiver"
    ready_timeout = 30.0

    @property
    def external(self) -> bool:
        return self.endpoints.smtp_external

    @property
    def smtp_host(self) -> str:
        return self.endpoints.smtp[0]

    @property
    def maildir(self) -> Path:
        return self.data_dir / "maildir"

    def ports(self) -> dict[str, int]:
        return {"smtp": self.settings.smtp.port}

    def url(self) -> str:
        return f"smtp://{self.smtp_host}:{self.settings.smtp.port}"

    def program(self) -> Program:
        return Program(
            argv=[sys.executable, "-m", "apps.smtp_receiver"],
            env={"PYTHONPATH": str(self.paths.root), "FRAUD_ROOT": str(self.paths.root)},
            cwd=self.paths.root,
        )

    def probe(self) -> SmtpProbe:
        return SmtpProbe(self.smtp_host, self.settings.smtp.port)
