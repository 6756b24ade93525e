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
#: A link alone, with or without its scheme (``drive.google.com/file/d/…/view``).
_URL = re.compile(r"^(?:(?:https?://|www\.)\S+|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*)$", re.IGNORECASE)
#: Words that say the resume is elsewhere or comes later (word starts, several languages) …
_ELSEWHERE = (
    "attach", "enclos", "send", "sent", "mail", "follow", "later", "soon", "pending", "upload", "anhang", "anlage",
    "beigef", "beilieg", "folgt", "nachgereicht", "nachreich", "später", "joint", "suivr", "envoy", "adjunt", "anex",
    "envi", "tarde", "allegat", "segui", "dopo", "załącz", "zalacz", "příloh", "priloh", "dosl", "pošl", "wyśl",
)  # fmt: skip
#: … and the words around them that say nothing about the candidate.
_FILLER = frozenset(
    "see please pls kindly the my his her their a an is are in on at by to be will shall of as per for with from via "
    "cv cvs resume résumé resumes lebenslauf curriculum vitae currículum životopis życiorys file files document doc docx "
    "pdf e email here below above separately request upon available provided coming bitte siehe im in der die das den "
    "wird werden per voir le la les en pièce piece ci par ver el por favor adjunto vedi il w v viz na nel".split()
)
_FILE_NAME = re.compile(r"^[^\n\\/:*?\"<>|]{1,120}\.(?:docx?|pdf|txt|md|rtf|odt|pages|html?|jpe?g|png)$", re.IGNORECASE)


def resume_quality(text: str, min_chars: int = MIN_RESUME_CHARS, folders: Sequence[Path] = ()) -> None:
    """Raise Bad when ``text`` (a resume cell that names no existing file) is not a resume."""
    if len(text) >= max(min_chars, 200):
        return  # long enough to be text, not a placeholder, link or file name
    key = " ".join(text.casefold().replace(".", " ").split()).replace(" / ", "/")
    where = f"in {folders[0].resolve()}" if folders else "beside the input"
    if text.casefold().strip(" .") in PLACEHOLDERS or key in PLACEHOLDERS or _says_elsewhere(text):
        raise Bad(f"{quote(text)} is a placeholder, not a resume: paste the resume text, or name its .pdf, .docx or .txt file")
    if _URL.match(text):
        raise Bad(f"{quote(text, 40)} is a link; the AI cannot open it: save the resume as .pdf, .docx or .txt {where} and give its name")
    if _FILE_NAME.match(text):
        raise Bad(f"{quote(text)} looks like a file name, but only .pdf, .docx, .txt and .md files are read: save it as one {where}")
    if len(text) < min_chars:
        raise Bad(f"is only {len(text)} character{'s' if len(text) != 1 else ''}, too short for a resume: give at least {min_chars} (--min-resume-chars) or a file")


def _says_elsewhere(text: str) -> bool:
    """Short text made only of words saying the resume is attached, sent or coming later
    ("please see the attached resume", "Lebenslauf folgt"), with at least one such word."""
    words = re.findall(r"[^\W\d_]+", text.casefold())
    if not words or len(text) > 120:
        return False
    elsewhere = [w.startswith(_ELSEWHERE) for w in words]
    return any(elsewhere) and all(hit or w in _FILLER for w, hit in zip(words, elsewhere, strict=True))
