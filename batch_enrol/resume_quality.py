"""Is a resume cell a resume at all? Placeholders, error values, links, paths, missing files and stubs are not.

The API pre-screens candidates on their resume text, so ``TBD`` or a Drive link would be
screened as if it were one. ``resume_quality`` raises ``Bad`` (or ``CvFileError`` for a path)
saying what the cell holds and what to provide instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .cv_files import check_not_a_path
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
#: A link alone, with or without its scheme (``drive.google.com/file/d/…/view``), or an email address.
_URL = re.compile(r"^(?:(?:https?://|www\.)\S+|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*)$", re.IGNORECASE)
_EMAIL = re.compile(r"^(?:mailto:)?[^\s@<>]+@[\w-]+(?:\.[\w-]+)+$", re.IGNORECASE)
#: A link inside other words (``See LinkedIn: https://…``), an email link, or a HYPERLINK formula.
_LINK_IN_TEXT = re.compile(r"(?:https?://|www\.|mailto:)\S+|\S+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_HYPERLINK = re.compile(r"^=\s*hyperlink\s*\(", re.IGNORECASE)
#: What a spreadsheet shows for a formula that failed (``#N/A``, ``#REF!``…).
_ERROR_VALUE = re.compile(r"^#(?:n/a|ref!|value!|div/0!|name\?|null!|num!|spill!|calc!|getting_data|field!|blocked!|busy!|unknown!)$", re.IGNORECASE)
#: Words that say the resume is elsewhere or comes later (word starts, several languages) …
_ELSEWHERE = (
    "attach", "enclos", "send", "sent", "mail", "follow", "later", "soon", "pending", "upload", "anhang", "anlage",
    "beigef", "beilieg", "folgt", "nachgereicht", "nachreich", "später", "joint", "suivr", "envoy", "adjunt", "anex",
    "envi", "tarde", "allegat", "segui", "dopo", "załącz", "zalacz", "přílo", "prilo", "dosl", "pošl", "wyśl",
    # "on request", "attached", "see email" in the same languages
    "request", "anbei", "anfrage", "verlang", "demande", "courriel", "petici", "solicit", "correo", "richiest",
    "żądan", "zadan", "prośb", "prosb", "vyžád", "vyzad", "požád", "pozad", "požiad", "poziad", "prílo",
    # "to be provided", "refer to / ask the recruiter", "see the LinkedIn profile"
    "provid", "refer", "ask", "recruit", "contact", "profil", "linkedin", "xing",
)  # fmt: skip
#: Placeholder words that may stand among the filler (``N/A - see attached``, ``TBD - will send``).
_PLACEHOLDER_WORDS = frozenset("tbd tba tbc n na none nil null x xx todo missing empty test sample ditto same".split())
#: An HTML tag (``<p>``, ``</b>``, ``<br/>``), not a link in ``<…>``: judged without them.
_TAG = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>", re.IGNORECASE)
#: … and the words around them that say nothing about the candidate.
_FILLER = frozenset(
    "see please pls kindly the my his her their a an is are in on at by to be will shall of as per for with from via "
    "cv cvs resume résumé resumes lebenslauf curriculum vitae currículum životopis życiorys file files document doc docx "
    "pdf e email here below above separately upon available provided coming bitte siehe im in der die das den "
    "wird werden per voir le la les en pièce piece ci par ver el por favor adjunto vedi il w v viz na nel "
    "bewerbung unterlagen auf sur bajo su a disponible disponibile verfügbar dostępne dostupné dostupný k "
    "candidature candidatura application patrz pozri podle dispozici dispozícii".split()
)
_FILE_NAME = re.compile(r"^[^\n\\/:*?\"<>|]{1,120}\.(?:docx?|pdf|txt|md|rtf|odt|pages|html?|jpe?g|png)$", re.IGNORECASE)


def resume_quality(text: str, min_chars: int = MIN_RESUME_CHARS, folders: Sequence[Path] = ()) -> None:
    """Raise Bad when ``text`` (a resume cell that names no CV file) is not a resume: a spreadsheet
    error value, a placeholder, a link or email address (alone, in ``<…>``, in a HYPERLINK formula, or
    with fewer than ``min_chars`` characters of other text), a file name, or text shorter than
    ``min_chars``; raise ``cv_files.CvFileError`` when it looks like a file path."""
    plain = " ".join(_TAG.sub(" ", text).split())
    if plain.casefold().startswith("lorem ipsum"):
        raise Bad(f"{quote(text)} is lorem ipsum filler, not a resume: paste the resume text, or name its .pdf, .docx or .txt file")
    if len(text) >= max(min_chars, 200):
        return  # long enough to be text, not a placeholder, link or file name
    key = " ".join(plain.casefold().replace(".", " ").split()).replace(" / ", "/")
    where = f"in {folders[0].resolve()}" if folders else "beside the input"
    if _ERROR_VALUE.match(text.strip()):
        raise Bad(f"{quote(text)} is an error value shown by a formula, not a resume: "
                  "fix the cell in the file, or put the resume text or its file name there")  # fmt: skip
    if plain.casefold().strip(" .") in PLACEHOLDERS or key in PLACEHOLDERS or _says_elsewhere(plain) or _repeated(plain):
        raise Bad(f"{quote(text)} is a placeholder, not a resume: paste the resume text, or name its .pdf, .docx or .txt file")
    if _is_link(text, min_chars):
        what = "an email address, not a resume" if _EMAIL.match(text.strip("<> ")) else "a link the AI cannot open"
        raise Bad(f"{quote(text, 40)} is {what}: paste the text, or save it as .pdf, .docx or .txt {where} and name it")
    check_not_a_path(text)
    if _FILE_NAME.match(text):
        raise Bad(f"{quote(text)} looks like a file name, but only .pdf, .docx, .txt and .md files are read: save it as one {where}")
    if len(text) < min_chars:
        raise Bad(f"is only {len(text)} character{'s' if len(text) != 1 else ''}, too short for a resume: give at least {min_chars} (--min-resume-chars) or a file")


def _is_link(text: str, min_chars: int) -> bool:
    """A link or email address alone (``<…>`` and ``mailto:`` too), a HYPERLINK formula, or a text whose
    words other than its links are fewer than ``min_chars`` characters (``See LinkedIn: https://…``)."""
    bare = text.strip().strip("<>").strip()
    if _URL.match(bare) or _EMAIL.match(bare) or _HYPERLINK.match(bare):
        return True
    rest, links = _LINK_IN_TEXT.subn(" ", text)
    return links > 0 and len(" ".join(rest.split())) < min_chars


def _says_elsewhere(text: str) -> bool:
    """Short text made only of placeholder words, filler and words saying the resume is attached, sent,
    coming later or elsewhere ("please see the attached resume", "TBD - will send", "CV to be provided",
    "Please refer to LinkedIn profile", "Lebenslauf folgt")."""
    words = re.findall(r"[^\W\d_]+", text.casefold())
    if not words or len(text) > 120:
        return False
    return all(w in _FILLER or w in _PLACEHOLDER_WORDS or w.startswith(_ELSEWHERE) for w in words)


def _repeated(text: str) -> bool:
    """One letter or one short word over and over (``xxxxxxxx``, ``TBD TBD TBD``, ``asdf asdf``); not digits."""
    letters = re.sub(r"[\W_]+", "", text.casefold())
    return letters.isalpha() and re.fullmatch(r"(.{1,12}?)\1+", letters) is not None
