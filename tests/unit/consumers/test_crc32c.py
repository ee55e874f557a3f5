"""The vectorised CRC32C equals kafka-python's reference implementation at every size."""

import random

import pytest
from kafka.record._crc32c import crc as reference

from consumers.crc32c import crc32c


@pytest.mark.parametrize("size", [0, 1, 3, 4, 5, 100, 8191, 8192, 8193, 65536, 100_003, 262_144])
def test_matches_reference(size: int) -> None:
    data = random.Random(size).randbytes(size)
    assert crc32c(data) == reference(data)
    assert crc32c(memoryview(bytearray(data))) == reference(data)


def test_known_vector() -> None:
    assert crc32c(b"123456789") == 0xE3069283  # the standard CRC-32C check value
