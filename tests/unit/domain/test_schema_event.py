import json
import pickle
from datetime import timedelta

import pytest

from fraud_domain.errors import EventValidationError
from fraud_domain.schema import EVENT_FIELDS, TransactionEvent, event_to_json, parse_event

from .samples import NOW

pytestmark = pytest.mark.unit


def raw(obj) -> bytes:
    return json.dumps(obj).encode()


def field_of(payload: bytes, **kwargs) -> str:
    with pytest.raises(EventValidationError) as exc:
        parse_event(payload, now=NOW, **kwargs)
    assert str(exc.value).startswith(exc.value.field + ": ")
    return exc.value.field


def test_round_trip(event):
    payload = event_to_json(event)
    assert parse_event(payload, now=NOW) == event
    assert b" " not in payload  # compact
    assert json.loads(payload)["event_time"] == "2018-04-02T11:59:30.123456Z"
    assert tuple(json.loads(payload)) == EVENT_FIELDS
    assert pickle.loads(pickle.dumps(event)) == event  # Spark ships rows between processes


def test_no_label_field():
    assert not {"is_fraud", "tx_fraud", "label", "scenario", "fraud"} & set(EVENT_FIELDS)


def test_accepts_offset_timestamp_and_integer_numbers(event_dict, event):
    event_dict["event_time"] = "2018-04-02T13:59:30.123456+02:00"
    event_dict["terminal_lat"] = 45
    ev = parse_event(raw(event_dict), now=NOW)
    assert ev.event_time == event.event_time and ev.event_time.utcoffset() == timedelta(0)
    assert ev.terminal_lat == 45.0 and type(ev.terminal_lat) is float


BAD_PAYLOADS = {"oversize": b"x" * 20000, "not-utf8": b"\xff\xfe{}", "not-json": b"{not json", "empty": b"",
                "deep-nesting": b"[" * 5000 + b"]" * 5000}


@pytest.mark.parametrize("payload", BAD_PAYLOADS.values(), ids=BAD_PAYLOADS.keys())
def test_payload_level_failures(payload):
    assert field_of(payload) == "payload"


def test_oversize_uses_max_bytes(event):
    assert field_of(event_to_json(event), max_bytes=100) == "payload"


@pytest.mark.parametrize("doc", [[1, 2], "str", 3, None])
def test_not_an_object(doc):
    assert field_of(raw(doc)) == "payload"


def test_missing_and_unknown_and_duplicate(event_dict):
    del event_dict["amount"]
    assert field_of(raw(event_dict)) == "amount"
    event_dict["amount"], event_dict["is_fraud"] = 1.0, 0
    assert field_of(raw(event_dict)) == "is_fraud"
    del event_dict["is_fraud"]
    text = json.dumps(event_dict)
    assert field_of(text.replace('"amount": 1.0', '"amount": 1.0, "amount": 2.0').encode()) == "amount"


BAD_VALUES = [
    ("transaction_id", "not-a-uuid"), ("transaction_id", "0B7E8F3C-2A71-4C0E-9A55-6F1D2C3B4A59"),
    ("transaction_id", 12), ("event_time", "yesterday"), ("event_time", "2018-04-02T11:59:30"),
    ("event_time", 1522670370), ("event_time", "2018-04-02"), ("customer_id", -1), ("customer_id", True),
    ("customer_id", 1.5), ("customer_id", "42"), ("customer_id", 2**64), ("card_token", "a" * 63),
    ("card_token", "A" * 64), ("terminal_id", False), ("terminal_id", None), ("merchant_category", "541"),
    ("merchant_category", 5411), ("merchant_category", "54a1"), ("amount", -3.0), ("amount", 0),
    ("amount", 0.0), ("amount", 1e7), ("amount", "12.5"), ("amount", True), ("amount", 10**400),
    ("currency", "eur"), ("currency", "EURO"), ("currency", "E1R"), ("channel", "web"), ("channel", "POS"),
    ("channel", ["pos"]), ("channel", {"a": 1}),
    ("device_id", ""), ("device_id", "x" * 129), ("device_id", "dev\n1"), ("device_id", 7),
    ("ip_token", "10.0.0.1"), ("terminal_lat", 90.5), ("terminal_lon", -180.01), ("customer_lat", "45"),
    ("customer_lon", None), ("schema_version", 2), ("schema_version", True), ("schema_version", "1"),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
def test_bad_field_is_named(event_dict, field, value):
    event_dict[field] = value
    assert field_of(raw(event_dict)) == field


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999"])
@pytest.mark.parametrize("field", ["amount", "terminal_lat", "customer_lon"])
def test_non_finite_numbers(event_dict, field, token):
    text = json.dumps({**event_dict, field: "@@"}).replace('"@@"', token)
    assert field_of(text.encode()) == field


def test_amount_message_matches_contract(event_dict):
    event_dict["amount"] = -3.0
    with pytest.raises(EventValidationError, match=r"^amount: must be > 0\.0 and <= inf \(got -3\.0\)$"):
        parse_event(raw(event_dict), now=NOW)


def test_amount_ceiling_configurable(event_dict):
    event_dict["amount"] = 5000.0
    assert field_of(raw(event_dict), max_amount=1000.0) == "amount"
    assert parse_event(raw(event_dict), now=NOW).amount == 5000.0


def test_future_timestamp(event_dict):
    event_dict["event_time"] = "2018-04-02T12:04:59Z"
    parse_event(raw(event_dict), now=NOW)  # within the 5-minute skew allowance
    event_dict["event_time"] = "2018-04-02T12:05:01Z"
    assert field_of(raw(event_dict)) == "event_time"
    parse_event(raw(event_dict), now=NOW, max_future=timedelta(minutes=10))


def test_naive_now_is_a_caller_error(event):
    with pytest.raises(ValueError, match="now"):
        parse_event(event_to_json(event), now=NOW.replace(tzinfo=None))


def test_constructor_validates_too(event):
    with pytest.raises(EventValidationError, match=r"^channel: "):
        TransactionEvent(**{**{f: getattr(event, f) for f in EVENT_FIELDS}, "channel": "fax"})
    with pytest.raises(EventValidationError, match=r"^event_time: "):
        TransactionEvent(**{**{f: getattr(event, f) for f in EVENT_FIELDS},
                            "event_time": event.event_time.replace(tzinfo=None)})
    with pytest.raises(AttributeError):
        event.amount = 1.0  # frozen


def test_error_value_is_truncated(event_dict):
    event_dict["device_id"] = "\x00" * 10_000
    with pytest.raises(EventValidationError) as exc:
        parse_event(raw(event_dict), now=NOW)
    assert len(str(exc.value)) < 200

