"""A model store's files in memory, signed with a key: what ``ModelRegistry`` reads through ``WebHdfs``
(``exists`` / ``read`` / ``list``), for unit tests of the registry. The real HDFS is in the integration tests."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fraud_platform.model_store import ModelStore, Pointer, sign


class ModelFiles:
    def __init__(self, key: str, store: ModelStore | None = None) -> None:
        self.key, self.store = key, store or ModelStore()
        self.files: dict[str, bytes] = {}

    def version(self, version: str, metadata: dict[str, Any] | None = None) -> ModelFiles:
        """A version whose metadata (with ``version`` and an empty pipeline's digest) is signed with the key."""
        raw = json.dumps({"version": version, **(metadata or {}),
                          "pipeline_sha256": hashlib.sha256().hexdigest()}).encode()
        self.files[self.store.metadata_path(version)] = raw
        self.files[self.store.signature_path(version)] = sign(raw, self.key).encode()
        return self

    def point(self, pointer: Pointer | str) -> ModelFiles:
        """The champion pointer: a ``Pointer`` as ``to_text`` writes it, or any text."""
        text = pointer if isinstance(pointer, str) else pointer.to_text()
        self.files[self.store.champion_pointer] = text.encode()
        return self

    def promote(self, version: str) -> ModelFiles:
        """``version`` pointed at by a pointer signed with the key, promoted now."""
        return self.point(Pointer.promote(version, self.key, by="test", previous=None))

    def list(self, path: str) -> list[dict[str, str]]:
        return []  # every pipeline folder is empty

    def exists(self, path: str) -> bool:
        return path in self.files

    def read(self, path: str) -> bytes:
        return self.files[path]
