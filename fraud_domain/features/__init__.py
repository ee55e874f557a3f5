"""One feature definition (``definitions``), its naive reference and its online implementation."""

from fraud_domain.features.definitions import (
    ALL_FEATURE_NAMES,
    ALL_FEATURES,
    ENTITY_COLUMNS,
    FEATURE_NAMES,
    LABEL_DELAY,
    MODEL_FEATURES,
    STREAM_FEATURE_NAMES,
    STREAM_FEATURES,
    RowFeature,
    StreamFeature,
    TxLike,
    WindowFeature,
    retention,
    to_vector,
)
from fraud_domain.features.errors import FeatureDefinitionError, UnsupportedFeatureError
from fraud_domain.features.online import OnlineFeatureState
from fraud_domain.features.reference import Record, reference_features

__all__ = [
    "ALL_FEATURES",
    "ALL_FEATURE_NAMES",
    "ENTITY_COLUMNS",
    "FEATURE_NAMES",
    "LABEL_DELAY",
    "MODEL_FEATURES",
    "STREAM_FEATURES",
    "STREAM_FEATURE_NAMES",
    "FeatureDefinitionError",
    "OnlineFeatureState",
    "Record",
    "RowFeature",
    "StreamFeature",
    "TxLike",
    "UnsupportedFeatureError",
    "WindowFeature",
    "reference_features",
    "retention",
    "to_vector",
]
