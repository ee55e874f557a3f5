"""Where things live: the checkout, the download cache (shared by clones) and the runtime state dir."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    root: Path  # the checkout
    cache: Path  # downloads, venvs and jars: outside the checkout, reused by every clone
    state: Path  # data, logs, rendered configs of this checkout (ignored by git)

    @property
    def conf(self) -> Path:
        return self.state / "conf"

    @property
    def data(self) -> Path:
        return self.state / "data"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def run(self) -> Path:
        return self.state / "run"

    @property
    def tls(self) -> Path:
        """The platform's own CA and the local engines' keystore (fraud_runtime/tls.py)."""
        return self.state / "tls"

    @property
    def tls_ca(self) -> Path:
        """The local CA's certificate: what a client of the local engines' TLS ports verifies against."""
        return self.tls / "ca.pem"

    @property
    def tls_ca_key(self) -> Path:
        return self.tls / "ca.key"

    @property
    def tls_keystore(self) -> Path:
        return self.tls / "server.p12"

    @property
    def env_file(self) -> Path:
        return env_file(self.root)

    @property
    def env_example(self) -> Path:
        return env_example(self.root)

    def service_conf(self, service: str) -> Path:
        return self.conf / service

    def service_data(self, service: str) -> Path:
        return self.data / service

    def service_log(self, service: str) -> Path:
        return self.logs / f"{service}.log"


def env_file(root: Path) -> Path:
    """The checkout's settings file (secrets; mode 0600; ignored by git)."""
    return root / ".env"


def env_example(root: Path) -> Path:
    """The template `.env` is made from (`<generated>` values become fresh secrets)."""
    return root / ".env.example"
