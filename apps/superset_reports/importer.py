"""Import the reports into the platform's Superset: the bundle rendered for the configured HiveServer2, sent
to ``POST /api/v1/assets/import/`` as the admin of ``.env``, with HiveServer2's password beside it (never in the
bundle). Superset overwrites every object by uuid: a second
import changes nothing, an edited chart replaces its previous version. Run by the ``superset`` service's
bootstrap on every ``up``; ``python -m apps.superset_reports.build --import`` does the same by hand."""

from __future__ import annotations

import time

from apps.superset_reports.bundle import database_password, files, hive_uri, zipped
from fraud_platform.config import PlatformConfig
from fraud_platform.errors import ConfigError
from fraud_platform.superset_api import SupersetClient


def client(config: PlatformConfig) -> SupersetClient:
    """A logged-in client for the platform's Superset, with the admin credentials of the settings."""
    s = config.settings.superset
    if s.admin_password is None:
        raise ConfigError("SUPERSET_ADMIN_PASSWORD is not set: run `./fraudctl setup`")
    return SupersetClient(config.endpoints.superset_url, s.admin_username, s.admin_password.get_secret_value()).login()


def import_reports(config: PlatformConfig) -> dict[str, float]:
    """Render and import the bundle; returns how many files it had and how long the import took."""
    started = time.monotonic()
    login = config.endpoints.hive_login
    bundle = files(hive_uri(*config.endpoints.hiveserver2, login))
    client(config).import_assets(zipped(bundle), passwords=database_password(login))
    return {"files": len(bundle), "seconds": round(time.monotonic() - started, 1)}
