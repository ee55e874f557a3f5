"""Simulated rows as wire events and labels."""

import dataclasses
from datetime import UTC, datetime

import pytest

from fraud_domain.schema import EVENT_FIELDS, event_to_json, label_to_json, parse_event, parse_label
from fraud_domain.simulator import iter_events
from fraud_domain.simulator.events import card_number
from fraud_domain.tokenise import Tokeniser

pytestmark = pytest.mark.unit
FAR_FUTURE = datetime(2030, 1, 1, tzinfo=UTC)


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    return sum(d if i % 2 == 0 else (2 * d - 9 if d > 4 else 2 * d) for i, d in enumerate(digits)) % 10 == 0


def test_one_event_and_label_per_row(small_sim, small_pairs):
    df = small_sim.transactions
    assert len(small_pairs) == len(df)
    for (event, label), row in zip(small_pairs[:2000], df.itertuples(), strict=False):
        assert event.transaction_id == label.transaction_id
        assert (event.customer_id, event.terminal_id, event.amount) == (row.CUSTOMER_ID, row.TERMINAL_ID,
                                                                        row.TX_AMOUNT)
        assert label.is_fraud == bool(row.TX_FRAUD) and label.scenario == row.TX_FRAUD_SCENARIO
        assert label.reported_at - label.event_time == small_sim.config.label_delay


def test_label_never_in_the_event(small_pairs):
    event, _ = small_pairs[0]
    payload = event_to_json(event).decode()
    assert "fraud" not in payload and "scenario" not in payload
    assert set(dataclasses.asdict(event)) == set(EVENT_FIELDS)


def test_events_and_labels_round_trip(small_pairs):
    for event, label in small_pairs[::500]:
        assert parse_event(event_to_json(event), now=FAR_FUTURE) == event
        assert parse_label(label_to_json(label)) == label


def test_deterministic_ids_tokens_and_devices(small_sim, small_pairs, tokeniser):
    again = list(iter_events(small_sim, tokeniser))
    assert again[:100] == small_pairs[:100]
    assert len({e.transaction_id for e, _ in small_pairs}) == len(small_pairs)
    other_key = next(iter_events(small_sim, Tokeniser(b"another-key-0123456789abcdef!!!!")))[0]
    assert other_key.transaction_id == small_pairs[0][0].transaction_id
    assert other_key.card_token != small_pairs[0][0].card_token


def test_card_per_customer_device_per_slot(small_sim, small_pairs):
    cards, devices = {}, {}
    for event, label in small_pairs:
        assert cards.setdefault(event.customer_id, event.card_token) == event.card_token
        if label.scenario != 6:
            assert devices.setdefault(event.customer_id, event.device_id) == event.device_id
    new = [e for e, lab in small_pairs if lab.scenario == 6]
    assert new and all(e.device_id != devices.get(e.customer_id) for e in new)
    assert luhn_ok(card_number(small_sim.run_id, 1)) and len(card_number(small_sim.run_id, 1)) == 16


def test_coordinates_and_channels(small_sim, small_pairs):
    top, right = small_sim.config.projection.to_latlon(100.0, 100.0)
    for event, _ in small_pairs[::97]:
        assert 45.0 <= event.terminal_lat <= top and 5.0 <= event.terminal_lon <= right
        assert 45.0 <= event.customer_lat <= top and 5.0 <= event.customer_lon <= right
        assert event.channel in {"pos", "ecom", "atm"} and event.currency == "EUR"
        assert (event.merchant_category == "6011") == (event.channel == "atm")
