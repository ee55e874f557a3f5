"""Errors of the stream layer."""


class StreamError(Exception):
    """Base of the consumers' expected failures (bad configuration, unusable input file)."""


class ModelLoadError(StreamError):
    """A champion model exists but cannot be used by the scorer (unknown flavour, unreadable files)."""
