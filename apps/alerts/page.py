"""The Streamlit live-alerts page: `streamlit run apps/alerts/page.py`.

Reads settings once (cached for the server's life), then re-runs every UI_REFRESH_SECONDS: today's alerts
(newest first), decisions per minute over the last hour, and one customer's history on demand.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from apps.alerts.store import AlertStore
from fraud_platform.config import PlatformConfig, load_config


@st.cache_resource
def _store() -> tuple[AlertStore, PlatformConfig]:
    from fraud_platform.clients import cassandra_cluster

    ctx = load_config()
    cluster = cassandra_cluster(ctx.endpoints.cassandra_points, ctx.endpoints.cassandra_port)
    return AlertStore(cluster.connect()), ctx


def render(store: AlertStore, ctx: PlatformConfig) -> None:
    now = datetime.now(UTC)
    st.title("Live fraud alerts")
    st.caption(f"UTC {now:%Y-%m-%d %H:%M:%S} · refreshes every {ctx.settings.ui.refresh_seconds:g} s")

    alerts = store.recent_alerts(now.date(), ctx.settings.ui.alerts_limit)
    blocked = sum(alert.decision == "block" for alert in alerts)
    left, middle, right = st.columns(3)
    left.metric("alerts today (shown)", len(alerts))
    middle.metric("blocked", blocked)
    right.metric("in review", len(alerts) - blocked)

    per_minute = store.decisions_per_minute(now, 60)
    chart = pd.DataFrame([{"minute": start, **counts} for start, counts in per_minute]).set_index("minute")
    st.subheader("Decisions per minute (last hour)")
    st.bar_chart(chart.fillna(0))

    st.subheader("Alerts, newest first")
    st.dataframe(pd.DataFrame([alert.__dict__ for alert in alerts]), width="stretch", hide_index=True)

    customer = st.number_input("Customer id", min_value=0, step=1, value=None, placeholder="look up a customer")
    if customer is not None:
        st.dataframe(pd.DataFrame(store.customer_transactions(int(customer))), width="stretch", hide_index=True)


st.set_page_config(page_title="Fraud alerts", layout="wide")
_STORE, _CTX = _store()


@st.fragment(run_every=_CTX.settings.ui.refresh_seconds)
def _live() -> None:
    render(_STORE, _CTX)


_live()
