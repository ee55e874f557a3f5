"""Errors of the batch jobs; each job's entry point turns them into one clear line and a non-zero exit."""


class BatchError(RuntimeError):
    """Base class of every batch-layer failure."""


class MissingInputError(BatchError):
    """An upstream partition or file the job needs is not there (the message names it)."""


class QualityError(BatchError):
    """Input or output failed a data-quality rule (too many malformed rows, counts differ, null keys, ...)."""


class ExtractError(BatchError):
    """The upstream API answered something unusable (bad JSON, missing fields, inconsistent totals)."""


class DayNotServedError(ExtractError):
    """The API has no data for the day (its 404, whose message this carries): not transient, so a retry
    cannot help; the DAG task fails at once."""


class SchemaDriftError(BatchError):
    """An existing table differs from its declaration in a way ``ALTER TABLE ADD COLUMNS`` cannot fix."""
