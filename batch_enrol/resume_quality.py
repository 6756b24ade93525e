"""Is a resume cell a resume at all? Placeholders, bare links, missing files and stubs are not.

The API pre-screens candidates on their resume text, so ``TBD`` or a Drive link would be
screened as if it were one. ``resume_quality`` raises ``Bad`` with what to provide instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .places import Bad, quote

MIN_RESUME_CHARS = 15  #: default shortest resume text accepted (``--min-resume-chars``); see the README

#: What people type where the resume should be, compared without case, spaces and dots.
PLACEHOLDERS = frozenset(
    {
        "tbd", "tba", "tbc", "n/a", "na", "n.a", "none", "nil", "null", "-", "--", "---", "x", "xx", "?", "??",
        "todo", "pending", "later", "missing", "empty", "see attached", "attached", "cv attached",
        "resume attached", "see cv", "see resume", "in attachment", "see email", "sent by email", "cv", "resume",
        "will send", "to follow", "same as above", "ditto", "test", "lorem ipsum", "sample",
    }
)  # fmt: skip
_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
_FILE_NAME = re.compile(r"^[^\n\\/:*?\"<>|]{1,120}\.(?:docx?|pdf|txt|md|rtf|odt|pages|html?|jpe?g|png)$", re.IGNORECASE)


def resume_quality(text: str, min_chars: int = MIN_RESUME_CHARS, folders: Sequence[Path] = ()) -> None:
    """Raise Bad when ``text`` (a resume cell that names no existing file) is not a resume."""
    if len(text) >= max(min_chars, 200):
        return  # long enough to be text, not a placeholder, link or file name
    key = " ".join(text.casefold().replace(".", " ").split()).replace(" / ", "/")
    where = f"in {folders[0].resolve()}" if folders else "beside the input"
    if text.casefold().strip(" .") in PLACEHOLDERS or key in PLACEHOLDERS:
        raise Bad(f"{quote(text)} is a placeholder, not a resume: paste the resume text, or name its .pdf, .docx or .txt file")
    if _URL.match(text):
        raise Bad(f"{quote(text, 40)} is a link; the AI cannot open it: save the resume as .pdf, .docx or .txt {where} and give its name")
    if _FILE_NAME.match(text):
        raise Bad(f"{quote(text)} looks like a file name, but only .pdf, .docx, .txt and .md files are read: save it as one {where}")
    if len(text) < min_chars:
        raise Bad(f"is only {len(text)} characters, too short for a resume: give at least {min_chars} (--min-resume-chars) or a file")
