"""The Streamlit live-alerts page: `streamlit run apps/alerts/page.py`.

Settings are read once (cached for the server's life); the page re-runs every UI_REFRESH_SECONDS:

1. KPIs from Prometheus (tx/s, alert rate, p99 decision latency); "unknown" when it does not answer.
2. A day picker, by default the UTC day of the newest decision (event time), so a replayed or simulated
   stream (2018 event times) shows without picking; an empty database says so.
3. The day's newest UI_ALERTS_LIMIT alerts, filtered by decision and reason, and decisions per minute over
   the hour up to now (today) or up to the newest alert shown (another day).
4. A customer's latest transactions with their decisions, on demand.

Cassandra down: an error on the page, and the next rerun reconnects (no restart needed).

Nothing shows before the user signs in with UI_USERNAME / UI_PASSWORD (generated into .env by setup); with
no password set, nobody can.
"""

from __future__ import annotations

import hmac
from datetime import UTC, date, datetime

import pandas as pd
import streamlit as st

from apps.alerts.errors import StoreUnavailable
from apps.alerts.store import ALERT_DECISIONS, DRIVER_ERRORS, Alert, AlertStore, StoreConnection
from fraud_platform.config import PlatformConfig, load_config
from fraud_platform.live_metrics import ALERT_RATE, QUERIES, prometheus_url, query_values

KPIS = {"tx_per_s": QUERIES["tx_per_s"], "alert_rate": ALERT_RATE, "p99_ms": QUERIES["p99_ms"]}
PROMETHEUS_TIMEOUT = 2.0  # seconds; the page refreshes every few seconds
DRILL_DOWN_LIMIT = 50
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)  # Streamlit's default span is only 10 years around it
EMPTY_DATABASE = "No decisions stored yet: start a stream (`./fraudctl stream`) and they appear here."


@st.cache_resource(on_release=lambda platform: platform[1].reset())  # the driver's threads end with it
def _platform() -> tuple[PlatformConfig, StoreConnection]:
    config = load_config()
    return config, StoreConnection(config.endpoints.cassandra,
                                   login=config.endpoints.cassandra_login)


def kpis(config: PlatformConfig) -> None:
    import requests

    prometheus = prometheus_url(config)
    try:
        values = query_values(prometheus, KPIS, PROMETHEUS_TIMEOUT)
    except (requests.RequestException, KeyError, ValueError) as exc:
        values = {}
        st.caption(f"KPIs unknown: Prometheus at {prometheus} does not answer ({exc.__class__.__name__})")

    def shown(name: str, fmt: str) -> str:
        value = values.get(name)
        return "unknown" if value is None else format(value, fmt)

    left, middle, right = st.columns(3)
    left.metric("tx/s (1 min)", shown("tx_per_s", ",.1f"))
    middle.metric("alert rate (5 min)", shown("alert_rate", ".2%"))
    right.metric("p99 decision latency (5 min)", f"{shown('p99_ms', ',.0f')} ms" if values.get("p99_ms") is not None
                 else "unknown")


def alerts_view(store: AlertStore, config: PlatformConfig, now: datetime) -> None:
    days = store.decision_days()
    if not days:
        st.info(EMPTY_DATABASE)
    day: date = st.date_input("Day (UTC)", value=days[0] if days else now.date(), min_value=FIRST_DAY,
                              max_value=LAST_DAY, key="day")
    alerts = store.recent_alerts(day, config.settings.ui.alerts_limit)
    decisions = st.multiselect("Decision", ALERT_DECISIONS, default=list(ALERT_DECISIONS), key="decision")
    reasons = st.multiselect("Reason", sorted({r for a in alerts for r in a.reasons}), key="reason",
                             placeholder="every reason")
    shown = [a for a in alerts if a.decision in decisions and (not reasons or set(reasons) & set(a.reasons))]
    st.caption(f"{len(shown)} of the day's {len(alerts)} newest alerts (at most {config.settings.ui.alerts_limit})")
    st.subheader(f"Alerts of {day}, newest first")
    if shown:
        newest = shown[0]
        st.markdown(f"**Newest alert:** customer {newest.customer_id} · {newest.decision} · "
                    f"{', '.join(newest.reasons) or 'no reason'} · {newest.event_time:%Y-%m-%d %H:%M:%S} UTC · "
                    f"transaction `{newest.transaction_id}`")
        blocked = sum(alert.decision == "block" for alert in shown)
        left, right = st.columns(2)
        left.metric("blocked", blocked)
        right.metric("in review", len(shown) - blocked)
        st.dataframe(_table(shown), width="stretch", hide_index=True)
    else:
        st.info(f"No alerts on {day}" + (" matching the filters." if alerts else "."))
    until = now if day == now.date() or not alerts else alerts[0].event_time.replace(tzinfo=UTC)
    per_minute = store.decisions_per_minute(until, 60)
    chart = pd.DataFrame([{"minute": start, **counts} for start, counts in per_minute]).set_index("minute")
    st.subheader(f"Decisions per minute (the hour up to {until:%Y-%m-%d %H:%M} UTC)")
    st.bar_chart(chart.fillna(0))


def customer_view(store: AlertStore) -> None:
    st.subheader("Customer drill-down")
    customer = st.number_input("Customer id", min_value=0, step=1, value=None, placeholder="look up a customer",
                               key="customer")
    if customer is None:
        return
    rows = store.customer_decisions(int(customer), DRILL_DOWN_LIMIT)
    if rows:
        st.dataframe(pd.DataFrame(rows), width="stretch", hide_index=True)
    else:
        st.info(f"No transactions of customer {int(customer)}.")


def render(config: PlatformConfig, connection: StoreConnection) -> None:
    now = datetime.now(UTC)
    st.title("Live fraud alerts")
    st.caption(f"UTC {now:%Y-%m-%d %H:%M:%S} · refreshes every {config.settings.ui.refresh_seconds:g} s")
    kpis(config)
    try:
        store = connection.store()
        try:
            alerts_view(store, config, now)
            customer_view(store)
        except DRIVER_ERRORS as exc:
            raise connection.unavailable(exc) from exc
    except StoreUnavailable as exc:
        st.error(f"{exc}. Retrying on the next refresh.")


def signed_in(config: PlatformConfig) -> bool:
    """The sign-in form until the session has signed in with the UI credentials."""
    if st.session_state.get("signed_in"):
        return True
    ui = config.settings.ui
    st.title("Live fraud alerts")
    if ui.password is None:
        st.error("UI_PASSWORD is not set in .env: run `./fraudctl setup` (it generates one), then sign in.")
        return False
    with st.form("sign-in"):
        user = st.text_input("User", key="user")
        password = st.text_input("Password", type="password", key="password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        expected = ui.password.get_secret_value().encode()
        if hmac.compare_digest(user.encode(), ui.username.encode()) & hmac.compare_digest(password.encode(), expected):
            st.session_state["signed_in"] = True
            st.rerun()
        st.error("Wrong user or password.")
    return False


def _table(alerts: list[Alert]) -> pd.DataFrame:
    return pd.DataFrame([{**alert.__dict__, "reasons": ", ".join(alert.reasons)} for alert in alerts])


st.set_page_config(page_title="Fraud alerts", layout="wide")
_CONFIG, _CONNECTION = _platform()


@st.fragment(run_every=_CONFIG.settings.ui.refresh_seconds)
def _live() -> None:
    render(_CONFIG, _CONNECTION)


if signed_in(_CONFIG):
    _live()
