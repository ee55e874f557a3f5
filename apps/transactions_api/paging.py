"""Opaque page tokens: base64url JSON of (dataset fingerprint, date, offset), checked on the way back in.

Offsets into a deterministic per-day order make pages stable: the same token always returns the same rows.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date

from apps.transactions_api.errors import PageTokenError


@dataclass(frozen=True)
class Page:
    offset: int
    end: int
    next_token: str | None


def encode_token(fingerprint: str, day: date, offset: int) -> str:
    raw = json.dumps({"f": fingerprint, "d": day.isoformat(), "o": offset}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str, fingerprint: str, day: date) -> int:
    """The offset a token points at; PageTokenError if it is not one of ours for this date."""
    try:
        padded = token + "=" * (-len(token) % 4)
        obj = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        offset, token_day, token_fp = obj["o"], obj["d"], obj["f"]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeEncodeError):
        raise PageTokenError("page_token is not a token this API issued") from None
    if token_fp != fingerprint:
        raise PageTokenError("page_token was issued for another dataset: restart paging without it")
    if token_day != day.isoformat():
        raise PageTokenError(f"page_token belongs to date {token_day}, not {day.isoformat()}")
    if type(offset) is not int or offset <= 0:
        raise PageTokenError("page_token is not a token this API issued")
    return offset


def page(total: int, page_size: int, fingerprint: str, day: date, token: str | None) -> Page:
    """The slice [offset, end) of a day's rows that `token` (None = first page) designates."""
    offset = 0 if token is None else decode_token(token, fingerprint, day)
    if token is not None and offset >= total:
        raise PageTokenError(f"page_token points past the end of {day.isoformat()} ({total} rows)")
    end = min(offset + page_size, total)
    return Page(offset, end, encode_token(fingerprint, day, end) if end < total else None)
