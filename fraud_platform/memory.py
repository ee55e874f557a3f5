"""Memory the C allocator keeps after Python frees it, handed back to the system: the transactions API after
each day it serialises, the consumers after each full collection (``consumers/loop.py``)."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (None elsewhere, e.g. musl): freed blocks stay in the allocator's arenas, so a
    process's resident memory otherwise stays at its high-water mark whatever Python frees."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


MALLOC_TRIM = _malloc_trim()


def release_free_memory() -> bool:
    """Hand the allocator's free pages back to the system (``malloc_trim(0)``); whether any were released (False
    without glibc)."""
    return bool(MALLOC_TRIM(0)) if MALLOC_TRIM is not None else False
