"""The --data path of `bench/model.py`: a handbook-layout file served by a private transactions API process
(the platform's own `apps.transactions_api`, on a free port, configured through API_* variables)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from bench._errors import BenchError
from bench._private_api import PrivateApi, api_env, check_dataset, private_service
from fraud_platform.settings import load_settings
from fraud_runtime.context import Context
from spark_jobs.extract import fetch_day

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "data" / "handbook_sample.csv"  # one week from 2018-04-01, handbook layout
TEST_KEY = {"TOKENISATION_KEY": "unit-test-key-not-a-secret-0123456789"}


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context.load()


def test_the_environment_and_the_probed_service_agree(ctx, monkeypatch) -> None:
    env = api_env(SAMPLE, 18_123, "tok")
    monkeypatch.setenv("API_URL", "http://payments.example:8000")  # a platform pointed at an external API
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    seen = load_settings(None).api  # what the private process will read
    service = private_service(ctx, SAMPLE, 18_123, "tok")
    assert (seen.url, seen.port, seen.dataset, seen.token.get_secret_value()) == (None, 18_123, SAMPLE, "tok")
    assert (service.settings.api.url, service.settings.api.port, service.settings.api.dataset) == (None, 18_123, SAMPLE)
    assert service.base_url.endswith(":18123") and not service.external
    assert service.probe().url == f"{service.base_url}/healthz"


def test_check_dataset(tmp_path) -> None:
    assert check_dataset(SAMPLE) == SAMPLE.resolve()
    (tmp_path / "d.parquet").write_bytes(b"")
    assert check_dataset(tmp_path / "d.parquet") == (tmp_path / "d.parquet").resolve()
    for path, reason in ((tmp_path / "none.csv", "no such file"), (tmp_path, "not a file")):
        with pytest.raises(BenchError, match=reason):
            check_dataset(path)


def test_a_csv_is_served_and_extracted_day_by_day(ctx) -> None:
    day = date(2018, 4, 2)
    expected = int((pd.to_datetime(pd.read_csv(SAMPLE, usecols=["TX_DATETIME"])["TX_DATETIME"]).dt.date == day).sum())
    api = PrivateApi(ctx, SAMPLE, ready_timeout=120, extra_env=TEST_KEY)
    with api as source:
        import requests

        assert requests.get(f"{source.base_url}/healthz", timeout=5).json()["dataset"] == "2018-04-01..2018-04-07"
        rows, total, _ = fetch_day(source, "transactions", day)
        labels, _, _ = fetch_day(source, "labels", day)
    assert total == len(rows) == len(labels) == expected > 0
    assert api._proc is not None and api._proc.poll() is not None  # stopped


def test_a_file_the_api_refuses_is_one_clear_error(ctx, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("TRANSACTION_ID,TX_DATETIME\n1,2018-04-01 00:00:01\n")
    with pytest.raises(BenchError, match="lacks the handbook column") as exc, PrivateApi(ctx, bad, ready_timeout=120,
                                                                                        extra_env=TEST_KEY):
        pass
    assert "\n" not in str(exc.value)
