"""Where the API token comes from during a run, and getting a fresh one.

``--token-command CMD`` works like git's credential helpers or the AWS CLI's
``credential_process``: CMD is run (split like a shell would, without a shell) and prints the
token on its standard output. It runs at the start, again when a JWT token is within
``EXPIRY_MARGIN`` seconds of its ``exp`` claim, and once after a 401. A ``--token-file`` is
read again after a 401. A renewed token is checked like the one read at the start
(``check_token``): a malformed one (an empty file, several lines) raises ConfigError naming its
source, and the run stops with exit 3. A token from the environment or ``.env`` cannot be renewed.
Tokens never appear in a message, a log line or an exception.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import shlex
import subprocess
import time
from pathlib import Path

from .errors import ConfigError
from .redaction import check_token
from .sources import read_token_file

EXPIRY_MARGIN = 60.0  #: seconds before a JWT's ``exp`` when a token command is run again
COMMAND_TIMEOUT = 60.0  #: seconds a token command may take


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (Unix seconds), None for a token that is not a JWT or has none.

    Read without checking the signature: only to know when to ask for a new one.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


def run_token_command(command: str) -> str:
    """Run ``command`` and return the token it prints. Raises ConfigError (never with its output)."""
    try:
        args = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"--token-command cannot be split into words: {exc}") from None
    if not args:
        raise ConfigError("--token-command is empty")
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
    except FileNotFoundError:
        raise ConfigError(f"--token-command: {args[0]} not found") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"--token-command did not finish within {COMMAND_TIMEOUT:g} s") from None
    except OSError as exc:
        raise ConfigError(f"--token-command could not run: {exc.strerror}") from None
    if done.returncode != 0:
        raise ConfigError(f"--token-command failed with exit code {done.returncode}")
    token = done.stdout.strip()
    if not token:
        raise ConfigError("--token-command printed no token (one line with the token, nothing else)")
    return check_token(token, "the token printed by --token-command")


class TokenSource:
    """The token a run uses now, and how to renew it: a ``command``, a ``file``, or neither."""

    __slots__ = ("token", "command", "file", "_unproven", "_lock", "_renewed")

    def __init__(self, token: str = "", *, command: str | None = None, file: Path | None = None) -> None:
        self.command = command
        self.file = Path(file) if file else None
        self.token = run_token_command(command) if command and not token else token
        self._unproven = 0  #: renewals since the last successful call
        self._renewed: set[str] = set()
        self._lock: asyncio.Lock | None = None

    @property
    def renewable(self) -> bool:
        return bool(self.command or self.file)

    def expiring(self, now: float | None = None) -> bool:
        """Whether a token command should run now: the token is a JWT within EXPIRY_MARGIN of ``exp``."""
        if not self.command or self.token in self._renewed:
            return False
        exp = jwt_expiry(self.token)
        return exp is not None and (time.time() if now is None else now) >= exp - EXPIRY_MARGIN

    def worked(self) -> None:
        """A call succeeded: the tokens renewed so far were good."""
        self._unproven = 0

    async def renew(self, used: str) -> bool:
        """Get a new token after ``used`` was refused or is expiring; False if there is none to try.

        Concurrent callers share one renewal: a caller whose ``used`` token was already replaced
        gets True at once. After two renewals in a row with no successful call between them,
        the fresh token was refused too: False. (Two, not one: calls sent with a fresh token
        that expires after a few calls can be refused before the first of them is answered.)
        """
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            if used != self.token:
                return True
            if not self.renewable or used in self._renewed or self._unproven >= 2:
                return False
            self._renewed.add(used)
            token = await asyncio.to_thread(self._read)
            if token == used:
                return False
            self.token = token
            self._unproven += 1
            return True

    def _read(self) -> str:
        if self.command:
            return run_token_command(self.command)
        assert self.file is not None
        return read_token_file(self.file).get()  # the same checks as at the start: empty, several lines, …
