"""Fail fast on a wrong address: the first calls of a run all failing the same way stop it at once.

Before any call has succeeded, ``Policy.wrong_address_after`` failures in a row with the same
cause stop the run with exit 2 when that cause says the address is wrong: a 404 or 405 that
names no request field (the platform's "no such function": a wrong base path), or no
connection at all (refused, unknown host, TLS). The message names the URL and what to check.
A single success ends the check: later failures are the retry rule's and the breaker's.
"""

from __future__ import annotations

from ..client import CallError
from ..models import ExitCode
from .retry import StopRun

WRONG_PATH = frozenset({404, 405})


class AddressCheck:
    """Watches the first calls to ``url`` (the endpoint's full URL); ``after``: failures that decide."""

    __slots__ = ("url", "after", "_cause", "_count", "_done")

    def __init__(self, url: str, after: int) -> None:
        self.url = url
        self.after = after
        self._cause = ""
        self._count = 0
        self._done = False

    def succeeded(self) -> None:
        self._done = True

    def failed(self, error: CallError) -> StopRun | None:
        """Note a failure; a StopRun once the address is plainly wrong."""
        if self._done:
            return None
        cause = self._cause_of(error)
        if not cause:
            self._done = True  # the server is there and answering: not an address problem
            return None
        self._count = self._count + 1 if cause == self._cause else 1
        self._cause = cause
        if self._count < self.after:
            return None
        if error.status in WRONG_PATH:
            hint = "check the base URL's path (--base-url or JOBMOJITO_BASE_URL; JobMojito's ends in /functions/v1)"
        else:
            hint = ("check the base URL's host and port (--base-url or JOBMOJITO_BASE_URL), that the server is up, "
                    "and any proxy or --ca-bundle")  # fmt: skip
        return StopRun(f"every call to {self.url} failed the same way ({error}): {hint}", ExitCode.USAGE)

    @staticmethod
    def _cause_of(error: CallError) -> str:
        if error.status in WRONG_PATH and not error.field:
            return f"{error.status}"
        if error.status is None and not error.reached_server and not error.unsendable:
            return error.message
        return ""
