"""The managed-service contract. A service is one small class: name, ports, depends_on, render_config,
program (what the supervisor runs), probe, bootstrap and connection accessors. The lifecycle (render →
initialise → start → wait ready → bootstrap, and stop) lives once in `fraud_runtime.lifecycle`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from fraud_runtime.probes import Probe

if TYPE_CHECKING:
    from fraud_runtime.context import Context
    from fraud_runtime.tls import LocalTls

CORE = frozenset({"core", "full"})
FULL = frozenset({"full"})
PROFILES = ("core", "full")


@dataclass(frozen=True)
class Program:
    """A process for the supervisor: argv, extra environment and how to stop it."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    stop_wait_seconds: int = 30


class Service:
    name: ClassVar[str]
    profiles: ClassVar[frozenset[str]] = CORE
    depends_on: ClassVar[tuple[str, ...]] = ()
    ready_timeout: ClassVar[float] = 120.0
    process_pattern: ClassVar[str] = ""  # regex on the command line, for process-exporter

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.endpoints = ctx.endpoints  # where each engine is: the one rule, in fraud_platform.endpoints
        self.paths = ctx.paths
        self.artifacts = ctx.artifacts
        self.peers: list[Service] = []  # the services brought up together (set by the registry)

    # ---- declaration -------------------------------------------------------------------------
    @property
    def external(self) -> bool:
        """True when the endpoint is configured to an existing cluster: nothing is started locally."""
        return False

    @property
    def host(self) -> str:
        return self.settings.platform.bind_host

    def ports(self) -> dict[str, int]:
        """Ports this service listens on locally (checked free before it starts)."""
        return {}

    def url(self) -> str:
        return ""

    def metrics_targets(self) -> list[str]:
        """host:port endpoints Prometheus scrapes for this service."""
        return []

    # ---- lifecycle hooks ---------------------------------------------------------------------
    def render_config(self) -> None:
        """Write this service's config files into `conf_dir` from the settings (idempotent)."""

    def initialise(self) -> None:
        """One-time preparation of local state before the first start (e.g. format storage)."""

    def program(self) -> Program:
        raise NotImplementedError

    def probe(self) -> Probe:
        raise NotImplementedError

    def bootstrap(self) -> None:
        """Idempotent migrations run once the service is ready (topics, keyspace, directories)."""

    # ---- helpers -----------------------------------------------------------------------------
    @property
    def conf_dir(self) -> Path:
        return self.paths.service_conf(self.name)

    @property
    def data_dir(self) -> Path:
        return self.paths.service_data(self.name)

    @property
    def log_file(self) -> Path:
        return self.paths.service_log(self.name)

    def local_tls(self) -> LocalTls:
        """The platform CA's keystore for this host (made or renewed on the way): what a local engine serves TLS
        with. Its password is a secret, so a config naming it is written with ``write_secret_template``."""
        from fraud_runtime.tls import local_tls

        return local_tls(self.ctx)

    def write_secret_template(self, template: str, **values: object) -> Path:
        """``write_template`` into a file only its owner may read (0600 before anything is written)."""
        target = self.conf_dir / Path(template).name.removesuffix(".j2")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(target, 0o600)
        return self.write_template(template, **values)

    def write_template(self, template: str, target: str | None = None, **values: object) -> Path:
        """Render `templates/<template>` (Jinja, strict) into this service's conf dir."""
        out = self.conf_dir / (target or Path(template).name.removesuffix(".j2"))
        out.parent.mkdir(parents=True, exist_ok=True)
        text = _templates().get_template(template).render(service=self, settings=self.settings, **values)
        out.write_text(text)
        return out


_ENV: Environment | None = None


def _templates() -> Environment:
    global _ENV
    if _ENV is None:
        root = Path(__file__).resolve().parents[2]
        loader = FileSystemLoader([str(root / "fraud_runtime" / "templates"), str(root / "monitoring")])
        _ENV = Environment(loader=loader, undefined=StrictUndefined, keep_trailing_newline=True)
    return _ENV
