"""Real network fault servers on 127.0.0.1 for the runtime tests and the fault benchmark.

* :class:`BlackHole`: a listening socket whose accept queue is full, so the kernel drops
  further SYNs: a connect hangs until the client's timeout, as to a host that went away.
* :class:`SilentServer`: accepts TCP connections, reads whatever arrives, never answers (an
  AWS endpoint in a regional outage: DynamoDB or Secrets Manager via ``endpoint_url``).
* :class:`FaultProxy`: a TCP relay in front of a real server that can go silent (the host is
  black-holed while connections are open) and resets connections left idle for longer than a
  limit (a NAT gateway or load balancer dropping idle flows, seen on the next use as a reset).
* :class:`FakePostgresAuth`: a PostgreSQL front end over verified TLS that asks for a
  cleartext or MD5 password (or reports success at once) and records what the client sends.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import ssl
import struct
import threading
import time
from pathlib import Path
from types import TracebackType

LOCALHOST = "127.0.0.1"


def _listener(backlog: int = 64) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOCALHOST, 0))
    sock.listen(backlog)
    return sock


def _reset(sock: socket.socket) -> None:
    """Close with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Server:
    """Start/stop plumbing and context-manager support."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> _Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class BlackHole(_Server):
    """A port where connects time out: listening, accept queue full, SYNs dropped."""

    def __init__(self) -> None:
        super().__init__()
        self._listener = _listener(backlog=0)
        self.port: int = self._listener.getsockname()[1]
        self._fillers: list[socket.socket] = []
        for _ in range(3):  # the queue holds backlog + 1 connections; fill it
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect((LOCALHOST, self.port))
            self._fillers.append(filler)
        time.sleep(0.05)

    def close(self) -> None:
        super().close()
        for sock in [*self._fillers, self._listener]:
            sock.close()


class SilentServer(_Server):
    """Accepts connections and never sends a byte."""

    def __init__(self) -> None:
        super().__init__()
        self._listener = _listener()
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self.connections = 0
        self._open: list[socket.socket] = []
        self._spawn(self._serve)

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._open.append(conn)
            conn.setblocking(False)
        for conn in self._open:
            conn.close()

    def close(self) -> None:
        super().close()
        self._listener.close()


class FaultProxy(_Server):
    """A TCP relay to ``upstream_port`` that can go silent and resets idle connections."""

    def __init__(self, upstream_port: int, *, reset_idle_after: float | None = None) -> None:
        super().__init__()
        self._upstream = (LOCALHOST, upstream_port)
        self._listener = _listener()
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self.reset_idle_after = reset_idle_after
        self.silent = False
        """When set, nothing is relayed any more, in either direction (black-holed host)."""
        self.accepted = 0
        self.resets = 0
        self._spawn(self._serve)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._spawn(self._relay, client)

    def _relay(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        if not self.silent:
            try:
                upstream = socket.create_connection(self._upstream, timeout=5)
            except OSError:
                _reset(client)
                return
        last_activity = time.monotonic()
        pair = [client] if upstream is None else [client, upstream]
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select(pair, [], [], 0.02)
                idle = time.monotonic() - last_activity
                if self.reset_idle_after is not None and idle >= self.reset_idle_after:
                    self.resets += 1
                    _reset(client)
                    if upstream is not None:
                        _reset(upstream)
                    return
                if self.silent or upstream is None:
                    if readable and not client.recv(65536):  # swallowed
                        return
                    continue
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
                    last_activity = time.monotonic()
        except OSError:
            return
        finally:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()

    def close(self) -> None:
        super().close()
        self._listener.close()


#: Authentication requests the fake server can send (PostgreSQL protocol message ``R``).
CLEARTEXT = struct.pack("!i", 3)
MD5 = struct.pack("!i", 5) + b"salt"
AUTH_OK = struct.pack("!i", 0)


class FakePostgresAuth(_Server):
    """Answers the SSL request with ``S``, completes TLS with a certificate the client trusts,
    reads the startup message, sends one authentication request and records every byte the
    client sends afterwards."""

    def __init__(self, request: bytes, cert_file: Path, key_file: Path) -> None:
        super().__init__()
        self._request = request
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(str(cert_file), str(key_file))
        self._listener = _listener()
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self.received_after_request = b""
        self.startup = b""
        self.done = threading.Event()
        self._spawn(self._serve)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                self._session(raw)
            finally:
                self.done.set()
            return

    def _session(self, raw: socket.socket) -> None:
        raw.settimeout(3)
        with contextlib.suppress(OSError, ssl.SSLError):
            if len(raw.recv(8)) != 8:  # SSLRequest
                return
            raw.sendall(b"S")
            conn = self._context.wrap_socket(raw, server_side=True)
            (length,) = struct.unpack("!i", conn.recv(4))
            self.startup = conn.recv(length - 4)
            conn.sendall(b"R" + struct.pack("!i", 4 + len(self._request)) + self._request)
            conn.settimeout(1)
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                self.received_after_request += chunk
        raw.close()

    def close(self) -> None:
        super().close()
        self._listener.close()


class ErrorServer(_Server):
    """An AWS JSON-protocol endpoint that answers every request with one error status."""

    def __init__(self, status: int, error_type: str) -> None:
        super().__init__()
        import http.server

        body = json.dumps({"__type": error_type, "message": "injected"}).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._httpd = http.server.ThreadingHTTPServer((LOCALHOST, 0), Handler)
        self.port: int = self._httpd.server_address[1]
        self._spawn(self._httpd.serve_forever, 0.1)

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"

    def close(self) -> None:
        self._httpd.shutdown()
        super().close()
        self._httpd.server_close()
