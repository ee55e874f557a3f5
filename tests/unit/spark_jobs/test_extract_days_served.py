"""The extract against the real transactions API (the platform's own ``apps.transactions_api`` in a private
process, as ``bench/_private_api.py`` runs it): a day the API has no data for fails with the API's message;
a day it covers without rows is an empty day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bench._private_api import PrivateApi
from fraud_runtime.context import Context
from spark_jobs.errors import DayNotServedError
from spark_jobs.extract import ApiSource, fetch_day

TEST_KEY = {"TOKENISATION_KEY": "unit-test-key-not-a-secret-0123456789"}
HEADER = ("TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,"
          "TX_FRAUD_SCENARIO")
ROWS = ["1,2018-06-01 10:00:00,1,1,20.0,36000,0,0,0", "2,2018-06-03 08:00:00,2,4,30.0,201600,2,1,2"]  # no 06-02


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Iterator[ApiSource]:
    data = Path(tmp_path_factory.mktemp("api")) / "gap.csv"
    data.write_text("\n".join([HEADER, *ROWS]) + "\n")
    with PrivateApi(Context.load(), data, ready_timeout=120, extra_env=TEST_KEY) as running:
        yield running


@pytest.mark.parametrize("kind", ["transactions", "labels"])
def test_a_day_outside_the_apis_data_fails_with_its_message(source, kind) -> None:
    with pytest.raises(DayNotServedError) as failed:
        fetch_day(source, kind, date(2019, 3, 5))
    assert "HTTP 404" in str(failed.value)
    assert "no data for 2019-03-05 (dataset covers 2018-06-01..2018-06-03)" in str(failed.value)


def test_a_covered_day_without_rows_is_an_empty_day(source) -> None:
    assert fetch_day(source, "transactions", date(2018, 6, 2)) == ([], 0, 1)
    rows, total, _ = fetch_day(source, "transactions", date(2018, 6, 1))
    assert total == len(rows) == 1
