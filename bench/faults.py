"""The long fault variants (pytest marker ``faults``) that `./fraudctl test` leaves out to keep within its
CI budget, against the real services: ``tests/faults/`` (a 100,000-transaction stream with the scorer killed
-9 at 20 seeded points and the persister at 5; each restart's seconds to new progress are printed), the
second Kafka client's kill -9 of the persister and broker outage, and Cassandra unreachable for 3 minutes.

    ./fraudctl benchmark faults            # every test marked `faults`, with the services they need
    ./fraudctl benchmark faults --json     # ... and one JSON line last: {"passed", "failed", "seconds"}

Not a pass/fail gate of CI, but its exit status is pytest's: a failing fault variant is a bug to fix. Like
the other suites it works against the running platform: the tests start what they need and leave it running.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the long fault variants (marker `faults`).")
    parser.add_argument("--json", action="store_true", help="print one JSON line last")
    args = parser.parse_args()
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "pytest", "-m", "faults", "-rP", "-p", "no:cacheprovider", "tests"],
                         cwd=ROOT, env={**os.environ, "FRAUD_ROOT": str(ROOT)}, capture_output=True, text=True)
    failures = run.stdout.find("= FAILURES =")  # the failures' reports first, whatever their length
    sys.stdout.write(run.stdout[failures:] if failures >= 0 else run.stdout[-20_000:])
    sys.stderr.write(run.stderr[-5_000:])
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|error)", run.stdout.splitlines()[-1])} \
        if run.stdout else {}
    if args.json:
        print(json.dumps({"passed": counts.get("passed", 0), "failed": counts.get("failed", 0) + counts.get("error", 0),
                          "seconds": round(time.monotonic() - started, 1)}))
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
