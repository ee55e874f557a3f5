"""Errors of the live-alerts page."""


class StoreUnavailable(RuntimeError):
    """Cassandra did not answer a read of the page (the message names the endpoint and the driver's error)."""
