"""DLQ reason mapping: every malformed payload kind lands in a named category with the original reason.

The category is the error's ``ErrorCode``, set where it is raised: never derived from the wording."""

import inspect
import json
from datetime import UTC, datetime, timedelta

import pytest

from consumers import dlq
from fraud_domain.errors import ErrorCode, EventValidationError
from fraud_domain.schema import event_to_json, parse_event

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _reject(raw: bytes) -> EventValidationError:
    with pytest.raises(EventValidationError) as info:
        parse_event(raw, now=NOW, max_bytes=4096)
    return info.value


@pytest.fixture
def good(sample_event) -> dict:
    return json.loads(event_to_json(sample_event))


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: b"not json at all", "not_json"),
    (lambda d: b"\xff\xfe" + json.dumps(d).encode(), "not_utf8"),
    (lambda d: b"[1, 2]", "not_object"),
    (lambda d: json.dumps(d | {"pad": "x" * 5000}).encode(), "oversize"),
    (lambda d: json.dumps({k: v for k, v in d.items() if k != "amount"}).encode(), "missing_field"),
    (lambda d: json.dumps(d | {"is_fraud": 1}).encode(), "unknown_field"),
    (lambda d: json.dumps(d | {"customer_id": "12"}).encode(), "wrong_type"),
    (lambda d: json.dumps(d | {"amount": -5.0}).encode(), "out_of_range"),
    (lambda d: json.dumps(d | {"amount": 5e12}).encode(), "out_of_range"),
    (lambda d: json.dumps(d | {"event_time": (NOW + timedelta(days=2)).isoformat()}).encode(), "future_timestamp"),
    (lambda d: json.dumps(d | {"transaction_id": "nope"}).encode(), "bad_format"),
    (lambda d: json.dumps(d).encode()[:-1] + b',"amount":1.0}', "duplicate_field"),
])
def test_category(good: dict, mutate, expected: str) -> None:
    err = _reject(mutate(good))
    assert dlq.category(err) == expected == err.code


def test_unexpected_exceptions_are_processing_errors() -> None:
    assert dlq.category(ZeroDivisionError("x")) == "processing_error"


def test_headers_carry_reason_field_and_origin() -> None:
    err = EventValidationError("amount", "must be > 0.0 (got -3.0)", ErrorCode.OUT_OF_RANGE)
    h = dict(dlq.headers(err, "transaction_topic", 4, 1234, NOW))
    assert h["dlq.reason"] == b"amount: must be > 0.0 (got -3.0)"
    assert h["dlq.field"] == b"amount" and h["dlq.category"] == b"out_of_range"
    assert (h["dlq.topic"], h["dlq.partition"], h["dlq.offset"]) == (b"transaction_topic", b"4", b"1234")
    assert h["dlq.failed_at"].startswith(b"2026-11-23T00:00:00")
    assert set(dlq.CATEGORIES) >= {dlq.category(err)}


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_code_is_a_category_whatever_the_wording(code: ErrorCode) -> None:
    # The same field and reason under every code: only the code decides.
    for field, reason in (("payload", "must be JSON (x)"), ("amount", "must be in [0, 1] (got 2)")):
        assert dlq.category(EventValidationError(field, reason, code)) == code.value
    assert code.value in dlq.CATEGORIES


def test_categories_are_the_codes_plus_processing_error() -> None:
    assert dlq.CATEGORIES[:-1] == tuple(c.value for c in ErrorCode)
    assert dlq.CATEGORIES[-1] == "processing_error"
    assert len(set(dlq.CATEGORIES)) == len(dlq.CATEGORIES)


def test_no_message_matching_remains() -> None:
    assert "err.reason" not in inspect.getsource(dlq)
    source = inspect.getsource(dlq.category)
    assert "reason" not in source and "field" not in source and "startswith" not in source
