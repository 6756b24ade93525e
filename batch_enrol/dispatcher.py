"""Sends every valid row once: concurrency, rate limit, retries, position warm-up, stopping.

Retry policy (also in the README):

| answer                                   | what happens                                            |
|------------------------------------------|---------------------------------------------------------|
| transport error, 408, 425, 429, 502, 503, 504, 546 | retried up to ``max_attempts``, full-jitter backoff |
| 500                                      | retried at most twice (the platform also uses it for auth failures) |
| ``Retry-After`` (seconds or HTTP date)   | honoured, capped at 10 minutes; a 429 without it waits ≥ 5 s |
| 429                                      | also halves the whole dispatcher's rate, raised back gradually |
| 400, 404, 409, 413, 422 and other 4xx    | not retried: the row is ``error`` with the API's message and field |
| 401, 402, 403                            | stop sending; in-flight calls finish; the rest is ``not_sent``; exit 3 |

Every attempt of a row carries the same ``Idempotency-Key`` (the row's fingerprint); a
repeat that reached the server is answered ``already-applied`` with the same URL.

A row is sent only once the journal holds it as ``in_flight``. If the journal cannot be
written (a full disk), sending stops as for a 401: calls in flight finish, the rest is
``not_sent``, and the output still gets every outcome known.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_random_exponential

from .client import CallError, Client
from .errors import OutputError
from .journal import Journal
from .models import ExitCode, Outcome, Status
from .schema import Candidate, EnrolResponse

log = logging.getLogger("batch_enrol")
TRANSIENT = frozenset({408, 425, 429, 502, 503, 504, 546})
REFUSED = frozenset({401, 402, 403})
MAX_500_RETRIES = 2
OWN_REPEAT = "enrolled by an earlier attempt; the decision was not returned (batch-enrol results fills it in)"
BREAKER_MAX_COOLDOWN = 300.0


@dataclass(frozen=True, kw_only=True)
class Policy:
    """How hard to try. Defaults are the documented production values."""

    concurrency: int = 8
    rate: float = 5.0
    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    min_throttle_wait: float = 5.0  # a 429 without Retry-After never waits less
    retry_after_cap: float = 600.0  # the longest Retry-After honoured
    breaker_threshold: int = 20  # consecutive transport/5xx failures that pause all sending
    breaker_cooldown: float = 15.0  # the first pause; it doubles up to BREAKER_MAX_COOLDOWN
    give_up_after: float = 30 * 60.0
    stop_grace: float = 60.0  # how long in-flight calls may finish after an interrupt


@dataclass(slots=True)
class Job:
    """One valid row to send."""

    row: int
    candidate: Candidate
    fingerprint: str
    group: Hashable | None = None  #: rows describing the same new position share a group
    sent_before: bool = False  #: an earlier run may have sent it (the journal says so)


@dataclass(slots=True)
class _Group:
    position_id: str | None = None
    leader: Job | None = None
    waiting: deque[Job] = field(default_factory=deque)


class _Stopped(Exception):
    pass


class Pacer:
    """At most one call started every 1/rate seconds, on an absolute schedule.

    A leaky bucket of capacity one (aiolimiter's ``AsyncLimiter(1, 1/rate)``) holds the same
    limit, but it times each start from the previous *actual* start, so every late wake-up
    of the event loop is lost for good: it reached 94 % of the rate in the benchmark. Here
    each caller reserves the next slot before it sleeps, so lateness never accumulates.

    A schedule alone would let calls that woke late crowd into the next second with those
    that woke on time (the benchmark once saw 42 starts in a second at a rate of 40), so the
    last rate + 1 actual starts are kept as well: a call waits until no one-second window
    would hold more than rate + 1 starts.
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0
        self._starts: deque[float] = deque(maxlen=int(rate) + 1)

    def set_rate(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._starts = deque(self._starts, maxlen=int(rate) + 1)

    async def wait(self) -> None:
        now = time.monotonic()
        slot = max(self._next, now)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
        starts = self._starts
        while len(starts) == starts.maxlen and (late := starts[0] + 1.0 - time.monotonic()) >= 0:
            await asyncio.sleep(late + 0.001)
        starts.append(time.monotonic())


def retryable(exc: BaseException) -> bool:
    """Which failures are worth another attempt (see the module docstring)."""
    if not isinstance(exc, CallError):
        return False
    return exc.status is None or exc.status in TRANSIENT or exc.status == 500


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def may_have_enrolled(exc: CallError) -> bool:
    """Whether a failed attempt may have enrolled the candidate all the same (no answer, or a 5xx)."""
    return exc.reached_server and (exc.status is None or exc.status >= 500)


def outcome_from_response(row: int, response: EnrolResponse, attempts: int, *, own_repeat: bool = False) -> Outcome:
    """A 200's outcome. ``own_repeat``: an earlier attempt of this row may have enrolled it, so an
    ``already-applied`` answer is that attempt's doing: the row is ``enrolled`` (decision not returned)."""
    status, reason = Status(response.status), response.reason or ""
    if own_repeat and status == Status.ALREADY_APPLIED:
        status, reason = Status.ENROLLED, OWN_REPEAT
    return Outcome(
        row=row,
        status=status,
        reason=reason,
        http_status=200,
        attempts=attempts,
        position_def_set_id=response.position_def_set_id or "",
        interview_def_set_id=response.interview_def_set_id or "",
        profile_interview_id=response.profile_interview_id or "",
        interview_url=response.interview_url,
        embed_id=response.embed_id or "",
        processed_at=now_iso(),
    )


class Dispatcher:
    """Runs jobs through a Client. Create one per run."""

    def __init__(
        self,
        client: Client,
        policy: Policy = Policy(),
        *,
        journal: Journal | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
        known_positions: dict[Hashable, str] | None = None,
    ) -> None:
        self.client = client
        self.policy = policy
        self.journal = journal
        self.on_outcome = on_outcome
        self.known_positions = dict(known_positions or {})
        self.outcomes: dict[int, Outcome] = {}
        self.embed_keys: dict[str, str] = {}  #: embed id → signing key (never journalled)
        self.exit_code = ExitCode.OK
        self.stop_reason = ""
        self.calls = 0
        self.retries = 0
        self.max_in_flight = 0
        self.max_started_in_1s = 0  #: the most calls this run started within any one second
        self._recent_starts: deque[float] = deque()
        self._in_flight = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        self._rate = policy.rate
        self._pacer = Pacer(policy.rate)
        self._rate_changed = float("-inf")
        self._failures_in_a_row = 0
        self._paused_until = 0.0
        self._cooldown = policy.breaker_cooldown
        self._last_success = time.monotonic()
        self._jitter = wait_random_exponential(multiplier=policy.backoff_base, max=policy.backoff_cap)

    # --- public -----------------------------------------------------------------------
    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def current_rate(self) -> float:
        return self._rate

    def stop(self, reason: str, exit_code: ExitCode = ExitCode.ROWS_FAILED) -> None:
        """Stop sending new rows; calls in flight finish. The first reason given wins."""
        if not self._stop.is_set():
            self.stop_reason = reason
            self.exit_code = exit_code
            self._stop.set()

    def abort(self) -> None:
        """Cancel the calls in flight now (the journal keeps them ``in_flight``: a re-run resends them)."""
        self.stop("interrupted", ExitCode.INTERRUPTED)
        self._cancel_tasks()

    def _cancel_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def run(self, jobs: Iterable[Job]) -> dict[int, Outcome]:
        """Send every job; return an outcome for each (``not_sent`` for those never finished)."""
        jobs = list(jobs)
        queue: asyncio.Queue[Job | None] = asyncio.Queue()
        groups: dict[Hashable, _Group] = {}
        for job in jobs:
            for ready in self._schedule(job, groups):
                queue.put_nowait(ready)
        remaining = len(jobs)
        workers_n = min(self.policy.concurrency, max(remaining, 1))

        async def worker(lane: int) -> None:
            nonlocal remaining
            while (job := await queue.get()) is not None:
                outcome = await self._send(job, lane)
                self._finish(job, outcome)
                if self.journal is not None and outcome.attempts:
                    try:
                        await self.journal.commit_outcome(job.fingerprint, outcome)
                    except OutputError as exc:
                        self._journal_failed(exc)
                for ready in self._release(job, outcome, groups):
                    queue.put_nowait(ready)
                remaining -= 1
                if remaining == 0:
                    for _ in range(workers_n):
                        queue.put_nowait(None)

        if remaining == 0:
            return self.outcomes
        self._tasks = [asyncio.create_task(worker(lane)) for lane in range(workers_n)]
        try:
            for result in await asyncio.gather(*self._tasks, return_exceptions=True):
                if isinstance(result, Exception):
                    raise result
        finally:
            self._cancel_tasks()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            for job in jobs:
                if job.row not in self.outcomes:
                    self._finish(job, self._not_sent(job, 0))
        return self.outcomes

    # --- scheduling: position warm-up ------------------------------------------------------
    def _schedule(self, job: Job, groups: dict[Hashable, _Group]) -> list[Job]:
        if job.group is None:
            return [job]
        group = groups.setdefault(job.group, _Group(position_id=self.known_positions.get(job.group)))
        if group.position_id:
            return [self._with_position(job, group.position_id)]
        if group.leader is None:
            group.leader = job
            return [job]
        group.waiting.append(job)
        return []

    def _release(self, job: Job, outcome: Outcome, groups: dict[Hashable, _Group]) -> list[Job]:
        group = groups.get(job.group) if job.group is not None else None
        if group is None or group.leader is not job:
            return []
        if outcome.position_def_set_id:
            group.position_id = outcome.position_def_set_id
            released = [self._with_position(j, group.position_id) for j in group.waiting]
            group.waiting.clear()
            return released
        if self.stopping:
            released = list(group.waiting)
            group.waiting.clear()
            return released
        group.leader = group.waiting.popleft() if group.waiting else None
        return [group.leader] if group.leader else []

    @staticmethod
    def _with_position(job: Job, position_id: str) -> Job:
        candidate = job.candidate.model_copy(update={"position_def_set_id": position_id})
        return Job(row=job.row, candidate=candidate, fingerprint=job.fingerprint, group=job.group, sent_before=job.sent_before)

    # --- one row ---------------------------------------------------------------------------
    def _finish(self, job: Job, outcome: Outcome) -> None:
        self.outcomes[job.row] = outcome
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def _journal_failed(self, exc: OutputError) -> None:
        if not self.stopping:
            log.error("%s: sending stops; calls in flight finish", exc.message)
        self.stop(exc.message)

    def _not_sent(self, job: Job, attempts: int, reason: str = "") -> Outcome:
        return Outcome(
            row=job.row,
            status=Status.NOT_SENT,
            reason=reason or f"not sent: {self.stop_reason or 'the run stopped'}",
            attempts=attempts,
            processed_at=now_iso(),
        )

    async def _send(self, job: Job, lane: int = 0) -> Outcome:
        if self.stopping:
            return self._not_sent(job, 0)
        attempts = 0
        errors_500 = 0
        reached = job.sent_before  # may an earlier attempt have enrolled the candidate?

        def stop_rule(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            if self.stopping or not isinstance(exc, CallError):
                return True
            return errors_500 > MAX_500_RETRIES or state.attempt_number >= self.policy.max_attempts

        retrying = AsyncRetrying(
            stop=stop_rule,
            wait=self._wait,
            retry=retry_if_exception(retryable),
            sleep=self._sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        if self.journal is not None:
            try:
                await self.journal.commit_in_flight(job.fingerprint, job.row)
            except OutputError as exc:
                self._journal_failed(exc)
                return self._not_sent(job, 0)
        try:
            async for attempt in retrying:
                with attempt:
                    await self._gate()
                    attempts += 1
                    try:
                        response = await self._call(job, lane)
                    except CallError as exc:
                        errors_500 += exc.status == 500
                        reached = reached or may_have_enrolled(exc)
                        self._on_failure(exc)
                        raise
        except _Stopped:
            return self._not_sent(job, attempts)
        except CallError as exc:
            return self._failed(job, exc, attempts)
        self._on_success()
        outcome = outcome_from_response(job.row, response, attempts, own_repeat=reached)
        if response.embed_signing_key:
            self.embed_keys[response.embed_id or f"row {job.row}"] = response.embed_signing_key
        return outcome

    async def _call(self, job: Job, lane: int) -> EnrolResponse:
        self.calls += 1
        now = time.monotonic()
        self._recent_starts.append(now)
        while self._recent_starts[0] < now - 1.0:
            self._recent_starts.popleft()
        self.max_started_in_1s = max(self.max_started_in_1s, len(self._recent_starts))
        self._in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            return await self.client.enrol(job.candidate, idempotency_key=job.fingerprint, lane=lane)
        finally:
            self._in_flight -= 1

    def _failed(self, job: Job, exc: CallError, attempts: int) -> Outcome:
        if exc.status in REFUSED:
            what = {401: "token was refused", 402: "account has no credits left", 403: "token is not allowed to do this"}
            self.stop(
                f"the API's {what[exc.status]} ({exc.status}: {exc.message})",
                ExitCode.API_REFUSED,
            )
            return self._not_sent(job, attempts, f"not sent: {exc.status} {exc.message}")
        if retryable(exc) and self.stopping:
            return self._not_sent(job, attempts, f"not sent: stopped while retrying ({exc})")
        if retryable(exc):
            reason = f"gave up after {attempts} attempt{'s' * (attempts != 1)}: {exc}"
        else:
            reason = exc.message
        return Outcome(
            row=job.row,
            status=Status.ERROR,
            reason=reason,
            error_field=exc.field,
            http_status=exc.status,
            attempts=attempts,
            processed_at=now_iso(),
        )

    # --- pacing: rate limit, throttling, circuit breaker -------------------------------------
    async def _gate(self) -> None:
        """Wait for the rate limiter and any pause; raise _Stopped if the run is stopping."""
        while True:
            if self.stopping:
                raise _Stopped
            pause = self._paused_until - time.monotonic()
            if pause > 0:
                await self._sleep(pause)
                continue
            await self._pacer.wait()
            if self.stopping:
                raise _Stopped
            if time.monotonic() >= self._paused_until:
                return

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, CallError) and exc.retry_after is not None:
            return min(exc.retry_after, self.policy.retry_after_cap)
        wait = self._jitter(state)
        if isinstance(exc, CallError) and exc.status == 429:
            wait = max(wait, self.policy.min_throttle_wait)
        return wait

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        except TimeoutError:
            pass

    def _count_retry(self, state: RetryCallState) -> None:
        self.retries += 1

    def _on_failure(self, exc: CallError) -> None:
        now = time.monotonic()
        if exc.status == 429 and now - self._rate_changed >= 1.0:  # one step per burst of 429s
            self._set_rate(max(self._rate / 2, self.policy.rate / 64))
        if exc.status is None or exc.status >= 500:
            self._failures_in_a_row += 1
            if self._failures_in_a_row >= self.policy.breaker_threshold:
                log.warning("%d failures in a row (the last: %s): pausing all sending for %.0f s",
                            self._failures_in_a_row, exc, self._cooldown)  # fmt: skip
                self._paused_until = max(self._paused_until, now + self._cooldown)
                self._cooldown = min(self._cooldown * 2, BREAKER_MAX_COOLDOWN)
                self._failures_in_a_row = 0
        if now - self._last_success > self.policy.give_up_after:
            minutes = self.policy.give_up_after / 60
            self.stop(f"no successful call for {minutes:g} minutes; the API seems down", ExitCode.ROWS_FAILED)

    def _on_success(self) -> None:
        now = time.monotonic()
        self._last_success = now
        self._failures_in_a_row = 0
        self._cooldown = self.policy.breaker_cooldown
        if self._rate < self.policy.rate and now - self._rate_changed >= 2.0:
            self._set_rate(min(self.policy.rate, self._rate * 1.25))

    def _set_rate(self, rate: float) -> None:
        self._rate = rate
        self._pacer.set_rate(rate)
        self._rate_changed = time.monotonic()

