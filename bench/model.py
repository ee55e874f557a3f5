"""Model quality under the Fraud Detection Handbook's protocol, beside the handbook's published results.

    ./fraudctl benchmark model                       # from the platform's transactions API (simulated history)
    ./fraudctl benchmark model --data FILE.csv       # a handbook-layout CSV/Parquet, served by a private API
    ./fraudctl benchmark model --json                # ... and one JSON object as the last line of stdout
    ./fraudctl benchmark model --models lr --keep    # one model; leave the sandbox for inspection

The batch layer's own Spark jobs, as the DAGs run them, in a sandbox (Hive database ``fraud_model_bench``,
HDFS roots under ``/tmp/bench-model``): the platform's ``fraud`` tables, ``/raw`` and champion are untouched.

1. Extract every day of the window from the API into the sandbox's raw root (``extract_day``): for the run
   of 2018-08-15, 37 days of feature history + 21 days of features = 2018-06-18 .. 2018-08-14.
2. ``load_day`` over the window: both tables and their quality checks in one Spark job.
3. ``build_features`` for 2018-07-25 .. 2018-08-14.
4. ``train_model``: train 2018-07-25..31, 7-day label delay, test 2018-08-08..14 without the cards known
   compromised before each test day; AUC ROC, AP, Card Precision@100 per model; train s = the fit alone.

Needs a running platform (``./fraudctl up --profile full``; ``--profile core`` is enough with ``--data``).
Progress goes to stderr; the Markdown table (and with ``--json`` the JSON line) to stdout. The sandbox is
emptied before the run and removed after it unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from bench._errors import BenchError
from bench._sandbox import Sandbox
from spark_jobs.extract import ApiSource, Kind
from spark_jobs.protocol import Protocol
from spark_jobs.train_model import MODEL_TYPES

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from fraud_platform.webhdfs import WebHdfs
    from fraud_runtime.context import Context

SANDBOX = Sandbox("fraud_model_bench", "/tmp/bench-model")
KINDS: tuple[Kind, ...] = get_args(Kind)  # transactions, then labels
MODEL_NAMES = {"lr": "logistic regression", "rf": "random forest", "gbt": "gradient-boosted trees (Spark GBT)"}


@dataclass(frozen=True)
class Scores:
    name: str
    auc_roc: float
    average_precision: float
    card_precision_at_100: float
    train_seconds: float | None = None


# Le Borgne et al., ch. 5, test week 2018-08-08..14: default hyperparameters, then after prequential
# model selection. The one place these numbers live.
HANDBOOK = (
    Scores("handbook: logistic regression", 0.871, 0.606, 0.291),
    Scores("handbook: random forest", 0.867, 0.658, 0.287),
    Scores("handbook: XGBoost", 0.862, 0.639, 0.273),
    Scores("handbook: random forest, tuned", 0.870, 0.678, 0.299),
    Scores("handbook: XGBoost, tuned", 0.869, 0.687, 0.303),
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="model", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, metavar="FILE",
                        help="a handbook-layout CSV or Parquet file, served by a private transactions API "
                             "(default: the platform's API as configured)")
    parser.add_argument("--json", action="store_true", help="end with one JSON object on the last line")
    parser.add_argument("--keep", action="store_true", help="leave the sandbox database and HDFS roots")
    parser.add_argument("--models", default=",".join(MODEL_TYPES), help="comma-separated: lr,rf,gbt")
    args = parser.parse_args(argv)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(args.models) - set(MODEL_TYPES))
    if unknown or not args.models:
        parser.error(f"--models: unknown {unknown or 'empty'}; choose from {', '.join(MODEL_TYPES)}")
    return args


# ---- what the run reports ----------------------------------------------------------------------
def scores_from_report(report: dict[str, Any]) -> list[Scores]:
    """``train_model``'s result line -> one ``Scores`` per model, in ``MODEL_TYPES`` order."""
    models = report["models"]
    return [Scores(m, models[m]["auc_roc"], models[m]["average_precision"], models[m]["card_precision_at_100"],
                   models[m]["train_seconds"]) for m in MODEL_TYPES if m in models]


def train_report(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The last of ``train_model``'s JSON lines that carries per-model results."""
    found = [line for line in lines if isinstance(line.get("models"), dict)]
    if not found:
        raise BenchError("train_model printed no result line (a JSON object with 'models') on stdout")
    return found[-1]


def markdown(ours: list[Scores], protocol: Protocol, data: dict[str, Any]) -> str:
    """Our rows, then the handbook's, as one Markdown table under a line saying what was run."""
    source = data["path"] if data["source"] == "file" else data["url"]
    head = (f"Handbook protocol: train {protocol.train_start}..{protocol.train_end}, {protocol.delay_days}-day "
            f"delay, test {protocol.test_start}..{protocol.last_day}; data: {data['source']} {source} "
            f"({data.get('transactions', 0):,} tx loaded, {data.get('n_train', 0):,} train / "
            f"{data.get('n_test', 0):,} test rows)")
    rows = ["| model | AUC ROC | AP | CP@100 | train s |", "|---|---|---|---|---|"]
    for s in [*ours, *HANDBOOK]:
        name = f"this run: {MODEL_NAMES.get(s.name, s.name)}" if s.name in MODEL_NAMES else s.name
        seconds = "—" if s.train_seconds is None else f"{s.train_seconds:.1f}"
        rows.append(f"| {name} | {s.auc_roc:.3f} | {s.average_precision:.3f} | {s.card_precision_at_100:.3f} "
                    f"| {seconds} |")
    return "\n".join([head, "", *rows])


def result_json(ours: list[Scores], data: dict[str, Any], protocol: Protocol) -> str:
    """One line: ``{"models": [...], "data": ..., "protocol": ...}``."""
    return json.dumps({"models": [asdict(s) for s in ours], "data": data, "protocol": protocol.to_json()},
                      separators=(",", ":"))


# ---- the run -----------------------------------------------------------------------------------
def extract(source: ApiSource, hdfs: WebHdfs, protocol: Protocol, progress: Progress) -> int:
    """Step 1: every day of the window into the sandbox's raw root (several at a time, as the
    ``bootstrap_history`` DAG does); transactions extracted."""
    import requests

    from fraud_platform.api_client import ApiClientError
    from fraud_platform.webhdfs import WebHdfsError
    from spark_jobs.errors import BatchError
    from spark_jobs.extract import extract_days

    days = protocol.days()
    task = progress.add_task(f"extract {len(days)} days", total=len(days) * len(KINDS))
    rows = 0
    try:
        for result in extract_days(source, hdfs, days, KINDS, root=SANDBOX.raw_root):
            if result.kind == "transactions":
                if not result.rows:
                    raise BenchError(f"the data has no transactions on {result.dt}; the protocol needs every "
                                     f"day of {protocol.first_day}..{protocol.last_day}")
                rows += result.rows
            progress.advance(task)
    except (ApiClientError, BatchError, WebHdfsError, requests.RequestException) as exc:
        raise BenchError(f"extracting {protocol.first_day}..{protocol.last_day}: {exc}") from exc
    return rows


def platform_source(ctx: Context) -> ApiSource:
    """The platform's transactions API as configured (``API_URL``, or the local service)."""
    token = ctx.settings.api.token
    if token is None:
        raise BenchError("API_TOKEN is not set: run `./fraudctl setup`")
    return ApiSource(ctx.endpoints.api_url, token.get_secret_value())


def dataset_range(source: ApiSource) -> tuple[date, date] | None:
    """The days the API serves (None: it does not say; the extraction finds out)."""
    from fraud_platform.api_client import ApiClientError, TransactionsApiClient

    try:
        return TransactionsApiClient(source.base_url, source.token, timeout=10).dataset()
    except ApiClientError as exc:
        raise BenchError(f"{exc}: start it with `./fraudctl up --profile full`, or use --data FILE") from exc


def run(ctx: Context, args: argparse.Namespace, console: Console) -> tuple[list[Scores], dict[str, Any], Protocol]:
    """The steps of the module docstring; the API (private or the platform's) is only used in Step 1."""
    from contextlib import ExitStack

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bench._private_api import PrivateApi

    protocol = Protocol()
    hdfs = SANDBOX.hdfs(ctx)
    timings: dict[str, float] = {}
    touched = False  # nothing to clean up before the sandbox is first emptied
    try:
        with ExitStack() as api:
            started = time.perf_counter()
            if args.data:
                with console.status(f"starting a private transactions API for {args.data} …"):
                    private = PrivateApi(ctx, args.data)
                    source = api.enter_context(private)
                data: dict[str, Any] = {"source": "file", "path": str(args.data)}
                console.log(f"private API on {private.base_url} ready in {time.perf_counter() - started:.0f} s")
            else:
                source = platform_source(ctx)
                data = {"source": "transactions-api", "url": source.base_url}
            served = dataset_range(source)
            problem = served and protocol.coverage_problem(*served)
            if problem:
                raise BenchError(problem)
            touched = True
            with console.status(f"emptying the sandbox ({SANDBOX.database}, {SANDBOX.base}) …"):
                SANDBOX.remove(ctx)
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console) as progress:
                started = time.perf_counter()
                data["transactions"] = extract(source, hdfs, protocol, progress)  # Step 1
                timings["extract"] = time.perf_counter() - started
        window = f"{protocol.first_day}..{protocol.last_day}"
        with console.status(f"load_day {window} …"):  # Step 2
            timings["load"] = SANDBOX.load(ctx, protocol.first_day, protocol.last_day)
        console.log(f"loaded {len(protocol.days())} days in {timings['load']:.0f} s")
        with console.status(f"build_features {protocol.train_start}..{protocol.last_day} …"):  # Step 3
            timings["features"] = SANDBOX.build_features(ctx, protocol.train_start, protocol.last_day)
        console.log(f"features built in {timings['features']:.0f} s")
        with console.status(f"train_model ({', '.join(args.models)}) …"):  # Step 4
            trained = SANDBOX.train(ctx, *protocol.train_args(), "--models", ",".join(args.models))
        timings["train"] = trained.seconds
        report = train_report(trained.json_lines())
        data.update(n_train=report["n_train"], n_test=report["n_test"])
        console.log(f"train_model in {timings['train']:.0f} s; stages (s): "
                    + ", ".join(f"{stage} {seconds:.0f}" for stage, seconds in timings.items()))
        return scores_from_report(report), data, protocol
    finally:
        if touched and args.keep:
            console.log(f"kept: Hive database {SANDBOX.database}, HDFS {SANDBOX.base}")
        elif touched:
            try:
                SANDBOX.remove(ctx)
            except Exception as exc:  # never hide the run's own error behind the clean-up's
                console.log(f"could not remove the sandbox: {exc}")


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console

    from fraud_platform.errors import FraudError

    args = parse_args(argv)
    console = Console(stderr=True, log_path=False)
    try:
        if args.data:
            from bench._private_api import check_dataset

            args.data = check_dataset(args.data)
        from fraud_runtime.context import Context

        ours, data, protocol = run(Context.load(), args, console)
    except FraudError as exc:  # BenchError included
        print(f"model: error: {exc}", file=sys.stderr)
        return 2
    print(markdown(ours, protocol, data), flush=True)
    if args.json:
        print(result_json(ours, data, protocol), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
