"""Pure parts of the batch layer: row validation, quality rules, metrics, date logic, table specs."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from fraud_domain.schema import SCHEMA_VERSION
from spark_jobs import quality
from spark_jobs.build_features import history_days, missing_days
from spark_jobs.metrics import card_precision_at_k, evaluate
from spark_jobs.tables import FEATURES, LABELS, MODEL_METRICS, TRANSACTIONS
from spark_jobs.validate import validate_frames, validate_line

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DAY = date(2018, 4, 2)


@pytest.fixture
def line() -> str:
    return json.dumps({
        "transaction_id": "0b7e8f3c-2a71-4c0e-9a55-6f1d2c3b4a59", "event_time": "2018-04-02T11:59:30.123456Z",
        "customer_id": 42, "card_token": "a" * 64, "terminal_id": 7, "merchant_category": "5411",
        "amount": 57.16, "currency": "EUR", "channel": "pos", "device_id": "dev-0001", "ip_token": "b" * 64,
        "terminal_lat": 45.5, "terminal_lon": 5.5, "customer_lat": 45.51, "customer_lon": 5.49,
        "schema_version": SCHEMA_VERSION})


def test_valid_line_becomes_a_record(line) -> None:
    record, field, reason = validate_line("transactions", line, dt=DAY, now=NOW)
    assert (field, reason) == ("", "")
    assert record["customer_id"] == 42 and record["event_time"] == datetime(2018, 4, 2, 11, 59, 30, 123456, tzinfo=UTC)


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": -1}, "amount"), ({"channel": "fax"}, "channel"), ({"customer_id": True}, "customer_id"),
    ({"event_time": "2018-04-02T11:59:30"}, "event_time"), ({"extra": 1}, "extra")])
def test_the_domain_parser_names_the_bad_field(line, change, field) -> None:
    record, got, reason = validate_line("transactions", json.dumps({**json.loads(line), **change}), dt=DAY, now=NOW)
    assert record is None and got == field and reason.startswith(f"{field}:")


def test_a_row_of_another_day_is_rejected(line) -> None:
    record, field, reason = validate_line("transactions", line, dt=date(2018, 4, 3), now=NOW)
    assert record is None and field == "event_time" and "dt=2018-04-03" in reason


def test_a_quarantined_row_keeps_no_clear_card_number_or_ip(line) -> None:
    bad = json.dumps({**json.loads(line), "card_token": "4111111111111111", "ip_token": "10.1.2.3"})
    frame = pd.DataFrame({"value": [bad], "dt": [DAY.isoformat()], "_order": [0]})
    (out,) = validate_frames("transactions", [frame], list(TRANSACTIONS.columns), now=NOW)
    row = " ".join(str(v) for v in out.iloc[0].to_dict().values())
    assert "4111111111111111" not in row and "10.1.2.3" not in row and "redacted" in row


def test_not_json_is_a_payload_error() -> None:
    assert validate_line("labels", "{oops", dt=DAY, now=NOW)[1] == "payload"


def test_validate_frames_keeps_big_ids_exact(line) -> None:
    big = json.dumps({**json.loads(line), "customer_id": 2**63 - 1})
    frame = pd.DataFrame({"value": [big, "nope"], "dt": [DAY.isoformat()] * 2, "_order": [0, 1]})
    (out,) = validate_frames("transactions", [frame], list(TRANSACTIONS.columns), now=NOW)
    assert out["customer_id"].iloc[0] == 2**63 - 1
    assert pd.isna(out["customer_id"].iloc[1]) and pd.isna(out["_field"].iloc[0])
    assert out["_field"].iloc[1] == "payload" and out["_raw"].iloc[1] == "nope" and pd.isna(out["_raw"].iloc[0])


def test_counts_rule_accounts_for_every_api_row() -> None:
    load = {"read": 10, "written": 7, "duplicates": 1, "quarantined": 2}
    assert quality.check_counts(api_total=10, raw_rows=10, hive_rows=7, load=load) == []
    problems = quality.check_counts(api_total=11, raw_rows=10, hive_rows=6, load=load)
    assert any("API reported total=11" in p for p in problems)
    assert any("partition holds 6 rows" in p for p in problems)


def test_null_unique_and_schema_rules() -> None:
    assert quality.check_nulls({"a": 0, "b": 2}) == ["b is null in 2 rows"]
    assert quality.check_unique(0) == [] and quality.check_unique(3)
    assert quality.check_schema([("A", "BIGINT")], [("a", "bigint")]) == []
    assert quality.check_schema([("a", "bigint")], [("a", "string")])


def test_card_precision_takes_each_cards_max_per_day() -> None:
    frame = pd.DataFrame({
        "dt": ["d1"] * 4 + ["d2"] * 2,
        "customer_id": [1, 1, 2, 3, 1, 2],
        "score": [0.9, 0.1, 0.8, 0.2, 0.3, 0.7],
        "label": [0, 1, 0, 1, 0, 1],
    })
    # d1: cards 1 (max .9, compromised), 2 (.8, no), 3 (.2, yes); top-2 = {1, 2} -> 1/2. d2: top-2 = {2, 1} -> 1/2.
    assert card_precision_at_k(frame, k=2) == pytest.approx(0.5)
    assert card_precision_at_k(frame, k=1) == pytest.approx((1 + 1) / 2)


def test_evaluate_matches_scikit_learn() -> None:
    frame = pd.DataFrame({"dt": ["d"] * 6, "customer_id": range(6), "score": [0.1, 0.4, 0.35, 0.8, 0.2, 0.9],
                          "label": [0, 0, 1, 1, 0, 1]})
    got = evaluate(frame)
    assert got["average_precision"] == pytest.approx(average_precision_score(frame["label"], frame["score"]))
    assert 0 < got["auc_roc"] <= 1 and got["card_precision_at_100"] == pytest.approx(3 / 100)
    with pytest.raises(ValueError, match="single class"):
        evaluate(frame.assign(label=0))


def test_history_and_missing_days() -> None:
    assert history_days(date(2018, 5, 1)) == 37  # 30-day terminal window + 7-day label delay
    have = {f"2018-04-{d:02d}" for d in range(1, 31)} - {"2018-04-10"}
    assert missing_days(have, date(2018, 4, 20), date(2018, 4, 30)) == ["2018-04-10"]  # a gap after the start
    assert missing_days(have, date(2018, 4, 29), date(2018, 5, 1)) == ["2018-04-10", "2018-05-01"]
    assert missing_days(have - {"2018-04-10"}, date(2018, 4, 5), date(2018, 4, 6)) == []  # before day one: none


def test_tables_follow_the_domain_schema() -> None:
    assert TRANSACTIONS.column_names[0] == "transaction_id" and ("amount", "DOUBLE") in TRANSACTIONS.columns
    assert ("is_fraud", "BOOLEAN") in LABELS.columns and ("scenario", "INT") in LABELS.columns
    assert "terminal_risk_30d" in FEATURES.column_names
    assert "PARTITIONED BY (`dt` STRING) STORED AS PARQUET" in TRANSACTIONS.ddl()
    assert "PARTITIONED" not in MODEL_METRICS.ddl("fraud_x") and "fraud_x.model_metrics" in MODEL_METRICS.ddl("fraud_x")
