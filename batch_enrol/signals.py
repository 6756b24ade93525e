"""Signals stop a run gently: SIGINT (Ctrl-C), SIGTERM and SIGHUP alike.

The first one stops sending, lets the calls in flight finish (up to the policy's
``stop_grace``) and the output is written; the stop reason, the log line and every
``not_sent`` row name the signal. A second one stops at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from .dispatcher import Dispatcher
from .models import ExitCode

log = logging.getLogger("batch_enrol")


@contextlib.asynccontextmanager
async def stop_on_signals(dispatcher: Dispatcher) -> AsyncIterator[None]:
    """First SIGINT (Ctrl-C), SIGTERM or SIGHUP: stop sending, let in-flight calls finish. Second: stop at once."""
    loop = asyncio.get_running_loop()
    presses = 0
    signals = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]

    def on_interrupt(signum: signal.Signals) -> None:
        nonlocal presses
        presses += 1
        name = "Ctrl-C (SIGINT)" if signum == signal.SIGINT else signum.name
        if presses == 1:
            log.warning("stopped by %s: finishing the calls in flight, then writing the output (send it again to quit now)", name)
            dispatcher.stop(f"stopped by {name}", ExitCode.INTERRUPTED)
            loop.call_later(dispatcher.policy.stop_grace, dispatcher.abort)
        else:
            dispatcher.abort()

    installed = []
    try:
        for signum in signals:
            loop.add_signal_handler(signum, on_interrupt, signum)
            installed.append(signum)
    except (NotImplementedError, RuntimeError, ValueError):
        pass
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
