"""Fail fast on a wrong address: the first calls of a run all failing the same way stop it at once.

Before any call has succeeded, ``Policy.wrong_address_after`` failures in a row with the same
cause stop the run with exit 2 when that cause says the URL is not the API:

* a 404, 405 or 410 that names no request field (the platform's "no such function": a wrong
  base path), or a 501 (a server that takes no POST, such as a static file server);
* an answer whose body is not one the API gives (``CallError.foreign``: an HTML page, another
  service's JSON, a 200 without the enrolment's fields), with a status under 500 that is not
  about one row's size or about throttling (so a real API's gateway 502/503/504 pages, which
  pass, never count);
* no connection at all (refused, unknown host, TLS), or every connection reset or closed
  before any answer (``CallError.dropped``: a plain-HTTP URL for a TLS port, a dead proxy).

The message names the URL and what to check. A single success, or any other failure (the
server is there and answering as the API), ends the check: later failures are the retry
rule's and the breaker's.
"""

from __future__ import annotations

from ..client import CallError
from ..models import ExitCode
from .retry import TRANSIENT, StopRun

WRONG_PATH = frozenset({404, 405, 410})
NOT_ALLOWED = 501  #: "Unsupported method ('POST')": not an API at all
ROW_SIZED = frozenset({413})  #: about one row (its size), whoever answers it
_BASE_URL = "--base-url or JOBMOJITO_BASE_URL; JobMojito's ends in /functions/v1"


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
            self._done = True  # the server is there and answering as the API: not an address problem
            return None
        self._count = self._count + 1 if cause == self._cause else 1
        self._cause = cause
        if self._count < self.after:
            return None
        return StopRun(f"every call to {self.url} failed the same way ({error}): {self._hint(error)}", ExitCode.USAGE)

    @staticmethod
    def _hint(error: CallError) -> str:
        if error.status in WRONG_PATH and not error.field:
            return f"check the base URL's path ({_BASE_URL})"
        if error.status == NOT_ALLOWED:
            return f"the server there takes no POST requests, so it is not the API: check the base URL ({_BASE_URL})"
        if error.status is not None:
            return f"the server there does not answer as the API does: check the base URL ({_BASE_URL})"
        if error.dropped:
            return ("the server there accepts connections but closes them unanswered: check the base URL's scheme "
                    "(http or https), host and port (--base-url or JOBMOJITO_BASE_URL), and any proxy")  # fmt: skip
        return ("check the base URL's host and port (--base-url or JOBMOJITO_BASE_URL), that the server is up, "
                "and any proxy or --ca-bundle")  # fmt: skip

    @staticmethod
    def _cause_of(error: CallError) -> str:
        status = error.status
        if (status in WRONG_PATH and not error.field) or status == NOT_ALLOWED:
            return f"{status}"
        if error.foreign and status is not None and status < 500 and status not in TRANSIENT | ROW_SIZED:
            return f"{status} not from the API"
        if status is None and (error.dropped or not error.reached_server) and not error.unsendable:
            return error.message
        return ""
