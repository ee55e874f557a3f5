"""Errors of the feature declarations and their backends (both ``DomainError``s)."""

from fraud_domain.errors import DomainError


class FeatureDefinitionError(DomainError, ValueError):
    """A feature declaration is invalid; raised when it is declared, so at import of its module.

    ``str(err)`` reads like ``"feature 'x': aggregate 'median' is not one of count, mean_amount, fraud_ratio"``.
    """

    def __init__(self, feature: str, reason: str) -> None:
        super().__init__(f"feature {feature!r}: {reason}")
        self.feature = feature
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # picklable with its two-argument constructor
        return (type(self), (self.feature, self.reason))


class UnsupportedFeatureError(DomainError, LookupError):
    """A backend has no implementation for a declared kind (its dispatch table lacks the key)."""

    def __init__(self, backend: str, feature: str, kind: str) -> None:
        super().__init__(f"the {backend} feature backend cannot compute feature {feature!r}: no implementation "
                         f"of kind {kind!r} in its dispatch table")
        self.backend, self.feature, self.kind = backend, feature, kind

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:
        return (type(self), (self.backend, self.feature, self.kind))
