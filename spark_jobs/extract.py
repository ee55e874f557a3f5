"""Extract one day from the transactions API into raw JSONL on HDFS (stdlib + requests: runs in Airflow).

API contract (``fraud_platform.api_client`` speaks it): ``GET /v1/<kind>?date=…&page_token=…``
with a bearer token answers ``{"date", "<kind>": [objects], "next_page_token", "total"}``; 404 means the
API has no data for that date, which fails the extract (``DayNotServedError`` with the API's message); a day
the API covers without rows answers 200 with zero rows and is an empty day. Objects are written as they
came, one compact JSON line each: validating them is the load job's work (malformed rows go to quarantine
there, with reasons).

The day's folder is replaced as a whole (write to a temporary folder, delete, rename), so a rerun never
leaves old and new files side by side. ``_manifest.json`` beside the data records the API's total for the
data-quality check.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, cast

from fraud_platform.lake import DATA_FILE, KINDS, MANIFEST_FILE, RAW_ROOT, raw_dir, staging_dir
from fraud_platform.webhdfs import WebHdfs
from spark_jobs.errors import DayNotServedError, ExtractError

Kind = Literal["transactions", "labels"]
MAX_PAGES = 10_000  # a loop guard: a token that never ends is an API bug
# Days extracted at once by ``extract_days``: the API serialises one day while HDFS writes another
# (measured on 2 cores, 116 day-extracts: 1 at a time 163 s; see BENCHMARKS.md "Bulk extract").
DEFAULT_WORKERS = 4


@dataclass(frozen=True)
class ApiSource:
    base_url: str  # http://127.0.0.1:8000
    token: str
    timeout: float = 30.0

    def __repr__(self) -> str:
        return f"ApiSource(base_url={self.base_url!r}, token=<hidden>)"


@dataclass(frozen=True)
class ExtractResult:
    kind: str
    dt: str
    path: str  # the HDFS folder
    total: int  # what the API reported
    rows: int  # what was written
    pages: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def fetch_day(source: ApiSource, kind: Kind, dt: date) -> tuple[list[Any], int, int]:
    """All rows of ``kind`` for ``dt``: ``(rows, total, pages)``; a day the API covers without rows -> no rows.
    404 (the API has no data for that date) raises ``DayNotServedError`` with the API's message: a run that
    loaded nothing must not end green. Anything else the client gives up on (unreachable, 5xx after its
    retries, 409 labels not yet published, 4xx) raises, so that the task's retries and failure e-mail apply."""
    from fraud_platform.api_client import NoDataError, TransactionsApiClient

    client = TransactionsApiClient(source.base_url, source.token, timeout=source.timeout)
    rows: list[Any] = []
    total, pages = 0, 0
    try:
        for page in client.pages(kind, dt):
            pages += 1
            if pages > MAX_PAGES:
                raise ExtractError(f"/v1/{kind} for {dt}: more than {MAX_PAGES} pages")
            if not isinstance(page.rows, list):
                raise ExtractError(f"/v1/{kind} for {dt} page {pages}: '{kind}' is not a list")
            rows.extend(page.rows)
            total = page.total
    except NoDataError as exc:
        raise DayNotServedError(str(exc)) from exc
    if len(rows) != total:
        raise ExtractError(f"/v1/{kind} for {dt}: got {len(rows)} rows over {pages} pages, API total is {total}")
    return rows, total, pages


def write_raw(hdfs: WebHdfs, kind: Kind, dt: date, rows: list[Any], *, total: int, pages: int,
              root: str = RAW_ROOT) -> ExtractResult:
    """Replace ``<root>/<kind>/dt=<dt>/`` with the rows as JSONL plus ``_manifest.json``."""
    target = raw_dir(kind, dt, root)
    staging = staging_dir(kind, dt, uuid.uuid4().hex[:8], root)
    body = "".join(json.dumps(row, separators=(",", ":"), ensure_ascii=False) + "\n" for row in rows)
    manifest = {"kind": kind, "dt": dt.isoformat(), "total": total, "rows": len(rows), "pages": pages,
                "extracted_at": datetime.now(UTC).isoformat()}
    hdfs.mkdirs(staging)
    hdfs.create(f"{staging}/{DATA_FILE}", body.encode("utf-8"))
    hdfs.create(f"{staging}/{MANIFEST_FILE}", json.dumps(manifest).encode("utf-8"))
    hdfs.delete(target, recursive=True)
    if not hdfs.rename(staging, target):
        raise ExtractError(f"could not move {staging} to {target}")
    return ExtractResult(kind, dt.isoformat(), target, total, len(rows), pages)


def extract_day(source: ApiSource, hdfs: WebHdfs, kind: Kind, dt: date, *, root: str = RAW_ROOT) -> ExtractResult:
    """Fetch ``kind`` for ``dt`` from the API and replace its raw folder on HDFS."""
    rows, total, pages = fetch_day(source, kind, dt)
    return write_raw(hdfs, kind, dt, rows, total=total, pages=pages, root=root)


def extract_days(source: ApiSource, hdfs: WebHdfs, days: Sequence[date], kinds: Sequence[Kind] | None = None, *,
                 root: str = RAW_ROOT, workers: int = DEFAULT_WORKERS) -> Iterator[ExtractResult]:
    """``extract_day`` for every kind of every day, ``workers`` at a time; yields each result as it finishes
    (any order). The first failure stops the rest (what has not started is cancelled; what is running
    finishes) and is raised: each day's folder is replaced whole, so a rerun simply repeats the range."""
    jobs = [(kind, dt) for dt in days for kind in (kinds or cast(tuple[Kind, ...], KINDS))]
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="extract") as pool:
        pending: set[Future[ExtractResult]] = {pool.submit(extract_day, source, hdfs, kind, dt, root=root)
                                               for kind, dt in jobs}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()
