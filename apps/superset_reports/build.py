"""``python -m apps.superset_reports.build [--check | --import]``: write the reports bundle to
``superset/assets/`` (the reviewable copy of what ``up`` imports), for HiveServer2 at the settings' default
address. ``--check`` only compares, and exits 1 when the committed files differ from what the code renders;
``--import`` imports the bundle for the configured HiveServer2 into the running Superset (what ``up`` does)."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from apps.superset_reports.bundle import PASSWORD_MASK, files, hive_uri
from fraud_platform.clients import HiveLogin
from fraud_platform.settings import HiveSettings, PlatformSettings

OUT = Path(__file__).resolve().parents[2] / "superset" / "assets"


def default_files() -> dict[str, str]:
    host = PlatformSettings.model_fields["bind_host"].default
    hive = HiveSettings.model_fields
    login = HiveLogin(hive["username"].default, PASSWORD_MASK, hive["auth"].default)  # no password in the copy
    return files(hive_uri(host, hive["hiveserver2_port"].default, login))


def committed(out: Path = OUT) -> dict[str, str]:
    return {str(p.relative_to(out)): p.read_text() for p in sorted(out.rglob("*.yaml"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare with the committed files")
    parser.add_argument("--import", dest="import_", action="store_true",
                        help="import into the platform's running Superset instead of writing files")
    args = parser.parse_args(argv)
    if args.import_:
        from apps.superset_reports.importer import import_reports
        from fraud_platform.config import load_config

        print(import_reports(load_config()))
        return 0
    rendered = default_files()
    if args.check:
        stale = sorted(set(rendered.items()) ^ set(committed().items()))
        if stale:
            print(f"superset/assets is stale ({len(stale)} differences): run python -m apps.superset_reports.build",
                  file=sys.stderr)
            return 1
        return 0
    shutil.rmtree(OUT, ignore_errors=True)
    for path, text in rendered.items():
        (OUT / path).parent.mkdir(parents=True, exist_ok=True)
        (OUT / path).write_text(text)
    print(f"wrote {len(rendered)} files to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
