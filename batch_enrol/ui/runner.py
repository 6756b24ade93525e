"""Runs in the background: one thread per run, so closing the browser tab does not stop it."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from .. import reports
from ..columns import normalise_header
from ..control import RunControl
from ..errors import BatchEnrolError
from ..models import ExitCode, Outcome, Status
from ..pipeline import run_async
from ..settings import Settings
from .store import Run

log = logging.getLogger("batch_enrol")
RATE_WINDOW = 10.0  #: seconds over which the progress page measures the live rate


def run_settings(base: Settings, run: Run, token_of: Callable[[], object]) -> Settings:
    """The settings of one run: the app's own, with the sheet, columns, whole-file values and CV folder chosen in the pages."""
    changes: dict[str, object] = {
        "sheet": run.state.sheet or None,
        "mapping": {**base.mapping, **{normalise_header(h): f for h, f in run.state.columns.items()}},
        "defaults": {**base.defaults, **{k: v for k, v in run.state.defaults.items() if v.strip()}},
        "resumes_dir": run.cv_dir if run.cv_dir.is_dir() else base.resumes_dir,
        "progress": "none",
    }
    if not base.sandbox:
        changes["token"] = token_of()
    return base.replace(**changes)


def refusal_in_words(reason: str) -> str:
    """Why JobMojito stopped the run, in plain words and without HTTP codes (the dispatcher's ``stop_reason`` in)."""
    if "credits" in reason:
        return "JobMojito stopped the sending: the account has no credits left. Add credits, then resume this run."
    if "token" in reason:
        return ("JobMojito did not accept the access token, so sending stopped. Enter a new token in Settings, "
                "then resume this run: candidates already enrolled are not sent again.")  # fmt: skip
    return "JobMojito refused to go on, so sending stopped. You can resume this run later."


@dataclass
class Live:
    """What a run in progress has done so far (read by the progress page every half second)."""

    run_id: str
    started: float = field(default_factory=time.monotonic)
    total: int | None = None
    counts: Counter[str] = field(default_factory=Counter)
    rows: list[tuple[int, str, str]] = field(default_factory=list)  #: (sheet row, status, reason) in the order they landed
    landed: deque[float] = field(default_factory=deque)  #: time.monotonic() of each row sent in the last RATE_WINDOW seconds
    sent: int = 0  #: rows that got an answer (rows left unsent by a stop are counted apart, as "not_sent")
    finished: bool = False
    stopping: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.counts[outcome.status.value] += 1
            self.rows.append((outcome.row, outcome.status.value, outcome.reason))
            if outcome.status != Status.NOT_SENT:
                self.sent += 1
                self.landed.append(time.monotonic())

    def snapshot(self, since: int = 0) -> dict[str, object]:
        """Rows sent, counts by status, the live rate (rows per second over the last RATE_WINDOW seconds),
        seconds left at that rate (None while unknown or once stopping), and the rows landed after the first ``since``."""
        with self.lock:
            now = time.monotonic()
            while self.landed and self.landed[0] < now - RATE_WINDOW:
                self.landed.popleft()
            window = min(max(now - self.started, 1e-6), RATE_WINDOW)
            rate = len(self.landed) / window
            unknown = not rate or self.total is None or self.stopping
            left = None if unknown else max(self.total - self.sent, 0) / rate
            return {
                "done": self.sent,
                "total": self.total,
                "counts": dict(self.counts),
                "rate": round(rate, 2),
                "eta_s": None if left is None else round(left),
                "rows": self.rows[since:],
                "finished": self.finished,
                "stopping": self.stopping,
            }


class Runner:
    """Starts, watches and stops runs; at most one live run per run folder (the journal lock holds across processes)."""

    def __init__(self, transport: Callable[[], httpx.AsyncBaseTransport | None] = lambda: None) -> None:
        self._transport = transport
        self._live: dict[str, tuple[Live, RunControl, threading.Thread]] = {}
        self._lock = threading.Lock()

    def live(self, run_id: str) -> Live | None:
        with self._lock:
            entry = self._live.get(run_id)
        return entry[0] if entry else None

    def busy(self, run_id: str) -> bool:
        live = self.live(run_id)
        return live is not None and not live.finished

    def start(self, run: Run, settings: Settings) -> Live:
        with self._lock:
            entry = self._live.get(run.id)
            if entry and not entry[0].finished:
                return entry[0]
            live = Live(run.id)
            control = RunControl(on_outcome=live.add)
            thread = threading.Thread(target=self._body, args=(run, settings, live, control), name=f"run-{run.id}", daemon=True)
            self._live[run.id] = (live, control, thread)
        run.state.status, run.state.message, run.state.exit_code, run.state.needs_token = "sending", "", None, False
        run.save()
        thread.start()
        return live

    def stop(self, run_id: str) -> None:
        with self._lock:
            entry = self._live.get(run_id)
        if entry and not entry[0].finished:
            entry[0].stopping = True
            entry[1].stop()

    def stop_all(self, grace: float = 30.0) -> None:
        """Stop every live run cleanly and wait up to ``grace`` seconds for each to write its output."""
        with self._lock:
            entries = list(self._live.values())
        for live, control, _ in entries:
            if not live.finished:
                live.stopping = True
                control.stop()
        deadline = time.monotonic() + grace
        for _, _, thread in entries:
            thread.join(max(0.0, deadline - time.monotonic()))

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        with self._lock:
            entry = self._live.get(run_id)
        if entry:
            entry[2].join(timeout)

    def _body(self, run: Run, settings: Settings, live: Live, control: RunControl) -> None:
        def watch(outcome: Outcome) -> None:
            live.total = control.total
            live.add(outcome)

        control.on_outcome = watch
        try:
            result = asyncio.run(run_async(run.input, settings, out=run.output, control=control, transport=self._transport()))
            reports.write_json(run.summary, [result.summary], int(result.exit_code))
            run.state.exit_code = int(result.exit_code)
            if result.exit_code == ExitCode.INTERRUPTED:
                run.state.status, run.state.message = "stopped", "Stopped before every row was sent. You can resume it."
            elif result.exit_code == ExitCode.API_REFUSED:
                run.state.status, run.state.message = "stopped", refusal_in_words(result.stop_reason)
                run.state.needs_token = "token" in result.stop_reason
            else:
                run.state.status, run.state.message = "finished", result.stop_reason
        except BatchEnrolError as exc:
            run.state.status, run.state.exit_code = "failed", int(exc.exit_code)
            run.state.message = exc.message + (f" ({exc.hint})" if exc.hint else "")
        except Exception as exc:  # a bug: one line for the page, the details in the server's log
            log.exception("the run %s failed", run.id)
            run.state.status, run.state.exit_code = "failed", int(ExitCode.ROWS_FAILED)
            run.state.message = (
                f"Something went wrong inside batch-enrol ({type(exc).__name__}). Rows already sent are kept; try to resume."
            )
        finally:
            run.save()
            live.finished = True
