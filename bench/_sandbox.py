"""An isolated place for benchmark runs of the batch layer's Spark jobs: a Hive database and HDFS roots
of its own, so the platform's ``fraud`` tables, ``/raw``, ``/quarantine``, ``/models`` and its champion are
never touched. The jobs are the ones the DAGs run (``fraud_platform.spark.run_job``), pointed at the
sandbox through their ``--database``/``--raw-root``/``--quarantine-root``/``--models-root`` arguments.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date

from bench._errors import BenchError
from fraud_platform.config import PlatformConfig
from fraud_platform.spark import run_job
from fraud_platform.webhdfs import WebHdfs


@dataclass(frozen=True)
class JobRun:
    seconds: float
    stdout: str

    def json_lines(self) -> list[dict]:
        """The JSON objects the job printed on stdout, one per line (other lines skipped)."""
        found = []
        for line in self.stdout.splitlines():
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
        return found


@dataclass(frozen=True)
class Sandbox:
    database: str  # Hive database
    base: str  # HDFS folder holding raw/, quarantine/ and models/

    @property
    def raw_root(self) -> str:
        return f"{self.base}/raw"

    @property
    def quarantine_root(self) -> str:
        return f"{self.base}/quarantine"

    @property
    def models_root(self) -> str:
        return f"{self.base}/models"

    def load_args(self) -> list[str]:
        """Where the load jobs read raw JSONL and write tables and rejected rows."""
        return ["--database", self.database, "--raw-root", self.raw_root, "--quarantine-root", self.quarantine_root]

    def run(self, config: PlatformConfig, job: str, *args: str) -> JobRun:
        """Run ``spark_jobs/<job>.py`` to completion; a failure raises with the tail of its stderr."""
        started = time.perf_counter()
        result = run_job(config, job, list(args))
        if result.returncode:
            raise BenchError(f"{job} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
        return JobRun(time.perf_counter() - started, result.stdout)

    def load(self, config: PlatformConfig, first: date, last: date) -> float:
        """``load_day`` over ``first .. last`` (both tables, then their quality checks): seconds."""
        return self.run(config, "load_day", "--dt", first.isoformat(), "--until", last.isoformat(),
                        *self.load_args()).seconds

    def build_features(self, config: PlatformConfig, start: date, end: date) -> float:
        return self.run(config, "build_features", "--start", start.isoformat(), "--end", end.isoformat(),
                        "--database", self.database).seconds

    def train(self, config: PlatformConfig, *args: str) -> JobRun:
        """``train_model`` with ``args`` (``--train-start`` …) on the sandbox's tables and model store."""
        return self.run(config, "train_model", "--database", self.database, "--models-root", self.models_root,
                        *args)

    def hdfs(self, config: PlatformConfig) -> WebHdfs:
        return WebHdfs(config.endpoints.webhdfs_url, config.settings.hdfs.user)

    def remove(self, config: PlatformConfig) -> None:
        """Drop the database (its tables' files with it) and delete the HDFS roots."""
        from fraud_platform.clients import hive_connection

        host, port = config.endpoints.hiveserver2
        try:
            with hive_connection(host, port, login=config.endpoints.hive_login) as conn:
                conn.cursor().execute(f"DROP DATABASE IF EXISTS {self.database} CASCADE")
        except Exception as exc:  # PyHive/thrift raise their own types: say where, not which
            raise BenchError(f"could not drop Hive database {self.database} through HiveServer2 at "
                             f"{host}:{port}: {exc.__class__.__name__}: {exc}") from exc
        self.hdfs(config).delete(self.base, recursive=True)
