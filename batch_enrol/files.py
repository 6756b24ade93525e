"""Small file helpers: atomic replacement, checksums, XML streamed in whole tags."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import OutputError

MAX_TAG_BYTES = 64 * 2**20  #: longest unfinished stretch of XML held over between pieces


@contextlib.contextmanager
def atomic_path(target: Path, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    A reader never sees a half-written file, and a crash leaves the old file in place.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_writable_file(path: Path, what: str) -> None:
    """OutputError (exit 2) unless ``path`` can be written as a file: not a folder, its folder writable.

    ``what`` names it in the message ("the output", "--junit"). Checked before anything is
    sent, so a bad path never costs a run's worth of calls.
    """
    path = Path(path).absolute()
    if path.is_dir():
        raise OutputError(f"{what} {path} is a folder, not a file", hint="give a file path, e.g. FOLDER/list.enrolled.xlsx")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"{what} {path} cannot be created: {folder} is a file, not a folder")
    if (path.exists() and not os.access(path, os.W_OK)) or not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{what} {path} cannot be written (permission denied)")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def xml_pieces(fh: IO[bytes], *, keep_text: bool = False, chunk: int = 1 << 22) -> Iterator[bytes]:
    """An XML stream in pieces that end at a tag's end, so no tag is split between two.

    Without ``keep_text`` the text after the last tag of a piece is dropped rather than
    carried (a scan for tags needs none of it); with it, every byte comes out once. Either
    way, more than MAX_TAG_BYTES held over is not XML any spreadsheet writes: ValueError.
    """
    carry = b""
    while data := fh.read(chunk):
        buffer = carry + data
        cut = buffer.rfind(b">") + 1
        if keep_text:
            carry = buffer[cut:]
        else:
            start = buffer.rfind(b"<", cut)
            carry = buffer[start:] if start >= 0 else b""
        if len(carry) > MAX_TAG_BYTES:
            raise ValueError(f"an XML tag longer than {MAX_TAG_BYTES // 2**20} MB")
        if cut:
            yield buffer[:cut]
    if keep_text and carry:
        yield carry
