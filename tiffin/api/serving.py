"""Serving the app: bind the port first, say where it is only once it answers, log requests."""

from __future__ import annotations

import collections
import gc
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI


class PortUnavailable(Exception):
    """The address cannot be bound (taken, or not this machine's)."""


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is printed: a taken port is a clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said out loud: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    # connections whose socket says it is TCP, and one made with protocol 0 does not. With
    # Nagle on, a small answer waited for the client's delayed ACK: about 40 ms a request,
    # which held order placement at a third of its throughput (bench/api_orders.py).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


LOG_BUFFER_LINES = 10_000
LOG_FLUSH_SECONDS = 0.1


class TerminalLines(logging.Handler):
    """tiffin's log lines, held in memory and written to the terminal by a thread every
    ``LOG_FLUSH_SECONDS``.

    The event loop only appends a record to a bounded buffer: it never writes (a line per
    request written from the loop itself stopped the whole server once stderr was a pipe that
    nobody read, the order benchmark's: the write blocked, and with it every request, for
    good) and never wakes the writer (a queue's per-line wake-up of a waiting thread was 11 %
    of the server's CPU at 370 telemetry posts a second). When the buffer is full (nobody
    reads the terminal) the line is dropped and counted, never waited for."""

    def __init__(self, terminal: logging.Handler, capacity: int = LOG_BUFFER_LINES) -> None:
        super().__init__()
        self.terminal = terminal
        self.capacity = capacity
        self.dropped = 0
        self._lines: collections.deque[logging.LogRecord] = collections.deque()
        self._stop = threading.Event()
        self._writer = threading.Thread(target=self._run, name="log-writer", daemon=True)

    def emit(self, record: logging.LogRecord) -> None:
        if len(self._lines) >= self.capacity:
            self.dropped += 1
            return
        self._lines.append(record)  # deque appends are atomic: no lock, no wake-up

    def start(self) -> None:
        self._writer.start()

    def stop(self) -> None:
        """Write the last lines and stop the writer."""
        self._stop.set()
        if self._writer.is_alive():
            self._writer.join(timeout=5)
        self._write_waiting()

    def _run(self) -> None:
        while not self._stop.wait(LOG_FLUSH_SECONDS):
            self._write_waiting()

    def _write_waiting(self) -> None:
        while self._lines:
            self.terminal.handle(self._lines.popleft())


def log_to_terminal() -> TerminalLines:
    """tiffin's info lines (requests, the simulated day) to stderr; uvicorn's own only when
    bad. ``stop()`` the returned handler to write the last lines."""
    terminal = logging.StreamHandler()
    terminal.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    lines = TerminalLines(terminal)
    lines.start()
    tiffin = logging.getLogger("tiffin")
    tiffin.addHandler(lines)
    tiffin.setLevel(logging.INFO)
    tiffin.propagate = False
    return lines


def settle_heap() -> int:
    """Collect once, then freeze every object alive now out of the garbage collector's reach;
    the number frozen.

    Why: a served tiffin holds a large heap that never becomes garbage (the imported libraries,
    the app and its routes, the OpenAPI schema, compiled queries), and CPython's full
    collection walks all of it. Measured under ``bench/telemetry.py`` (SQLite, 400 posts/s):
    each full collection took 140-190 ms, during which the event loop answered nothing, and
    those stalls were the whole of the p99 (64 ms, with 503s shed while the queue waited);
    with the start-up heap frozen, the same run gave p99 10 ms and nothing shed
    (docs/benchmarks.md). ``tiffin serve`` settles twice: when it is ready, and once its
    background loops have all started (``Platform.when_started``), whose imports and first
    rounds left another 60,000 objects for every full collection to walk (30-80 ms each; 3 ms
    once settled again). Objects made later (requests, caches) are collected as before, so a
    leak is still a leak; only what start-up built is set aside, as ``gc.freeze`` is meant for.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def build_openapi_aside(app: FastAPI) -> threading.Thread:
    """Build the app's OpenAPI document on a thread of its own, now.

    Why: FastAPI builds it on the first request for ``/openapi.json`` (the docs page asks),
    on the event loop, and caches it. Measured on ``tiffin serve``: that first request took
    1.2-1.3 s, and no other request was answered meanwhile (a ``/healthz`` probe waited as
    long), whenever it came. Built here, the loop only shares the interpreter with it for a
    moment after start-up, and the first visitor gets the cached document."""
    thread = threading.Thread(target=app.openapi, name="tiffin-openapi", daemon=True)
    thread.start()
    return thread


class _Server(uvicorn.Server):
    """uvicorn's server, which settles the heap (``settle_heap``), calls ``on_ready`` once it
    accepts connections, then builds a FastAPI app's OpenAPI document aside
    (``build_openapi_aside``)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_ready = on_ready
        self.openapi_thread: threading.Thread | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            settle_heap()
            self.on_ready()
            if isinstance(self.config.app, FastAPI):
                self.openapi_thread = build_openapi_aside(self.config.app)


def serve(app: FastAPI, sock: socket.socket, on_ready: Callable[[], None], **options: Any) -> None:
    """Serve ``app`` on the bound ``sock`` until interrupted (``options``: uvicorn's, such as
    the slow-client timeouts of ``tiffin.api.guards.server_options``)."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, **options)
    _Server(config, on_ready).run(sockets=[sock])
