"""Errors of the stream layer."""


class StreamError(Exception):
    """Base of the consumers' expected failures (bad configuration, unusable input file)."""


class ModelLoadError(StreamError):
    """A champion model exists but cannot be used by the scorer (unknown flavour, unreadable files)."""


class TopicRecreated(StreamError):
    """An input topic was deleted and created again since the scorer's checkpoint: the saved offsets are
    positions in another topic (the scorer would skip or misread records), so it refuses to start."""
