"""Batch-layer benchmarks: one day into Hive, and one training run on a week.

    PYTHONPATH=. python bench/batch.py day      # one simulated day (2018-05-02): raw JSONL on HDFS -> load -> quality
    PYTHONPATH=. python bench/batch.py day --api http://127.0.0.1:8000   # the same, extracted from the API
    PYTHONPATH=. python bench/batch.py train    # loads 58 days, builds features for 21, then times train_model alone

Runs against the running core platform in an isolated Hive database (``fraud_bench``) and HDFS roots under
``/tmp/bench-batch`` (the platform's ``fraud`` tables and champion are untouched). Run it with the platform
venv's python from the checkout; rows are printed as Markdown for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta

from fraud_domain.simulator import SimulatorConfig
from fraud_runtime.context import Context
from fraud_runtime.services.hdfs import NameNode
from fraud_runtime.webhdfs import WebHdfs
from spark_jobs.extract import ApiSource, extract_day, write_raw
from spark_jobs.sample_data import sample_days
from spark_jobs.session import submit_command, submit_env

BASE = "/tmp/bench-batch"
PLACE = ["--database", "fraud_bench", "--raw-root", f"{BASE}/raw", "--quarantine-root", f"{BASE}/quarantine"]


def job(ctx: Context, name: str, *args: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(submit_command(ctx, name, list(args)), env={**os.environ, **submit_env(ctx)},
                            capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"{name} failed:\n{result.stderr[-3000:]}")
    return time.perf_counter() - started


def day(ctx: Context, hdfs: WebHdfs, api: str | None, token: str | None) -> None:
    dt = date(2018, 5, 2)
    started = time.perf_counter()
    if api:
        rows = extract_day(ApiSource(api, token or ""), hdfs, "transactions", dt, root=f"{BASE}/raw").rows
    else:
        data = sample_days(SimulatorConfig(n_days=32))  # the reference run's first month: ~10k tx/day
        rows_json = [json.loads(line) for line in data.event_lines(dt)]
        started = time.perf_counter()  # the simulation is not part of the pipeline
        rows = write_raw(hdfs, "transactions", dt, rows_json, total=len(rows_json), pages=1, root=f"{BASE}/raw").rows
    extracted = time.perf_counter() - started
    loaded = job(ctx, "load_transactions", "--dt", dt.isoformat(), *PLACE)
    checked = job(ctx, "check_quality", "--kind", "transactions", "--dt", dt.isoformat(), *PLACE)
    source = "API -> HDFS" if api else "JSONL -> HDFS (WebHDFS)"
    print(f"| one day ({rows:,} tx) | {source} {extracted:.1f} s; load job {loaded:.1f} s; DQ job {checked:.1f} s "
          f"| **{extracted + loaded:.1f} s** to Hive (+{checked:.1f} s checks) |")


def train(ctx: Context, hdfs: WebHdfs) -> None:
    first, days = date(2018, 4, 1), 58
    data = sample_days(SimulatorConfig(n_days=days))
    for i in range(days):
        dt = first + timedelta(days=i)
        for kind, lines in (("transactions", data.event_lines(dt)), ("labels", data.label_lines(dt))):
            rows = [json.loads(line) for line in lines]
            write_raw(hdfs, kind, dt, rows, total=len(rows), pages=1, root=f"{BASE}/raw")
    last = (first + timedelta(days=days - 1)).isoformat()
    load = job(ctx, "load_transactions", "--dt", first.isoformat(), "--until", last, *PLACE)
    job(ctx, "load_labels", "--dt", first.isoformat(), "--until", last, *PLACE)
    start = first + timedelta(days=days - 21)
    features = job(ctx, "build_features", "--start", start.isoformat(), "--end", last, "--database", "fraud_bench")
    trained = job(ctx, "train_model", "--train-start", start.isoformat(), "--database", "fraud_bench",
                  "--models-root", f"{BASE}/models")
    print(f"| load {days} days ({sum(len(v) for v in data.events.values()):,} tx) in one job | {load:.1f} s |")
    print(f"| build_features for 21 days (+37 days history) | {features:.1f} s |")
    print(f"| train_model: LR + RF + GBT on a 7-day week, 7-day test, champion check | **{trained:.1f} s** |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("day", "train"))
    parser.add_argument("--api", help="transactions API base URL (day: extract from it instead of the simulator)")
    parser.add_argument("--token", help="API bearer token (default: API_TOKEN from the settings)")
    args = parser.parse_args()
    ctx = Context.load()
    namenode = NameNode(ctx)
    hdfs = WebHdfs(namenode.webhdfs_url, ctx.settings.hdfs.user)
    if args.what == "day":
        token = args.token or (ctx.settings.api.token.get_secret_value() if ctx.settings.api.token else None)
        day(ctx, hdfs, args.api, token)
    else:
        train(ctx, hdfs)


if __name__ == "__main__":
    main()
