"""The data lake's layout on HDFS: the one definition of every fixed path the batch layer and the runtime use.

    /raw/<kind>/dt=<yyyy-MM-dd>/part-00000.jsonl   the API's rows as they came (extract task)
    /raw/<kind>/dt=<yyyy-MM-dd>/_manifest.json     the API's total for that day (data-quality accounting)
    /quarantine/<kind>/dt=<yyyy-MM-dd>/            rejected rows (field, reason, raw) + _counts.json
    /user/hive/warehouse/                          Hive's managed tables (Parquet)
    /models/fraud/                                 trained models (see `fraud_platform.model_store`)

Roots are parameters of the functions so that tests and benchmarks can use their own; the defaults are
the platform's fixed names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fraud_platform.model_store import MODELS_ROOT

KINDS = ("transactions", "labels")
DATABASE = "fraud"  # the Hive database of the platform's tables
PARTITION = "dt"  # Hive partition column and the folder prefix of every day
RAW_ROOT, QUARANTINE_ROOT = "/raw", "/quarantine"
WAREHOUSE = "/user/hive/warehouse"
DATA_FILE, MANIFEST_FILE, COUNTS_FILE = "part-00000.jsonl", "_manifest.json", "_counts.json"
# Created (idempotently) when the platform's HDFS is bootstrapped.
DIRECTORIES = (*(f"{RAW_ROOT}/{kind}" for kind in KINDS), MODELS_ROOT, QUARANTINE_ROOT, WAREHOUSE, "/tmp")


def day_dir(root: str, kind: str, dt: date) -> str:
    return f"{root}/{kind}/{PARTITION}={dt.isoformat()}"


def raw_dir(kind: str, dt: date, root: str = RAW_ROOT) -> str:
    return day_dir(root, kind, dt)


def quarantine_dir(kind: str, dt: date, root: str = QUARANTINE_ROOT) -> str:
    return day_dir(root, kind, dt)


def staging_dir(kind: str, dt: date, suffix: str, root: str = RAW_ROOT) -> str:
    """A sibling of the day's raw folder, written completely before it is renamed into place."""
    return f"{root}/{kind}/_staging-{PARTITION}={dt.isoformat()}-{suffix}"


@dataclass(frozen=True)
class Locations:
    """Where a load reads and writes; the defaults are the platform's fixed names (tests use their own)."""

    database: str = DATABASE
    raw_root: str = RAW_ROOT
    quarantine_root: str = QUARANTINE_ROOT
