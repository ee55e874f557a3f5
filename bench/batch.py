"""Batch-layer benchmarks: one day into Hive, one training run on a week, a 30-day backfill through Airflow.

    PYTHONPATH=. python bench/batch.py day      # one simulated day (2018-05-02): raw JSONL on HDFS -> load_day
    PYTHONPATH=. python bench/batch.py day --api http://127.0.0.1:8000   # the same, extracted from the API
    PYTHONPATH=. python bench/batch.py train    # loads 58 days, builds features for 21, then times train_model alone
    PYTHONPATH=. python bench/batch.py backfill --days 30   # transactions_daily catching up 30 days (scheduler)

``day`` is one DAG run's work: transactions and labels to HDFS, then the ``load_day`` Spark job (both
tables, validated, deduplicated, written and quality-checked). ``day`` and ``train`` run against the core
platform in an isolated Hive database (``fraud_bench``) and HDFS roots under ``/tmp/bench-batch`` (the
platform's ``fraud`` tables and champion are untouched). ``backfill`` needs the full profile (Airflow, the
transactions API) and is the real pipeline writing the platform's ``fraud`` tables: it ends by comparing
every day's Hive counts with the API's. Run with the platform venv's python from the checkout; rows are
printed as Markdown for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bench._errors import BenchError
from bench._sandbox import Sandbox
from fraud_domain.simulator import SimulatorConfig
from fraud_platform.webhdfs import WebHdfs
from fraud_runtime.context import Context
from fraud_runtime.services.hdfs import NameNode
from spark_jobs.extract import ApiSource, extract_day, write_raw
from spark_jobs.protocol import Protocol
from spark_jobs.sample_data import sample_days

ROOT = Path(__file__).resolve().parents[1]
DAILY_DAG = "transactions_daily"
SANDBOX = Sandbox("fraud_bench", "/tmp/bench-batch")


def job(ctx: Context, name: str, *args: str) -> float:
    try:
        return SANDBOX.run(ctx, name, *args).seconds
    except BenchError as exc:
        sys.exit(str(exc))


def day(ctx: Context, hdfs: WebHdfs, api: str | None, token: str | None) -> None:
    dt = date(2018, 5, 2)
    if api:
        started = time.perf_counter()
        rows = {kind: extract_day(ApiSource(api, token or ""), hdfs, kind, dt, root=SANDBOX.raw_root).rows
                for kind in ("transactions", "labels")}
    else:
        data = sample_days(SimulatorConfig(n_days=32))  # the reference run's first month: ~10k tx/day
        lines = {"transactions": data.event_lines(dt), "labels": data.label_lines(dt)}
        started = time.perf_counter()  # the simulation is not part of the pipeline
        rows = {}
        for kind, kind_lines in lines.items():
            parsed = [json.loads(line) for line in kind_lines]
            rows[kind] = write_raw(hdfs, kind, dt, parsed, total=len(parsed), pages=1, root=SANDBOX.raw_root).rows
    extracted = time.perf_counter() - started
    loaded = job(ctx, "load_day", "--dt", dt.isoformat(), *SANDBOX.load_args())
    source = "API -> HDFS" if api else "JSONL -> HDFS (WebHDFS)"
    print(f"| one day ({rows['transactions']:,} tx + {rows['labels']:,} labels) | {source} {extracted:.1f} s; "
          f"load_day job (both tables + quality checks) {loaded:.1f} s | **{extracted + loaded:.1f} s** |")


def backfill(ctx: Context, days: int, token: str) -> None:
    """Unpause ``transactions_daily`` and let the scheduler catch up ``days`` daily runs (catchup from the
    DAG's start date, 2018-04-01, on a new platform; from where it stopped otherwise), pause it again, then
    check every day's Hive counts against the API's. Airflow 3 runs no backfill of a paused DAG, and
    unpausing a catchup DAG is how its history is backfilled."""
    from fraud_platform.api_client import TransactionsApiClient
    from fraud_platform.clients import hive_connection
    from fraud_runtime.services.hive import HiveServer2
    from fraud_runtime.services.transactions_api import TransactionsApi

    airflow = [str(ROOT / "fraudctl"), "airflow"]

    def scheduled_runs() -> list[dict]:
        listed = subprocess.run([*airflow, "dags", "list-runs", DAILY_DAG, "--output", "json"], check=True,
                                capture_output=True, text=True).stdout
        table = json.loads(next(line for line in listed.splitlines() if line.startswith("[")))
        return sorted((r for r in table if r["run_id"].startswith("scheduled__")), key=lambda r: r["logical_date"])

    known = {r["run_id"] for r in scheduled_runs()}
    started = time.perf_counter()
    subprocess.run([*airflow, "dags", "unpause", DAILY_DAG], check=True, capture_output=True)
    try:
        while True:
            new = [r for r in scheduled_runs() if r["run_id"] not in known][:days]
            done = [r for r in new if r["state"] in ("success", "failed")]
            print(f"\r{len(done)}/{days} runs done, {time.perf_counter() - started:.0f} s", end="", flush=True)
            if len(done) == days:
                break
            time.sleep(10)
    finally:
        subprocess.run([*airflow, "dags", "pause", DAILY_DAG], check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    print()
    failed = [r["logical_date"][:10] for r in done if r["state"] == "failed"]
    per_run = [_epoch(r["end_date"]) - _epoch(r["start_date"]) for r in done if r["state"] == "success"]
    dates = [date.fromisoformat(r["logical_date"][:10]) for r in done]
    api = TransactionsApiClient(TransactionsApi(ctx).base_url, token)
    server = HiveServer2(ctx)
    mismatched = []
    with hive_connection(server.server_host, ctx.settings.hive.hiveserver2_port,
                         login=ctx.endpoints.hive_login) as conn:
        cursor = conn.cursor()
        for kind in ("transactions", "labels"):
            cursor.execute(f"REFRESH TABLE fraud.{kind}")
            cursor.execute(f"SELECT dt, COUNT(*) FROM fraud.{kind} WHERE dt BETWEEN '{min(dates)}' AND "
                           f"'{max(dates)}' GROUP BY dt")
            hive = dict(cursor.fetchall())
            for d in dates:
                expected = api.page(kind, d).total
                if hive.get(d.isoformat()) != expected:
                    mismatched.append(f"{kind} {d}: hive {hive.get(d.isoformat())} != api {expected}")
    if failed or mismatched:
        sys.exit(f"backfill: failed runs {failed}; count mismatches {mismatched}")
    print(f"| {days}-day catchup backfill through the scheduler, {min(dates)} .. {max(dates)} (2 extracts + "
          f"load_day per run) | **{elapsed / 60:.1f} min** wall; per run mean {sum(per_run) / len(per_run):.1f} s, "
          f"max {max(per_run):.1f} s; Hive counts = API's for all {2 * days} partitions |")


def _epoch(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def train(ctx: Context, hdfs: WebHdfs) -> None:
    protocol = Protocol.starting(date(2018, 4, 1))  # the simulator's first day; 58 days in all
    days = protocol.days()
    data = sample_days(SimulatorConfig(n_days=len(days)))
    for dt in days:
        for kind, lines in (("transactions", data.event_lines(dt)), ("labels", data.label_lines(dt))):
            rows = [json.loads(line) for line in lines]
            write_raw(hdfs, kind, dt, rows, total=len(rows), pages=1, root=SANDBOX.raw_root)
    try:
        load = SANDBOX.load(ctx, protocol.first_day, protocol.last_day)
        features = SANDBOX.build_features(ctx, protocol.train_start, protocol.last_day)
        trained = SANDBOX.train(ctx, *protocol.train_args()).seconds
    except BenchError as exc:
        sys.exit(str(exc))
    targets = (protocol.last_day - protocol.train_start).days + 1
    n_tx = sum(len(v) for v in data.events.values())
    print(f"| load_day {len(days)} days ({n_tx:,} tx + labels, quality checks) in one job | {load:.1f} s |")
    print(f"| build_features for {targets} days (+{len(days) - targets} days history) | {features:.1f} s |")
    print(f"| train_model: LR + RF + GBT on a 7-day week, 7-day test, champion check | **{trained:.1f} s** |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("day", "train", "backfill"))
    parser.add_argument("--api", help="transactions API base URL (day: extract from it instead of the simulator)")
    parser.add_argument("--token", help="API bearer token (default: API_TOKEN from the settings)")
    parser.add_argument("--days", type=int, default=30, help="backfill: number of days (default %(default)s)")
    args = parser.parse_args()
    ctx = Context.load()
    namenode = NameNode(ctx)
    hdfs = WebHdfs(namenode.webhdfs_url, ctx.settings.hdfs.user)
    token = args.token or (ctx.settings.api.token.get_secret_value() if ctx.settings.api.token else "")
    if args.what == "day":
        day(ctx, hdfs, args.api, token)
    elif args.what == "backfill":
        backfill(ctx, args.days, token)
    else:
        train(ctx, hdfs)


if __name__ == "__main__":
    main()
