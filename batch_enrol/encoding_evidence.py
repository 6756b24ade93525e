"""What a short CSV says about its own encoding when two Latin-script readings tie.

A list of a name or two can read equally well in two encodings: Mac Roman ``Jürgen Müller``
is windows-1250 ``Jźrgen Mźller``, windows-1257 ``Jūratė`` is windows-1252 ``Jûratë``, and
windows-1252 ``Hélène`` is windows-1250 ``Hélčne``. The rows then say which, in this order:

1. Their countries. Each row's candidate country (``candidate_country_code``, as a code or a
   name: see ``places``) and its email address's country domain (``.de``, ``.lt``) name the
   languages CLDR lists for that territory (Babel's ``get_territory_language_info``: official
   ones, and those at least ``SHARE`` per cent of its people speak; English aside, it needs no
   accents). The reading with the most rows whose every cell is spelt in the alphabet of one
   of those languages (``letters.fitting_languages``) wins. When that does not settle it, the position's country counts as well.
2. Line endings: CR alone is what Excel for Mac writes its "CSV" (Mac Roman) with, so a Mac
   encoding's reading wins.

When neither settles it, ``decide`` returns None and the caller refuses (never a guess).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Mapping
from functools import cache

from babel.languages import get_territory_language_info

from .columns import count_known, match_header
from .letters import fitting_languages
from .places import Bad, country_code

SHARE = 10.0  #: per cent of a territory's people who speak a language for it to count
PERSON = ("candidate_country_code",)
PLACE = ("position_country_code",)
EMAIL = "candidate_email"
#: Country domains used worldwide for other reasons (``.io``, ``.co``, ``.me``…): no evidence.
GENERIC_DOMAINS = frozenset({"io", "co", "me", "tv", "ai", "fm", "cc", "ws", "to", "ly", "gg", "sh", "ac", "la", "so", "nu", "tk"})
_HEADER_ROWS = 20  #: as many rows as the loader searches for the header


def decide(readings: list[tuple[str, str]], data: bytes, mapping: Mapping[str, str] | None = None) -> str | None:
    """The codec the file's own evidence picks among ``readings`` ((codec, decoded sample),
    likeliest first, each reading different), or None when it does not settle the tie.
    ``data`` is the raw sample (for its line endings); ``mapping`` the user's header mapping."""
    for fields in (PERSON, PERSON + PLACE):
        scores = [_fitting_rows(text, mapping, fields) for _, text in readings]
        top = max(scores)
        if top and scores.count(top) == 1:
            return readings[scores.index(top)][0]
    if b"\r" in data and b"\n" not in data:
        mac = [codec for codec, _ in readings if codecs.lookup(codec).name.startswith("mac")]
        if len(mac) == 1:
            return mac[0]
    return None


def _fitting_rows(text: str, mapping: Mapping[str, str] | None, fields: tuple[str, ...]) -> int:
    """How many rows have non-ASCII cells each spelt in the alphabet of one of their countries' languages."""
    fitting = 0
    for row, countries in _rows_with_countries(text, mapping, fields):
        spoken = {lang for country in countries for lang in territory_languages(country)}
        spoken |= {f"{lang}_Latn" for lang in spoken}
        cells = [cell for cell in row if any(ord(c) > 127 and c.isalpha() for c in cell)]
        fitting += bool(cells and spoken and all(spoken.intersection(fitting_languages(cell)) for cell in cells))
    return fitting


def _rows_with_countries(text: str, mapping: Mapping[str, str] | None, fields: tuple[str, ...]):
    """(cells, ISO codes of the countries the row names in ``fields`` and by its email domain) per data row."""
    from .csv_input import choose_delimiter  # csv_input reads encodings, which reads this module

    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=choose_delimiter(text, mapping)))
    except csv.Error:  # not well-formed: the loader says so; it is no evidence
        return
    scores = [count_known(r, mapping) for r in rows[:_HEADER_ROWS]]
    if not scores or max(scores) < 2:
        return
    at = scores.index(max(scores))
    columns = {i: match_header(cell, mapping) for i, cell in enumerate(rows[at])}
    for row in rows[at + 1 :]:
        found: set[str] = set()
        for i, cell in enumerate(row):
            field = columns.get(i)
            if field in fields:
                found.add(_country(cell))
            elif field == EMAIL:
                found.add(_email_country(cell))
        yield row, found - {""}


def _country(value: str) -> str:
    try:
        return country_code(value.strip()) if value.strip() else ""
    except Bad:
        return ""


def _email_country(address: str) -> str:
    """``j@example.de`` → ``DE``; '' for a generic domain (``.org``, ``.io``) or none."""
    domain = address.strip().rpartition("@")[2].rstrip(".").rpartition(".")[2].lower()
    return _country(domain) if len(domain) == 2 and domain not in GENERIC_DOMAINS else ""


@cache
def territory_languages(territory: str) -> frozenset[str]:
    """ISO 3166 code → the languages names there are written in: CLDR's official ones and
    those ``SHARE`` per cent or more speak, English aside (``DE`` → de, fr, nl and others)."""
    out = set()
    for language, info in get_territory_language_info(territory).items():
        official = info.get("official_status") in ("official", "de_facto_official")
        if language != "en" and (official or info.get("population_percent", 0) >= SHARE):
            out.add(language)
    return frozenset(out)
