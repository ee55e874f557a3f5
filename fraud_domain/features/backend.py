"""What every feature backend shares: one dispatch table, and a lookup in it that fails loudly.

A backend (online, reference, Spark) states what it implements as one table
``{declaration class: {kind: implementation}}``. ``implementation`` resolves a declared feature in it and
raises ``UnsupportedFeatureError`` for a kind the table lacks, rather than running another kind's code;
``unimplemented`` lists the declarable kinds (``definitions.KINDS``) a table lacks, which the unit tests
require to be none for every backend.
"""

from collections.abc import Mapping
from typing import TypeVar

from fraud_domain.features.definitions import KINDS, Feature
from fraud_domain.features.errors import UnsupportedFeatureError

T = TypeVar("T")
DispatchTable = Mapping[type, Mapping[str, T]]


def implementation(table: DispatchTable[T], feature: Feature, *, backend: str) -> T:
    """``table``'s implementation of ``feature`` (by its class and ``kind``); raises if it has none."""
    impl = table.get(type(feature), {}).get(feature.kind)
    if impl is None:
        raise UnsupportedFeatureError(backend, feature.name, f"{type(feature).__name__}.{feature.kind}")
    return impl


def unimplemented(table: DispatchTable[object]) -> list[str]:
    """Every declarable ``Class.kind`` that ``table`` has no implementation for (sorted)."""
    return sorted(f"{cls.__name__}.{kind}" for cls, kinds in KINDS.items() for kind in kinds
                  if kind not in table.get(cls, {}))
