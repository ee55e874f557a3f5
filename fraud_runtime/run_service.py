"""Run one registered service in the foreground: render its config, initialise it, then exec the very
`Program` supervisord runs natively. docker-compose's entry point for the platform's own services.

    python -m fraud_runtime.run_service transactions-api

`AIRFLOW__*` variables of the calling environment win over the rendered ones (a container network needs
e.g. another execution API URL than the loopback default).
"""

from __future__ import annotations

import os
import sys

from fraud_platform.errors import FraudError
from fraud_runtime.context import Context
from fraud_runtime.services.registry import service_class


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python -m fraud_runtime.run_service SERVICE")
    try:
        service = service_class(argv[0])(Context.load())
        service.conf_dir.mkdir(parents=True, exist_ok=True)
        service.data_dir.mkdir(parents=True, exist_ok=True)
        service.render_config()
        service.initialise()
        program = service.program()
    except FraudError as exc:
        sys.exit(f"run_service: error: {exc}")
    overrides = {k: v for k, v in os.environ.items() if k.startswith("AIRFLOW__")}
    env = {**os.environ, **program.env, **overrides}
    if program.cwd:
        os.chdir(program.cwd)
    os.execvpe(program.argv[0], program.argv, env)


if __name__ == "__main__":
    main(sys.argv[1:])
