"""The extract (API -> HDFS raw JSONL + manifest) against the real transactions API and HDFS: a rerun
replaces a day's folder instead of adding to it, and the bulk extract (several days at a time, as
``bootstrap_history`` runs it) writes exactly what day-by-day extraction writes."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from fraud_platform.lake import DATA_FILE, MANIFEST_FILE, raw_dir
from spark_jobs.extract import ApiSource, extract_day, extract_days

DAY = date(2018, 5, 3)


@pytest.fixture(scope="module")
def source(start_full, ctx) -> ApiSource:
    api = start_full("transactions-api")["transactions-api"]
    return ApiSource(api.base_url, ctx.settings.api.token.get_secret_value())


@pytest.fixture
def root(hdfs, unique):
    base = f"/tmp/it-extract-{unique}"
    yield base
    hdfs.delete(base, recursive=True)


def folder(hdfs, kind: str, day: date, root: str) -> tuple[list[str], bytes, dict]:
    path = raw_dir(kind, day, root)
    names = sorted(entry["pathSuffix"] for entry in hdfs.list(path))
    return names, hdfs.read(f"{path}/{DATA_FILE}"), json.loads(hdfs.read(f"{path}/{MANIFEST_FILE}"))


def test_a_rerun_replaces_the_days_folder(source, hdfs, root) -> None:
    first = extract_day(source, hdfs, "transactions", DAY, root=root)
    names, data, manifest = folder(hdfs, "transactions", DAY, root)
    hdfs.create(f"{raw_dir('transactions', DAY, root)}/stray.jsonl", b'{"left": "over"}\n')  # a previous run's file
    again = extract_day(source, hdfs, "transactions", DAY, root=root)
    assert folder(hdfs, "transactions", DAY, root)[:2] == (names, data)
    assert names == sorted([DATA_FILE, MANIFEST_FILE])
    assert first.rows == again.rows == manifest["total"] == data.count(b"\n") > 1000
    siblings = [entry["pathSuffix"] for entry in hdfs.list(f"{root}/transactions")]
    assert siblings == [f"dt={DAY.isoformat()}"]  # no staging folder left behind


def test_the_bulk_extract_writes_what_day_by_day_writes(source, hdfs, root) -> None:
    days = [DAY + timedelta(days=i) for i in range(3)]
    results = list(extract_days(source, hdfs, days, root=f"{root}/bulk", workers=4))
    assert sorted((r.kind, r.dt) for r in results) == sorted((k, d.isoformat()) for k in ("transactions", "labels")
                                                             for d in days)
    for day in days:
        for kind in ("transactions", "labels"):
            extract_day(source, hdfs, kind, day, root=f"{root}/one")
            assert folder(hdfs, kind, day, f"{root}/bulk")[1] == folder(hdfs, kind, day, f"{root}/one")[1]


def test_a_failing_day_stops_the_bulk_extract_with_its_error(source, hdfs, root) -> None:
    from fraud_platform.api_client import ApiClientError

    broken = ApiSource(source.base_url, "not-the-token")
    with pytest.raises(ApiClientError, match=r"HTTP 40[13]"):
        list(extract_days(broken, hdfs, [DAY, DAY + timedelta(days=1)], root=root))
