import pickle

import pytest

from fraud_domain import topics
from fraud_domain.errors import DomainError, ErrorCode, EventValidationError

pytestmark = pytest.mark.unit


def test_fixed_topic_names():
    assert (topics.TRANSACTIONS, topics.DECISIONS, topics.DLQ, topics.LABELS) == (
        "transaction_topic", "fraud_topic", "transaction_dlq", "fraud_labels")
    assert topics.ALL_TOPICS == ("transaction_topic", "fraud_topic", "transaction_dlq", "fraud_labels")


def test_validation_error_message_and_fields():
    err = EventValidationError("amount", "must be > 0 (got -3.0)", ErrorCode.OUT_OF_RANGE)
    assert str(err) == "amount: must be > 0 (got -3.0)"
    assert (err.field, err.reason, err.code) == ("amount", "must be > 0 (got -3.0)", ErrorCode.OUT_OF_RANGE)
    assert isinstance(err, DomainError) and isinstance(err, ValueError)


def test_validation_error_pickles():
    err = pickle.loads(pickle.dumps(EventValidationError("payload", "must be JSON", ErrorCode.NOT_JSON)))
    assert (err.field, str(err), err.code) == ("payload", "payload: must be JSON", ErrorCode.NOT_JSON)
    assert type(err.code) is ErrorCode
