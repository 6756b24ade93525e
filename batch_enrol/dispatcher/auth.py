"""Outliving the token: renew it before a JWT expires and once after a 401, then carry on.

A 401 answer means the row was not enrolled, so it is sent again with the new token and the
same ``Idempotency-Key``, and the attempt does not count: no row is lost or sent twice.
Only when there is no way to renew (a token from the environment), or the fresh token is
refused too, does the run stop with exit 3.
"""

from __future__ import annotations

from ..client import CallError, Client
from ..errors import BatchEnrolError
from ..models import ExitCode
from ..tokens import TokenSource
from .retry import StopRun


class Auth:
    """The token a run's calls carry (``tokens`` None: the client's own, never renewed)."""

    __slots__ = ("client", "tokens")

    def __init__(self, client: Client, tokens: TokenSource | None) -> None:
        self.client = client
        self.tokens = tokens

    async def before_call(self) -> str:
        """Renew an expiring JWT; return the token the next call carries ("" if not known)."""
        if self.tokens is None:
            return ""
        if self.tokens.expiring():
            await self._renew(self.tokens.token)
        return self.tokens.token

    def worked(self) -> None:
        if self.tokens is not None:
            self.tokens.worked()

    @property
    def renewable(self) -> bool:
        return self.tokens is not None and self.tokens.renewable

    async def refused(self, error: CallError, used: str) -> StopRun | None:
        """After a 401 to a call that carried ``used``: None to send the row again now, else why to stop."""
        renewed = await self._renew(used)
        if renewed is True:
            return None
        if renewed is False:
            return StopRun(f"the API refused a freshly renewed token too ({error.status}: {error.message})")
        return renewed

    async def _renew(self, used: str) -> bool | StopRun:
        assert self.tokens is not None
        try:
            renewed = await self.tokens.renew(used)
        except BatchEnrolError as exc:
            return StopRun(f"could not renew the token: {exc.message}", ExitCode.API_REFUSED)
        if renewed:
            self.client.set_token(self.tokens.token)
        return renewed
