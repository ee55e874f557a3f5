"""Simulated rows -> ``TransactionEvent`` (for ``transaction_topic``) and ``Label`` (for ``fraud_labels``).

Everything an event needs beyond the handbook's columns is derived deterministically from the run's
``run_id``: transaction ids (uuid5), a card number per customer and an IP per device (tokenised at once,
never kept), device ids, coordinates from the grid. The label is returned beside the event, never in it.
"""

import hashlib
import ipaddress
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

from fraud_domain.errors import EventValidationError
from fraud_domain.schema import Label, TransactionEvent
from fraud_domain.simulator.dataset import Simulation
from fraud_domain.tokenise import Tokeniser
from fraud_domain.utc import UTC

ID_NAMESPACE = uuid.UUID("6f1f8c7e-3a0b-5d2e-9c41-7d2a5e0f3b19")  # fixed: ids are stable across releases
CHUNK_ROWS = 50_000
_IP_BASE = int(ipaddress.IPv4Address("100.64.0.0"))  # shared address space (RFC 6598): clearly synthetic


def _digest(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


def card_number(run_id: str, customer: int) -> str:
    """A deterministic, Luhn-valid 16-digit test card number for a simulated customer."""
    body = "4" + f"{_digest(run_id, 'card', customer) % 10**14:014d}"
    total = 0
    for i, ch in enumerate(reversed(body)):  # Luhn: double every second digit from the right of the body
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def device_id(run_id: str, customer: int, slot: int) -> str:
    """The customer's usual device for ``slot`` 0, a new device otherwise. Two 8-hex halves joined by a
    letter: never a 12-digit run, which the schema would take for a card number (``fraud_domain.pii``)."""
    digest = _digest(run_id, "device", customer, slot)
    return f"dev-{digest >> 32 & 0xFFFFFFFF:08x}x{digest & 0xFFFFFFFF:08x}"


def ip_address(run_id: str, customer: int, slot: int) -> str:
    """A synthetic IPv4 address per (customer, device)."""
    return str(ipaddress.IPv4Address(_IP_BASE + _digest(run_id, "ip", customer, slot) % (1 << 22)))


def transaction_uuid(run_id: str, row_id: int) -> str:
    """Deterministic transaction id of a simulated row."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{run_id}:{row_id}"))


def iter_events(sim: Simulation, tokeniser: Tokeniser,
                rejected: Counter[str] | None = None) -> Iterator[tuple[TransactionEvent, Label]]:
    """Yield ``(event, label)`` per row of ``sim.transactions``, in row (time) order.

    ``label.reported_at = event_time + config.label_delay``: publish it no earlier than that. A row the event
    schema rejects (a replayed dataset's zero amount, say) raises ``EventValidationError``, or - given a
    ``rejected`` counter - is skipped with its label and counted there by the field it fails on.
    """
    cfg, prof, df, run_id = sim.config, sim.profiles, sim.transactions, sim.run_id
    t_lat, t_lon = cfg.projection.to_latlon(prof.terminal_x, prof.terminal_y)
    c_lat, c_lon = cfg.projection.to_latlon(prof.customer_x, prof.customer_y)
    cards: dict[int, str] = {}
    devices: dict[tuple[int, int], tuple[str, str]] = {}
    start = datetime(cfg.start_date.year, cfg.start_date.month, cfg.start_date.day, tzinfo=UTC)
    columns = ("TRANSACTION_ID", "TX_TIME_SECONDS", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD",
               "TX_FRAUD_SCENARIO", "DEVICE_SLOT")
    for lo in range(0, len(df), CHUNK_ROWS):  # Python objects for one chunk at a time: a live day is millions
        chunk = df.iloc[lo:lo + CHUNK_ROWS]
        t_idx, c_idx = chunk["TERMINAL_ID"].to_numpy(), chunk["CUSTOMER_ID"].to_numpy()
        looked_up = (t_lat[t_idx], t_lon[t_idx], c_lat[c_idx], c_lon[c_idx], prof.terminal_mcc[t_idx],
                     prof.terminal_channel[t_idx])
        yield from _chunk_events(zip(*(chunk[k].tolist() for k in columns), *(a.tolist() for a in looked_up),
                                     strict=True), cfg, run_id, start, tokeniser, cards, devices, rejected)


def _chunk_events(rows, cfg, run_id: str, start: datetime, tokeniser: Tokeniser, cards: dict[int, str],
                  devices: dict[tuple[int, int], tuple[str, str]],
                  rejected: Counter[str] | None) -> Iterator[tuple[TransactionEvent, Label]]:
    for row_id, seconds, c, t, amount, fraud, scenario, slot, t_lat, t_lon, c_lat, c_lon, mcc, channel in rows:
        card = cards.get(c)
        if card is None:
            card = cards[c] = tokeniser.card(card_number(run_id, c))
        device = devices.get((c, slot))
        if device is None:
            ip_token = tokeniser.ip(ip_address(run_id, c, slot))
            device = devices[c, slot] = (device_id(run_id, c, slot), ip_token)
        tx_id = transaction_uuid(run_id, row_id)
        when = start + timedelta(seconds=seconds)
        try:
            event = TransactionEvent(
                transaction_id=tx_id, event_time=when, customer_id=c, card_token=card, terminal_id=t,
                merchant_category=mcc, amount=amount, currency=cfg.currency, channel=channel,
                device_id=device[0], ip_token=device[1], terminal_lat=t_lat, terminal_lon=t_lon,
                customer_lat=c_lat, customer_lon=c_lon,
            )
        except EventValidationError as exc:
            if rejected is None:
                raise
            rejected[exc.field] += 1
            continue
        label = Label(transaction_id=tx_id, event_time=when, customer_id=c, terminal_id=t,
                      is_fraud=bool(fraud), scenario=scenario, reported_at=when + cfg.label_delay)
        yield event, label
