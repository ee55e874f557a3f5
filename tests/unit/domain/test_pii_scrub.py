"""Nothing the platform says about rejected input repeats a clear card number or IP address (issue #15)."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime

import pytest

from consumers import dlq
from fraud_domain.errors import ErrorCode, EventValidationError
from fraud_domain.pii import CARD_REDACTED, IP_REDACTED, holds_pii, scrub
from fraud_domain.schema import event_to_json, parse_event


@pytest.mark.parametrize(("text", "expected"), [
    ("got '4111111111111111'", f"got '{CARD_REDACTED}'"),
    ("got '4111 1111 1111 1111'", f"got '{CARD_REDACTED}'"),
    ("got '4111-1111-1111-1111'", f"got '{CARD_REDACTED}'"),
    ("got 371449635398431", f"got {CARD_REDACTED}"),
    ("from 192.168.10.7 now", f"from {IP_REDACTED} now"),
    ("v6 2001:db8::8a2e:370:7334!", f"v6 {IP_REDACTED}!"),
    ("v6 2001:0db8:85a3:0000:0000:8a2e:0370:7334", f"v6 {IP_REDACTED}"),
])
def test_card_numbers_and_ips_are_replaced(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize("text", [
    "amount: must be > 0.0 (got -3.0)",
    "event_time: 2018-04-02T11:59:30.123456+00:00 is 12:30:45 late",
    "customer_id 12345678901",  # 11 digits: an id, not a card
    "token " + "0123456789012345ab" + "c" * 46,  # digits inside a hex token
    "version 1.2.3",
    "transaction_id 0b7e8f3c-2a71-4c0e-9a55-6f1d2c3b4a59",
    "transaction_id 62377160-0915-5733-a123-456789abcdef",  # a UUID whose first 16 hex digits are decimal
    "transaction_id 0915-5733-a123-62377160-0915-5733-4412",
])
def test_ordinary_reasons_are_left_alone(text: str) -> None:
    from fraud_domain.pii import clear_pii

    assert scrub(text) == text and clear_pii(text) == []


def test_a_card_number_in_a_token_field_never_reaches_the_dlq_headers(event) -> None:
    payload = json.loads(event_to_json(event))
    leaks = (("card_token", "4111111111111111"), ("ip_token", "10.1.2.3"), ("device_id", "4111 1111 1111 1111"))
    for field, clear in leaks:
        with pytest.raises(EventValidationError) as info:
            parse_event(json.dumps(payload | {field: clear}).encode(), now=event.event_time, max_bytes=4096)
        headers = b" ".join(value for _, value in dlq.headers(info.value, "transaction_topic", 0, 1, event.event_time))
        assert clear.encode() not in headers, headers


def test_a_card_number_as_an_unknown_field_name_is_replaced_too(event) -> None:
    payload = json.loads(event_to_json(event))
    with pytest.raises(EventValidationError) as info:
        parse_event(json.dumps(payload | {"4111111111111111": 1}).encode(), now=event.event_time, max_bytes=4096)
    assert "4111111111111111" not in str(info.value) and "4111111111111111" not in info.value.field


def test_processing_errors_are_scrubbed_as_well() -> None:
    reason = dict(dlq.headers(RuntimeError("bad card 5500 0000 0000 0004"), "t", 0, 0, datetime.now(UTC)))["dlq.reason"]
    assert b"5500" not in reason and CARD_REDACTED.encode() in reason


def test_the_error_still_pickles_with_its_scrubbed_reason() -> None:
    err = EventValidationError("card_token", "must be a token (got '4111111111111111')", ErrorCode.BAD_FORMAT)
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and "4111" not in str(again)


@pytest.mark.parametrize("device", ["4111 1111 1111 1111", "phone 10.0.0.12", "fe80::1ff:fe23:4567:890a"])
def test_a_device_id_holding_a_card_number_or_ip_is_rejected(event, device: str) -> None:
    payload = json.loads(event_to_json(event)) | {"device_id": device}
    with pytest.raises(EventValidationError) as info:
        parse_event(json.dumps(payload).encode(), now=event.event_time, max_bytes=4096)
    assert info.value.field == "device_id" and info.value.code == ErrorCode.BAD_FORMAT


@pytest.mark.parametrize("device", ["dev-0001", "android-12:34", "iPhone 15 Pro", "d" * 128])
def test_ordinary_device_ids_are_accepted(event, device: str) -> None:
    payload = json.loads(event_to_json(event)) | {"device_id": device}
    assert parse_event(json.dumps(payload).encode(), now=event.event_time, max_bytes=4096).device_id == device


def test_simulated_device_ids_never_look_like_a_card_number() -> None:
    from fraud_domain.simulator.events import device_id

    assert not any(holds_pii(device_id("run", customer, slot)) for customer in range(20_000) for slot in range(3))


@pytest.mark.parametrize("text", [":: unknown field", "std::vector", "a::", "time 12:30:45"])
def test_colons_that_are_not_an_address_are_left_alone(text: str) -> None:
    assert scrub(text) == text and not holds_pii(text)


@pytest.mark.parametrize("text", ["::1", "fe80::1", "2001:db8::", "1:2:3:4:5:6:7:8"])
def test_short_ipv6_forms_are_found(text: str) -> None:
    assert scrub(text) == IP_REDACTED and holds_pii(text)


def test_a_scan_finds_card_numbers_and_ips_but_not_timestamps_or_ids() -> None:
    from fraud_domain.pii import clear_pii
    from fraud_domain.simulator.events import card_number, ip_address

    card, ip = card_number("run", 7), ip_address("run", 7, 0)
    stored = f'{{"ts": [1522668000000000, 1522668000123456], "id": 2305843009213693951, "c": "{card}", "ip": "{ip}"}}'
    assert clear_pii(stored) == [card, ip]
    assert clear_pii("4111 1111 1111 1111 and 4111 1111 1111 1112") == ["4111 1111 1111 1111"]  # Luhn


@pytest.mark.parametrize("text", ["score 0.6035788655281067", "lat 45.362327619500068", "x 362327619500068.5"])
def test_the_digits_of_a_decimal_number_are_not_a_card_number(text: str) -> None:
    from fraud_domain.pii import clear_pii

    assert scrub(text) == text and clear_pii(text) == []
