"""THE feature definitions: declared once, computed offline (Spark) and online (scorer) from these.

Three kinds of declaration, all keyword-only and frozen:

* ``RowFeature``    - a pure function of one transaction (amount, weekend, night).
* ``WindowFeature`` - an aggregate over one entity's transactions in the half-open time window
  ``(t - delay - window, t - delay]``. With ``delay == 0`` the window includes the current transaction,
  as the handbook's rolling sums do; terminal windows are shifted back by the label delay so that their
  fraud ratio only uses labels that are known at ``t``.
* ``StreamFeature`` - real-time signals about the customer's recent activity (velocity, travel, the amount
  against the customer's earlier mean): the rules' inputs, and the amount ratios are model inputs too.

``FEATURE_NAMES`` is the model's input vector: the handbook's 15 in its order, then the amount ratios.
``ALL_FEATURE_NAMES`` is every declared feature (the handbook's, then ``STREAM_FEATURE_NAMES``). A backend
reads ``entity_column``, ``window_seconds``, ``delay_seconds`` and ``kind`` (a window's ``aggregate``) and must
match ``features.reference`` (the parity tests check that).

Each declaration is checked when it is made (``FeatureDefinitionError``): a kind outside ``KINDS``, a window
that is not a positive whole number of seconds, a dtype outside ``DTYPES``, a name that is not a lowercase
column name or is declared twice. ``dtype`` is a Spark SQL type name: the Spark column's cast, the
``fraud.features`` column type (``sql_type``) and the Python type of an online value (``typed``).
"""

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, TypeVar, get_args

from fraud_domain.features.errors import FeatureDefinitionError

Entity = Literal["customer", "terminal"]
Aggregate = Literal["count", "mean_amount", "fraud_ratio"]
RowKind = Literal["amount", "weekend", "night"]
StreamKind = Literal["count", "distance_prev_km", "speed_prev_kmh", "amount_ratio_prev_mean"]
Dtype = Literal["double", "bigint"]
ENTITIES: tuple[Entity, ...] = get_args(Entity)
AGGREGATES: tuple[str, ...] = get_args(Aggregate)
ROW_KINDS: tuple[str, ...] = get_args(RowKind)
STREAM_KINDS: tuple[str, ...] = get_args(StreamKind)
LABELLED_AGGREGATES = frozenset({"fraud_ratio"})  # aggregates that read fraud labels
# dtype -> Python type of a computed value (the Spark/Hive type is the dtype's own name).
DTYPES: dict[str, Callable[[float], float]] = {"double": float, "bigint": int}

ENTITY_COLUMNS: dict[str, str] = {"customer": "customer_id", "terminal": "terminal_id"}
# Column names as in the event schema and the `fraud.transactions` / `fraud.labels` tables.
TIME_COLUMN, AMOUNT_COLUMN, LAT_COLUMN, LON_COLUMN = "event_time", "amount", "terminal_lat", "terminal_lon"
LABEL_COLUMN, KNOWN_AT_COLUMN = "is_fraud", "reported_at"  # a label counts from reported_at on
LABEL_DELAY = timedelta(days=7)  # the handbook's chargeback delay: labels are usable a week later
NIGHT_LAST_HOUR = 6  # TX_DURING_NIGHT: hour (UTC) <= 6
MIN_SPEED_INTERVAL = timedelta(seconds=1)  # speed = km / max(dt, 1 s): no division by zero, no inf
# Feature names are Hive columns (case-insensitive) next to these key columns of ``fraud.features``.
_NAME = re.compile(r"[a-z][a-z0-9_]*")
RESERVED_NAMES = frozenset({"transaction_id", TIME_COLUMN, *ENTITY_COLUMNS.values()})


class TxLike(Protocol):
    """What feature code reads from a transaction; ``TransactionEvent`` satisfies it."""

    @property
    def transaction_id(self) -> str: ...
    @property
    def event_time(self) -> datetime: ...
    @property
    def customer_id(self) -> int: ...
    @property
    def terminal_id(self) -> int: ...
    @property
    def amount(self) -> float: ...
    @property
    def terminal_lat(self) -> float: ...
    @property
    def terminal_lon(self) -> float: ...


class _Declared:
    """What every declaration has: a ``name`` (a column) and a ``dtype``, checked by ``_check``."""

    __slots__ = ()
    name: str
    dtype: Dtype

    @property
    def sql_type(self) -> str:
        """The Hive column type, e.g. ``DOUBLE``."""
        return self.dtype.upper()

    def typed(self, value: float) -> float:
        """``value`` as the declared ``dtype``'s Python type."""
        return DTYPES[self.dtype](value)

    def _fail(self, reason: str) -> FeatureDefinitionError:
        return FeatureDefinitionError(str(self.name), reason)

    def _check(self, kind_field: str, kind: str, kinds: tuple[str, ...], entity: str | None = None) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise self._fail("name must match [a-z][a-z0-9_]* (it is a Hive column; Hive ignores case)")
        if self.name in RESERVED_NAMES:
            raise self._fail(f"name is a key column of the features table ({', '.join(sorted(RESERVED_NAMES))})")
        self._one_of("dtype", self.dtype, DTYPES)
        self._one_of(kind_field, kind, kinds)
        if entity is not None:
            self._one_of("entity", entity, ENTITIES)

    def _one_of(self, field: str, value: object, allowed: Collection[str]) -> None:
        if value not in allowed:
            raise self._fail(f"{field} {value!r} is not one of {', '.join(allowed)}")

    def _check_span(self, field: str, span: object, *, positive: bool) -> None:
        if not isinstance(span, timedelta):
            raise self._fail(f"{field} must be a timedelta (got {span!r})")
        if span < timedelta(0) or (positive and span == timedelta(0)):
            raise self._fail(f"{field} must be {'> 0' if positive else '>= 0'} (got {span})")
        if span % timedelta(seconds=1):
            raise self._fail(f"{field} must be whole seconds (got {span}): the Spark frames are in seconds")


def _amount(event_time: datetime, amount: float) -> float:
    return float(amount)


def _weekend(event_time: datetime, amount: float) -> float:
    return 1.0 if event_time.weekday() >= 5 else 0.0


def _night(event_time: datetime, amount: float) -> float:
    return 1.0 if event_time.hour <= NIGHT_LAST_HOUR else 0.0


# The Python implementation of every row kind (online and reference both use it through ``compute``).
ROW_COMPUTE: dict[str, Callable[[datetime, float], float]] = {"amount": _amount, "weekend": _weekend,
                                                              "night": _night}


@dataclass(frozen=True, slots=True, kw_only=True)
class RowFeature(_Declared):
    """A function of the transaction alone."""

    name: str
    kind: RowKind
    handbook_name: str = ""
    dtype: Dtype = "double"

    def __post_init__(self) -> None:
        self._check("kind", self.kind, ROW_KINDS)

    def compute(self, event_time: datetime, amount: float) -> float:
        """The value for one transaction (``event_time`` in UTC)."""
        return ROW_COMPUTE[self.kind](event_time, amount)


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowFeature(_Declared):
    """``aggregate`` over the entity's transactions with time in ``(t - delay - window, t - delay]``.

    ``count`` counts them; ``mean_amount`` averages their amounts (0 when empty); ``fraud_ratio`` is the
    share whose fraud label is known (``reported_at <= t``) and positive (0 when empty); it needs
    ``delay > 0`` (labels arrive after the chargeback delay; the Spark backend relies on it for ties).
    """

    name: str
    entity: Entity
    window: timedelta
    aggregate: Aggregate
    delay: timedelta = timedelta(0)
    handbook_name: str = ""
    dtype: Dtype = "double"

    def __post_init__(self) -> None:
        self._check("aggregate", self.aggregate, AGGREGATES, self.entity)
        self._check_span("window", self.window, positive=True)
        self._check_span("delay", self.delay, positive=False)
        if self.aggregate in LABELLED_AGGREGATES and self.delay <= timedelta(0):
            raise self._fail(f"aggregate {self.aggregate!r} needs delay > 0 (labels are known only after it)")

    @property
    def kind(self) -> str:
        """The dispatch key of the backends: the aggregate."""
        return self.aggregate

    @property
    def entity_column(self) -> str:
        return ENTITY_COLUMNS[self.entity]

    @property
    def window_seconds(self) -> int:
        return int(self.window.total_seconds())

    @property
    def delay_seconds(self) -> int:
        return int(self.delay.total_seconds())


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamFeature(_Declared):
    """A real-time signal over the customer's transactions within ``window`` before ``t``.

    * ``count``: transactions in ``(t - window, t]``, the current one included (velocity).
    * ``distance_prev_km``: haversine km from the previous transaction's terminal to this one's; the
      previous transaction is the latest earlier-processed one with time in ``(t - window, t]``; 0 if none.
    * ``speed_prev_kmh``: that distance / ``max(t - t_prev, MIN_SPEED_INTERVAL)`` in km/h; 0 if none.
    * ``amount_ratio_prev_mean``: amount / mean amount of the earlier transactions in ``(t - window, t]``
      (the current one excluded, so a spike cannot dilute its own baseline); 1 if none.
    """

    name: str
    kind: StreamKind
    window: timedelta
    entity: Entity = "customer"
    dtype: Dtype = "double"

    def __post_init__(self) -> None:
        self._check("kind", self.kind, STREAM_KINDS, self.entity)
        self._check_span("window", self.window, positive=True)

    @property
    def entity_column(self) -> str:
        return ENTITY_COLUMNS[self.entity]

    @property
    def window_seconds(self) -> int:
        return int(self.window.total_seconds())


Feature = RowFeature | WindowFeature | StreamFeature
# Every kind a declaration may name: the keys each backend's dispatch table must have.
KINDS: dict[type, tuple[str, ...]] = {RowFeature: ROW_KINDS, WindowFeature: AGGREGATES, StreamFeature: STREAM_KINDS}
_D = TypeVar("_D", bound=_Declared)


def unique_names(features: Iterable[_D]) -> tuple[_D, ...]:
    """``features`` as a tuple; a name declared twice is a ``FeatureDefinitionError``."""
    out = tuple(features)
    seen: set[str] = set()
    for f in out:
        if f.name in seen:
            raise FeatureDefinitionError(f.name, "declared twice (a feature name is a column: one per feature)")
        seen.add(f.name)
    return out


def _handbook_features() -> list[RowFeature | WindowFeature]:
    out: list[RowFeature | WindowFeature] = [
        RowFeature(name="tx_amount", kind="amount", handbook_name="TX_AMOUNT"),
        RowFeature(name="tx_during_weekend", kind="weekend", handbook_name="TX_DURING_WEEKEND"),
        RowFeature(name="tx_during_night", kind="night", handbook_name="TX_DURING_NIGHT"),
    ]
    for days in (1, 7, 30):
        w = timedelta(days=days)
        out += [
            WindowFeature(name=f"customer_nb_tx_{days}d", entity="customer", window=w, aggregate="count",
                          handbook_name=f"CUSTOMER_ID_NB_TX_{days}DAY_WINDOW"),
            WindowFeature(name=f"customer_avg_amount_{days}d", entity="customer", window=w,
                          aggregate="mean_amount", handbook_name=f"CUSTOMER_ID_AVG_AMOUNT_{days}DAY_WINDOW"),
        ]
    for days in (1, 7, 30):
        w = timedelta(days=days)
        out += [
            WindowFeature(name=f"terminal_nb_tx_{days}d", entity="terminal", window=w, aggregate="count",
                          delay=LABEL_DELAY, handbook_name=f"TERMINAL_ID_NB_TX_{days}DAY_WINDOW"),
            WindowFeature(name=f"terminal_risk_{days}d", entity="terminal", window=w, aggregate="fraud_ratio",
                          delay=LABEL_DELAY, handbook_name=f"TERMINAL_ID_RISK_{days}DAY_WINDOW"),
        ]
    return out


MODEL_FEATURES: tuple[RowFeature | WindowFeature, ...] = tuple(_handbook_features())  # the handbook's 15
AMOUNT_RATIOS: tuple[StreamFeature, ...] = tuple(
    StreamFeature(name=f"customer_amount_ratio_{days}d", kind="amount_ratio_prev_mean", window=timedelta(days=days))
    for days in (1, 7, 30))
STREAM_FEATURES: tuple[StreamFeature, ...] = (
    StreamFeature(name="customer_nb_tx_2min", kind="count", window=timedelta(minutes=2)),
    StreamFeature(name="customer_dist_prev_km", kind="distance_prev_km", window=timedelta(days=1)),
    StreamFeature(name="customer_speed_prev_kmh", kind="speed_prev_kmh", window=timedelta(days=1)),
    *AMOUNT_RATIOS,
)
ALL_FEATURES: tuple[Feature, ...] = unique_names(MODEL_FEATURES + STREAM_FEATURES)
# The model's input vector: the handbook's 15 features, then the amount against the customer's earlier mean
# over 1, 7 and 30 days (the handbook's compromised-card frauds spend ~5x their usual amount). On the handbook
# protocol's validation week they lift every model's AP (BENCHMARKS.md "Model quality"). A served model
# names its own inputs (``metadata.feature_names``, any of ``ALL_FEATURE_NAMES``).
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in (*MODEL_FEATURES, *AMOUNT_RATIOS))
STREAM_FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in STREAM_FEATURES)
ALL_FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in ALL_FEATURES)
WINDOW_FEATURES: tuple[WindowFeature, ...] = tuple(f for f in MODEL_FEATURES if isinstance(f, WindowFeature))
ROW_FEATURES: tuple[RowFeature, ...] = tuple(f for f in MODEL_FEATURES if isinstance(f, RowFeature))


def retention(entity: Entity) -> timedelta:
    """How far back an entity's history must be kept to compute every feature declared on it."""
    spans = [f.window + f.delay for f in WINDOW_FEATURES if f.entity == entity]
    spans += [f.window for f in STREAM_FEATURES if f.entity == entity]
    return max(spans, default=timedelta(0))


def to_vector(features: Mapping[str, float], names: Sequence[str] = FEATURE_NAMES) -> list[float]:
    """A model's input: ``features`` in ``names`` order (default ``FEATURE_NAMES``; a served model passes
    its ``metadata.feature_names``). KeyError if one is missing."""
    return [features[name] for name in names]
