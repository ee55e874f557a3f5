"""Row validation for the load jobs: the domain schema's own parsers, applied to raw JSONL lines.

``parse_event`` / ``parse_label`` are the same functions the stream layer uses, so a row the scorer would
send to the DLQ is quarantined here for the same reason. Pure Python + pandas: the Spark job runs
``validate_frames`` through ``mapInPandas``; the unit tests call it directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Literal

import pandas as pd

from fraud_domain.errors import EventValidationError
from fraud_domain.pii import scrub
from fraud_domain.schema import parse_event, parse_label

Kind = Literal["transactions", "labels"]
META_COLUMNS = ("_order", "_field", "_reason", "_raw")  # kept beside the table's columns


def validate_line(kind: Kind, line: str, *, dt: date, now: datetime) -> tuple[dict | None, str, str]:
    """``(record, "", "")`` for a valid row, ``(None, field, reason)`` otherwise.

    Transactions must also fall on ``dt`` (their event date, UTC): a row from another day would land in
    the wrong partition. Labels are kept in the partition of the API date they were fetched for.
    """
    try:
        if kind == "transactions":
            event = parse_event(line.encode("utf-8"), now=now)
            if event.event_time.date() != dt:
                return None, "event_time", f"not on partition date dt={dt} (got {event.event_time.isoformat()})"
            obj = event
        else:
            obj = parse_label(line.encode("utf-8"))
    except EventValidationError as exc:
        return None, exc.field, str(exc)
    return {name: getattr(obj, name) for name in obj.__slots__}, "", ""


def validate_frames(kind: Kind, frames: Iterable[pd.DataFrame], columns: list[tuple[str, str]], *,
                    now: datetime) -> Iterator[pd.DataFrame]:
    """``mapInPandas`` body: frames of ``(value, dt, _order)`` -> the table's columns, ``dt`` and
    ``META_COLUMNS``."""
    days: dict[str, date] = {}
    for frame in frames:
        rows: list[dict | None] = []
        fields, reasons, raws = [], [], []
        for line, dt in zip(frame["value"].tolist(), frame["dt"].tolist(), strict=True):
            day = days.get(dt) or days.setdefault(dt, date.fromisoformat(dt))
            record, field, reason = validate_line(kind, line, dt=day, now=now)
            rows.append(record)
            fields.append(field or None)
            reasons.append(reason or None)
            # only quarantined rows keep their raw text, card numbers and IPs replaced (fraud_domain.pii)
            raws.append(scrub(line) if record is None else None)
        out = {name: _column([r[name] if r else None for r in rows], sql) for name, sql in columns}
        out.update({"dt": frame["dt"].to_numpy(), "_order": frame["_order"].to_numpy(),
                    **{name: pd.array(values, dtype="string")
                       for name, values in (("_field", fields), ("_reason", reasons), ("_raw", raws))}})
        yield pd.DataFrame(out)


def _column(values: list, sql: str) -> pd.Series | pd.api.extensions.ExtensionArray:
    # Nullable dtypes: ids are int64 up to 2**63-1 and must not pass through float64.
    if sql == "TIMESTAMP":
        return pd.to_datetime(pd.Series(values, dtype="object"), utc=True)
    if sql in ("BIGINT", "INT"):
        return pd.array(values, dtype="Int64" if sql == "BIGINT" else "Int32")
    if sql == "BOOLEAN":
        return pd.array(values, dtype="boolean")
    if sql == "DOUBLE":
        return pd.array(values, dtype="Float64")
    return pd.array(values, dtype="string")
