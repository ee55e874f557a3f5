"""Installation: system packages, JVM engines from Maven, Go tools and the per-tool venvs."""
