"""Page tokens: opaque, stable, and refused when they belong to another date or dataset."""

from __future__ import annotations

from datetime import date

import pytest

from apps.transactions_api.errors import PageTokenError
from apps.transactions_api.paging import decode_token, encode_token, page

DAY = date(2018, 5, 2)


def test_pages_tile_the_day_exactly() -> None:
    token, seen = None, []
    while True:
        p = page(2_501, 1_000, "fp", DAY, token)
        seen.append((p.offset, p.end))
        token = p.next_token
        if token is None:
            break
    assert seen == [(0, 1000), (1000, 2000), (2000, 2501)]


def test_an_empty_day_is_one_empty_page() -> None:
    p = page(0, 1_000, "fp", DAY, None)
    assert (p.offset, p.end, p.next_token) == (0, 0, None)


def test_a_token_round_trips_and_is_opaque() -> None:
    token = encode_token("fp", DAY, 1000)
    assert "2018" not in token and "=" not in token
    assert decode_token(token, "fp", DAY) == 1000


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("garbage!", "not a token this API issued"),
        (encode_token("fp", date(2018, 5, 3), 1000), "belongs to date 2018-05-03, not 2018-05-02"),
        (encode_token("other", DAY, 1000), "another dataset"),
        (encode_token("fp", DAY, 0), "not a token this API issued"),
        (encode_token("fp", DAY, -5), "not a token this API issued"),
    ],
)
def test_foreign_or_forged_tokens_are_refused(token: str, message: str) -> None:
    with pytest.raises(PageTokenError, match=message):
        decode_token(token, "fp", DAY)


def test_a_token_past_the_end_is_refused() -> None:
    with pytest.raises(PageTokenError, match="past the end of 2018-05-02"):
        page(10, 5, "fp", DAY, encode_token("fp", DAY, 10))
