"""A fault-injecting TCP proxy of our own, on loopback, between a counter and the central server.

Each chunk of a reply draws a fault from a seeded schedule (per chunk, because a client keeps its
connection alive across requests): pass it through untouched; delay it; drop the connection there (a
cut link); pass only part of the chunk and close (a truncated answer); or reset the connection (RST, as
a dying NAT box does). It can also throttle to a given
latency and bandwidth (200 ms, 256 kbit/s). It runs in a thread with its own event loop and stops by
itself when the test ends; traffic goes only to the loopback address it was given.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

FAULTS = ("pass", "delay", "drop", "truncate", "reset")


@dataclass
class Schedule:
    """Which fault each new connection gets: ``weights`` over FAULTS, drawn with a fixed seed."""

    seed: int = 1
    weights: dict[str, float] = field(default_factory=lambda: {"pass": 1.0})
    delay_s: float = 0.05
    latency_s: float = 0.0
    bytes_per_s: float | None = None
    drawn: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def draw(self) -> str:
        names = list(self.weights)
        fault = self._rng.choices(names, [self.weights[n] for n in names])[0]
        self.drawn.append(fault)
        return fault


class FaultProxy:
    def __init__(self, target_port: int, schedule: Schedule | None = None, host: str = "127.0.0.1"):
        self.target = (host, target_port)
        self.host = host
        self.schedule = schedule or Schedule()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self.connections = 0
        self.bytes_up = 0  # counter → server, as on the wire (compressed bodies, headers)
        self.bytes_down = 0

    # --- life cycle ----------------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fault proxy did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, self.host, 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            with contextlib.suppress(Exception):
                self._loop.run_until_complete(self._server.wait_closed())
            self._loop.close()

    # --- one connection ------------------------------------------------------------------------------

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()
            return
        up = asyncio.ensure_future(self._pipe(client_r, server_w, faulty=False))
        down = asyncio.ensure_future(self._pipe(server_r, client_w, faulty=True))
        await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        for task in (up, down):
            task.cancel()
        for w in (client_w, server_w):
            with contextlib.suppress(Exception):
                w.close()

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, faulty: bool
    ) -> None:
        sched = self.schedule
        while True:
            chunk = await reader.read(4096)
            if not chunk:
                with contextlib.suppress(Exception):
                    writer.write_eof()
                return
            if sched.latency_s:
                await asyncio.sleep(sched.latency_s)
            fault = sched.draw() if faulty else "pass"
            if fault == "delay":
                await asyncio.sleep(sched.delay_s)
            elif fault == "reset":
                sock = writer.get_extra_info("socket")
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            elif fault in ("drop", "truncate"):
                if fault == "truncate":
                    writer.write(chunk[: len(chunk) // 2])
                    with contextlib.suppress(Exception):
                        await writer.drain()
                return  # the link dies here
            writer.write(chunk)
            await writer.drain()
            if faulty:
                self.bytes_down += len(chunk)
            else:
                self.bytes_up += len(chunk)
            if sched.bytes_per_s:
                await asyncio.sleep(len(chunk) / sched.bytes_per_s)


@contextlib.contextmanager
def fault_proxy(target_port: int, schedule: Schedule | None = None) -> Iterator[FaultProxy]:
    proxy = FaultProxy(target_port, schedule).start()
    try:
        yield proxy
    finally:
        proxy.stop()
