"""The live-alerts page in a real browser (headless Chromium): a user signs in with the .env credentials,
and a transaction published now with a blocking pattern (a new card's burst of purchases: velocity) shows
as the newest alert. How long that took is printed and recorded (BENCHMARKS.md), not asserted: the page
refreshes every UI_REFRESH_SECONDS. A screenshot goes to docs/screenshots/alerts-ui.png (in the README)."""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.browser import chromium, screenshot, wait_until
from tests.support.stream import admin_access


@pytest.fixture(scope="module")
def page(start_full) -> dict[str, object]:
    return start_full("alerts-ui", "scorer", "persister", "prometheus")


def _publish_burst(ctx, bootstrap: str, customer: int, count: int = 8) -> list[str]:
    """``count`` purchases by one new customer at one terminal within seconds, ending now: velocity."""
    from consumers import kafka_io
    from fraud_domain import topics
    from fraud_domain.schema import TransactionEvent, event_to_json
    from fraud_domain.tokenise import Tokeniser

    tok = Tokeniser(ctx.settings.tokenisation.key.get_secret_value().encode())
    card, ip = tok.card(f"4{random.randrange(10**14, 10**15):015d}"), tok.ip("10.9.8.7")
    now = datetime.now(UTC)
    producer = kafka_io.producer(bootstrap, access=admin_access(), client_id="browser-test")
    ids = []
    for i in range(count):
        event = TransactionEvent(
            transaction_id=str(uuid.uuid4()), event_time=now - timedelta(seconds=count - i), customer_id=customer,
            card_token=card, terminal_id=424242, merchant_category="5411", amount=42.0 + i, currency="EUR",
            channel="pos", device_id="browser-test-device", ip_token=ip, terminal_lat=45.5, terminal_lon=5.5,
            customer_lat=45.51, customer_lon=5.49)
        producer.send(topics.TRANSACTIONS, key=str(customer).encode(), value=event_to_json(event))
        ids.append(event.transaction_id)
    producer.flush()
    producer.close()
    return ids


def test_a_signed_in_user_sees_a_blocking_transaction_published_now(page, platform, ctx, kafka_bootstrap) -> None:
    from selenium.webdriver.common.by import By

    ui = page["alerts-ui"]
    with chromium() as browser:
        browser.get(ui.url())
        user = wait_until(lambda: browser.find_element(By.CSS_SELECTOR, "input[aria-label='User']"), 60,
                          "the sign-in form (Streamlit's websocket)")
        assert "Alerts of" not in browser.find_element(By.TAG_NAME, "body").text  # nothing before signing in
        screenshot(browser, "alerts-ui-sign-in")
        user.send_keys(ctx.settings.ui.username)
        password = browser.find_element(By.CSS_SELECTOR, "input[aria-label='Password']")
        password.send_keys(ctx.settings.ui.password.get_secret_value())
        browser.find_element(By.XPATH, "//button[.//p[text()='Sign in']]").click()
        wait_until(lambda: "Alerts of" in browser.find_element(By.TAG_NAME, "body").text, 60, "the signed-in page")

        customer = random.randrange(900_000_000, 999_999_999)
        live = platform.supervisor.is_up("stream-producer")
        platform.supervisor.stop("stream-producer")  # ours must be the newest alert of the day
        try:
            time.sleep(1.0)
            published = time.monotonic()
            _publish_burst(ctx, kafka_bootstrap, customer)
            self_check = _newest_alert_check(browser, customer)
            wait_until(self_check, 120, f"customer {customer}'s blocked transaction as the newest alert")
            seconds = time.monotonic() - published
            print(f"\npublished now -> shown as the newest alert in the browser after {seconds:.1f} s "
                  f"(page refresh every {ctx.settings.ui.refresh_seconds:g} s)")
            time.sleep(1.0)  # the chart and the table finish drawing
            screenshot(browser, "alerts-ui")
        finally:
            if live:
                platform.supervisor.start("stream-producer")


def _newest_alert_check(browser, customer: int):
    from selenium.webdriver.common.by import By

    def newest_is_ours() -> bool:
        return f"Newest alert: customer {customer} · block" in browser.find_element(By.TAG_NAME, "body").text

    return newest_is_ours
