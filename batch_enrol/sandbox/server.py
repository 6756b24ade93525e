"""Serve a Sandbox over real HTTP on loopback with uvicorn (for the CLI, tests and benchmarks)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from .app import Sandbox


def config(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 8787, *, quiet: bool = True) -> uvicorn.Config:
    return uvicorn.Config(
        sandbox.app,
        host=host,
        port=port,
        lifespan="off",
        interface="asgi3",
        log_level="critical" if quiet else "info",
        access_log=not quiet,
        timeout_keep_alive=30,
        backlog=4096,
    )


@contextlib.contextmanager
def serve_in_thread(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run the sandbox on ``host:port`` (0 = any free port) in a thread; yield its base URL."""
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    # proto=IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP;
    # without it every response waits out a 40 ms delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(config(sandbox, host, sock.getsockname()[1]))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the sandbox server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
