"""`fraudctl setup`: an idempotent plan of install steps, run with progress bars.

System packages come first (everything else needs Java, Maven or Go); the remaining steps are independent
downloads and run three at a time. Each step is skipped when its marker exists, so a second setup with
nothing missing takes seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from fraud_runtime.context import Context
from fraud_runtime.install import gotools, launchers, maven, system, venvs
from fraud_runtime.install.artifacts import GO_TOOLS, JVM_ENGINES, VENVS


@dataclass(frozen=True)
class Step:
    name: str
    done: Callable[[], bool]
    run: Callable[[Path], None]  # gets its log file


def plan(ctx: Context) -> tuple[Step, list[Step]]:
    art = ctx.artifacts
    prerequisites = Step("system packages", lambda: not system.missing() and system.java_major() >= 17, system.install)
    steps = [
        Step(f"jars: {engine}", lambda e=engine: maven.is_installed(art, e),
             lambda log, e=engine: maven.install(art, e, log))
        for engine in JVM_ENGINES
    ]
    steps += [
        Step(f"launcher: {name}", lambda n=name: launchers.is_installed(art, n),
             lambda log, n=name: launchers.install(art, n, log))
        for name in launchers.LAUNCHERS
    ]
    steps += [
        Step(name, lambda n=name: gotools.is_installed(art, n), lambda log, n=name: gotools.install(art, n, log))
        for name in GO_TOOLS
    ]
    steps += [
        Step(f"venv: {name}", lambda n=name: venvs.is_installed(art, n), lambda log, n=name: venvs.install(art, n, log))
        for name in VENVS
    ]
    return prerequisites, steps


def run_setup(ctx: Context, console: Console) -> float:
    """Install whatever is missing; return the seconds it took."""
    started = time.monotonic()
    log_dir = ctx.paths.logs / "setup"
    prerequisites, steps = plan(ctx)
    pending = [step for step in steps if not step.done()]
    columns = (SpinnerColumn(), TextColumn("{task.description:<24}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        overall = progress.add_task("setup", total=1 + len(pending))
        if not prerequisites.done():
            task = progress.add_task(prerequisites.name, total=1)
            prerequisites.run(log_dir / "system.log")
            progress.update(task, completed=1)
        progress.advance(overall)

        def execute(step: Step) -> None:
            task = progress.add_task(step.name, total=1)
            step.run(log_dir / f"{step.name.replace(': ', '-')}.log")
            progress.update(task, completed=1)
            progress.advance(overall)

        with ThreadPoolExecutor(max_workers=3) as pool:
            for future in [pool.submit(execute, step) for step in pending]:
                future.result()
    _local_tls(ctx)
    return time.monotonic() - started


def _local_tls(ctx: Context) -> None:
    """The platform's own CA and the local engines' keystore (fraud_runtime/tls.py), made with the secrets, so
    docker-compose's broker finds them too; `up` renews them as each engine's config is written."""
    from fraud_runtime.tls import local_tls

    local_tls(ctx)
