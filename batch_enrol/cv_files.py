"""CV files (.txt, .pdf, .docx, .md) named in a ``candidate_resume`` cell → their text.

"CV" is this code's word for the candidate's resume document, so that "resume" keeps one
meaning: resuming an interrupted run from its journal.
"""

from __future__ import annotations

import re
from pathlib import Path

CV_SUFFIXES = (".txt", ".pdf", ".docx", ".md")
MAX_CV_BYTES = 20 * 1024 * 1024


class CvFileError(Exception):
    """A CV file is missing or has no usable text; the message is the row's reason."""


def looks_like_file(value: str) -> bool:
    """True when a ``candidate_resume`` cell names a file rather than holding the CV text itself."""
    return (
        len(value) < 300
        and "\n" not in value
        and value.lower().endswith(CV_SUFFIXES)
        and not re.match(r"^[a-z]+://", value, re.IGNORECASE)
    )


def find(value: str, folders: list[Path]) -> Path:
    """The first existing file named ``value`` in ``folders`` (or the absolute path itself)."""
    candidate = Path(value).expanduser()
    places = [candidate] if candidate.is_absolute() else [folder / candidate for folder in folders]
    for place in places:
        if place.is_file():
            return place
    raise CvFileError(f"resume file {value!r} not found (looked in {', '.join(str(p.parent) for p in places)})")


def read_text(path: Path) -> str:
    """Extract the text of a CV file; raise CvFileError when there is none."""
    if path.stat().st_size > MAX_CV_BYTES:
        raise CvFileError(f"resume file {path.name!r} is larger than {MAX_CV_BYTES // 2**20} MB")
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            text = _pdf_text(path)
        elif suffix == ".docx":
            text = _docx_text(path)
        else:
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
    except CvFileError:
        raise
    except Exception as exc:  # a damaged file of any kind: the row becomes invalid, the run goes on
        raise CvFileError(f"resume file {path.name!r} cannot be read ({type(exc).__name__})") from None
    text = text.replace("\x00", "").strip()
    if not text:
        kind = "a scanned PDF with no text layer?" if suffix == ".pdf" else "empty"
        raise CvFileError(f"resume file {path.name!r} has no text ({kind})")
    return text


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    reader = PdfReader(path)
    if reader.is_encrypted:
        try:
            reader.decrypt("")
        except Exception:
            raise CvFileError(f"resume file {path.name!r} is password-protected") from None
    try:
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except FileNotDecryptedError:
        raise CvFileError(f"resume file {path.name!r} is password-protected") from None


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)
