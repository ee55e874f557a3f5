"""The API's history: days indexed from a simulation or a handbook-layout file, serialised with the domain
codecs (tokenised, labels apart)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from apps.transactions_api.dataset import from_file, simulated
from apps.transactions_api.errors import DatasetError
from apps.transactions_api.source import HistorySource
from fraud_domain.schema import parse_event, parse_label
from fraud_domain.tokenise import Tokeniser

KEY = Tokeniser(b"k" * 32)
COLUMNS = ["TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_TIME_SECONDS",
           "TX_TIME_DAYS", "TX_FRAUD", "TX_FRAUD_SCENARIO"]
WEEK = timedelta(days=7)


@pytest.fixture(scope="module")
def source() -> HistorySource:
    return HistorySource(simulated(date(2018, 4, 1), date(2018, 4, 5), 0, WEEK, False), KEY, cache_days=2)


def test_days_partition_the_simulation(source) -> None:
    assert (source.first, source.last) == (date(2018, 4, 1), date(2018, 4, 5))
    totals = [source.total(source.first + timedelta(days=i)) for i in range(5)]
    assert sum(totals) == len(source.sim.transactions) and min(totals) > 5_000
    assert not source.covers(date(2018, 3, 31)) and not source.covers(date(2018, 4, 6))


def test_a_day_serialises_to_valid_events_and_labels(source) -> None:
    day = date(2018, 4, 2)
    events = [parse_event(raw, now=pd.Timestamp("2030-01-01", tz="UTC").to_pydatetime())
              for raw in source.events(day)]
    labels = [parse_label(raw) for raw in source.labels(day)]
    assert len(events) == len(labels) == source.total(day)
    assert all(e.event_time.date() == day for e in events)
    assert [e.transaction_id for e in events] == [lab.transaction_id for lab in labels]
    assert all(lab.reported_at - lab.event_time == WEEK for lab in labels)
    assert "is_fraud" not in json.loads(source.events(day)[0])


def test_serialisation_is_deterministic_and_cached(source) -> None:
    day = date(2018, 4, 3)
    first = source.events(day)
    assert source.events(day) is first  # cached
    for other in (date(2018, 4, 1), date(2018, 4, 2)):  # evict it (cache of 2 days)
        source.events(other)
    assert source.events(day) == first and source.events(day) is not first


def test_a_smaller_bank_serves_proportionally_fewer_transactions(source) -> None:
    small = simulated(date(2018, 4, 1), date(2018, 4, 5), 0, WEEK, False, customers=500, terminals=1000)
    assert (small.config.n_customers, small.config.n_terminals) == (500, 1000)
    assert small.transactions["CUSTOMER_ID"].max() < 500 and small.transactions["TERMINAL_ID"].max() < 1000
    assert 0.05 < len(small.transactions) / len(source.sim.transactions) < 0.15  # a tenth of the handbook's bank


def test_end_before_start_is_a_clear_error() -> None:
    with pytest.raises(DatasetError, match="API_END_DATE 2018-04-01 is before API_START_DATE 2018-04-02"):
        simulated(date(2018, 4, 2), date(2018, 4, 1), 0, WEEK, False)


def test_a_parquet_file_is_indexed_by_its_dates(tmp_path: Path) -> None:
    frame = pd.DataFrame([
        (10, "2018-06-02 10:00:00", 1, 1, 20.0, 0, 0, 0, 0),
        (11, "2018-06-01 08:00:00", 2, 4, 30.0, 0, 0, 1, 2),
    ], columns=COLUMNS)
    frame["TX_DATETIME"] = pd.to_datetime(frame["TX_DATETIME"])
    path = tmp_path / "tx.parquet"
    frame.to_parquet(path)
    source = HistorySource(from_file(path, 0, WEEK), KEY)
    assert (source.first, source.last) == (date(2018, 6, 1), date(2018, 6, 2))
    assert source.total(date(2018, 6, 1)) == source.total(date(2018, 6, 2)) == 1
    label = parse_label(source.labels(date(2018, 6, 1))[0])
    assert (label.is_fraud, label.scenario, label.customer_id) == (True, 2, 2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("TRANSACTION_ID,TX_DATETIME\n1,2018-04-01 00:00:01\n", "lacks the handbook column"),
        (",".join(COLUMNS) + "\n1,not-a-date,1,1,5.0,1,0,0,0\n", "1 row"),
    ],
)
def test_a_bad_file_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DatasetError, match=message):
        from_file(path, 0, WEEK)


def test_a_missing_or_unknown_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        from_file(tmp_path / "nope.csv", 0, WEEK)
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(DatasetError, match=r"expected a \.csv or \.parquet"):
        from_file(tmp_path / "x.json", 0, WEEK)


def test_rows_with_unusable_amounts_are_served_as_they_are(tmp_path: Path) -> None:
    from fraud_domain.errors import EventValidationError

    path = tmp_path / "dirty.csv"
    path.write_text(",".join(COLUMNS) + "\n"
                    "0,2018-04-01 08:00:00,1,2,12.5,0,0,0,0\n"
                    "1,2018-04-01 09:00:00,1,2,-3,0,0,1,1\n"
                    "2,2018-04-01 10:00:00,1,2,abc,0,0,0,0\n")
    source = HistorySource(from_file(path, 0, WEEK), KEY)
    day = date(2018, 4, 1)
    raw = source.events(day)
    assert [json.loads(r)["amount"] for r in raw] == [12.5, -3.0, None]
    now = pd.Timestamp("2030-01-01", tz="UTC").to_pydatetime()
    parse_event(raw[0], now=now)
    for bad in raw[1:]:
        with pytest.raises(EventValidationError):
            parse_event(bad, now=now)
    labels = [parse_label(r) for r in source.labels(day)]  # labels stay valid for every row
    assert [lab.is_fraud for lab in labels] == [False, True, False]
    assert [lab.transaction_id for lab in labels] == [json.loads(r)["transaction_id"] for r in raw]


def test_rows_without_time_or_ids_name_the_first_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "bad-ids.csv"
    path.write_text(",".join(COLUMNS) + "\n0,2018-04-01 08:00:00,1,2,12.5,0,0,0,0\n"
                    "1,2018-04-01 09:00:00,x,2,3,0,0,0,0\n")
    with pytest.raises(DatasetError, match=r"1 row\(s\) .* \(first: data row 2\)"):
        from_file(path, 0, WEEK)


def test_a_days_rows_are_one_buffer_and_a_page_is_a_slice_of_it() -> None:
    from apps.transactions_api.source import Rows

    rows = [b'{"a":1}', b"{}", b'{"b":"x,y"}', b'{"c":[1,2]}']
    held = Rows(rows)
    assert len(held) == 4 and list(held) == rows and held[2] == rows[2] and held[1:3] == rows[1:3]
    for start in range(5):
        for end in range(start, 5):
            assert held.joined(start, end) == b",".join(rows[start:end])
    assert Rows([]).joined(0, 0) == b"" and len(Rows([])) == 0 and Rows(rows) == held != Rows(rows[:3])
