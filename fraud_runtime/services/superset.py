"""Superset (reports on the Hive tables) in its own venv, served by gunicorn on the bind host.

Its configuration is one rendered ``superset_config.py`` (mode 0600: SECRET_KEY, the metadata database URL);
metadata in SQLite under the state dir unless SUPERSET_SQLALCHEMY_URI names another database. Initialising
migrates the metadata database, creates (or re-passwords) the admin of ``.env`` and syncs Superset's roles;
the bootstrap imports the reports bundle (``apps.superset_reports``) through the REST API, overwriting by uuid.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from fraud_platform.errors import ConfigError
from fraud_platform.logs import get_logger
from fraud_runtime.errors import InstallError, ServiceNotReady
from fraud_runtime.install.artifacts import file_key
from fraud_runtime.probes import HttpProbe
from fraud_runtime.services.base import FULL, Program, Service

CLI_TIMEOUT = 600.0
QUERY_TIMEOUT = 300  # seconds a chart's query may take (a Spark job behind HiveServer2)


class Superset(Service):
    name = "superset"
    profiles = FULL
    depends_on = ("hiveserver2", "statsd-exporter")
    process_pattern = r"gunicorn .*superset\.app:create_app"
    ready_timeout = 180.0

    @property
    def port(self) -> int:
        return self.settings.superset.port

    def ports(self) -> dict[str, int]:
        return {"http": self.port}

    def url(self) -> str:
        return self.endpoints.superset_url

    @property
    def config_file(self) -> Path:
        return self.conf_dir / "superset_config.py"

    @property
    def sqlite_file(self) -> Path:
        """The metadata database when SUPERSET_SQLALCHEMY_URI is empty."""
        return self.data_dir / "superset.db"

    def render_config(self) -> None:
        s = self.settings.superset
        if s.secret_key is None or s.admin_password is None:
            raise ConfigError("SUPERSET_SECRET_KEY / SUPERSET_ADMIN_PASSWORD are not set: run `./fraudctl setup`")
        for cache in ("data-cache", "metadata-cache"):
            (self.data_dir / cache).mkdir(parents=True, exist_ok=True)
        statsd_host, statsd_port = self.endpoints.statsd
        self.config_file.touch(mode=0o600)
        os.chmod(self.config_file, 0o600)
        self.write_template(
            "superset/superset_config.py.j2",
            secret_key=repr(s.secret_key.get_secret_value()),
            database_uri=repr(s.sqlalchemy_uri or f"sqlite:///{self.sqlite_file}"),
            data_dir=repr(str(self.data_dir)),
            data_cache_dir=repr(str(self.data_dir / "data-cache")),
            metadata_cache_dir=repr(str(self.data_dir / "metadata-cache")),
            timeout=QUERY_TIMEOUT, statsd_host=repr(statsd_host), statsd_port=statsd_port,
            checkout=repr(str(self.paths.root)),
        )

    def environment(self) -> dict[str, str]:
        """What every Superset process (server and CLI) needs: its config file and home, nothing secret."""
        return {"SUPERSET_CONFIG_PATH": str(self.config_file), "SUPERSET_HOME": str(self.data_dir),
                "FLASK_APP": "superset"}

    def initialise(self) -> None:
        """Migrate the metadata database, create the admin (or reset its password to .env's), sync roles.
        Every step is idempotent; the password travels in the environment of the CLI, never its argv.
        The steps cost ~1 min of CPU (four app start-ups), so they are skipped while nothing they depend on
        (Superset's lock, the metadata database, the admin's name and password) changed since they last ran."""
        s = self.settings.superset
        assert s.admin_password is not None  # render_config checked it
        password = s.admin_password.get_secret_value()
        stamp = hashlib.sha256("\n".join((file_key(self.artifacts.lock("superset")), s.sqlalchemy_uri or "sqlite",
                                          s.admin_username, password)).encode()).hexdigest()
        marker = self.data_dir / "initialised"
        database_there = s.sqlalchemy_uri is not None or self.sqlite_file.exists()
        if database_there and marker.exists() and marker.read_text() == stamp:
            return
        self.superset_cli("db", "upgrade")
        created = self.superset_cli("fab", "create-admin", "--username", s.admin_username, "--firstname", "Fraud",
                                    "--lastname", "Admin", "--email", f"{s.admin_username}@localhost",
                                    env={"FLASK_FAB_CREATE_ADMIN_PASSWORD": password})
        if "already exists" in created:
            self.superset_cli("fab", "reset-password", "--username", s.admin_username,
                              env={"FLASK_FAB_RESET_PASSWORD_PASSWORD": password})
        self.superset_cli("init")
        marker.touch(mode=0o600)
        marker.write_text(stamp)

    def superset_cli(self, *args: str, env: dict[str, str] | None = None) -> str:
        """``superset <args>`` in Superset's venv with the service's configuration; returns its output."""
        binary = self.artifacts.venv_bin("superset", "superset")
        if not binary.exists():
            raise InstallError("Superset is not installed yet: run `./fraudctl setup`")
        try:
            done = subprocess.run([str(binary), *args], env={**os.environ, **self.environment(), **(env or {})},
                                  capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False,
                                  stdin=subprocess.DEVNULL, cwd=self.data_dir)
        except subprocess.TimeoutExpired:
            raise ServiceNotReady(self.name, f"`superset {args[0]}` took over {CLI_TIMEOUT:.0f}s") from None
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise ServiceNotReady(self.name, f"`superset {' '.join(args[:2])}` failed",
                                  "\n".join(output.splitlines()[-20:]))
        return output

    def program(self) -> Program:
        gunicorn = self.artifacts.venv_bin("superset", "gunicorn")
        argv = [str(gunicorn), "--bind", f"{self.host}:{self.port}", "--workers", str(self.settings.superset.workers),
                "--worker-class", "gthread", "--threads", "4", "--timeout", str(QUERY_TIMEOUT + 30),
                "--limit-request-line", "0", "--limit-request-field_size", "0", "superset.app:create_app()"]
        return Program(argv=argv, env=self.environment(), cwd=self.data_dir)

    def probe(self) -> HttpProbe:
        return HttpProbe(f"{self.url()}/health")

    def bootstrap(self) -> None:
        """Import the reports bundle (database connection to HiveServer2, datasets, charts, dashboard):
        Superset overwrites each object by uuid, so a second import changes nothing and an edited chart is
        updated in place."""
        from apps.superset_reports.importer import import_reports

        get_logger("fraud_runtime.superset").info("reports imported", **import_reports(self.ctx))
