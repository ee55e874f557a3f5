"""The runtime's errors (install, start, probe); the shared ones come from `fraud_platform.errors`."""

from __future__ import annotations

from fraud_platform.errors import FraudError


class InstallError(FraudError):
    """Something the platform needs could not be installed: the message says what to install."""


class PortInUseError(FraudError):
    def __init__(self, service: str, port: int, host: str) -> None:
        super().__init__(
            f"port {port} on {host} is already in use, so {service} cannot start there: stop the process "
            f"holding it (ss -ltnp 'sport = :{port}') or set another port for {service} in .env"
        )


class ServiceNotReady(FraudError):
    """A service did not pass its readiness probe in time; carries the tail of its log."""

    def __init__(self, service: str, reason: str, log_tail: str = "") -> None:
        message = f"{service} is not ready: {reason}"
        if log_tail:
            message += f"\n--- last lines of the {service} log ---\n{log_tail}"
        super().__init__(message)
        self.service = service


class ProbeFailed(Exception):
    """One readiness check did not pass (yet); the message says why."""
