import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest

from fraud_domain.errors import ErrorCode, EventValidationError
from fraud_domain.schema import (
    Decision,
    FraudScenario,
    Label,
    decision_to_json,
    label_to_json,
    parse_decision,
    parse_label,
)

pytestmark = pytest.mark.unit
T0 = datetime(2018, 4, 2, 11, 59, 30, 123456, tzinfo=UTC)
TX = "0b7e8f3c-2a71-4c0e-9a55-6f1d2c3b4a59"


@pytest.fixture
def decision() -> Decision:
    return Decision(transaction_id=TX, event_time=T0, scored_at=T0 + timedelta(milliseconds=3), score=0.91,
                    decision="block", reasons=("velocity", "model"), model_version="rf-2018-08-01",
                    features={"tx_amount": 57.16, "customer_nb_tx_2min": 7.0})


@pytest.fixture
def label() -> Label:
    return Label(transaction_id=TX, event_time=T0, customer_id=42, terminal_id=7, is_fraud=True,
                 scenario=FraudScenario.COMPROMISED_TERMINAL, reported_at=T0 + timedelta(days=7))


def test_decision_round_trip_and_fixed_fields(decision):
    payload = decision_to_json(decision)
    assert parse_decision(payload) == decision
    obj = json.loads(payload)
    fixed = {"transaction_id", "event_time", "scored_at", "score", "decision", "reasons", "model_version"}
    assert fixed <= set(obj)
    assert obj["reasons"] == ["velocity", "model"] and obj["scored_at"].endswith("Z")


def test_decision_carries_the_transaction_keys_last_and_only_when_set(decision):
    assert list(json.loads(decision_to_json(decision)))[-1] == "features"
    full = dataclasses.replace(decision, customer_id=42, terminal_id=7, amount=57.16)
    payload = decision_to_json(full)
    assert payload.endswith(b'"features":{"tx_amount":57.16,"customer_nb_tx_2min":7.0},'
                            b'"customer_id":42,"terminal_id":7,"amount":57.16}')
    assert parse_decision(payload) == full
    nulls = json.loads(payload) | {"customer_id": None, "terminal_id": None, "amount": None}
    assert parse_decision(json.dumps(nulls).encode()) == decision


def test_decision_transaction_keys_are_validated(decision):
    obj = json.loads(decision_to_json(decision)) | {"customer_id": 42, "terminal_id": 7, "amount": 57}
    assert parse_decision(json.dumps(obj).encode()).amount == 57.0
    for key, value, code in (("customer_id", "42", ErrorCode.WRONG_TYPE), ("terminal_id", -1, ErrorCode.OUT_OF_RANGE),
                             ("amount", 0.0, ErrorCode.OUT_OF_RANGE), ("amount", True, ErrorCode.WRONG_TYPE)):
        with pytest.raises(EventValidationError) as exc:
            parse_decision(json.dumps(obj | {key: value}).encode())
        assert (exc.value.field, exc.value.code) == (key, code)


def test_decision_tolerates_unknown_keys_and_int_features(decision):
    obj = json.loads(decision_to_json(decision))
    obj["explanation"] = "added by a newer scorer"
    obj["features"]["tx_amount"] = 57
    obj["score"] = 1
    parsed = parse_decision(json.dumps(obj).encode())
    assert parsed.features["tx_amount"] == 57.0 and parsed.score == 1.0


@pytest.mark.parametrize(("field", "value"), [
    ("score", 1.5), ("score", -0.1), ("score", "0.5"), ("decision", "deny"), ("reasons", "velocity"),
    ("reasons", [""]), ("reasons", [3]), ("model_version", ""), ("model_version", "a b"), ("features", [1.0]),
    ("features", {"x": "1"}), ("event_time", "2018-04-02T11:59:30"), ("transaction_id", "x"),
])
def test_decision_bad_fields_named(decision, field, value):
    obj = json.loads(decision_to_json(decision))
    obj[field] = value
    with pytest.raises(EventValidationError) as exc:
        parse_decision(json.dumps(obj).encode())
    assert exc.value.field == field


def test_decision_missing_field(decision):
    obj = json.loads(decision_to_json(decision))
    del obj["model_version"]
    with pytest.raises(EventValidationError, match=r"^model_version: missing"):
        parse_decision(json.dumps(obj).encode())


def test_label_round_trip(label):
    payload = label_to_json(label)
    assert parse_label(payload) == label
    assert json.loads(payload)["scenario"] == 2 and json.loads(payload)["is_fraud"] is True


@pytest.mark.parametrize(("field", "value"), [
    ("is_fraud", 1), ("scenario", 9), ("scenario", -1), ("customer_id", True), ("terminal_id", "7"),
    ("reported_at", "2018-04-01T00:00:00Z"),  # before the event: impossible
])
def test_label_bad_fields_named(label, field, value):
    obj = json.loads(label_to_json(label))
    obj[field] = value
    with pytest.raises(EventValidationError) as exc:
        parse_label(json.dumps(obj).encode())
    assert exc.value.field == field
