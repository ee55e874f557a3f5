"""Small files on the cluster's default file system (HDFS), through the driver's Hadoop FileSystem.

The jobs need a few: quarantine counts, model metadata, the champion pointer. Going through the JVM keeps
them on the same file system and credentials as the Spark writes, whatever ``fs.defaultFS`` is.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class LockHeld(RuntimeError):
    """Another run holds the lock (``HadoopFiles.lock``)."""


class HadoopFiles:
    """``exists`` / ``read`` / ``read_text`` / ``list`` / ``write_text`` / ``write_texts`` / ``write_bytes`` /
    ``delete`` / ``replace`` on paths like ``/models/fraud``."""

    def __init__(self, spark: SparkSession) -> None:
        jvm = spark.sparkContext._jvm
        self._Path = jvm.org.apache.hadoop.fs.Path
        self._IOUtils = jvm.org.apache.commons.io.IOUtils
        conf = spark.sparkContext._jsc.hadoopConfiguration()
        self._fs = jvm.org.apache.hadoop.fs.FileSystem.get(conf)
        self._files = jvm.org.apache.hadoop.fs.FileContext.getFileContext(conf)
        self._jvm, self._gateway = jvm, spark.sparkContext._gateway

    def exists(self, path: str) -> bool:
        return bool(self._fs.exists(self._Path(path)))

    def read_text(self, path: str) -> str:
        stream = self._fs.open(self._Path(path))
        try:
            return str(self._IOUtils.toString(stream, "UTF-8"))
        finally:
            stream.close()

    def read(self, path: str) -> bytes:
        stream = self._fs.open(self._Path(path))
        try:
            return bytes(self._IOUtils.toByteArray(stream))
        finally:
            stream.close()

    def list(self, path: str) -> list[dict[str, str]]:
        """The folder's entries as WebHDFS' ``LISTSTATUS`` names them (``pathSuffix``, ``type``), so code written
        for ``WebHdfs`` (``model_store.pipeline_sha256``) reads through either."""
        return [{"pathSuffix": str(s.getPath().getName()), "type": "DIRECTORY" if s.isDirectory() else "FILE"}
                for s in self._fs.listStatus(self._Path(path))]

    def write_text(self, path: str, text: str) -> None:
        self.write_bytes(path, text.encode("utf-8"))

    def write_bytes(self, path: str, data: bytes) -> None:
        stream = self._fs.create(self._Path(path), True)
        try:
            stream.write(bytearray(data))
        finally:
            stream.close()

    def write_texts(self, texts: Mapping[str, str], workers: int = 8) -> None:
        """``write_text`` of every (path, text), several at a time: a small file costs a round trip to the
        namenode and the datanode pipeline (~150 ms on one node), so 58 days' files take 9-14 s one by one."""
        with ThreadPoolExecutor(workers) as pool:  # py4j gives each Python thread its own JVM thread
            list(pool.map(lambda item: self.write_text(*item), texts.items()))

    def delete(self, path: str) -> None:
        self._fs.delete(self._Path(path), True)

    def replace(self, path: str, text: str) -> None:
        """Write ``path`` via a temporary file renamed over it in one step (``FileContext.rename`` with
        ``OVERWRITE``, atomic on HDFS): readers, and a crash at any point, see the old or the new text -
        never no file."""
        tmp = f"{path}._tmp"
        self.write_text(tmp, text)
        overwrite = self._gateway.new_array(self._jvm.org.apache.hadoop.fs.Options.Rename, 1)
        overwrite[0] = self._jvm.org.apache.hadoop.fs.Options.Rename.OVERWRITE
        self._files.rename(self._Path(tmp), self._Path(path), overwrite)

    @contextmanager
    def lock(self, path: str, owner: str, stale_after_s: float) -> Iterator[None]:
        """Hold ``path`` as a lock file for the block: created only if absent (atomic on HDFS), deleted after.
        A lock older than ``stale_after_s`` is a crashed holder's and is broken; a live one raises
        ``LockHeld`` naming its owner."""
        target = self._Path(path)
        for _ in range(2):
            try:
                stream = self._fs.create(target, False)  # overwrite=False: fails if another run holds it
            except Exception as exc:  # py4j's Java exception: FileAlreadyExistsException
                if "FileAlreadyExists" not in str(exc):
                    raise
                status = self._fs.getFileStatus(target)
                age_s = time.time() - status.getModificationTime() / 1000
                if age_s < stale_after_s:
                    raise LockHeld(f"{path} is held by {self.read_text(path).strip() or 'another run'} "
                                   f"({age_s:.0f} s old)") from None
                self._fs.delete(target, False)  # a crashed run's: break it and try once more
                continue
            try:
                stream.write(bytearray(owner.encode()))
            finally:
                stream.close()
            break
        else:
            raise LockHeld(f"{path}: could not be taken")
        try:
            yield
        finally:
            self._fs.delete(target, False)
