"""HDFS through WebHDFS :9870: the platform layout exists; files write, read, list and delete."""

from __future__ import annotations

from fraud_runtime.services.hdfs import DIRECTORIES


def test_platform_directories_exist(hdfs) -> None:
    for directory in DIRECTORIES:
        assert hdfs.status(directory)["type"] == "DIRECTORY", directory


def test_write_read_list_delete(hdfs, unique: str) -> None:
    path = f"/tmp/it-{unique}/hello.txt"
    data = f"fraud platform {unique}\n".encode() * 1000
    hdfs.create(path, data)
    assert hdfs.read(path) == data
    assert [entry["pathSuffix"] for entry in hdfs.list(f"/tmp/it-{unique}")] == ["hello.txt"]
    assert hdfs.status(path)["length"] == len(data)
    assert hdfs.delete(f"/tmp/it-{unique}", recursive=True)
    assert not hdfs.exists(path)
