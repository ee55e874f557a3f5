"""A small client of the transactions API. It imports only `requests` and the standard library, because it
also runs inside the Airflow venv (the extract task of `transactions_daily`).

    client = TransactionsApiClient("http://127.0.0.1:8000", token)
    for page in client.pages("transactions", date(2018, 5, 2)): ...
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import requests

from fraud_platform.lake import KINDS

RETRY_STATUSES = frozenset({500, 502, 503, 504})


class ApiClientError(Exception):
    """The API refused a request or stayed unreachable; the message names the date and the reason."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NoDataError(ApiClientError):
    """404: the API has no data for that date."""


class NotYetAvailableError(ApiClientError):
    """409: labels of that date are not published yet (the label delay has not passed)."""


@dataclass(frozen=True)
class ApiPage:
    day: date
    rows: list[dict[str, Any]]
    total: int  # rows on the whole date
    next_page_token: str | None


@dataclass
class TransactionsApiClient:
    base_url: str
    token: str
    timeout: float = 30.0
    retries: int = 5  # attempts after the first, on connection errors and 5xx
    backoff: float = 0.5  # seconds, doubled per attempt
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def page(self, kind: str, day: date, page_token: str | None = None) -> ApiPage:
        """One page of `kind` ("transactions" or "labels") for `day`."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        params = {"date": day.isoformat()} | ({"page_token": page_token} if page_token else {})
        body = self._get(f"/v1/{kind}", params, day)
        return ApiPage(day, body[kind], int(body["total"]), body["next_page_token"])

    def dataset(self) -> tuple[date, date] | None:
        """The first and last day the API serves (``/healthz``'s ``dataset``: ``"first..last"``); None when
        it does not say (an upstream that does not describe itself)."""
        try:
            response = self.session.get(self.base_url.rstrip("/") + "/healthz", timeout=self.timeout)
            response.raise_for_status()
            described = response.json().get("dataset")
        except (requests.RequestException, ValueError, AttributeError) as exc:
            raise ApiClientError(f"/healthz: the API at {self.base_url} does not answer "
                                 f"({exc.__class__.__name__}: {exc})") from exc
        return parse_dataset(described)

    def pages(self, kind: str, day: date) -> Iterator[ApiPage]:
        """Every page of `kind` for `day`, in order."""
        token: str | None = None
        while True:
            current = self.page(kind, day, token)
            yield current
            token = current.next_page_token
            if token is None:
                return

    def rows(self, kind: str, day: date) -> Iterator[dict[str, Any]]:
        for current in self.pages(kind, day):
            yield from current.rows

    def _get(self, path: str, params: dict[str, str], day: date) -> dict[str, Any]:
        url = self.base_url.rstrip("/") + path
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
            except requests.RequestException as exc:
                if last:
                    raise ApiClientError(f"{path} for {day}: API unreachable at {self.base_url} "
                                         f"after {self.retries + 1} attempts ({exc.__class__.__name__})") from exc
            else:
                if response.status_code == 200:
                    return response.json()
                if response.status_code not in RETRY_STATUSES or last:
                    raise _error(path, day, response)
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def parse_dataset(described: object) -> tuple[date, date] | None:
    """``"2018-04-01..2018-09-30"`` -> the two dates; anything else -> None."""
    if not isinstance(described, str) or ".." not in described:
        return None
    try:
        first, last = (date.fromisoformat(part) for part in described.split("..", 1))
    except ValueError:
        return None
    return first, last


def _error(path: str, day: date, response: requests.Response) -> ApiClientError:
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text[:200]
    status = response.status_code
    cls = {404: NoDataError, 409: NotYetAvailableError}.get(status, ApiClientError)
    return cls(f"{path} for {day}: HTTP {status}: {detail}", status)
