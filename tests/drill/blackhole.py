"""A TCP proxy on 127.0.0.1 in front of a server that can black-hole it.

Before :meth:`BlackholeProxy.blackhole` it forwards bytes both ways. After it, it forwards
nothing: accepted sockets stay open without an answer, and new connections are accepted
(the kernel completes the handshake from the listen backlog) and then held without a byte,
so a client's TLS handshake or query waits until its own timeout. This is what a region
that is gone looks like from outside it: connections hang, they are not refused.
"""

from __future__ import annotations

import select
import socket
import threading


class BlackholeProxy:
    """Forwards ``127.0.0.1:<port>`` to ``host:target_port`` until black-holed."""

    def __init__(self, host: str, target_port: int) -> None:
        self._target = (host, target_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self._listener.settimeout(0.1)
        self.host = "127.0.0.1"
        self.port: int = self._listener.getsockname()[1]
        self._blackholed = threading.Event()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.held = 0
        """Connections accepted after the black hole (never answered)."""
        self._thread = threading.Thread(target=self._accept, name="blackhole-accept", daemon=True)
        self._thread.start()

    def blackhole(self) -> None:
        """From now on forward nothing and answer nothing."""
        self._blackholed.set()

    def _keep(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self._keep(client)
            if self._blackholed.is_set():
                self.held += 1
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            self._keep(upstream)
            for sock in (client, upstream):  # no Nagle delay on a forwarded request/answer
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(
                target=self._pump, args=(client, upstream), name="blackhole-pump", daemon=True
            ).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        while not self._closed.is_set():
            if self._blackholed.is_set():
                self._closed.wait()  # hold both sockets open, forward nothing
                return
            try:
                readable, _, _ = select.select(list(peers), [], [], 0.05)
            except (OSError, ValueError):
                return
            for source in readable:
                if self._blackholed.is_set():
                    break
                try:
                    data = source.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    client.close()
                    upstream.close()
                    return
                try:
                    peers[source].sendall(data)
                except OSError:
                    return

    def close(self) -> None:
        """Stop accepting and close every socket."""
        self._closed.set()
        self._thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()
