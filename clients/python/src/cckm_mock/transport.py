"""The connections the kit's own calls (the control API, `token`) go over: `http.client`, kept
alive, one per thread. A call through `requests` cost about 0.5 ms more than the same call here
(its adapters, hooks and environment merging), and a test makes four or five of them."""

from __future__ import annotations

import http.client
import ssl
import threading
import urllib.parse
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    """An answer: its status and body."""

    status: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")


class Transport:
    """Kept-alive connections to one server, one per thread (a test may `wait` in one thread while
    another `advance`s), TLS verified against `ca_cert` when given, else the system's authorities."""

    # A kept-alive connection the server has closed meanwhile fails like this before any answer.
    _STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)

    def __init__(self, url: str, ca_cert: str | None, headers: dict[str, str]) -> None:
        parts = urllib.parse.urlsplit(url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._context = ssl.create_default_context(cafile=ca_cert) if self._https else None
        self._headers = dict(headers)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[http.client.HTTPConnection] = []

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str], timeout: float) -> Reply:
        for attempt in (1, 2):
            connection, reused = self._connection()
            connection.timeout = timeout
            if connection.sock is not None:
                connection.sock.settimeout(timeout)
            try:
                connection.request(method, self._prefix + path, body=body, headers={**self._headers, **headers})
                response = connection.getresponse()
                content = response.read()
            except self._STALE:
                self._drop(connection)
                if not reused or attempt == 2:
                    raise
                continue
            except BaseException:
                self._drop(connection)
                raise
            if response.will_close:
                self._drop(connection)
            return Reply(response.status, content)
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            connections, self._open = self._open, []
        for connection in connections:
            connection.close()

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection, and whether it was used before (so may have gone stale)."""
        connection: Any = getattr(self._local, "connection", None)
        if connection is not None:
            return connection, True
        if self._https:
            connection = http.client.HTTPSConnection(self._host, self._port, context=self._context)
        else:
            connection = http.client.HTTPConnection(self._host, self._port)
        self._local.connection = connection
        with self._lock:
            self._open.append(connection)
        return connection, False

    def _drop(self, connection: http.client.HTTPConnection) -> None:
        connection.close()
        if getattr(self._local, "connection", None) is connection:
            self._local.connection = None
        with self._lock:
            if connection in self._open:
                self._open.remove(connection)
