"""A private transactions API for one benchmark run, serving a handbook-layout file (CSV or Parquet).

It is the platform's own ``python -m apps.transactions_api`` (``TransactionsApi.program()``) on a free local
port with a token of its own, configured through ``API_*`` variables (the environment wins over ``.env``);
ready when its ``/healthz`` passes the service's own probe; stopped when the ``with`` block ends. The
platform's API service, if running, is not touched.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from pydantic import SecretStr

from bench._errors import BenchError
from fraud_runtime.context import Context
from fraud_runtime.errors import ProbeFailed
from fraud_runtime.services.transactions_api import TransactionsApi
from spark_jobs.extract import ApiSource

DATASET_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")  # what apps.transactions_api.dataset reads


def check_dataset(path: Path) -> Path:
    """``path`` resolved, or a one-line ``BenchError`` if it cannot be a dataset file."""
    if not path.exists():
        raise BenchError(f"--data {path}: no such file")
    if not path.is_file():
        raise BenchError(f"--data {path}: not a file")
    if not path.name.lower().endswith(DATASET_SUFFIXES):
        raise BenchError(f"--data {path}: expected a handbook-layout {' or '.join(DATASET_SUFFIXES)} file")
    return path.resolve()


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def api_env(dataset: Path, port: int, token: str) -> dict[str, str]:
    """The settings the private API process reads (``API_URL`` blank: it serves, it does not point away)."""
    return {"API_DATASET": str(dataset), "API_PORT": str(port), "API_TOKEN": token, "API_URL": ""}


def private_service(ctx: Context, dataset: Path, port: int, token: str) -> TransactionsApi:
    """The API service as the private process will see its settings (``api_env``): its URL and probe."""
    api = ctx.settings.api.model_copy(update={"url": None, "port": port, "dataset": dataset,
                                              "token": SecretStr(token)})
    return TransactionsApi(dataclasses.replace(ctx, settings=ctx.settings.model_copy(update={"api": api})))


class PrivateApi:
    """``with PrivateApi(ctx, path) as source:`` — an ``ApiSource`` for the running private API."""

    def __init__(self, ctx: Context, dataset: Path, *, ready_timeout: float = 600.0,
                 extra_env: dict[str, str] | None = None) -> None:
        self.dataset = dataset
        self.token = secrets.token_urlsafe(24)
        self.port = free_port(ctx.settings.platform.bind_host)
        self.service = private_service(ctx, dataset, self.port, self.token)
        self.env = {**api_env(dataset, self.port, self.token), **(extra_env or {})}
        self.ready_timeout = ready_timeout
        self._log = tempfile.TemporaryFile(mode="w+", prefix="bench-api-")  # noqa: SIM115 - closed by stop()
        self._proc: subprocess.Popen[str] | None = None

    @property
    def base_url(self) -> str:
        return self.service.base_url

    def __enter__(self) -> ApiSource:
        program = self.service.program()
        self._proc = subprocess.Popen(program.argv, env={**os.environ, **program.env, **self.env}, cwd=program.cwd,
                                      stdout=self._log, stderr=subprocess.STDOUT, text=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return ApiSource(self.base_url, self.token)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        assert self._proc is not None
        probe, deadline, reason = self.service.probe(), time.monotonic() + self.ready_timeout, ""
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise BenchError(f"the private transactions API for {self.dataset} exited "
                                 f"({self._proc.returncode}): {self._last_line()}")
            try:
                probe.check()
                return
            except ProbeFailed as exc:
                reason = str(exc)
            time.sleep(0.5)
        raise BenchError(f"the private transactions API for {self.dataset} was not ready within "
                         f"{self.ready_timeout:.0f} s ({reason}); last log line: {self._last_line()}")

    def _last_line(self) -> str:
        self._log.seek(0)
        lines = [line.strip() for line in self._log.read().splitlines() if line.strip()]
        return lines[-1] if lines else "(no output)"

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()
