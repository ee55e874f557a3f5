"""A champion promoted by hand through WebHDFS: ``fraudctl model promote VERSION`` (a deliberate rollback, or
a version trained elsewhere with this platform's key). ``train_model`` promotes through Spark's Hadoop client
with the same lock, the same signed ``Pointer`` and the same rename over the old pointer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fraud_platform.errors import ConfigError
from fraud_platform.model_store import PROMOTION_LOCK_STALE_SECONDS, ModelStore, Pointer


class PromotionRefused(ConfigError):
    """The version cannot be promoted (not this platform's, or another promotion is running)."""


@contextmanager
def promotion_lock(hdfs: Any, store: ModelStore, owner: str,
                   stale_after_s: float = PROMOTION_LOCK_STALE_SECONDS) -> Iterator[None]:
    """``store.promotion_lock`` held for the block: created only if absent (atomic on the NameNode); a lock
    older than ``stale_after_s`` is a crashed holder's and is broken once."""
    for attempt in range(2):
        try:
            hdfs.create(store.promotion_lock, owner.encode(), overwrite=False)
            break
        except Exception as exc:  # WebHdfsError: 403 FileAlreadyExistsException
            status = hdfs.status(store.promotion_lock)
            if status is None or attempt:
                raise PromotionRefused(f"{store.promotion_lock}: could not be taken ({str(exc)[:120]})") from None
            age_s = time.time() - status["modificationTime"] / 1000
            if age_s < stale_after_s:
                holder = hdfs.read(store.promotion_lock).decode(errors="replace").strip() or "another run"
                raise PromotionRefused(f"another promotion is running ({holder}, {age_s:.0f} s ago): "
                                       "try again when it ends") from None
            hdfs.delete(store.promotion_lock)
    try:
        yield
    finally:
        hdfs.delete(store.promotion_lock)


def promote(hdfs: Any, store: ModelStore, version: str, key: str, by: str) -> Pointer:
    """Point the champion at ``version`` (which must be signed with ``key``): a new signed pointer, promoted now,
    written beside the old one and renamed over it in one step. Returns it."""
    problem = store.signature_problem(hdfs, version, key)
    if problem:
        raise PromotionRefused(f"{version} cannot be champion: {problem}")
    with promotion_lock(hdfs, store, owner=by):
        current = store.pointer(hdfs)
        pointer = Pointer.promote(version, key, by=by, previous=current.version if current else None)
        staged = f"{store.champion_pointer}._tmp"
        hdfs.create(staged, pointer.to_text().encode())
        if not hdfs.rename(staged, store.champion_pointer, overwrite=True):
            raise PromotionRefused(f"the NameNode refused to rename {staged} over {store.champion_pointer}")
    return pointer
