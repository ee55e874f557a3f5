"""HiveServer2's credentials file: the one login the local server accepts, written at `render_config` and read
at every login by the server's password check (jvm/hs2-auth/Hs2FileAuthenticator.java).

A Java properties file, mode 0600: the user name and a salted PBKDF2-HMAC-SHA256 hash of the password, never
the password itself (nor on any command line: the server only gets the file's path).

Standard library only, so docker-compose's Spark container can run it as a script (``python3 hive_credentials.py
FILE``, with HIVE_USERNAME and HIVE_PASSWORD in its environment) before it starts the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

ALGORITHM = "PBKDF2WithHmacSHA256"  # the JDK's name; hashlib's is pbkdf2_hmac("sha256", ...)
ITERATIONS = 210_000  # OWASP's figure for PBKDF2-HMAC-SHA256 (2023); ~0.1 s per login
SALT_BYTES = 16
HASH_BYTES = 32
FILE_PROPERTY = "fraud.hiveserver2.credentials"  # the JVM system property naming the file (Java reads it)


@dataclass(frozen=True)
class StoredLogin:
    """What the file holds."""

    username: str
    salt: bytes
    iterations: int
    hash: bytes

    def matches(self, username: str, password: str) -> bool:
        """The server's check, in Python (constant-time compares); the reference the tests hold Java to."""
        actual = _pbkdf2(password, self.salt, self.iterations)
        return hmac.compare_digest(username.encode(), self.username.encode()) & hmac.compare_digest(actual, self.hash)


def _pbkdf2(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, HASH_BYTES)


def write_credentials(path: Path, username: str, password: str, *, iterations: int = ITERATIONS) -> None:
    """Write (or replace, atomically) the file for ``username``/``password`` with a fresh salt, mode 0600."""
    salt = secrets.token_bytes(SALT_BYTES)
    text = "".join(f"{key}={value}\n" for key, value in (
        ("username", username),
        ("algorithm", ALGORITHM),
        ("iterations", iterations),
        ("salt", base64.b64encode(salt).decode()),
        ("hash", base64.b64encode(_pbkdf2(password, salt, iterations)).decode()),
    ))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("# HiveServer2 login, written by fraudctl: the password is stored only as a salted hash\n" + text)
    os.chmod(partial, 0o600)
    partial.replace(path)


def read_credentials(path: Path) -> StoredLogin:
    """Parse the file written by ``write_credentials``."""
    values = dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    if values.get("algorithm") != ALGORITHM:
        raise ValueError(f"{path}: algorithm {values.get('algorithm')!r}, expected {ALGORITHM}")
    return StoredLogin(values["username"], base64.b64decode(values["salt"]), int(values["iterations"]),
                       base64.b64decode(values["hash"]))


if __name__ == "__main__":  # docker-compose's hiveserver2 (see the module docstring); natively, render_config
    if len(sys.argv) != 2:
        sys.exit("usage: HIVE_USERNAME=… HIVE_PASSWORD=… python3 hive_credentials.py FILE")
    write_credentials(Path(sys.argv[1]), os.environ.get("HIVE_USERNAME", "fraud_app"), os.environ["HIVE_PASSWORD"])
