"""kafka-python checksums record batches with the ``crc32c`` C package (pure Python capped the producer near
1,500 records/s): pin that it is the one picked, and that it computes the standard CRC-32C."""

import random

import crc32c
import pytest
from kafka.record import default_records, util
from kafka.record._crc32c import crc as pure_python


def test_kafka_python_uses_the_c_package() -> None:
    assert util.calc_crc32c.__defaults__ == (crc32c.crc32c,)  # bound at import when the package is present
    assert default_records.calc_crc32c is util.calc_crc32c  # and nothing patches it


def test_known_vectors() -> None:
    # RFC 3720 (iSCSI) B.4 and the usual "check" value of CRC-32C.
    assert default_records.calc_crc32c(memoryview(b"123456789")) == 0xE3069283
    assert crc32c.crc32c(bytes(32)) == 0x8A9136AA
    assert crc32c.crc32c(b"\xff" * 32) == 0x62A8AB43
    assert crc32c.crc32c(bytes(range(32))) == 0x46DD794E


@pytest.mark.parametrize("size", [0, 1, 7, 8192, 100_003])
def test_matches_kafka_pythons_reference(size: int) -> None:
    data = random.Random(size).randbytes(size)
    assert default_records.calc_crc32c(memoryview(bytearray(data))) == pure_python(data)
