"""Full handbook reference run: timing and statistics against the published numbers.

    PYTHONPATH=. python bench/simulator_reference.py                 # simulator only (~2 s)
    PYTHONPATH=. python bench/simulator_reference.py --stream 300000 # + events, parse, online features

Throughput figures are CPU seconds of this process (robust to other load on the machine).
"""

import argparse
import itertools
import time
from datetime import UTC, datetime

from fraud_domain.features import OnlineFeatureState
from fraud_domain.schema import event_to_json, parse_event
from fraud_domain.simulator import SimulatorConfig, iter_events, simulate
from fraud_domain.tokenise import Tokeniser

HANDBOOK = {"transactions": 1_754_155, "frauds": 14_681, "S1": 973, "S2": 9_077, "S3": 4_631}
# The process's expected count: customers x E[rate] x days x P(0 < int(N(43200, 20000)) < 86400).
# The handbook's own run is ~1.1 % below it (seed-to-seed spread is ~0.8 %), so any seed lands near +1 %.
EXPECTED_TX = 5_000 * 2 * 183 * 0.96924


def _cpu(fn):
    start = time.process_time()
    result = fn()
    return result, time.process_time() - start


def run_simulator(config: SimulatorConfig, title: str):
    wall = time.perf_counter()
    sim, cpu = _cpu(lambda: simulate(config))
    wall = time.perf_counter() - wall
    df = sim.transactions
    counts = df.TX_FRAUD_SCENARIO.value_counts().sort_index().to_dict()
    print(f"\n{title}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    print(f"  transactions {len(df):>10,}  (handbook {HANDBOOK['transactions']:,}, "
          f"{len(df) / HANDBOOK['transactions'] - 1:+.2%})")
    print(f"  expected     {EXPECTED_TX:>10,.0f}  (mean of the process, {len(df) / EXPECTED_TX - 1:+.2%})")
    print(f"  frauds       {int(df.TX_FRAUD.sum()):>10,}  (handbook {HANDBOOK['frauds']:,})")
    share = HANDBOOK["frauds"] / HANDBOOK["transactions"]
    print(f"  fraud share  {df.TX_FRAUD.mean():>10.3%}  (handbook {share:.3%})")
    for code in sorted(counts):
        ref = HANDBOOK.get(f"S{code}")
        print(f"  scenario {code}   {counts[code]:>10,}" + (f"  (handbook {ref:,})" if ref else ""))
    return sim


def run_stream(sim, n: int) -> None:
    tokeniser = Tokeniser(b"bench-key-0123456789abcdef-bench!")
    pairs, cpu = _cpu(lambda: list(itertools.islice(iter_events(sim, tokeniser), n)))
    print(f"\nrows -> (event, label): {len(pairs) / cpu:,.0f}/s")
    payloads = [event_to_json(e) for e, _ in pairs]
    now = datetime(2030, 1, 1, tzinfo=UTC)
    _, cpu = _cpu(lambda: [parse_event(p, now=now) for p in payloads])
    mean_size = sum(map(len, payloads)) / len(payloads)
    print(f"parse_event: {len(payloads) / cpu:,.0f}/s (mean payload {mean_size:.0f} B)")
    state = OnlineFeatureState()
    labels = sorted((lab for _, lab in pairs), key=lambda lab: lab.reported_at)

    def feed():
        k = 0
        for event, _ in pairs:
            while k < len(labels) and labels[k].reported_at <= event.event_time:
                state.apply_label(labels[k])
                k += 1
            state.update_and_compute(event)

    _, cpu = _cpu(feed)
    print(f"OnlineFeatureState: {len(pairs) / cpu:,.0f} events/s (labels included; {len(state):,} entities)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", type=int, default=0, metavar="N", help="also time the first N events")
    args = parser.parse_args()
    run_simulator(SimulatorConfig.handbook(), "handbook process (extra patterns off)")
    sim = run_simulator(SimulatorConfig(), "platform default (extra patterns on)")
    if args.stream:
        run_stream(sim, args.stream)


if __name__ == "__main__":
    main()
