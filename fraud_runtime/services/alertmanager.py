"""Alertmanager (a pinned release built with `go install`): receives Prometheus' alerts and e-mails them,
grouped, with inhibition, and with a notice when they resolve, through the platform's SMTP settings (the
local receiver by default). Single instance: its cluster port is off."""

from __future__ import annotations

import os

from fraud_runtime.probes import HttpProbe
from fraud_runtime.services.base import FULL, Program, Service


class Alertmanager(Service):
    name = "alertmanager"
    profiles = FULL
    process_pattern = r"alertmanager-v\S* --config\.file"
    ready_timeout = 60.0

    @property
    def port(self) -> int:
        return self.settings.monitoring.alertmanager_port

    def ports(self) -> dict[str, int]:
        return {"http": self.port}

    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def address(self) -> str:
        """host:port, as Prometheus' `alerting` section names it."""
        return f"{self.host}:{self.port}"

    def metrics_targets(self) -> list[str]:
        return [self.address()]

    def render_config(self) -> None:
        smtp = self.settings.smtp
        password_file = self.conf_dir / "smtp-password"
        if smtp.password:
            password_file.touch(mode=0o600)
            password_file.write_text(smtp.password.get_secret_value())
        host, port = self.endpoints.smtp
        out = self.write_template(
            "alertmanager/alertmanager.yml.j2",
            smarthost=f"{host}:{port}",
            smtp=smtp,
            password_file=password_file if smtp.password else None,
            recipients=", ".join(r.strip() for r in smtp.alert_recipients.split(",") if r.strip()),
            monitoring=self.settings.monitoring,
        )
        os.chmod(out, 0o600)

    def program(self) -> Program:
        return Program(
            argv=[
                str(self.artifacts.alertmanager),
                f"--config.file={self.conf_dir / 'alertmanager.yml'}",
                f"--storage.path={self.data_dir}",
                f"--web.listen-address={self.address()}",
                f"--web.external-url={self.url()}",
                "--cluster.listen-address=",
            ],
            cwd=self.data_dir,
        )

    def probe(self) -> HttpProbe:
        return HttpProbe(f"{self.url()}/-/ready")

    def bootstrap(self) -> None:
        """Reload the config rendered for this `up` (a running Alertmanager keeps its old one)."""
        import requests

        requests.post(f"{self.url()}/-/reload", timeout=10).raise_for_status()
