"""Property-based fuzzing of the event schema (issue #15): whatever bytes reach ``transaction_topic`` -
wrong types, NaN/inf, huge or deeply nested payloads, far-past/far-future times, unicode, duplicate keys,
unknown fields, clear card numbers - ``parse_event`` either returns a valid event or raises
``EventValidationError`` (the DLQ path), never anything else, and what it says never repeats a clear card
number or IP address."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumers import dlq
from fraud_domain.errors import EventValidationError
from fraud_domain.pii import holds_pii
from fraud_domain.schema import TransactionEvent, event_to_json, parse_event
from fraud_domain.schema._checks import load_object, load_object_exactly

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 5, tzinfo=UTC)
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CARDS = ("4111111111111111", "5500 0000 0000 0004", "3714-496353-98431", "6011000990139424")
IPS = ("10.0.0.1", "192.168.1.254", "2001:db8::1", "fe80:0:0:0:202:b3ff:fe1e:8329")

json_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
                | st.text(max_size=80) | st.sampled_from(CARDS + IPS))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20)


@pytest.fixture(scope="module")
def valid(request) -> dict:
    event = TransactionEvent(
        transaction_id="0b7e8f3c-2a71-4c0e-9a55-6f1d2c3b4a59", event_time=datetime(2026, 12, 4, 11, 59, tzinfo=UTC),
        customer_id=42, card_token="a" * 64, terminal_id=7, merchant_category="5411", amount=57.16,
        currency="EUR", channel="pos", device_id="dev-0001", ip_token="b" * 64,
        terminal_lat=45.5, terminal_lon=5.5, customer_lat=45.51, customer_lon=5.49)
    return json.loads(event_to_json(event))


def _outcome(raw: bytes) -> TransactionEvent | EventValidationError:
    try:
        return parse_event(raw, now=NOW, max_bytes=4096)
    except EventValidationError as exc:
        headers = dict(dlq.headers(exc, "transaction_topic", 0, 0, NOW))  # what the DLQ would carry
        assert not holds_pii(headers["dlq.reason"].decode()), headers
        assert not holds_pii(headers["dlq.field"].decode()), headers
        return exc


@FUZZ
@given(st.binary(max_size=600))
def test_any_bytes_are_an_event_or_a_clear_rejection(raw: bytes) -> None:
    _outcome(raw)


@FUZZ
@given(field=st.sampled_from(sorted(TransactionEvent.__dataclass_fields__)), value=json_values)
def test_any_value_in_any_field(valid: dict, field: str, value: object) -> None:
    out = _outcome(json.dumps(valid | {field: value}, allow_nan=True).encode())
    if isinstance(out, TransactionEvent):  # accepted: a real event that round-trips, with no clear PII
        assert parse_event(event_to_json(out), now=NOW) == out
        assert not holds_pii(out.device_id)
        assert all(math.isfinite(v) for v in (out.amount, out.terminal_lat, out.customer_lon))


@FUZZ
@given(extra=st.dictionaries(st.text(min_size=1, max_size=20), json_values, min_size=1, max_size=3))
def test_unknown_fields_are_rejected(valid: dict, extra: dict) -> None:
    extra = {k: v for k, v in extra.items() if k not in valid}
    if extra:
        assert isinstance(_outcome(json.dumps(valid | extra, allow_nan=True).encode()), EventValidationError)


@FUZZ
@given(year=st.integers(min_value=1, max_value=9999), rest=st.sampled_from(["-01-01T00:00:00+00:00",
       "-12-31T23:59:59.999999Z", "-06-15T12:00:00+14:00", "-02-29T00:00:00Z", "-13-01T00:00:00Z"]),
       epoch=st.integers(min_value=-(10**15), max_value=10**15))
def test_far_past_and_far_future_times(valid: dict, year: int, rest: str, epoch: int) -> None:
    for stamp in (f"{year:04d}{rest}", epoch):  # any ISO-8601 year, and a bare number (never valid)
        out = _outcome(json.dumps(valid | {"event_time": stamp}).encode())
        if isinstance(out, TransactionEvent):
            assert isinstance(stamp, str) and out.event_time.tzinfo is UTC
            assert out.event_time - NOW <= timedelta(minutes=5)  # no event from the future


@settings(max_examples=30, deadline=None)
@given(depth=st.integers(min_value=50, max_value=5000))
def test_deeply_nested_payloads_are_rejected_not_a_crash(valid: dict, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    raw = json.dumps(valid).encode()[:-1] + b', "x": ' + nested.encode() + b"}"
    assert isinstance(_outcome(raw), EventValidationError)


@settings(max_examples=50, deadline=None)
@given(key=st.sampled_from(sorted(TransactionEvent.__dataclass_fields__)), card=st.sampled_from(CARDS + IPS))
def test_duplicate_keys_and_clear_card_data_are_rejected(valid: dict, key: str, card: str) -> None:
    raw = json.dumps(valid).encode()[:-1] + f', "{key}": "{card}"}}'.encode()
    out = _outcome(raw)
    assert isinstance(out, EventValidationError) and card not in str(out)


def _loaded(load, raw: bytes) -> str:
    try:
        return repr(load(raw))  # repr: key order, int vs float and NaN compared too
    except EventValidationError as exc:
        return f"rejected {exc.field}: {exc}"


@FUZZ
@given(pairs=st.lists(st.tuples(st.sampled_from(["a", "b", "amount", 'q":', "é", "\u2028"]), json_values),
                      max_size=6),
       separators=st.sampled_from([(",", ":"), (", ", ": "), (",", " :"), ("\n,", "\t:"), (",", "\r\n:")]),
       ascii_only=st.booleans())
def test_the_fast_json_path_agrees_with_the_exact_one(pairs: list, separators: tuple, ascii_only: bool) -> None:
    comma, colon = separators
    text = "{" + comma.join(json.dumps(k, ensure_ascii=ascii_only) + colon + json.dumps(v, ensure_ascii=ascii_only)
                            for k, v in pairs) + "}"
    raw = text.encode("utf-8", "surrogatepass")
    assert _loaded(lambda r: load_object(r, 1 << 20), raw) == _loaded(load_object_exactly, raw)


def test_a_duplicate_key_is_named_on_the_fast_path_too() -> None:
    with pytest.raises(EventValidationError) as caught:
        load_object(b'{"amount":1,"amount":2}', 4096)
    assert caught.value.field == "amount"
