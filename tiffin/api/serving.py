"""Serving the app: bind the port first, say where it is only once it answers, log requests."""

from __future__ import annotations

import logging
import logging.handlers
import queue
import socket
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


LOG_QUEUE_LINES = 10_000


class DroppingQueueHandler(logging.handlers.QueueHandler):
    """Hands records to the writer thread; when the queue is full (nobody reads the terminal)
    the line is dropped and counted, never waited for."""

    def __init__(self, lines: queue.Queue[logging.LogRecord]) -> None:
        super().__init__(lines)
        self.dropped = 0

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        """The record as it is: the writer thread is in this process, so there is nothing to
        pickle, and formatting (the base class's copy and format) is the writer's job, off
        the event loop."""
        return record

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1


def log_to_terminal() -> logging.handlers.QueueListener:
    """tiffin's info lines (requests, the simulated day) to stderr; uvicorn's own only when bad.

    The event loop only puts a record on a bounded queue; a thread writes them. A line per
    request written from the loop itself stopped the whole server once stderr was a pipe that
    nobody read (the order benchmark's): the write blocked, and with it every request, for good.
    """
    terminal = logging.StreamHandler()
    terminal.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    lines: queue.Queue[logging.LogRecord] = queue.Queue(LOG_QUEUE_LINES)
    listener = logging.handlers.QueueListener(lines, terminal)
    listener.start()
    tiffin = logging.getLogger("tiffin")
    tiffin.addHandler(DroppingQueueHandler(lines))
    tiffin.setLevel(logging.INFO)
    tiffin.propagate = False
    return listener


class _Server(uvicorn.Server):
    """uvicorn's server, which calls ``on_ready`` once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self.on_ready()


def serve(app: FastAPI, sock: socket.socket, on_ready: Callable[[], None], **options: Any) -> None:
    """Serve ``app`` on the bound ``sock`` until interrupted (``options``: uvicorn's, such as
    the slow-client timeouts of ``tiffin.api.guards.server_options``)."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, **options)
    _Server(config, on_ready).run(sockets=[sock])
