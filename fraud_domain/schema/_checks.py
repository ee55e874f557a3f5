"""Field checks shared by the schema classes: each returns the (normalised) value or raises
``EventValidationError`` naming the field. Kept tiny because they run on the hot path."""

import json
import math
import re
from datetime import datetime
from typing import NoReturn

import orjson

from fraud_domain.errors import ErrorCode, EventValidationError
from fraud_domain.utc import parse_utc

INT64_MAX = 2**63 - 1  # ids end up in Cassandra/Hive bigint columns
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TOKEN_RE = re.compile(r"[0-9a-f]{64}")
_MAX_TIME_TEXT = 40  # longest sane ISO-8601 text; stops pathological inputs before parsing


def got(value: object) -> str:
    """``(got <repr>)`` trimmed, so a DLQ reason never carries a huge payload."""
    text = repr(value)
    return f"(got {text if len(text) <= 64 else text[:61] + '...'})"


def fail(field: str, reason: str, code: ErrorCode) -> NoReturn:
    """Reject ``field``: ``reason`` is for people (the DLQ text), ``code`` for programs (its category)."""
    raise EventValidationError(field, reason, code)


def check_str(field: str, value: object, pattern: re.Pattern[str], what: str) -> str:
    if type(value) is not str:
        fail(field, f"must be a string {got(value)}", ErrorCode.WRONG_TYPE)
    if not pattern.fullmatch(value):
        fail(field, f"must be {what} {got(value)}", ErrorCode.BAD_FORMAT)
    return value


def check_int(field: str, value: object, low: int = 0, high: int = INT64_MAX) -> int:
    if type(value) is not int:  # `is`, not isinstance: JSON true/false must not pass as 1/0
        fail(field, f"must be an integer {got(value)}", ErrorCode.WRONG_TYPE)
    if not low <= value <= high:
        fail(field, f"must be in [{low}, {high}] {got(value)}", ErrorCode.OUT_OF_RANGE)
    return value


def check_float(field: str, value: object, low: float, high: float, *, low_open: bool = False) -> float:
    """A finite number in ``[low, high]`` (``(low, high]`` if ``low_open``); ints are widened to float."""
    if isinstance(value, float):
        number = value if type(value) is float else float(value)  # numpy floats subclass float
    elif type(value) is int:  # `is`: bool subclasses int but is not a number here
        try:
            number = float(value)
        except OverflowError:
            fail(field, f"must be finite {got(value)}", ErrorCode.OUT_OF_RANGE)
    else:
        fail(field, f"must be a number {got(value)}", ErrorCode.WRONG_TYPE)
    if not math.isfinite(number):
        fail(field, f"must be finite {got(number)}", ErrorCode.OUT_OF_RANGE)
    if number < low or number > high or (low_open and number == low):
        fail(field, f"must be {'>' if low_open else '>='} {low} and <= {high} {got(number)}",
             ErrorCode.OUT_OF_RANGE)
    return number


def check_choice(field: str, value: object, choices: frozenset[str]) -> str:
    if type(value) is not str or value not in choices:
        fail(field, f"must be one of {', '.join(sorted(choices))} {got(value)}", ErrorCode.BAD_FORMAT)
    return value


def check_utc(field: str, value: object) -> datetime:
    """A tz-aware datetime with zero offset (what every schema class stores)."""
    if not isinstance(value, datetime):
        fail(field, f"must be a datetime {got(value)}", ErrorCode.WRONG_TYPE)
    offset = value.utcoffset()
    if offset is None or offset:
        fail(field, f"must be tz-aware UTC {got(value)}", ErrorCode.BAD_FORMAT)
    return value


def parse_time(field: str, value: object) -> datetime:
    """An ISO-8601 string with an offset -> UTC datetime."""
    if type(value) is not str or len(value) > _MAX_TIME_TEXT:
        fail(field, f"must be an ISO-8601 string {got(value)}", ErrorCode.WRONG_TYPE)
    try:
        return parse_utc(value)
    except ValueError as exc:
        fail(field, f"must be an ISO-8601 timestamp with offset ({exc}) {got(value)}", ErrorCode.BAD_FORMAT)


def load_object(raw: bytes, max_bytes: int) -> dict:
    """Bytes -> JSON object, with every failure reported on the ``payload`` field."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        fail("payload", f"must be bytes {got(type(raw).__name__)}", ErrorCode.NOT_OBJECT)
    if len(raw) > max_bytes:
        fail("payload", f"must be at most {max_bytes} bytes (got {len(raw)})", ErrorCode.OVERSIZE)
    data = bytes(raw)
    try:  # the fast path (orjson: ~4x the stdlib), taken only where it is sure to agree with the exact one
        fast = orjson.loads(data)
    except orjson.JSONDecodeError:
        fast = None  # NaN, a lone surrogate, a huge integer, bad bytes: the exact path names what is wrong
    if type(fast) is dict and each_key_written_once(data, fast) and _flat_and_exact(fast):
        return fast
    return load_object_exactly(data)


def load_object_exactly(data: bytes) -> dict:
    """The reference path of ``load_object`` (stdlib JSON, duplicate keys named), which the fast path must
    agree with: every failure on the ``payload`` field, or the duplicate key's."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail("payload", f"must be UTF-8 ({exc.reason} at byte {exc.start})", ErrorCode.NOT_UTF8)
    try:
        obj = json.loads(text, object_pairs_hook=_unique_keys)
    except EventValidationError:  # a duplicate key, already named
        raise
    except (ValueError, RecursionError) as exc:
        fail("payload", f"must be JSON ({str(exc)[:80]})", ErrorCode.NOT_JSON)
    if type(obj) is not dict:
        fail("payload", f"must be a JSON object (got {type(obj).__name__})", ErrorCode.NOT_OBJECT)
    return obj


_SPACED_KEY = re.compile(rb'"[ \t\n\r]+:')


def each_key_written_once(data: bytes, obj: dict) -> bool:
    """Whether the JSON text ``data`` of the object ``obj`` writes each of its keys once (orjson keeps the
    last of duplicate keys silently). Sufficient, not necessary: without whitespace between a key and its
    colon every key written adds one ``":``, and ``":`` inside a string or a nested object only adds more, so
    ``count('":') == len(obj)`` means no key was written twice. Anything else goes the exact way."""
    return data.count(b'":') == len(obj) and _SPACED_KEY.search(data) is None


_FLOAT_EXACT = float(2**63)  # orjson reads an integer literal beyond 64 bits as a float, the stdlib as an int


def _flat_and_exact(obj: dict) -> bool:
    """No nested value, and no float that could be an integer literal orjson widened (nor NaN/inf)."""
    for value in obj.values():
        kind = type(value)
        if kind is float:
            if not -_FLOAT_EXACT < value < _FLOAT_EXACT:
                return False
        elif kind is list or kind is dict:
            return False
    return True


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    # Duplicate keys are ambiguous (parsers disagree on which one wins): reject rather than guess.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                fail(key, "duplicate key", ErrorCode.DUPLICATE_FIELD)
            seen.add(key)
    return obj


def check_keys(obj: dict, required: frozenset[str], *, allow_extra: bool) -> None:
    """Report the first missing (then unknown) key in sorted order, so errors are deterministic."""
    keys = obj.keys()
    if keys == required:
        return
    missing = required - keys
    if missing:
        fail(min(missing), "missing", ErrorCode.MISSING_FIELD)
    extra = keys - required
    if extra and not allow_extra:
        fail(min(extra), "unknown field", ErrorCode.UNKNOWN_FIELD)
