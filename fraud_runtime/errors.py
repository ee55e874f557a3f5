"""Errors the CLI turns into one clear line and a non-zero exit (never a traceback)."""

from __future__ import annotations


class FraudError(Exception):
    """Base of every expected failure: its message is the one line the user sees."""

    exit_code = 1


class ConfigError(FraudError):
    """A setting or argument is wrong (unknown profile/service, bad value)."""

    exit_code = 2


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
