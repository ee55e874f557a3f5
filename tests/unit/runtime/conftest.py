from __future__ import annotations

import pytest

from fraud_runtime.context import Context


@pytest.fixture(scope="session")
def ctx() -> Context:
    """The checkout's context (reads .env; writes nothing). No service runs."""
    return Context.load()
