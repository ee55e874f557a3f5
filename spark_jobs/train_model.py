"""spark-submit job: train and evaluate fraud models under the handbook's protocol, keep the best, and
promote it to champion only if it beats the current champion on Average Precision and reaches a floor.

Protocol (Le Borgne et al., ch. 5): train on ``--train-days`` days from ``--train-start``, skip
``--delay-days`` (labels are not known yet), test on the next ``--test-days`` days; from each test day
drop the cards (customers) already known compromised: a fraud label on them with event time in or after
the training week and ``reported_at`` before that day starts.

Steps:
1. Read ``fraud.features`` for the train and test days (a missing partition is an error naming it) and
   each transaction's last label from ``fraud.labels`` (unlabelled rows are an error naming their days).
2. Fit each model (logistic regression, random forest, gradient-boosted trees) as a Spark ML pipeline:
   assembler over ``FEATURE_NAMES`` -> standard scaler -> classifier.
3. Score the test set; AUC ROC, AP and Card Precision@100 per model (``spark_jobs.metrics``).
   ``train_seconds`` is the fit alone; ``seconds`` adds scoring and evaluating the test week.
4. Save every model under ``/models/fraud/<run>-<type>/`` (``fraud_platform.model_store``); the best (by AP)
   is the run's candidate for champion; each is also exported to ONNX (``model.onnx``, ``onnx_export``) with
   its largest difference from Spark on the test set (the scorer runs the file when it is within 1e-5) and
   the file's SHA-256 (the scorer refuses a file that does not match).
   ``--predictions-out``: every model's test-set probabilities too.
5. Under the store's promotion lock (one run at a time; a crashed run's lock is broken after 15 min):
   score the current champion on the same test set; move the pointer if the new model's AP is higher and
   at least ``--min-average-precision``. The pointer is renamed over in one step: never no champion.
6. Append one row per model to ``fraud.model_metrics``.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from datetime import UTC, date, datetime, timedelta

from fraud_platform.model_store import MIN_PROMOTION_AP, MODELS_ROOT, PROMOTION_LOCK_STALE_SECONDS
from spark_jobs.entry import date_range, iso_date, run
from spark_jobs.errors import MissingInputError, QualityError
from spark_jobs.protocol import DELAY_DAYS, TEST_DAYS, TRAIN_DAYS

MODEL_TYPES = ("lr", "rf", "gbt")
# Candidate split points per feature for the tree models. Spark's default (32) cuts each feature at ~3 %
# quantiles: the handbook's large-amount frauds (> 220, the top ~0.5 % of amounts) then share a bin with
# ordinary purchases. On the handbook protocol's validation week (train 07-25..31, validate 08-01..07)
# 512 bins lift RF's AP from 0.49 to 0.68 and GBT's from 0.50 to 0.68 (BENCHMARKS.md "Model quality").
MAX_BINS = 512


def classifier(model_type: str):
    from pyspark.ml.classification import GBTClassifier, LogisticRegression, RandomForestClassifier

    common = {"featuresCol": "features", "labelCol": "label"}
    if model_type == "lr":
        return LogisticRegression(maxIter=100, **common)
    if model_type == "rf":
        return RandomForestClassifier(numTrees=50, maxDepth=10, maxBins=MAX_BINS, seed=0, **common)
    if model_type == "gbt":  # the handbook's prequentially tuned XGBoost: 50 trees of depth 3, learning rate 0.3
        return GBTClassifier(maxIter=50, maxDepth=3, stepSize=0.3, maxBins=MAX_BINS, seed=0, **common)
    raise ValueError(f"unknown model type {model_type!r} (one of {', '.join(MODEL_TYPES)})")


def pipeline(model_type: str):
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import StandardScaler, VectorAssembler

    from fraud_domain.features.definitions import FEATURE_NAMES

    return Pipeline(stages=[VectorAssembler(inputCols=list(FEATURE_NAMES), outputCol="raw_features"),
                            StandardScaler(inputCol="raw_features", outputCol="features", withMean=True,
                                           withStd=True),
                            classifier(model_type)])


def load_sets(spark, train: list[date], test: list[date], database: str):
    """Step 1: (train, test) DataFrames with FEATURE_NAMES, customer_id, dt and a 0/1 ``label``."""
    from pyspark.sql import functions as F

    from spark_jobs.features import latest_labels
    from spark_jobs.tables import FEATURES, LABELS, PARTITION, ensure_table

    for table in (FEATURES, LABELS):
        ensure_table(spark, table, database)
    features, labels_table = FEATURES.qualified(database), LABELS.qualified(database)
    have = {row[0].split("=", 1)[1] for row in spark.sql(f"SHOW PARTITIONS {features}").collect()}
    missing = [d.isoformat() for d in (*train, *test) if d.isoformat() not in have]
    if missing:
        raise MissingInputError(f"{features} lacks partition(s) dt={', dt='.join(missing)}: "
                                "run build_features for them first")
    days = [d.isoformat() for d in (*train, *test)]
    labels = latest_labels(spark.table(labels_table))
    rows = (spark.table(features).where(F.col(PARTITION).isin(days))
            .join(labels, "transaction_id", "left").cache())
    unlabelled = rows.where(F.col("is_fraud").isNull()).groupBy(PARTITION).count().collect()
    if unlabelled:
        detail = ", ".join(f"dt={r[PARTITION]}: {r['count']}" for r in sorted(unlabelled))
        raise QualityError(f"transactions without a label in {labels_table} ({detail}): load the labels first")
    rows = rows.withColumn("label", F.col("is_fraud").cast("double"))
    train_df = rows.where(F.col(PARTITION).isin([d.isoformat() for d in train]))
    # Cards known compromised before each test day: a fraud since the training start, reported by then.
    known = (spark.table(labels_table).where(F.col("is_fraud") & (F.col("event_time") >= F.lit(train[0])))
             .select(F.col("customer_id").alias("_c"), F.col("reported_at").alias("_known_at")))
    test_df = rows.where(F.col(PARTITION).isin([d.isoformat() for d in test]))
    test_df = test_df.join(known, (test_df["customer_id"] == known["_c"])
                           & (known["_known_at"] <= F.to_timestamp(test_df[PARTITION])), "left_anti")
    return train_df.cache(), test_df.cache()


def predictions(model, test_df, features: tuple[str, ...] = ()):
    """Test predictions as pandas: dt, customer_id, score (fraud probability), label, and ``features``."""
    from pyspark.ml.functions import vector_to_array

    scored = model.transform(test_df).select("dt", "customer_id", "label", *features,
                                             vector_to_array("probability")[1].alias("score"))
    frame = scored.toPandas()
    return frame.assign(label=frame["label"].astype(int), score=frame["score"].astype(float))


def train(spark, train_start: date, *, train_days: int, delay_days: int, test_days: int,
          model_types: list[str], database: str = "fraud", models_root: str | None = None,
          predictions_out: str | None = None, min_average_precision: float = MIN_PROMOTION_AP) -> dict:
    from pyspark.ml import PipelineModel

    from fraud_domain.features.definitions import FEATURE_NAMES
    from fraud_platform.config import load_config
    from fraud_platform.logs import get_logger
    from fraud_platform.model_store import ONNX_FILE, ModelMetadata, ModelStore, Pointer, pipeline_sha256, sign
    from spark_jobs.hdfs_files import HadoopFiles
    from spark_jobs.metrics import evaluate
    from spark_jobs.onnx_export import max_abs_diff, to_onnx
    from spark_jobs.tables import MODEL_METRICS, ensure_table

    signing_key = load_config().endpoints.model_signing_key  # before the work: a job that cannot sign fails at once
    train_window = date_range(train_start, train_start + timedelta(days=train_days - 1))
    test_first = train_window[-1] + timedelta(days=delay_days + 1)
    test_window = date_range(test_first, test_first + timedelta(days=test_days - 1))
    train_df, test_df = load_sets(spark, train_window, test_window, database)  # Step 1
    store = ModelStore(models_root) if models_root else ModelStore()
    n_train, n_test = train_df.count(), test_df.count()
    trained_at = datetime.now(UTC).replace(microsecond=0)
    run_id = trained_at.strftime("%Y%m%dT%H%M%SZ")
    results = {}
    for model_type in model_types:  # Steps 2-3
        started = time.perf_counter()
        model = pipeline(model_type).fit(train_df)
        fitted = time.perf_counter()
        scored = predictions(model, test_df, FEATURE_NAMES)  # the features: for the ONNX comparison
        onnx = to_onnx(model, list(FEATURE_NAMES), spark)
        results[model_type] = {"model": model, "metrics": evaluate(scored), "train_seconds": fitted - started,
                               "seconds": time.perf_counter() - started, "onnx": onnx,
                               "onnx_max_abs_diff": max_abs_diff(onnx, scored[list(FEATURE_NAMES)],
                                                                 list(FEATURE_NAMES), scored["score"])}

    best_type = max(results, key=lambda m: results[m]["metrics"]["average_precision"])  # Step 4
    best = results[best_type]
    versions = {m: f"{run_id}-{m}" for m in results}
    version = versions[best_type]
    files = HadoopFiles(spark)
    for model_type, result in results.items():  # every candidate is kept: the best becomes champion below
        result["model"].write().overwrite().save(store.pipeline_path(versions[model_type]))
        files.write_bytes(store.onnx_path(versions[model_type]), result["onnx"])
        meta = ModelMetadata(
            version=versions[model_type], model_type=model_type, feature_names=list(FEATURE_NAMES),
            metrics=result["metrics"], trained_at=trained_at.isoformat(),
            train_window=[train_window[0].isoformat(), train_window[-1].isoformat()],
            test_window=[test_window[0].isoformat(), test_window[-1].isoformat()], n_train=n_train, n_test=n_test,
            all_models={m: r["metrics"] for m, r in results.items()}, onnx=ONNX_FILE,
            onnx_max_abs_diff=result["onnx_max_abs_diff"], onnx_sha256=hashlib.sha256(result["onnx"]).hexdigest(),
            pipeline_sha256=pipeline_sha256(files, store.pipeline_path(versions[model_type])))
        metadata = (meta.to_json() + "\n").encode()
        files.write_bytes(store.metadata_path(versions[model_type]), metadata)
        files.write_text(store.signature_path(versions[model_type]), sign(metadata, signing_key) + "\n")
    if predictions_out:  # what Spark's transform gives each test row: the serving parity tests compare with it
        from pyspark.ml.functions import vector_to_array
        from pyspark.sql import functions as F

        scored = [r["model"].transform(test_df).select(
            "transaction_id", F.lit(versions[m]).alias("model_version"),
            vector_to_array("probability")[1].alias("probability")) for m, r in results.items()]
        union = scored[0]
        for frame in scored[1:]:
            union = union.unionByName(frame)
        union.coalesce(1).write.mode("overwrite").json(predictions_out)

    champion, champion_ap = None, None  # Step 5, one run at a time: read, compare and move the pointer
    with files.lock(store.promotion_lock, owner=f"train_model {run_id}", stale_after_s=PROMOTION_LOCK_STALE_SECONDS):
        exists = files.exists(store.champion_pointer)
        pointer = Pointer.parse(files.read_text(store.champion_pointer)) if exists else None
        champion = pointer.version if pointer else None
        if pointer and champion and (problem := store.pointer_problem(files, pointer, signing_key)):
            get_logger("spark_jobs.train_model").warning("the champion is not this platform's: replaced, not compared",
                                                         champion=champion, problem=problem)
            champion = None  # the scorer would refuse it: the run's best takes its place (AP floor still applies)
        if champion:
            champion_model = PipelineModel.load(store.pipeline_path(champion))
            champion_ap = evaluate(predictions(champion_model, test_df))["average_precision"]
        best_ap = best["metrics"]["average_precision"]
        promoted = best_ap >= min_average_precision and (champion_ap is None or best_ap > champion_ap)
        if promoted:
            new = Pointer.promote(version, signing_key, by=f"train_model {run_id}",
                                  previous=pointer.version if pointer else None)
            files.replace(store.champion_pointer, new.to_text())

    ensure_table(spark, MODEL_METRICS, database)  # Step 6
    rows = [(run_id, versions[m], m, trained_at.replace(tzinfo=None),
             train_window[0].isoformat(), train_window[-1].isoformat(), test_window[0].isoformat(),
             test_window[-1].isoformat(), n_train, n_test, r["metrics"]["auc_roc"],
             r["metrics"]["average_precision"], r["metrics"]["card_precision_at_100"], r["train_seconds"],
             m == best_type, promoted and m == best_type, champion, champion_ap) for m, r in results.items()]
    from spark_jobs.tables import spark_schema

    spark.createDataFrame(rows, spark_schema(MODEL_METRICS)).write.insertInto(MODEL_METRICS.qualified(database))
    train_df.unpersist()
    test_df.unpersist()
    return {"run_id": run_id, "version": version, "versions": versions, "promoted": promoted,
            "min_average_precision": min_average_precision,
            "champion_before": champion, "champion_average_precision": champion_ap, "n_train": n_train,
            "n_test": n_test,
            "models": {m: {**r["metrics"], "train_seconds": round(r["train_seconds"], 1),
                           "seconds": round(r["seconds"], 1), "onnx_max_abs_diff": r["onnx_max_abs_diff"]}
                       for m, r in results.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description="Train LR/RF/GBT on fraud.features (handbook protocol), "
                                                 "record metrics, promote the best if it beats the champion.")
    parser.add_argument("--train-start", type=iso_date, required=True, help="first training day, YYYY-MM-DD")
    parser.add_argument("--train-days", type=int, default=TRAIN_DAYS, help="default %(default)s")
    parser.add_argument("--delay-days", type=int, default=DELAY_DAYS, help="label delay (default %(default)s)")
    parser.add_argument("--test-days", type=int, default=TEST_DAYS, help="default %(default)s")
    parser.add_argument("--models", default=",".join(MODEL_TYPES), help="comma-separated: lr,rf,gbt")
    parser.add_argument("--database", default="fraud", help="Hive database (default %(default)s)")
    parser.add_argument("--models-root", default=MODELS_ROOT, help="HDFS model store (default %(default)s)")
    parser.add_argument("--predictions-out", metavar="HDFS_DIR",
                        help="also write every model's test-set probabilities there (JSON lines: transaction_id, "
                             "model_version, probability), e.g. for serving-parity checks")
    parser.add_argument("--min-average-precision", type=float, default=MIN_PROMOTION_AP, metavar="AP",
                        help="promote only a model with at least this test-week AP (default %(default)s)")
    args = parser.parse_args()
    model_types = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(model_types) - set(MODEL_TYPES))
    if unknown or not model_types:
        parser.error(f"--models: unknown {unknown or 'empty'}; choose from {', '.join(MODEL_TYPES)}")

    def job() -> None:
        import json

        from fraud_platform.logs import get_logger
        from spark_jobs.session import job_session

        spark = job_session("fraud-train-model")
        try:
            report = train(spark, args.train_start, train_days=args.train_days, delay_days=args.delay_days,
                           test_days=args.test_days, model_types=model_types,
                           database=args.database, models_root=args.models_root,
                           predictions_out=args.predictions_out,
                           min_average_precision=args.min_average_precision)
        finally:
            spark.stop()
        get_logger("spark_jobs.train_model").info("trained", **report)
        print(json.dumps(report), flush=True)

    run(job)


if __name__ == "__main__":
    main()
