"""Serving the app: bind the port first, say where it is only once it answers, log requests."""

from __future__ import annotations

import logging
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
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def log_to_terminal() -> None:
    """tiffin's info lines (requests, the simulated day) to stderr; uvicorn's own only when bad."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    tiffin = logging.getLogger("tiffin")
    tiffin.addHandler(handler)
    tiffin.setLevel(logging.INFO)
    tiffin.propagate = False


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
