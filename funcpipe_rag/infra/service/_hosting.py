"""Hosting the service: a loopback socket, uvicorn, in the foreground or a background thread.

:func:`running_service` serves an app with uvicorn on ``127.0.0.1`` in a
background thread, for demos and tests; :func:`serve_forever` serves it in the
foreground (``funcpipe serve``). Nothing here ever binds an address other
than the loopback one.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from funcpipe_rag.infra.service._app import create_app

HOST = "127.0.0.1"  # the only address this module binds


class PortInUseError(OSError):
    """The requested port on 127.0.0.1 is taken by another process."""


def bind_socket(port: int = 0) -> socket.socket:
    """A listening-ready TCP socket bound to ``127.0.0.1:port`` (``0``: a free port chosen by the OS).

    Binding here, before uvicorn starts, gives the caller the real port at once
    and turns "port in use" into a :class:`PortInUseError` instead of a log line.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Accepted connections inherit this: without it a response written as headers, then body
    # waits for the client's delayed ACK, about 40 ms per request on Linux.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortInUseError(exc.errno, f"port {port} on {HOST} is already in use") from exc
        raise
    sock.set_inheritable(True)
    return sock


def _config(app: ASGIApp, log_level: str, access_log: bool) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=HOST,
        log_level=log_level,
        access_log=access_log,
        lifespan="off",
        timeout_graceful_shutdown=1,  # a deliberately slow answer must not hold up shutdown
    )


def serve_forever(app: ASGIApp, sock: socket.socket, *, log_level: str = "info") -> None:
    """Serve ``app`` on the bound ``sock`` in the foreground until Ctrl-C (``funcpipe serve``)."""
    uvicorn.Server(_config(app, log_level, access_log=True)).run(sockets=[sock])


@contextlib.contextmanager
def running_service(
    app: ASGIApp | None = None,
    *,
    port: int = 0,
    startup_timeout: float = 10.0,
    **app_options: Any,
) -> Iterator[str]:
    """Serve an app on ``127.0.0.1`` in a background thread; yield its base URL.

    ``app`` defaults to ``create_app(**app_options)``. On entry the service is
    started and polled on ``/health`` until it answers; on exit it is asked to
    stop and its thread is joined, so no socket or thread outlives the block::

        with running_service(latency_ms=5, failure_rate=0.2, seed=7) as base_url:
            ...

    Raises :class:`PortInUseError` if ``port`` is taken, ``RuntimeError`` if the
    service does not answer within ``startup_timeout`` seconds.
    """
    target = app if app is not None else create_app(**app_options)
    sock = bind_socket(port)
    base_url = f"http://{HOST}:{sock.getsockname()[1]}"
    server = uvicorn.Server(_config(target, "warning", access_log=False))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="funcpipe-service", daemon=True
    )
    thread.start()
    try:
        _wait_until_up(base_url, thread, startup_timeout)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)
        sock.close()


def _wait_until_up(base_url: str, thread: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base_url, timeout=1.0) as client:
        while True:
            if not thread.is_alive():
                raise RuntimeError(f"the service at {base_url} stopped during start-up")
            try:
                if client.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the service at {base_url} did not answer within {timeout} s")
            time.sleep(0.02)  # start-up polling, not a test delay
