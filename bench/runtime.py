"""Runtime benchmarks: warm start-up time and idle memory per service.

    python bench/runtime.py rss            # idle RSS per service, from process-exporter
    python bench/runtime.py restart        # down, then a warm `up --profile core` to all-healthy

Run through the platform venv (e.g. `~/.cache/fraud-platform/venvs/platform-*/bin/python`), from the checkout.
Results are printed as Markdown rows for BENCHMARKS.md. `restart` stops the running platform.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def rss(exporter: str) -> None:
    text = requests.get(f"{exporter}/metrics", timeout=5).text
    rows = []
    for line in text.splitlines():
        if line.startswith("namedprocess_namegroup_memory_bytes{") and 'memtype="resident"' in line:
            group = line.split('groupname="')[1].split('"')[0]
            rows.append((group, float(line.rsplit(" ", 1)[1]) / 2**20))
    print("| service | idle RSS (MiB) |\n|---|---|")
    for group, mib in sorted(rows, key=lambda row: -row[1]):
        print(f"| {group} | {mib:.0f} |")
    print(f"| **total** | **{sum(mib for _, mib in rows):.0f}** |")


def restart() -> None:
    fraudctl = str(ROOT / "fraudctl")
    started = time.monotonic()
    subprocess.run([fraudctl, "down"], check=True, capture_output=True)
    stopped = time.monotonic()
    subprocess.run([fraudctl, "up", "--profile", "core"], check=True, capture_output=True)
    ready = time.monotonic()
    print(f"| `./fraudctl down` | {stopped - started:.1f} s |")
    print(f"| warm `./fraudctl up --profile core` (setup check included) to all-healthy | {ready - stopped:.1f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("rss", "restart"))
    parser.add_argument("--exporter", default="http://127.0.0.1:9256", help="process-exporter base URL")
    args = parser.parse_args()
    if args.what == "rss":
        rss(args.exporter)
    else:
        restart()


if __name__ == "__main__":
    sys.exit(main())
