"""Apply migrations/cassandra/*.cql in order, once each, recording them in fraud.schema_migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MIGRATIONS = Path(__file__).parent / "cassandra"


def statements(path: Path, replication_factor: int) -> list[str]:
    text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("--"))
    text = text.replace("{replication_factor}", str(replication_factor))
    return [stmt.strip() for stmt in text.split(";") if stmt.strip()]


def migrate(session: Any, replication_factor: int) -> list[str]:
    """Apply pending migrations; return their names. Safe to run again and from several processes."""
    files = sorted(MIGRATIONS.glob("*.cql"))
    for stmt in statements(files[0], replication_factor):  # creates the keyspace and the ledger
        session.execute(stmt, timeout=60)
    done = {row.version for row in session.execute("SELECT version FROM fraud.schema_migrations")}
    applied = []
    for path in files:
        if path.stem in done:
            continue
        for stmt in statements(path, replication_factor):
            session.execute(stmt, timeout=60)
        session.execute(
            "INSERT INTO fraud.schema_migrations (version, applied_at) VALUES (%s, %s)",
            (path.stem, datetime.now(UTC)),
        )
        applied.append(path.stem)
    return applied
