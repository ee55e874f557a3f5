"""Idempotent schema migrations for the online store (Cassandra)."""
