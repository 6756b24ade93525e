"""CV files (.txt, .md, .pdf, .docx) named in a ``candidate_resume`` cell → their text, safely.

"CV" is this code's word for the candidate's resume document, so that "resume" keeps one
meaning: resuming an interrupted run from its journal.

Two promises, because a resume cell is input from whoever wrote the spreadsheet:

- **Confined:** only a regular file inside the resumes folder is read. An absolute path, a
  ``..``, a symlink that resolves outside the folder (``cv.txt`` → ``/proc/self/environ``),
  a file under ``/proc``, ``/sys`` or ``/dev``, a device, a FIFO or a file with other hard
  links is refused before a byte of it is read.
- **Bounded:** text is extracted by streaming, counting the decompressed bytes read and the
  characters kept; past either limit (``CvLimits``) the row is invalid. A .docx bomb stops
  after ``max_bytes`` of XML, whatever it would expand to.

Every refusal is a ``CvFileError`` whose message is the row's reason.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO
from xml.parsers import expat

CV_SUFFIXES = (".txt", ".pdf", ".docx", ".md")
SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))
CHUNK = 64 * 1024
WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@dataclass(frozen=True, slots=True, kw_only=True)
class CvLimits:
    """How much of one CV file is read. Sizes in bytes.

    ``max_file_bytes``: the file on disk. ``max_bytes``: the decompressed bytes read from it
    (the XML of a .docx, the decoded page streams of a .pdf, the bytes of a .txt).
    ``max_chars``: characters of text kept. Settings supplies these from
    ``--max-resume-mb`` / ``--max-resume-chars``.
    """

    max_file_bytes: int = 20 * 2**20
    max_bytes: int = 2 * 2**20
    max_chars: int = 100_000


DEFAULT_LIMITS = CvLimits()


class CvFileError(Exception):
    """A CV file is refused, missing, too large or has no usable text; the message is the row's reason."""


def looks_like_file(value: str) -> bool:
    """True when a ``candidate_resume`` cell names a file rather than holding the CV text itself."""
    return (
        len(value) < 300
        and "\n" not in value
        and value.lower().endswith(CV_SUFFIXES)
        and not re.match(r"^(?:[a-z]+://|www\.)", value, re.IGNORECASE)
    )


_PATHLIKE = re.compile(r"^(?:~|/|\\|[a-z]:[\\/]|file:)|(?:^|[\\/])\.\.(?:[\\/]|$)", re.IGNORECASE)


_NOT_IN_NAMES = re.compile(r'[<>"|?*]')  #: characters no file name on Windows may hold: markup, not a path


def check_not_a_path(value: str) -> None:
    """CvFileError when a ``candidate_resume`` cell that is not a CV file name looks like a path or a file link
    (absolute, ``~``, ``..``, ``file:``, or one word with a ``/`` or ``\\`` in it and none of ``<>"|?*``): never sent as the CV text."""
    text = value.strip()
    if "\n" in text or len(text) >= 300:
        return
    one_word_path = " " not in text and ("/" in text or "\\" in text) and not _NOT_IN_NAMES.search(text)
    if _PATHLIKE.search(text) or one_word_path:
        raise CvFileError(f"resume {text!r} looks like a file path, not CV text: name a .txt, .md, .pdf or .docx file "
                          "inside the resumes folder, or put the CV text itself in the cell")  # fmt: skip


def find(value: str, folders: list[Path]) -> Path:
    """The real path of the regular file named ``value`` inside one of ``folders`` (tried in order).

    Raises CvFileError when ``value`` is absolute or has ``..``, when it resolves outside its
    folder or into /proc, /sys or /dev, when it is not a regular file, and when no folder has it.
    """
    _check_name(value)
    looked = []
    for folder in folders:
        root = Path(os.path.realpath(folder))
        place = _any_case(root / value)
        looked.append(str(place.parent))
        if not os.path.lexists(place):
            continue
        real = Path(os.path.realpath(place))
        if not real.is_relative_to(root) or any(real.is_relative_to(s) for s in SYSTEM_FOLDERS):
            raise CvFileError(f"resume file {value!r} is a link to a file outside the resumes folder: not read")
        _check_regular(value, os.stat(real))
        return real
    raise CvFileError(f"resume file {value!r} not found (looked in {', '.join(looked)})")


def _any_case(place: Path) -> Path:
    """``place``, or the one file beside it whose name differs only in case (``CV.PDF`` for ``cv.pdf``)."""
    if os.path.lexists(place) or not place.parent.is_dir():
        return place
    wanted = place.name.casefold()
    matches = [p for p in place.parent.iterdir() if p.name.casefold() == wanted]
    return matches[0] if len(matches) == 1 else place


def _check_name(value: str) -> None:
    if value.startswith("~") or PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute() or value.startswith("\\"):
        raise CvFileError(f"resume file {value!r} is an absolute path: name a file inside the resumes folder")
    if ".." in PureWindowsPath(value).parts:  # splits on both / and \
        raise CvFileError(f"resume file {value!r} has '..': only files inside the resumes folder are read")


def _check_regular(value: str, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a device, FIFO or socket"
        raise CvFileError(f"resume file {value!r} is {kind}, not a regular file: not read")
    if st.st_nlink > 1:
        raise CvFileError(f"resume file {value!r} has other hard links (to a file elsewhere?): not read")


def read_text(path: Path, limits: CvLimits = DEFAULT_LIMITS) -> str:
    """The text of a CV file found by ``find``; raise CvFileError when there is none or it is too big."""
    name = path.name
    suffix = path.suffix.lower()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise CvFileError(f"resume file {name!r} cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        _check_regular(name, st)  # again on what was opened: the name may have been swapped since
        if st.st_size > limits.max_file_bytes:
            raise CvFileError(f"resume file {name!r} is larger than {_mb(limits.max_file_bytes)}")
        try:
            if suffix == ".pdf":
                text = _pdf_text(fh, name, limits)
            elif suffix == ".docx":
                text = _docx_text(fh, name, limits)
            else:
                text = _plain_text(fh, name, limits)
        except CvFileError:
            raise
        except Exception as exc:  # a damaged file of any kind: the row becomes invalid, the run goes on
            raise CvFileError(f"resume file {name!r} cannot be read ({type(exc).__name__})") from None
    text = text.replace("\x00", "").strip()
    if not text:
        kind = "a scanned PDF with no text layer?" if suffix == ".pdf" else "empty"
        raise CvFileError(f"resume file {name!r} has no text ({kind})")
    return text


def _mb(size: int) -> str:
    return f"{size / 2**20:g} MB"


class _Budget:
    """Counts decompressed bytes and kept characters against the limits."""

    __slots__ = ("name", "limits", "bytes", "chars")

    def __init__(self, name: str, limits: CvLimits) -> None:
        self.name, self.limits, self.bytes, self.chars = name, limits, 0, 0

    def read(self, size: int) -> None:
        self.bytes += size
        if self.bytes > self.limits.max_bytes:
            raise CvFileError(f"resume file {self.name!r} expands beyond {_mb(self.limits.max_bytes)} (--max-resume-mb)")

    def keep(self, text: str) -> str:
        self.chars += len(text)
        if self.chars > self.limits.max_chars:
            raise CvFileError(
                f"resume file {self.name!r} has more than {self.limits.max_chars:,} characters of text (--max-resume-chars)"
            )
        return text


def _plain_text(fh: IO[bytes], name: str, limits: CvLimits) -> str:
    budget = _Budget(name, limits)
    raw = fh.read(limits.max_bytes + 1)
    budget.read(len(raw))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return budget.keep(text)


def _docx_text(fh: IO[bytes], name: str, limits: CvLimits) -> str:
    """The body text of a .docx, streamed from ``word/document.xml`` with expat (no tree, no DTD)."""
    budget = _Budget(name, limits)
    parts: list[str] = []
    inside_text = False

    def start(tag: str, _attrs: dict[str, str]) -> None:
        nonlocal inside_text
        if tag == f"{WORD} t":
            inside_text = True
        elif tag == f"{WORD} tab":
            parts.append(budget.keep("\t"))
        elif tag in (f"{WORD} br", f"{WORD} cr"):
            parts.append(budget.keep("\n"))

    def end(tag: str) -> None:
        nonlocal inside_text
        if tag == f"{WORD} t":
            inside_text = False
        elif tag == f"{WORD} p":
            parts.append(budget.keep("\n"))

    def data(text: str) -> None:
        if inside_text:
            parts.append(budget.keep(text))

    def no_dtd(*_args: object) -> None:
        raise CvFileError(f"resume file {name!r} declares a DTD, which no Word document does: not read")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, data
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = no_dtd
    with zipfile.ZipFile(fh) as archive:
        try:
            part = archive.open("word/document.xml")
        except KeyError:
            raise CvFileError(f"resume file {name!r} is not a Word document (no word/document.xml)") from None
        with part:
            while chunk := part.read(CHUNK):
                budget.read(len(chunk))
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    return "".join(parts)


def _pdf_text(fh: IO[bytes], name: str, limits: CvLimits) -> str:
    import pypdf
    from pypdf.errors import FileNotDecryptedError

    budget = _Budget(name, limits)
    # pypdf's own per-stream decompression limits, lowered to ours where this pypdf has them
    caps = {f"{kind}_maximum_output_length": limits.max_bytes for kind in ("zlib", "lzw", "run_length", "brotli")}
    configured = getattr(pypdf, "apply_configuration", None)
    with configured(**caps) if configured else contextlib.nullcontext():
        reader = pypdf.PdfReader(fh)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise CvFileError(f"resume file {name!r} is password-protected") from None
        pages = []
        try:
            for page in reader.pages:
                contents = page.get_contents()
                budget.read(len(contents.get_data()) if contents is not None else 0)
                pages.append(budget.keep(page.extract_text() or ""))
        except FileNotDecryptedError:
            raise CvFileError(f"resume file {name!r} is password-protected") from None
        except pypdf.errors.LimitReachedError:
            raise CvFileError(f"resume file {name!r} expands beyond {_mb(limits.max_bytes)} (--max-resume-mb)") from None
    return "\n".join(pages)
