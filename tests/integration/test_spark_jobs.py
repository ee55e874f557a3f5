"""The batch Spark jobs through spark-submit against the real HDFS, metastore and HiveServer2.

Each module run uses its own Hive database, HDFS roots and model store (dropped afterwards), so it never
touches the platform's `fraud` tables or its champion model. Data: the simulator's events and labels for
24 days, written as raw JSONL the way the extract writes it (`spark_jobs.extract.write_raw`).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import date, timedelta

import pytest

from fraud_domain.features import ALL_FEATURE_NAMES, OnlineFeatureState, reference_features
from fraud_domain.simulator import SimulatorConfig
from fraud_platform.clients import hive_connection
from fraud_platform.config import load_config
from fraud_platform.lake import PARTITION, WAREHOUSE
from fraud_platform.model_store import ModelStore, Pointer
from fraud_platform.spark import run_job
from spark_jobs.extract import write_raw
from spark_jobs.sample_data import sample_days

FIRST = date(2018, 6, 1)
DAYS = [FIRST + timedelta(days=i) for i in range(24)]
CONFIG = SimulatorConfig(seed=11, n_customers=600, n_terminals=800, n_days=len(DAYS), start_date=FIRST,
                         card_testing_per_day=2.0, geo_impossible_per_day=2.0, new_device_per_day=1.0)
BAD_DAY = DAYS[3]  # gets malformed rows and duplicates
GARBAGE_DAY = date(2018, 8, 1)  # mostly garbage: the load must refuse it


@pytest.fixture(scope="module")
def data():
    return sample_days(CONFIG)


@pytest.fixture(scope="module")
def place(services, hdfs, unique_module):
    """Isolated database and HDFS roots for this module; removed at the end."""
    base = f"/tmp/it-batch-{unique_module}"
    where = {"database": f"fraud_it_{unique_module}", "raw": f"{base}/raw", "quarantine": f"{base}/quarantine",
             "models": f"{base}/models"}
    yield where
    server = services["hiveserver2"]
    with hive_connection(server.server_host, server.settings.hive.hiveserver2_port,
                         login=server.endpoints.hive_login) as conn:
        cursor = conn.cursor()
        try:
            cursor.execute(f"DROP DATABASE IF EXISTS {where['database']} CASCADE")
        except Exception as exc:  # the Thrift server's catalog may have seen the job's drop race: verify below
            if "NoSuchObjectException" not in str(exc):
                raise
        cursor.execute("SHOW DATABASES")
        assert (where["database"],) not in cursor.fetchall()
    hdfs.delete(base, recursive=True)


@pytest.fixture(scope="module")
def unique_module():
    import uuid

    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def hive(services):
    server = services["hiveserver2"]
    with hive_connection(server.server_host, server.settings.hive.hiveserver2_port,
                         login=server.endpoints.hive_login) as conn:
        yield conn.cursor()


def spark_job(ctx, job: str, *args: str) -> subprocess.CompletedProcess:
    return run_job(ctx, job, list(args), timeout=900)


def ok(result: subprocess.CompletedProcess) -> list[dict]:
    """The job's result lines (its structured log lines carry an "event" key and are skipped)."""
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    rows = []
    for line in result.stdout.splitlines():  # spark-submit merges the driver's stderr into stdout
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue
    return [row for row in rows if "event" not in row]


def output(result: subprocess.CompletedProcess) -> str:
    # spark-submit merges the Python driver's stderr into its stdout.
    return result.stdout + result.stderr


def refresh(hive, table: str) -> None:
    # The Thrift server caches file listings of tables another Spark app rewrote; see spark_jobs/README.md.
    hive.execute(f"REFRESH TABLE {table}")


def counts_by_day(hive, table: str) -> dict[str, int]:
    refresh(hive, table)
    hive.execute(f"SELECT dt, COUNT(*) FROM {table} GROUP BY dt")
    return dict(hive.fetchall())


@pytest.fixture(scope="module")
def raw_written(hdfs, data, place):
    from concurrent.futures import ThreadPoolExecutor

    def write(day: date) -> None:
        events, labels = data.event_lines(day), data.label_lines(day)
        rows = [json.loads(line) for line in events]
        if day == BAD_DAY:  # 2 malformed rows, 1 exact duplicate, 1 conflicting duplicate
            conflict = dict(rows[1], amount=rows[1]["amount"] + 1)
            rows += [{"transaction_id": "not-a-uuid"}, dict(rows[0], channel="fax"), rows[0], conflict]
        write_raw(hdfs, "transactions", day, rows, total=len(rows), pages=1, root=place["raw"])
        write_raw(hdfs, "labels", day, [json.loads(line) for line in labels], total=len(labels), pages=1,
                  root=place["raw"])

    with ThreadPoolExecutor(4) as pool:  # as the bulk extract writes: HDFS round trips overlap
        list(pool.map(write, DAYS))
    valid = dict(json.loads(data.event_lines(DAYS[0])[0]), event_time=f"{GARBAGE_DAY.isoformat()}T12:00:00.000000Z")
    garbage = [{"nonsense": i} for i in range(10)] + [valid]
    write_raw(hdfs, "transactions", GARBAGE_DAY, garbage, total=len(garbage), pages=1, root=place["raw"])


def load_args(place, kind_first: date, until: date | None = None) -> list[str]:
    args = ["--dt", kind_first.isoformat(), "--database", place["database"], "--raw-root", place["raw"],
            "--quarantine-root", place["quarantine"]]
    return [*args, "--until", until.isoformat()] if until else args


@pytest.fixture(scope="module")
def loaded(ctx, raw_written, place, hive):
    """Both tables over all days in one job (the DAGs' ``load_day``): (transactions, labels) reports."""
    reports = ok(spark_job(ctx, "load_day", *load_args(place, DAYS[0], DAYS[-1])))
    assert all(r["checked"] for r in reports)  # the quality checks ran after the load and passed
    return [r for r in reports if r["kind"] == "transactions"], [r for r in reports if r["kind"] == "labels"]


def test_load_writes_every_valid_row_once_and_quarantines_the_rest(ctx, data, place, hive, hdfs, loaded):
    reports, _ = loaded
    by_day = {r["dt"]: r for r in reports}
    bad = by_day[BAD_DAY.isoformat()]
    assert bad["quarantined"] == 3 and bad["duplicates"] == 1, bad
    # The first missing key names the incomplete row; the conflicting duplicate is named by its id.
    assert bad["by_field"] == {"amount": 1, "channel": 1, "transaction_id": 1}, bad
    expected = {day.isoformat(): len(data.events[day]) for day in DAYS}
    table = f"{place['database']}.transactions"
    assert counts_by_day(hive, table) == expected
    hive.execute(f"SELECT COUNT(DISTINCT transaction_id), COUNT(*) FROM {table}")
    assert hive.fetchone() == (sum(expected.values()),) * 2
    for day in DAYS:  # one file a day (``insert_by_name``), not one per writing task and day
        files = hdfs.list(f"{WAREHOUSE}/{place['database']}.db/transactions/{PARTITION}={day.isoformat()}")
        assert [f["pathSuffix"].startswith("part-") for f in files] == [True], files
    quarantined = f"{place['quarantine']}/transactions/dt={BAD_DAY.isoformat()}"
    names = [entry["pathSuffix"] for entry in hdfs.list(quarantined)]
    assert "_counts.json" in names and any(name.endswith(".json") and name.startswith("part-") for name in names)
    rows = [json.loads(line) for name in names if name.startswith("part-")
            for line in hdfs.read(f"{quarantined}/{name}").decode().splitlines()]
    assert sorted(r["field"] for r in rows) == ["amount", "channel", "transaction_id"]
    assert all(r["reason"] and r["raw"] for r in rows)


def test_rerun_replaces_partitions_and_quality_checks_pass(ctx, place, hive, loaded):
    table = f"{place['database']}.transactions"
    before = counts_by_day(hive, table)
    again = ok(spark_job(ctx, "load_transactions", *load_args(place, BAD_DAY)))
    assert again[0]["written"] == before[BAD_DAY.isoformat()]
    assert counts_by_day(hive, table) == before
    reports = ok(spark_job(ctx, "check_quality", *load_args(place, BAD_DAY)))  # both kinds, one session
    assert [r["kind"] for r in reports] == ["transactions", "labels"]
    assert reports[0]["hive_rows"] == before[BAD_DAY.isoformat()]
    assert reports[1]["hive_rows"] == counts_by_day(hive, f"{place['database']}.labels")[BAD_DAY.isoformat()]


def test_load_fails_loudly_above_the_bad_row_threshold(ctx, place, hive, loaded):
    result = spark_job(ctx, "load_transactions", *load_args(place, GARBAGE_DAY))
    assert result.returncode == 2
    assert "ERROR: 10 of 11 transactions rows for 2018-08-01 are malformed" in output(result)
    assert GARBAGE_DAY.isoformat() not in counts_by_day(hive, f"{place['database']}.transactions")


def test_missing_raw_partition_is_named(ctx, place):
    result = spark_job(ctx, "load_transactions", *load_args(place, date(2019, 1, 1)))
    assert result.returncode == 2
    assert f"ERROR: raw partition(s) missing on HDFS: {place['raw']}/transactions/dt=2019-01-01" in output(result)


@pytest.fixture(scope="module")
def features(ctx, place, loaded):
    return ok(spark_job(ctx, "build_features", "--start", DAYS[0].isoformat(), "--end", DAYS[-1].isoformat(),
                        "--database", place["database"]))


def test_features_equal_the_reference_and_the_online_state(data, place, hive, features):
    events = sorted(data.all_events(), key=lambda e: (e.event_time, e.transaction_id))  # batch processing order
    labels = data.all_labels()
    expected = reference_features(events, labels)
    state, pending, online = OnlineFeatureState(allowed_lateness=timedelta(0)), sorted(
        labels, key=lambda lab: lab.reported_at), []
    k = 0
    for event in events:
        while k < len(pending) and pending[k].reported_at <= event.event_time:
            state.apply_label(pending[k])
            k += 1
        online.append(state.update_and_compute(event))
    refresh(hive, f"{place['database']}.features")
    hive.execute(f"SELECT transaction_id, {', '.join(ALL_FEATURE_NAMES)} FROM {place['database']}.features")
    spark_rows = {row[0]: dict(zip(ALL_FEATURE_NAMES, row[1:], strict=True)) for row in hive.fetchall()}
    assert features[0]["rows"] == len(events) == len(spark_rows)
    for event, ref, live in zip(events, expected, online, strict=True):
        got = spark_rows[event.transaction_id]
        for name in ALL_FEATURE_NAMES:
            assert got[name] == pytest.approx(ref[name], rel=1e-9, abs=1e-9), (event.transaction_id, name)
            assert live[name] == pytest.approx(ref[name], rel=1e-9, abs=1e-9), (event.transaction_id, name)
    assert max(r["terminal_risk_7d"] for r in spark_rows.values()) > 0  # the label join did something


TRAIN_START = DAYS[0] + timedelta(days=3)  # train 06-04..10, delay ..17, test 06-18..24


def train_args(place) -> list[str]:
    return ["--train-start", TRAIN_START.isoformat(), "--database", place["database"], "--models-root",
            place["models"]]


@pytest.fixture(scope="module")
def trained(ctx, place, features) -> dict:
    """Every model type trained once; their test-set probabilities as Spark computes them in predictions/."""
    out = f"{place['models']}-predictions"
    return ok(spark_job(ctx, "train_model", *train_args(place), "--predictions-out", out))[0]


def test_training_saves_a_model_records_metrics_and_promotes_only_a_better_one(ctx, place, hive, hdfs, trained):
    common = train_args(place)
    first = trained
    assert first["promoted"] and first["champion_before"] is None
    assert set(first["models"]) == {"lr", "rf", "gbt"}
    version = first["version"]
    pointer = Pointer.parse(hdfs.read(f"{place['models']}/champion").decode())
    assert pointer.version == version and pointer.problem(load_config().endpoints.model_signing_key) is None
    assert pointer.promoted_by == f"train_model {first['run_id']}" and pointer.previous is None
    meta = json.loads(hdfs.read(f"{place['models']}/{version}/metadata.json"))
    assert meta["version"] == version and meta["feature_names"][0] == "tx_amount"
    assert meta["metrics"]["average_precision"] == max(m["average_precision"] for m in first["models"].values())
    assert hdfs.exists(f"{place['models']}/{version}/pipeline/metadata")
    # the manifest hash the scorer checks, and the promotion lock released (issue #15)
    assert meta["onnx_sha256"] == hashlib.sha256(hdfs.read(f"{place['models']}/{version}/model.onnx")).hexdigest()
    assert not hdfs.exists(f"{place['models']}/.promotion.lock") and first["min_average_precision"] > 0
    refresh(hive, f"{place['database']}.model_metrics")
    hive.execute(f"SELECT model_type, auc_roc, average_precision, card_precision_at_100, promoted "
                 f"FROM {place['database']}.model_metrics WHERE run_id = '{first['run_id']}'")
    rows = {row[0]: row[1:] for row in hive.fetchall()}
    assert set(rows) == {"lr", "rf", "gbt"}
    assert all(0.5 < auc <= 1 and 0 < ap <= 1 and 0 <= cp <= 1 for auc, ap, cp, _ in rows.values())

    second = ok(spark_job(ctx, "train_model", *common, "--models", "lr"))[0]
    assert second["champion_before"] == version
    new_ap = second["models"]["lr"]["average_precision"]
    assert second["promoted"] == (new_ap > second["champion_average_precision"])
    pointer = Pointer.parse(hdfs.read(f"{place['models']}/champion").decode())
    assert pointer.version == (second["version"] if second["promoted"] else version)


def test_the_scorer_evaluates_every_saved_model_as_spark_does(place, hive, hdfs, trained) -> None:
    # Serving parity: the scorer's pure-Python evaluation of each saved pipeline (consumers.model_loader) on
    # the rows of fraud.features gives the probabilities Spark's transform gave the same rows in train_model.
    from consumers.decide import combine
    from consumers.model_loader import load
    from consumers.model_registry import serves_onnx
    from consumers.onnx_model import OnnxModel
    from consumers.rules import Thresholds
    from fraud_platform.model_store import ONNX_TOLERANCE

    T = Thresholds()

    out = f"{place['models']}-predictions"
    spark_probability: dict[str, dict[str, float]] = {}
    for name in (e["pathSuffix"] for e in hdfs.list(out) if e["pathSuffix"].startswith("part-")):
        for line in hdfs.read(f"{out}/{name}").decode().splitlines():
            row = json.loads(line)
            spark_probability.setdefault(row["model_version"], {})[row["transaction_id"]] = row["probability"]
    assert set(spark_probability) == set(trained["versions"].values())
    test_days = [(TRAIN_START + timedelta(days=14 + i)).isoformat() for i in range(7)]
    refresh(hive, f"{place['database']}.features")
    hive.execute(f"SELECT transaction_id, {', '.join(ALL_FEATURE_NAMES)} FROM {place['database']}.features "
                 f"WHERE dt IN ({', '.join(repr(d) for d in test_days)})")
    features = {row[0]: dict(zip(ALL_FEATURE_NAMES, row[1:], strict=True)) for row in hive.fetchall()}
    for model_type, version in trained["versions"].items():
        meta = json.loads(hdfs.read(f"{place['models']}/{version}/metadata.json"))
        model = load(hdfs, f"{place['models']}/{version}", meta)
        expected = spark_probability[version]
        ids = sorted(expected)
        vectors = [[features[i][n] for n in model.feature_names] for i in ids]
        got = model.predict(vectors)
        worst = max(abs(g - expected[i]) for g, i in zip(got, ids, strict=True))
        assert worst < 1e-9, (model_type, worst)
        assert len(ids) > 1000 and len({round(e, 6) for e in expected.values()}) > 10, model_type  # real scores
        # Reason codes of the highest-scored rows: declared features, at most 3, some for every model.
        riskiest = sorted(range(len(ids)), key=lambda k: got[k], reverse=True)[:20]
        reasons = [model.explain(vectors[k]) for k in riskiest]
        assert all(len(r) <= 3 and set(r) <= set(model.feature_names) for r in reasons), model_type
        assert any(reasons), model_type
        # The ONNX export, in onnxruntime (float32): train_model recorded its largest difference from Spark on
        # these rows; the scorer runs it only within ONNX_TOLERANCE, else the exact evaluation above. What it
        # serves is within 1e-5 of Spark, with the same decisions away from a threshold.
        assert meta["onnx"] == "model.onnx"
        onnx = OnnxModel.from_bytes(hdfs.read(f"{place['models']}/{version}/model.onnx"), model)
        worst_onnx = max(abs(g - expected[i]) for g, i in zip(onnx.predict(vectors), ids, strict=True))
        assert worst_onnx == pytest.approx(meta["onnx_max_abs_diff"], rel=1e-3, abs=1e-7), model_type
        runtime = onnx if serves_onnx(meta) else model
        served = runtime.predict(vectors)
        assert max(abs(g - expected[i]) for g, i in zip(served, ids, strict=True)) < ONNX_TOLERANCE, model_type
        edges = (T.review_threshold, T.block_threshold)
        differ = [i for g, i in zip(served, ids, strict=True) if combine((), g, T)[1] != combine((), expected[i], T)[1]
                  and min(abs(expected[i] - e) for e in edges) >= 1e-5]
        assert not differ, (model_type, differ[:5])
        print(f"\n{model_type}: pure Python within {worst:.1e}, ONNX within {worst_onnx:.1e} of Spark on "
              f"{len(ids)} rows; served by {type(runtime).__name__}")
    assert serves_onnx(json.loads(hdfs.read(f"{place['models']}/{trained['versions']['lr']}/metadata.json")))

    # A corrupt, forged, unsigned or copied champion is refused (a log line, fraud_stream_model_refused_total)
    # and the served one stays: the scorer serves only what train_model wrote and signed. So are a pointer
    # written without the key and an old signed pointer copied back; a new promotion of an older version is served.
    from prometheus_client import generate_latest

    from consumers.metrics import Metrics
    from consumers.model_registry import ModelRegistry
    from fraud_platform.model_promotion import promote

    metrics = Metrics("scorer")
    key = load_config().endpoints.model_signing_key
    registry = ModelRegistry(hdfs, key, root=place["models"], metrics=metrics)
    served = registry.poll()
    pointer = f"{place['models']}/champion"
    champion = hdfs.read(pointer)
    assert served is not None and served.version == Pointer.parse(champion.decode()).version
    source = f"{place['models']}/{served.version}"
    files = [f"pipeline/{p}" for p in _files_under(hdfs, f"{source}/pipeline")] + ["model.onnx", "metadata.json",
                                                                                    "metadata.sig"]

    def copy(version: str, change: dict[str, bytes]) -> None:
        for name in files:
            hdfs.create(f"{place['models']}/{version}/{name}", change.get(name, hdfs.read(f"{source}/{name}")))

    metadata = json.loads(hdfs.read(f"{source}/metadata.json"))
    forged = json.dumps({**metadata, "metrics": {**metadata["metrics"], "average_precision": 0.99}}).encode()
    stage = next(name for name in files if "/stages/0_" in name and "/metadata/part-" in name)
    copies = {  # each refused, once, while the served model keeps serving
        "99990101T000000Z-corrupt": {stage: b'{"class": "org.apache.spark.ml.feature.VectorAss'},  # truncated
        "99990102T000000Z-forged": {"metadata.json": forged},  # its signature no longer matches
        "99990103T000000Z-unsigned": {"metadata.sig": b""},
        "99990104T000000Z-copy": {},  # a faithful copy: its signed metadata names the version it was trained as
    }
    def refused_once(count: int, what: str, serving: str = served.version) -> None:
        assert registry.poll() is None and registry.poll() is None, what  # refused once, not retried
        assert registry.version == serving
        assert (f'fraud_stream_model_refused_total{{consumer="scorer"}} {float(count)}'
                in generate_latest(metrics.registry).decode()), what

    store = ModelStore(place["models"])
    try:
        for refused, (version, change) in enumerate(copies.items(), start=1):
            copy(version, change)
            hdfs.create(pointer, Pointer.promote(version, key, by="test", previous=served.version).to_text().encode())
            refused_once(refused, version)
        other = next(v for v in trained["versions"].values() if v != served.version)
        hdfs.create(pointer, f"{other}\n".encode())  # a trained, signed version, repointed without the key
        refused_once(len(copies) + 1, "unsigned pointer")
        promote(hdfs, store, other, key, by="test")  # a deliberate rollback: served
        assert registry.poll().version == other
        hdfs.create(pointer, champion)  # the pointer train_model wrote, copied back: promoted before the one served
        refused_once(len(copies) + 2, "old pointer", serving=other)
    finally:
        hdfs.create(pointer, champion)


def _files_under(hdfs, path: str, prefix: str = "") -> list[str]:
    out: list[str] = []
    for status in hdfs.list(path):
        name = status["pathSuffix"]
        if status["type"] == "DIRECTORY":
            out += _files_under(hdfs, f"{path}/{name}", f"{prefix}{name}/")
        else:
            out.append(f"{prefix}{name}")
    return out
