"""Test helpers shared by the tiers and by bench/ (``from tests.support.stream import ...``)."""
