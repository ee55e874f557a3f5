"""Shared fixtures for the domain unit tests: a valid event, a tokeniser and one small simulated dataset."""

import dataclasses
from datetime import UTC, datetime

import pytest

from fraud_domain.schema import TransactionEvent
from fraud_domain.simulator import iter_events, simulate
from fraud_domain.tokenise import Tokeniser

from .samples import SMALL


@pytest.fixture(scope="session")
def tokeniser() -> Tokeniser:
    return Tokeniser(b"unit-test-key-0123456789abcdef!!")


@pytest.fixture
def event() -> TransactionEvent:
    return TransactionEvent(
        transaction_id="0b7e8f3c-2a71-4c0e-9a55-6f1d2c3b4a59",
        event_time=datetime(2018, 4, 2, 11, 59, 30, 123456, tzinfo=UTC),
        customer_id=42, card_token="a" * 64, terminal_id=7, merchant_category="5411", amount=57.16,
        currency="EUR", channel="pos", device_id="dev-0001", ip_token="b" * 64,
        terminal_lat=45.5, terminal_lon=5.5, customer_lat=45.51, customer_lon=5.49,
    )


@pytest.fixture
def event_dict(event) -> dict:
    """The event as the JSON object a producer would send."""
    obj = dataclasses.asdict(event)
    obj["event_time"] = "2018-04-02T11:59:30.123456Z"
    return obj


@pytest.fixture(scope="session")
def small_sim():
    return simulate(SMALL)


@pytest.fixture(scope="session")
def small_pairs(small_sim, tokeniser):
    return list(iter_events(small_sim, tokeniser))
