"""The Spark backend of ``fraud_domain.features.definitions``: every declared feature, no feature of its own.

It reads each declaration's ``entity_column``, ``window_seconds``, ``delay_seconds`` and ``kind`` and turns
them into window-function or join expressions, one function per kind in ``IMPLEMENTATIONS`` (a kind it lacks
fails before any work); each column is cast to its declared ``dtype``. ``tests/integration/test_spark_jobs.py``
checks it against ``features.reference`` and ``OnlineFeatureState`` on the same transactions.

Point-in-time rules, as the reference pins them down:

* Processing order in batch is ``(event_time, transaction_id)``: at an equal timestamp a transaction sees
  only those with a smaller id. Range frames include every tie, so windows ending at ``t`` (no delay)
  subtract the entity's later ties.
* Window ``(t - delay - window, t - delay]`` as an inclusive microsecond range frame
  ``[-(delay + window) + 1, -delay]``.
* ``fraud_ratio`` counts a member only if its last label is a fraud reported at or before ``t`` — a
  condition on the current row, so it is a range join of the (rare) frauds rather than a window sum.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fraud_domain.features.backend import DispatchTable, implementation
from fraud_domain.features.definitions import (
    ALL_FEATURE_NAMES,
    ALL_FEATURES,
    LABELLED_AGGREGATES,
    MIN_SPEED_INTERVAL,
    NIGHT_LAST_HOUR,
    RowFeature,
    StreamFeature,
    WindowFeature,
)
from fraud_domain.geo import EARTH_RADIUS_KM
from fraud_domain.utc import delta_us

TX_COLUMNS = ("transaction_id", "event_time", "customer_id", "terminal_id", "amount", "terminal_lat",
              "terminal_lon")
KEY_COLUMNS = ("transaction_id", "event_time", "customer_id", "terminal_id")
_US = 1_000_000
_US_PER_HOUR = 3600 * _US


def latest_labels(labels):
    """One label per transaction: the last reported (the last label given wins, as in the reference)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    last = Window.partitionBy("transaction_id").orderBy(F.col("reported_at").desc(), F.col("is_fraud").desc())
    return (labels.withColumn("_n", F.row_number().over(last)).where(F.col("_n") == 1)
            .select("transaction_id", "is_fraud", "reported_at"))


def compute_features(transactions, labels):
    """``transactions`` (``TX_COLUMNS``) and ``labels`` (transaction_id, is_fraud, reported_at) ->
    ``KEY_COLUMNS`` + ``ALL_FEATURE_NAMES`` for every transaction (history rows included)."""
    from pyspark.sql import functions as F

    build = [(f, implementation(IMPLEMENTATIONS, f, backend="spark")) for f in ALL_FEATURES]
    df = transactions.select(*TX_COLUMNS).withColumn("_ts", F.unix_micros("event_time"))
    df = _with_ties(df)
    df = _with_fraud_counts(df, latest_labels(labels))
    df = df.withColumns({f.name: column(f).cast(f.dtype) for f, column in build})
    return df.select(*KEY_COLUMNS, *ALL_FEATURE_NAMES)


def _order(column: str):
    from pyspark.sql import Window

    return Window.partitionBy(column).orderBy("_ts")


def _range(column: str, window_us: int, delay_us: int):
    return _order(column).rangeBetween(-(delay_us + window_us) + 1, -delay_us)


def _with_ties(df):
    # Per entity: how many later-processed rows share this row's timestamp, and their amount sum.
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    for column in {f.entity_column for f in ALL_FEATURES if not isinstance(f, RowFeature)}:
        later = (Window.partitionBy(column, "_ts").orderBy("transaction_id")
                 .rowsBetween(1, Window.unboundedFollowing))
        df = df.withColumns({f"_ties_n_{column}": F.count(F.lit(1)).over(later),
                             f"_ties_sum_{column}": F.coalesce(F.sum("amount").over(later), F.lit(0.0))})
    return df


def _count_and_sum(column: str, window_us: int, delay_us: int):
    """Members of ``(t - delay - window, t - delay]`` seen by this row: (count, amount sum)."""
    from pyspark.sql import functions as F

    frame = _range(column, window_us, delay_us)
    n, total = F.count(F.lit(1)).over(frame), F.coalesce(F.sum("amount").over(frame), F.lit(0.0))
    if delay_us == 0:  # the frame ends at t: drop the ties processed after this row
        n, total = n - F.col(f"_ties_n_{column}"), total - F.col(f"_ties_sum_{column}")
    return n, total


def _amount(f: RowFeature):
    from pyspark.sql import functions as F

    return F.col("amount")


def _weekend(f: RowFeature):
    from pyspark.sql import functions as F

    # Spark: 1 = Sunday ... 7 = Saturday (session time zone UTC)
    return F.when(F.dayofweek("event_time").isin(1, 7), 1.0).otherwise(0.0)


def _night(f: RowFeature):
    from pyspark.sql import functions as F

    return F.when(F.hour("event_time") <= NIGHT_LAST_HOUR, 1.0).otherwise(0.0)


def _window_count_and_sum(f: WindowFeature):
    return _count_and_sum(f.entity_column, f.window_seconds * _US, f.delay_seconds * _US)


def _count(f: WindowFeature):
    return _window_count_and_sum(f)[0]


def _mean_amount(f: WindowFeature):
    from pyspark.sql import functions as F

    n, total = _window_count_and_sum(f)
    return F.when(n > 0, total / n).otherwise(0.0)


def _fraud_ratio(f: WindowFeature):
    from pyspark.sql import functions as F

    n, _ = _window_count_and_sum(f)
    return F.when(n > 0, F.col(_fraud_column(f)) / n).otherwise(0.0)


def _fraud_column(f: WindowFeature) -> str:
    return f"_frauds_{f.name}"


def _with_fraud_counts(df, labels):
    """Add ``_frauds_<feature>``: members of the feature's window whose label is a fraud known at ``t``."""
    from pyspark.sql import functions as F

    # Ties at t are not subtracted here: the declarations guarantee these windows end before t (delay > 0).
    ratios = [f for f in ALL_FEATURES if isinstance(f, WindowFeature) and f.aggregate in LABELLED_AGGREGATES]
    for column in sorted({f.entity_column for f in ratios}):
        features = [f for f in ratios if f.entity_column == column]
        frauds = (labels.where(F.col("is_fraud")).join(df.select("transaction_id", column, "_ts"), "transaction_id")
                  .select(F.col(column).alias("_f_entity"), F.col("_ts").alias("_f_ts"),
                          F.unix_micros("reported_at").alias("_f_known")))
        widest = max((f.window_seconds + f.delay_seconds) * _US for f in features)
        nearest = min(f.delay_seconds * _US for f in features)
        me = df.select("transaction_id", column, "_ts")
        pairs = me.join(frauds, (me[column] == frauds["_f_entity"]) & (frauds["_f_ts"] > me["_ts"] - widest)
                        & (frauds["_f_ts"] <= me["_ts"] - nearest) & (frauds["_f_known"] <= me["_ts"]))
        sums = []
        for f in features:
            high = F.col("_ts") - f.delay_seconds * _US
            low = high - f.window_seconds * _US
            inside = (F.col("_f_ts") > low) & (F.col("_f_ts") <= high)
            sums.append(F.sum(F.when(inside, 1).otherwise(0)).alias(_fraud_column(f)))
        counts = pairs.groupBy("transaction_id").agg(*sums)
        df = df.join(counts, "transaction_id", "left").fillna(0, [_fraud_column(f) for f in features])
    return df


def _stream_count(f: StreamFeature):
    return _count_and_sum(f.entity_column, f.window_seconds * _US, 0)[0]


def _amount_ratio_prev_mean(f: StreamFeature):
    from pyspark.sql import functions as F

    n, total = _count_and_sum(f.entity_column, f.window_seconds * _US, 0)
    n_prev, total_prev = n - 1, total - F.col("amount")  # earlier members only: drop the current row too
    return F.when(n_prev > 0, F.col("amount") / (total_prev / n_prev)).otherwise(1.0)


def _previous(f: StreamFeature):
    """(is there a previous transaction in processing order within (t - window, t], km from it, its _ts)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    previous = Window.partitionBy(f.entity_column).orderBy("_ts", "transaction_id")
    p_ts = F.lag("_ts").over(previous)
    p_lat, p_lon = F.lag("terminal_lat").over(previous), F.lag("terminal_lon").over(previous)
    km = _haversine_km(p_lat, p_lon, F.col("terminal_lat"), F.col("terminal_lon"))
    return p_ts.isNotNull() & (p_ts > F.col("_ts") - f.window_seconds * _US), km, p_ts


def _distance_prev_km(f: StreamFeature):
    from pyspark.sql import functions as F

    has_previous, km, _ = _previous(f)
    return F.when(has_previous, km).otherwise(0.0)


def _speed_prev_kmh(f: StreamFeature):
    from pyspark.sql import functions as F

    has_previous, km, p_ts = _previous(f)
    elapsed = F.greatest(F.col("_ts") - p_ts, F.lit(delta_us(MIN_SPEED_INTERVAL)))
    return F.when(has_previous, km * _US_PER_HOUR / elapsed).otherwise(0.0)


def _haversine_km(lat1, lon1, lat2, lon2):
    """``fraud_domain.geo.haversine_km`` as a column expression (same formula, same radius)."""
    from pyspark.sql import functions as F

    p1, p2 = F.radians(lat1), F.radians(lat2)
    dp, dl = p2 - p1, F.radians(lon2 - lon1)
    a = F.pow(F.sin(dp / 2), 2) + F.cos(p1) * F.cos(p2) * F.pow(F.sin(dl / 2), 2)
    return 2 * EARTH_RADIUS_KM * F.asin(F.least(F.lit(1.0), F.sqrt(a)))


# kind -> a function of the declaration returning its column expression (pyspark is imported only when called).
IMPLEMENTATIONS: DispatchTable[Callable[[Any], Any]] = {
    RowFeature: {"amount": _amount, "weekend": _weekend, "night": _night},
    WindowFeature: {"count": _count, "mean_amount": _mean_amount, "fraud_ratio": _fraud_ratio},
    StreamFeature: {"count": _stream_count, "distance_prev_km": _distance_prev_km, "speed_prev_kmh": _speed_prev_kmh,
                    "amount_ratio_prev_mean": _amount_ratio_prev_mean},
}

__all__ = ["ALL_FEATURE_NAMES", "IMPLEMENTATIONS", "KEY_COLUMNS", "TX_COLUMNS", "compute_features", "latest_labels"]
