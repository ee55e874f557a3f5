"""Errors of the transactions API and its client."""

from __future__ import annotations


class ApiError(Exception):
    """Base of the transactions API's errors."""


class DatasetError(ApiError):
    """The configured dataset file cannot be served (missing, unreadable, wrong columns)."""


class PageTokenError(ApiError, ValueError):
    """A page token is malformed, or belongs to another date or dataset."""
