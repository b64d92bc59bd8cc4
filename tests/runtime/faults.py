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
* :class:`SlowHttpServer`: an AWS JSON-protocol endpoint that sends a valid answer slowly (in
  chunks with a pause between them, or a byte at a time) or cuts the connection after the
  status line: every wait for data is short, the whole answer is not.

:class:`FaultProxy` can also be slow rather than silent: ``chunk_delay`` pauses before relaying
each chunk the server sends, ``trickle`` relays the server's bytes one at a time.
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
from collections.abc import Callable
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

    def _spawn(self, target: Callable[..., object], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name="fault-server", daemon=True)
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
        self.chunk_delay: float | None = None
        """When set, each chunk from the server is relayed this many seconds late."""
        self.trickle: float | None = None
        """When set, the server's data is relayed one byte every this many seconds."""
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
                    if sock is client:
                        upstream.sendall(data)
                    else:
                        self._downstream(client, data)
                    last_activity = time.monotonic()
        except OSError:
            return
        finally:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()

    def _downstream(self, client: socket.socket, data: bytes) -> None:
        """Relay the server's ``data`` to the client, as slowly as the proxy is set to."""
        if self.trickle is not None:
            for index in range(len(data)):
                if self._stop.wait(self.trickle):
                    return
                client.sendall(data[index : index + 1])
            return
        if self.chunk_delay is not None and self._stop.wait(self.chunk_delay):
            return
        client.sendall(data)

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


class SlowHttpServer(_Server):
    """An AWS JSON-protocol endpoint that answers each request with a valid answer, slowly.

    ``answer(target)`` gives the JSON body for the request's ``X-Amz-Target`` (for example
    ``DynamoDB_20120810.PutItem``), or ``None`` to answer that operation at once and in full.
    The slow answers are sent ``chunk_size`` bytes at a time with ``delay`` seconds before each
    chunk; ``cut_after_status`` sends only the status line and closes the connection.
    """

    def __init__(
        self,
        answer: Callable[[str], dict[str, object] | None],
        *,
        delay: float,
        chunk_size: int = 1,
        cut_after_status: bool = False,
    ) -> None:
        super().__init__()
        self._answer = answer
        self.delay = delay
        self.chunk_size = chunk_size
        self.cut_after_status = cut_after_status
        self.requests: list[str] = []
        self._listener = _listener()
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
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
            self._spawn(self._session, conn)

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        buffer = b""
        try:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    return
                buffer += chunk
                while b"\r\n\r\n" in buffer:
                    head, _, rest = buffer.partition(b"\r\n\r\n")
                    headers = _headers(head)
                    length = int(headers.get("content-length", "0"))
                    if len(rest) < length:
                        break
                    buffer = rest[length:]
                    target = headers.get("x-amz-target", "")
                    self.requests.append(target)
                    if not self._respond(conn, target):
                        return
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _respond(self, conn: socket.socket, target: str) -> bool:
        """Send one answer; ``False`` when the connection was cut (or the server stops)."""
        document = self._answer(target)
        slow = document is not None
        body = json.dumps(document if document is not None else {}).encode()
        status = b"HTTP/1.1 200 OK\r\n"
        message = (
            status
            + b"Content-Type: application/x-amz-json-1.1\r\n"
            + b"Content-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
        if slow and self.cut_after_status:
            conn.sendall(status)
            return False
        if not slow:
            conn.sendall(message)
            return True
        for start in range(0, len(message), self.chunk_size):
            if self._stop.wait(self.delay):
                return False
            conn.sendall(message[start : start + self.chunk_size])
        return True

    def close(self) -> None:
        super().close()
        self._listener.close()


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    pairs = (line.split(":", 1) for line in lines if ":" in line)
    return {name.strip().lower(): value.strip() for name, value in pairs}


def client_sockets_to(port: int) -> int:
    """Sockets of this process connected to ``127.0.0.1:port`` (from ``/proc``), so a test can
    check that the connections a request opened were closed."""
    inodes: set[str] = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            target = fd.readlink().name
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    wanted = f"0100007F:{port:04X}"
    count = 0
    for line in Path("/proc/self/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state, inode = fields[2], fields[3], fields[9]
        if remote == wanted and inode in inodes and state != "06":  # 06: TIME_WAIT
            count += 1
    return count
