"""The Dispatcher: workers that take ready jobs, pass the pacing gate, call, and apply the retry rule.

What each answer does is ``retry.decide`` (the table in its docstring and the README); how
fast calls start is ``pacing``; which rows may go now is ``warmup``; counts are ``stats``.

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
from collections.abc import Callable, Hashable, Iterable, Mapping

from ..client import CallError, Client
from ..errors import OutputError
from ..journal import Journal
from ..models import ExitCode, Outcome
from ..schema import EnrolResponse
from ..tokens import TokenSource
from . import outcomes, retry
from .address import AddressCheck
from .auth import Auth
from .pacing import Pacing, sleep_unless
from .policy import DEFAULT_POLICY, Policy
from .stats import RunStats
from .warmup import Job, Warmup

log = logging.getLogger("batch_enrol")
GIVE_UP_MARGIN = 0.05  #: seconds past give_up_after that a call before any success may last, so the drought check fires


class Dispatcher:
    """Runs jobs through a Client. Create one per run."""

    def __init__(
        self,
        client: Client,
        policy: Policy = DEFAULT_POLICY,
        *,
        journal: Journal | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
        known_positions: dict[Hashable, str] | None = None,
        tokens: TokenSource | None = None,
        ours: Mapping[str, Outcome] | None = None,
    ) -> None:
        """``tokens``: where a renewed token comes from (``--token-command``, ``--token-file``);
        ``ours``: our earlier enrolments by profile_interview_id (``Plan.ours``, from the journal)."""
        self.client = client
        self.policy = policy
        self.journal = journal
        self.on_outcome = on_outcome
        self.ours = ours or {}
        self.warmup = Warmup(known_positions)
        self.pacing = Pacing(policy)
        self.stats = RunStats()
        self.address = AddressCheck(client.url, policy.wrong_address_after)
        self.auth = Auth(client, tokens)
        self.outcomes: dict[int, Outcome] = {}
        self.embed_keys: dict[str, str] = {}  #: embed id → signing key (never journalled)
        self.succeeded_once = False  #: has any call succeeded in this run?
        self.exit_code = ExitCode.OK
        self.stop_reason = ""
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def current_rate(self) -> float | None:
        """Calls per second allowed now (None: not limited)."""
        return self.pacing.rate

    def stop(self, reason: str, exit_code: ExitCode = ExitCode.ROWS_FAILED) -> None:
        """Stop sending new rows; calls in flight finish. The first reason given wins."""
        if not self._stop.is_set():
            self.stop_reason = reason
            self.exit_code = exit_code
            self._stop.set()

    def abort(self) -> None:
        """Cancel the calls in flight now (the journal keeps them ``in_flight``: a re-run resends them)."""
        self.stop("interrupted", ExitCode.INTERRUPTED)
        for task in self._tasks:
            task.cancel()

    async def run(self, jobs: Iterable[Job]) -> dict[int, Outcome]:
        """Send every job; return an outcome for each (``not_sent`` for those never finished)."""
        jobs = list(jobs)
        queue: asyncio.Queue[Job | None] = asyncio.Queue()
        for job in jobs:
            for ready in self.warmup.schedule(job):
                queue.put_nowait(ready)
        remaining = len(jobs)
        workers_n = min(self.policy.workers, max(remaining, 1))

        async def worker() -> None:
            nonlocal remaining
            while (job := await queue.get()) is not None:
                outcome = await self._send(job)
                await self._finish(job, outcome)
                for ready in self.warmup.release(job, outcome, stopping=self.stopping):
                    queue.put_nowait(ready)
                remaining -= 1
                if remaining == 0:
                    for _ in range(workers_n):
                        queue.put_nowait(None)

        if remaining == 0:
            return self.outcomes
        self._tasks = [asyncio.create_task(worker()) for _ in range(workers_n)]
        try:  # the first worker to fail ends the run: the others would wait for its rows forever
            done, _ = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            for job in jobs:
                if job.row not in self.outcomes:
                    self._record(job, self._not_sent(job, 0))
        return self.outcomes

    async def _send(self, job: Job) -> Outcome:
        """One row, through every attempt the retry rule allows."""
        if self.stopping or not await self._journal(self.journal and self.journal.commit_in_flight(job.fingerprint, job.row)):
            return self._not_sent(job, 0)
        attempts = counted = errors_500 = 0
        reached = job.sent_before  # may an earlier attempt have enrolled the candidate?
        since = time.monotonic()  #: progress elsewhere is counted from here: the previous attempt's start
        while True:
            async with self.pacing.slot(self._stop) as lane:
                if lane is None:
                    return self._not_sent(job, attempts)
                attempts += 1
                used = await self.auth.before_call()
                started = time.monotonic()
                try:
                    with self.stats.call():
                        response = await self._call(job, lane)
                except CallError as exc:
                    error = exc
                else:
                    self.succeeded_once = True
                    self.pacing.succeeded(started)
                    self.address.succeeded()
                    self.auth.worked()
                    if response.embed_signing_key:
                        self.embed_keys[response.embed_id or f"row {job.row}"] = response.embed_signing_key
                    return outcomes.decided(job.row, response, attempts, own_repeat=reached, ours=self.ours)
            if error.status == 401 and self.auth.renewable and not self.stopping:
                if (stop := await self.auth.refused(error, used)) is None:
                    continue  # the row was not enrolled: again, with the new token, not counted
                self.stop(stop.reason, stop.exit_code)
                return self._not_sent(job, attempts, f"not sent: {error}")
            errors_500 += error.status == 500
            reached = reached or outcomes.may_have_enrolled(error)
            counted += retry.counts(error, progress=self.pacing.breaker.last_success > since)
            since = started
            if reason := self.pacing.failed(error, started):
                self.stop(reason)
            decision = self._decide(error, attempt=max(counted, 1), errors_500=errors_500)
            if isinstance(decision, retry.StopRun):
                self.stop(decision.reason, decision.exit_code)
                return self._not_sent(job, attempts, f"not sent: {error}")
            if self.stopping and retry.retryable(error):
                return self._not_sent(job, attempts, f"not sent: stopped while retrying ({error})")
            if isinstance(decision, retry.GiveUp):
                return outcomes.failed(job.row, error, decision.reason, attempts)
            self.stats.retries += 1
            await sleep_unless(self._stop, decision.after)

    async def _call(self, job: Job, lane: int) -> EnrolResponse:
        """One call. Before any success it may last only what is left of ``give_up_after``, so a
        server that accepts connections and never answers ends the run on time (the read timeout is
        minutes); after one, a slow call is the client's to time out (a slow API that works)."""
        call = self.client.enrol(job.candidate, idempotency_key=job.fingerprint, lane=lane)
        if self.succeeded_once:
            return await call
        left = self.policy.give_up_after - (time.monotonic() - self.pacing.breaker.last_success)
        try:
            async with asyncio.timeout(max(left, 0.0) + GIVE_UP_MARGIN):
                return await call
        except TimeoutError:
            raise CallError("no answer before --give-up-after ran out (no call has succeeded yet)") from None

    def _decide(self, error: CallError, *, attempt: int, errors_500: int) -> retry.Decision:
        """The retry rule's decision, after the address check, and a stop for a wait the run cannot afford."""
        decision = self.address.failed(error) or retry.decide(error, attempt=attempt, errors_500=errors_500, policy=self.policy)
        if isinstance(decision, retry.Retry) and error.retry_after is not None:
            breaker = self.pacing.breaker
            if reason := breaker.waits.asked(error.retry_after, decision.after, since=breaker.last_success,
                                             now=time.monotonic()):  # fmt: skip
                return retry.StopRun(reason, ExitCode.ROWS_FAILED)
        return decision

    async def _finish(self, job: Job, outcome: Outcome) -> None:
        self._record(job, outcome)
        if outcome.attempts:
            await self._journal(self.journal and self.journal.commit_outcome(job.fingerprint, outcome))

    async def _journal(self, write) -> bool:
        """Await a journal write (None: no journal); on failure stop sending and return False."""
        try:
            if write is not None:
                await write
        except OutputError as exc:
            if not self.stopping:
                log.error("%s: sending stops; calls in flight finish", exc.message)
            self.stop(exc.message)
            return False
        return True

    def _record(self, job: Job, outcome: Outcome) -> None:
        self.outcomes[job.row] = outcome
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def _not_sent(self, job: Job, attempts: int, reason: str = "") -> Outcome:
        return outcomes.not_sent(job.row, attempts, reason or f"not sent: {self.stop_reason or 'the run stopped'}")
