"""Embed signing keys, on disk the moment they arrive: ``<out>.embed.json``, mode 0600, fsynced.

The keys are secrets the API shows once; the workbook and the journal never hold them. A
key kept only in memory until the end of a run would be lost to a SIGKILL or a failed
output write, so each new key is written (whole file replaced atomically, then fsynced)
before the row's outcome is recorded. The file is a JSON object: embed id → signing key,
merged with earlier runs' keys. Each key is also registered for redaction.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path

from .errors import OutputError
from .redaction import SECRETS

log = logging.getLogger("batch_enrol")


def embed_key_path(out: Path) -> Path:
    """Where the keys of output ``out`` are kept: ``<out>.embed.json``."""
    return out.with_name(out.name + ".embed.json")


class EmbedKeyFile(dict[str, str]):
    """A dict of embed id → signing key that writes itself to ``path`` on every new key.

    ``received``: how many new keys this run set. A key that cannot be written at once is
    kept in memory and logged; ``flush()`` at the end of the run tries again and raises
    OutputError if it still cannot.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.received = 0
        self.pending = False
        if self.path.exists():
            try:
                existing = json.loads(self.path.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise OutputError(f"cannot read the embed key file {self.path}: {exc}", hint="move it away, then re-run") from None
            if isinstance(existing, dict):
                super().update({str(k): str(v) for k, v in existing.items()})
                for key in self.values():
                    SECRETS.add(key)

    def __setitem__(self, embed_id: str, key: str) -> None:
        SECRETS.add(key)
        if self.get(embed_id) == key:
            return
        super().__setitem__(embed_id, key)
        self.received += 1
        try:
            self._write()
        except OutputError as exc:
            self.pending = True
            log.error("%s (the key is kept in memory and written at the end)", exc.message)

    def flush(self) -> None:
        """Write keys that could not be written when they arrived; OutputError if that still fails."""
        if self.pending:
            self._write()
            self.pending = False

    def _write(self) -> None:
        data = json.dumps(dict(self), indent=2, sort_keys=True).encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
            try:
                os.fchmod(fd, 0o600)
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
            _fsync_folder(self.path.parent)
        except OSError as exc:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)
            raise OutputError(f"cannot write the embed key file {self.path}: {exc.strerror or exc}") from None


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every system lets a folder be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
