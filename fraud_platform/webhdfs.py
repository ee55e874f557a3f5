"""A small WebHDFS client (HTTP REST): enough for the platform's directories, raw files and tests.

Used by the runtime's bootstrap, the batch layer's extract tasks and the tests; it needs only `requests`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests


class WebHdfsError(RuntimeError):
    pass


@dataclass(frozen=True)
class WebHdfs:
    base_url: str  # http://namenode:9870
    user: str
    timeout: float = 30.0

    def _url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}/webhdfs/v1/{path.lstrip('/')}"

    def _call(self, method: str, path: str, op: str, **params: Any) -> requests.Response:
        query = {"op": op, "user.name": self.user, **params}
        response = requests.request(method, self._url(path), params=query, timeout=self.timeout, allow_redirects=False)
        if response.status_code >= 400:
            raise WebHdfsError(f"WebHDFS {op} {path} failed: {response.status_code} {response.text[:300]}")
        return response

    def mkdirs(self, path: str) -> None:
        self._call("PUT", path, "MKDIRS")

    def chmod(self, path: str, permission: str) -> None:
        self._call("PUT", path, "SETPERMISSION", permission=permission)

    def create(self, path: str, data: bytes, *, overwrite: bool = True) -> None:
        """Two-step create: the NameNode redirects to a DataNode, which receives the bytes."""
        redirect = self._call("PUT", path, "CREATE", overwrite=str(overwrite).lower())
        location = redirect.headers.get("Location")
        if not location:
            raise WebHdfsError(f"WebHDFS CREATE {path}: no redirect to a DataNode")
        response = requests.put(location, data=data, timeout=self.timeout)
        if response.status_code >= 400:
            raise WebHdfsError(f"WebHDFS write {path} failed: {response.status_code} {response.text[:300]}")

    def read(self, path: str) -> bytes:
        redirect = self._call("GET", path, "OPEN")
        location = redirect.headers.get("Location")
        response = requests.get(location, timeout=self.timeout) if location else redirect
        if response.status_code >= 400:
            raise WebHdfsError(f"WebHDFS read {path} failed: {response.status_code}")
        return response.content

    def list(self, path: str) -> list[dict[str, Any]]:
        return self._call("GET", path, "LISTSTATUS").json()["FileStatuses"]["FileStatus"]

    def status(self, path: str) -> dict[str, Any] | None:
        try:
            return self._call("GET", path, "GETFILESTATUS").json()["FileStatus"]
        except WebHdfsError as exc:
            if " 404 " in str(exc):
                return None
            raise

    def exists(self, path: str) -> bool:
        return self.status(path) is not None

    def delete(self, path: str, *, recursive: bool = False) -> bool:
        return bool(self._call("DELETE", path, "DELETE", recursive=str(recursive).lower()).json()["boolean"])

    def rename(self, source: str, destination: str, *, overwrite: bool = False) -> bool:
        """``overwrite``: replace ``destination`` in the same atomic step (the NameNode's ``Options.Rename``
        ``OVERWRITE``, as ``FileContext.rename`` sends it; that variant answers 200 with no body, and a failure
        with an error status, which raises)."""
        if overwrite:
            self._call("PUT", source, "RENAME", destination=destination, renameoptions="OVERWRITE")
            return True
        return bool(self._call("PUT", source, "RENAME", destination=destination).json()["boolean"])
