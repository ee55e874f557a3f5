"""Fixtures for the consumers' unit tests."""

from datetime import UTC, datetime

import pytest

from fraud_domain.schema import TransactionEvent


@pytest.fixture
def sample_event() -> TransactionEvent:
    return TransactionEvent(
        transaction_id="0b7e8f3c-2a71-4c0e-9a55-6f1d2c3b4a59",
        event_time=datetime(2018, 4, 2, 11, 59, 30, 123456, tzinfo=UTC),
        customer_id=42, card_token="a" * 64, terminal_id=7, merchant_category="5411", amount=57.16,
        currency="EUR", channel="pos", device_id="dev-0001", ip_token="b" * 64,
        terminal_lat=45.5, terminal_lon=5.5, customer_lat=45.51, customer_lon=5.49,
    )
