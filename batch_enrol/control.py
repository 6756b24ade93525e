"""A run watched and steered from another thread (the web app): each outcome as it lands, a clean stop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from .dispatcher import Dispatcher
from .models import ExitCode, Outcome


class RunControl:
    """Hand one to ``pipeline.run_async(control=...)``; call ``stop()`` from any thread.

    ``on_outcome`` is called in the run's own thread with every Outcome the dispatcher
    settles (not the rows already done in the journal, nor invalid or duplicate rows).
    ``stop()`` is the same clean stop as the first Ctrl-C: no new row is sent, calls in
    flight get ``Policy.stop_grace`` seconds to finish, and the run ends with exit code 130.
    A stop asked for before the sending starts takes effect as soon as it does.
    """

    __slots__ = ("on_outcome", "total", "_lock", "_loop", "_dispatcher", "_stop_asked")

    def __init__(self, on_outcome: Callable[[Outcome], None] | None = None) -> None:
        self.on_outcome = on_outcome
        self.total: int | None = None  #: rows this run sends (set when sending starts)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dispatcher: Dispatcher | None = None
        self._stop_asked = False

    @property
    def stop_asked(self) -> bool:
        return self._stop_asked

    def attach(self, dispatcher: Dispatcher, total: int) -> None:
        """Called by the pipeline, in the run's event loop, once the rows to send are known."""
        self.total = total
        previous = dispatcher.on_outcome

        def seen(outcome: Outcome) -> None:
            if previous is not None:
                previous(outcome)
            if self.on_outcome is not None:
                self.on_outcome(outcome)

        dispatcher.on_outcome = seen
        with self._lock:
            self._loop, self._dispatcher = asyncio.get_running_loop(), dispatcher
            asked = self._stop_asked
        if asked:
            self._stop_now()

    def stop(self) -> None:
        """Ask the run to stop cleanly; safe from any thread, any number of times."""
        with self._lock:
            self._stop_asked = True
            loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._stop_now)

    def _stop_now(self) -> None:
        dispatcher, loop = self._dispatcher, self._loop
        if dispatcher is None or loop is None or dispatcher.stopping:
            return
        dispatcher.stop("stopped by the user", ExitCode.INTERRUPTED)
        loop.call_later(dispatcher.policy.stop_grace, dispatcher.abort)
