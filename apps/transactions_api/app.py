"""The FastAPI app: `/v1/transactions` and `/v1/labels` by date (paginated, bearer token), `/healthz`,
`/metrics`, and FastAPI's OpenAPI spec at `/openapi.json`."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from apps.transactions_api.errors import PageTokenError
from apps.transactions_api.metrics import ApiMetrics
from apps.transactions_api.paging import page
from apps.transactions_api.source import HistorySource, Rows


@dataclass(frozen=True)
class ApiConfig:
    token: str
    page_size: int
    label_delay_days: int
    as_of: Callable[[], date]  # "today" for label availability


class TransactionsPage(BaseModel):
    date: str
    transactions: list[dict]  # fraud_domain TransactionEvent JSON objects
    next_page_token: str | None
    total: int  # rows on this date, over all pages


class LabelsPage(BaseModel):
    date: str
    labels: list[dict]  # fraud_domain Label JSON objects
    next_page_token: str | None
    total: int


DATE_HELP = "UTC calendar date, YYYY-MM-DD"

_BEARER = HTTPBearer(auto_error=False)  # our own 401 message instead of FastAPI's 403
TOKEN_HELP = "next_page_token of the previous page; omit for the first page"


def create_app(source: HistorySource, config: ApiConfig) -> FastAPI:
    metrics = ApiMetrics()
    app = FastAPI(title="Transactions API", version="1",
                  description="Daily card transactions and delayed chargeback labels (the batch layer's source).")
    app.middleware("http")(metrics.middleware)
    def authorise(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]) -> None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(401, "missing bearer token (Authorization: Bearer <API_TOKEN>)",
                                headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(credentials.credentials.encode(), config.token.encode()):
            raise HTTPException(401, "invalid bearer token", headers={"WWW-Authenticate": "Bearer"})

    # The date's format and the served days' bounds, declared in the OpenAPI document (clients and fuzzers
    # try real days) and checked by the handlers themselves: a malformed date is a 400 naming it, not
    # FastAPI's generic 422.
    date_schema = {"format": "date", "examples": [source.first.isoformat(), source.last.isoformat()]}

    def served_day(raw: str) -> date:
        try:
            day = date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise HTTPException(400, f"date must be a calendar date YYYY-MM-DD (got {raw!r})")
        if not source.covers(day):
            raise HTTPException(404, f"no data for {day} (dataset covers {source.describe()})")
        return day

    def body(kind: str, day: date, rows: Rows, token: str | None) -> Response:
        total = len(rows)
        try:
            p = page(total, config.page_size, source.fingerprint, day, token)
        except PageTokenError as exc:
            raise HTTPException(400, str(exc)) from None
        metrics.rows.labels(kind).inc(p.end - p.offset)
        head = f'{{"date":"{day.isoformat()}","{kind}":['.encode()
        tail = f'],"next_page_token":{json.dumps(p.next_token)},"total":{total}}}'.encode()
        return Response(head + rows.joined(p.offset, p.end) + tail, media_type="application/json")

    @app.get("/v1/transactions", response_model=TransactionsPage, dependencies=[Depends(authorise)],
             responses={400: {}, 401: {}, 404: {}})
    def transactions(date: str = Query(..., description=DATE_HELP, json_schema_extra=date_schema),
                     page_token: str | None = Query(None, description=TOKEN_HELP)) -> Response:
        """One page of a day's transactions (tokenised; never the fraud label), in a stable order."""
        day = served_day(date)
        return body("transactions", day, source.events(day), page_token)

    @app.get("/v1/labels", response_model=LabelsPage, dependencies=[Depends(authorise)],
             responses={400: {}, 401: {}, 404: {}, 409: {"description": "labels not available yet"}})
    def labels(date: str = Query(..., description=DATE_HELP, json_schema_extra=date_schema),
               page_token: str | None = Query(None, description=TOKEN_HELP)) -> Response:
        """One page of a day's chargeback labels, served only once the label delay has passed."""
        day = served_day(date)
        available = day + timedelta(days=config.label_delay_days)
        today = config.as_of()
        if available > today:
            raise HTTPException(409, f"labels for {day} become available on {available} "
                                     f"(label delay {config.label_delay_days} days; today is {today})")
        return body("labels", day, source.labels(day), page_token)

    @app.get("/healthz")
    def healthz() -> dict[str, object]:
        return {"status": "ok", "dataset": source.describe(), "fingerprint": source.fingerprint}

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> Response:
        return metrics.exposition()

    return app
