"""Small files on the cluster's default file system (HDFS), through the driver's Hadoop FileSystem.

The jobs need a few: quarantine counts, model metadata, the champion pointer. Going through the JVM keeps
them on the same file system and credentials as the Spark writes, whatever ``fs.defaultFS`` is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class HadoopFiles:
    """``exists`` / ``read_text`` / ``write_text`` / ``write_bytes`` / ``delete`` / ``replace`` on paths like
    ``/models/fraud``."""

    def __init__(self, spark: SparkSession) -> None:
        jvm = spark.sparkContext._jvm
        self._Path = jvm.org.apache.hadoop.fs.Path
        self._IOUtils = jvm.org.apache.commons.io.IOUtils
        self._fs = jvm.org.apache.hadoop.fs.FileSystem.get(spark.sparkContext._jsc.hadoopConfiguration())

    def exists(self, path: str) -> bool:
        return bool(self._fs.exists(self._Path(path)))

    def read_text(self, path: str) -> str:
        stream = self._fs.open(self._Path(path))
        try:
            return str(self._IOUtils.toString(stream, "UTF-8"))
        finally:
            stream.close()

    def write_text(self, path: str, text: str) -> None:
        self.write_bytes(path, text.encode("utf-8"))

    def write_bytes(self, path: str, data: bytes) -> None:
        stream = self._fs.create(self._Path(path), True)
        try:
            stream.write(bytearray(data))
        finally:
            stream.close()

    def delete(self, path: str) -> None:
        self._fs.delete(self._Path(path), True)

    def replace(self, path: str, text: str) -> None:
        """Write ``path`` via a temporary file and a rename, so readers see the old or the new text."""
        tmp = f"{path}._tmp"
        self.write_text(tmp, text)
        self._fs.delete(self._Path(path), False)
        if not self._fs.rename(self._Path(tmp), self._Path(path)):
            raise OSError(f"could not rename {tmp} to {path}")
