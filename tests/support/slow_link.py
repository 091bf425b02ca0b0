"""A TCP proxy of our own on loopback between a client and the server: it adds latency, limits the
bandwidth, and can cut replies short (the first ``drop_first`` connections are closed after
``drop_after`` bytes of reply). Threads, no dependencies."""

from __future__ import annotations

import socket
import threading
import time


class SlowLink:
    def __init__(
        self,
        upstream_port: int,
        *,
        latency_s: float = 0.1,
        bytes_per_s: float = 32_000.0,
        drop_after: int | None = None,
        drop_first: int = 0,
    ):
        self.upstream_port = upstream_port
        self.latency_s = latency_s
        self.bytes_per_s = bytes_per_s
        self.drop_after = drop_after
        self.drop_first = drop_first
        self.connections = 0
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = int(self._listener.getsockname()[1])
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            drop = self.drop_after if self.connections <= self.drop_first else None
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, drop), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, drop_after: int | None) -> None:
        sent = 0
        try:
            while True:
                chunk = src.recv(4096)
                if not chunk:
                    break
                time.sleep(self.latency_s + len(chunk) / self.bytes_per_s)
                if drop_after is not None and sent + len(chunk) > drop_after:
                    dst.sendall(chunk[: max(0, drop_after - sent)])
                    break
                dst.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
