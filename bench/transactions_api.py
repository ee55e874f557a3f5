"""Transactions API benchmark: start-up, and pages/s and rows/s over one whole day.

    python bench/transactions_api.py [--day 2018-05-02] [--runs 3] [--days 116]

Starts its own API process on a free port (same settings as `.env`, simulator history), measures the time
to a healthy `/healthz` and the RSS after start, then reads every page of the day through the client:
first pass cold (the day is serialised on first request), then warm passes (served from the cache). The raw
baseline is the same day turned into event JSON in-process (iter_events + event_to_json, no HTTP), measured
in the same run. ``--days N`` then reads N consecutive days from ``--day`` on, 4 at a time (as the bootstrap
DAG's extracts do), and reports the resident memory after them: a long-running API must not keep what it
served. Prints Markdown rows for BENCHMARKS.md. Run with the platform venv's python from the checkout
(PYTHONPATH=.; `./fraudctl benchmark transactions_api` does both).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import requests

from fraud_platform.api_client import TransactionsApiClient

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _read_day(client: TransactionsApiClient, day: date) -> tuple[int, int, float]:
    started = time.perf_counter()
    pages = rows = 0
    for page in client.pages("transactions", day):
        pages, rows = pages + 1, rows + len(page.rows)
    return pages, rows, time.perf_counter() - started


def _raw_baseline(day: date) -> tuple[int, float]:
    from apps.transactions_api.dataset import simulated
    from fraud_domain.schema import event_to_json
    from fraud_domain.simulator import Simulation, iter_events
    from fraud_domain.tokenise import Tokeniser

    sim = simulated(date(2018, 4, 1), date(2018, 9, 30), 0, timedelta(days=7), False)
    df = sim.transactions
    i = (day - date(2018, 4, 1)).days
    rows = df[(df["TX_TIME_SECONDS"] // 86_400) == i]
    started = time.perf_counter()
    out = [event_to_json(ev) for ev, _ in iter_events(Simulation(sim.config, sim.profiles, rows), Tokeniser(b"k" * 32))]
    return len(out), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2018, 5, 2))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--days", type=int, default=0, help="Then read this many days, 4 at a time (0: skip).")
    args = parser.parse_args()
    port, token = _free_port(), "bench-token"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FRAUD_ROOT": str(ROOT), "API_PORT": str(port), "API_TOKEN": token}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "apps.transactions_api"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                if proc.poll() is not None or time.perf_counter() - started > 120:
                    raise SystemExit("the API did not start") from None
                time.sleep(0.05)
        startup, rss_start = time.perf_counter() - started, _rss_mib(proc.pid)
        client = TransactionsApiClient(f"http://127.0.0.1:{port}", token)
        cold = _read_day(client, args.day)
        warm = min((_read_day(client, args.day) for _ in range(args.runs)), key=lambda r: r[2])
        rss_after = _rss_mib(proc.pid)
        if args.days:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda d: _read_day(client, d), [args.day + timedelta(days=i) for i in range(args.days)]))
            rss_days = _rss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    raw_rows, raw_seconds = _raw_baseline(args.day)
    print(f"| API start-up to healthy `/healthz` (simulate 183 days) | {startup:.1f} s |")
    print(f"| API RSS after start / after serving {args.day} | {rss_start:.0f} MiB / {rss_after:.0f} MiB |")
    if args.days:
        print(f"| API RSS after serving {args.days} days from {args.day}, 4 at a time | {rss_days:.0f} MiB |")
    for name, (pages, rows, seconds) in (("cold (serialised on first request)", cold), ("warm (cached)", warm)):
        print(f"| {args.day} {name}: {pages} pages, {rows} rows | {seconds:.2f} s = {pages / seconds:.1f} pages/s, "
              f"{rows / seconds:,.0f} rows/s |")
    print(f"| raw baseline: same day to event JSON in-process, no HTTP | {raw_seconds:.2f} s = "
          f"{raw_rows / raw_seconds:,.0f} rows/s (API cold = {raw_seconds / cold[2]:.2f}× of raw) |")


if __name__ == "__main__":
    main()
