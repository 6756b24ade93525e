"""Countries and interview languages as people write them → ISO 3166 / platform codes.

A country may be an ISO code (``SK``, ``SVK``), its name in any of ``LOCALES`` (CLDR names
through Babel: ``Deutschland``, ``Česko``, ``España``), an ISO name (pycountry), or a common
alias (``UK``, ``U.S.A.``, ``Holland``); case, accents, dots and a leading "The" do not
matter. A language may be a code, a BCP 47 tag or locale (``en-US``, ``en_GB``, ``zh-Hans``;
``pt-BR`` is the platform's ``br``) or a name in any of ``LOCALES`` (``Greek``, ``Deutsch``,
``English (UK)``, and the Czech and Slovak adjectives ``anglický``, ``Německy``). A name that
means two places ("Korea", "Congo") or two languages ("Bahasa"), or none, is refused with
"did you mean …" suggestions; a language the platform does not offer ("Maltese") is refused
with the list of those it does.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

import pycountry
from babel import Locale

#: Locales whose CLDR names are understood: every EU language and the other common ones.
LOCALES = (
    "en", "de", "fr", "es", "it", "pt", "nl", "cs", "sk", "pl", "hu", "ro", "bg", "hr", "sl", "sr", "sr_Latn",
    "bs", "mk", "sq", "el", "da", "sv", "fi", "et", "lv", "lt", "ga", "mt", "lb", "nb", "is", "ca", "eu", "gl",
    "ru", "uk", "be", "tr", "ar", "he", "fa", "hi", "ta", "zh", "ja", "ko", "id", "ms", "vi", "th", "fil",
)  # fmt: skip

COUNTRY_ALIASES = {
    "uk": "GB", "u.k.": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "usa": "US", "u.s.a.": "US", "us": "US", "u.s.": "US",
    "america": "US", "united states of america": "US", "holland": "NL", "ivory coast": "CI", "burma": "MM",
    "swaziland": "SZ", "czech rep.": "CZ", "czech rep": "CZ", "czech republic": "CZ", "uae": "AE",
    "u.a.e.": "AE", "emirates": "AE", "turkey": "TR", "russia": "RU", "cape verde": "CV", "macedonia": "MK",
    "česká republika": "CZ", "slovenská republika": "SK", "south korea": "KR", "republic of korea": "KR", "north korea": "KP", "vatican": "VA", "east timor": "TL",
    "drc": "CD", "dr congo": "CD", "d.r. congo": "CD", "dr of the congo": "CD", "zaire": "CD", "persia": "IR",
    "bosnia": "BA", "byelorussia": "BY", "belorussia": "BY", "white russia": "BY",
}  # fmt: skip
LANGUAGE_ALIASES = {
    "brazilian": "br", "brazilian portuguese": "br", "portuguese (brazil)": "br", "filipino": "fil",
    "tagalog": "fil", "tl": "fil", "norwegian": "no", "norwegian bokmal": "no", "nb": "no", "nn": "no",
    "bokmal": "no", "nynorsk": "no", "chinese": "zh", "mandarin": "zh", "farsi": "fa", "flemish": "nl",
    "moldovan": "ro", "bahasa indonesia": "id", "bahasa melayu": "ms", "bahasa malaysia": "ms",
    "castellano": "es", "castilian": "es",  # Spanish's other name (CLDR has neither)
}  # fmt: skip
#: Names of more than one interview language: refused with each as a suggestion.
AMBIGUOUS_LANGUAGES = {"bahasa": ("id", "ms")}
#: Czech and Slovak say "in English" as an adjective or adverb (anglický, anglicky, slovenská):
#: their stem comes from the CLDR name by its ending (angličtina → anglick-, slovenčina → slovensk-);
#: these are the stems the endings do not give (němčina, nemčina → německ-, nemeck-).
CS_SK_ENDINGS = (("ctina", "ck"), ("stina", "sk"), ("cina", "sk"))  #: compared after ``key`` (no accents)
CS_SK_STEMS = {"nemeck": "de"}
CS_SK_FORMS = ("y", "a", "e")  #: -ý/-y, -á, -é once accents are gone
#: Names people use for more than one country: refused with both as suggestions.
AMBIGUOUS_COUNTRIES = frozenset({"korea", "congo", "virgin islands", "samoa"})
_NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XK", "XA", "XB"}


SIMILAR = 0.85  #: how close a name must be to be suggested (Persia is not Russia, nor Catalan Italian)


class Bad(ValueError):
    """A normaliser's verdict on one value: the message that follows the column name."""


def quote(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def key(text: str) -> str:
    """Case, accents, dots, commas, brackets and a leading "The" do not count."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("&", " and ")
    text = re.sub(r"[.,'’()\[\]\-_/]+", " ", text)
    text = " ".join(text.split())
    return text[4:] if text.startswith("the ") else text


def _index(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], set[str]]:
    """name key → code; keys that name two different codes are ambiguous and left out."""
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    for name, code in pairs:
        k = key(name)
        if not k or k in ambiguous:
            continue
        if index.setdefault(k, code) != code:
            ambiguous.add(k)
            del index[k]
    return index, ambiguous


@cache
def _countries() -> tuple[dict[str, str], set[str]]:
    codes = {c.alpha_2 for c in pycountry.countries}
    pairs = [
        (name, code)
        for loc in LOCALES
        for code, name in Locale.parse(loc).territories.items()
        if code in codes and code not in _NOT_COUNTRIES
    ]
    index, ambiguous = _index(pairs)
    for country in pycountry.countries:
        for name in (country.name, getattr(country, "official_name", None), getattr(country, "common_name", None)):
            if name:
                index.setdefault(key(name), country.alpha_2)
                # ISO's "Palestine, State of" and "Holy See (Vatican City State)" are "Palestine" and "Holy See"
                short = re.split(r"\s*[,(]", name)[0]
                if short != name and key(short) not in ambiguous:
                    index.setdefault(key(short), country.alpha_2)
        index[key(country.alpha_2)] = index[key(country.alpha_3)] = country.alpha_2
    index.update({key(k): v for k, v in COUNTRY_ALIASES.items()})
    for name in AMBIGUOUS_COUNTRIES:
        index.pop(name, None)
    return index, ambiguous | AMBIGUOUS_COUNTRIES


@cache
def _codes() -> dict[str, str]:
    """The quick look-up: ISO codes, English names and aliases (most lists use these; the other
    languages' CLDR names load only when needed)."""
    codes = {c.alpha_2 for c in pycountry.countries}
    out = {key(name): code for code, name in Locale("en").territories.items() if code in codes and code not in _NOT_COUNTRIES}
    out.update({key(k): v for k, v in COUNTRY_ALIASES.items()})
    for country in pycountry.countries:
        out[key(country.alpha_2)] = out[key(country.alpha_3)] = country.alpha_2
    for name in AMBIGUOUS_COUNTRIES:
        out.pop(name, None)
    return out


def _initials(k: str) -> str:
    """Letters written with dots or spaces between them, joined: ``d r c`` (from D.R.C.) → ``drc``."""
    parts = k.split()
    return "".join(parts) if len(parts) > 1 and all(len(p) == 1 for p in parts) else k


@cache
def country_code(value: str) -> str:
    """A country as written → its ISO 3166-1 alpha-2 code. Raises Bad with suggestions."""
    quick = _codes().get(key(value)) or _codes().get(_initials(key(value)))
    if quick:
        return quick
    index, ambiguous = _countries()
    code = index.get(key(value)) or index.get(_initials(key(value)))
    if code:
        return code
    english = Locale("en").territories
    hint = _suggest(value, index, lambda c: f"{english.get(c, c)} ({c})")
    what = "is more than one country" if key(value) in ambiguous else "is not a country"
    raise Bad(f"{quote(value)} {what}: {hint or 'use an ISO code such as SK, or a name such as Slovakia'}")


def _suggest(value: str, index: dict[str, str], show) -> str:
    """``did you mean A or B?`` from names close to (or containing) ``value``; '' when none."""
    k = key(value)
    if not k:
        return ""
    names = sorted(index)
    close = [n for n in names if len(k) >= 4 and re.search(rf"\b{re.escape(k)}\b", n)]
    close = close or difflib.get_close_matches(k, names, n=6, cutoff=SIMILAR)
    codes: list[str] = []
    for name in close:
        if index[name] not in codes:
            codes.append(index[name])
    return f"did you mean {' or '.join(show(c) for c in codes[:4])}?" if codes else ""


def _platform(tag: str, options: tuple[str, ...]) -> str | None:
    """A language code, BCP 47 tag or locale (``en-US``, ``en_GB``, ``zh-Hans``, ``pt-BR``) → option."""
    parts = re.split(r"[-_]", tag.strip().casefold())
    language = parts[0]
    if language == "br" and len(parts) == 1:
        return None  # the tag br is Breton; the platform's br is Brazilian Portuguese
    if language == "pt" and "br" in parts[1:]:
        return "br" if "br" in options else "pt"
    language = LANGUAGE_ALIASES.get(language, language)
    if language in options:
        return language
    found = pycountry.languages.get(alpha_3=language) if len(language) == 3 else None
    alpha_2 = getattr(found, "alpha_2", None)
    return alpha_2 if alpha_2 in options else None


def _cs_sk_forms(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(anglický, en), (anglicky, en)… from the Czech and Slovak names in ``pairs`` (angličtina, en)."""
    stems = dict(CS_SK_STEMS)
    for name, code in pairs:
        k = key(name)
        for ending, stem in CS_SK_ENDINGS:
            if k.endswith(ending) and " " not in k:
                stems.setdefault(k[: -len(ending)] + stem, code)
                break
    return [(stem + form, code) for stem, code in stems.items() for form in CS_SK_FORMS]


def _named(options: tuple[str, ...] | None, locales: tuple[str, ...]) -> tuple[dict[str, str], set[str]]:
    """name key → language: one of ``options`` (a tag, BCP 47 or locale, mapped by ``_platform``), or
    with ``options`` None any language CLDR names (its base tag); keys naming two are left out."""
    pairs, cs_sk = [], []
    for loc in locales:
        for tag, name in Locale.parse(loc).languages.items():
            code = _platform(tag, options) if options is not None else tag.split("_")[0]
            if code:
                (cs_sk if loc in ("cs", "sk") else pairs).append((name, code))
    index, ambiguous = _index(pairs + cs_sk)
    for k, code in _index(_cs_sk_forms(cs_sk))[0].items():
        index.setdefault(k, code)
    return index, ambiguous


@cache
def _languages(options: tuple[str, ...], locales: tuple[str, ...] = LOCALES) -> tuple[dict[str, str], set[str]]:
    index, ambiguous = _named(options, locales)
    for option in options:
        index[key(option)] = option
    index.update({key(k): v for k, v in LANGUAGE_ALIASES.items()})
    return index, ambiguous


@cache
def _any_language() -> dict[str, str]:
    """Every language CLDR names in ``LOCALES`` → its tag: to tell a language the platform does not
    offer (Maltese, Slovenian) from a word that is no language at all."""
    return _named(None, LOCALES)[0]


@cache
def language_code(value: str, options: tuple[str, ...]) -> str:
    """An interview language as written → one of the platform's ``options``. Raises Bad: for a name
    of two languages (``Bahasa``), a language the platform does not offer (``Maltese``), or none."""
    text = value.strip()
    english = {**Locale("en").languages, "br": "Brazilian Portuguese"}
    both = AMBIGUOUS_LANGUAGES.get(key(text))
    if both:
        names = " or ".join(f"{english.get(c, c)} ({c})" for c in both)
        raise Bad(f"{quote(value)} is more than one language: did you mean {names}?")
    code = _languages(options, ("en",))[0].get(key(text))  # English names first: one locale to load
    if code in options:
        return code
    index, _ = _languages(options)
    code = code or index.get(key(text))
    tag = re.sub(r"[.@][\w-]*$", "", text)  # a locale's encoding or variant: cs_CZ.UTF-8, ca_ES@valencia
    if code is None and re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", tag):  # en-GB, deu, eng
        code = _platform(tag, options)
    if code is None and "(" in text:  # "English (UK)", "Deutsch (Österreich)"
        code = index.get(key(text.split("(")[0]))
    if code in options:
        return code
    other = code or _any_language().get(key(text))
    if other:  # a language, but not one the platform interviews in
        name = Locale("en").languages.get(other, other)  # Breton (br), not the platform's br
        shown = quote(value, 30) if key(name) == key(text) else f"{quote(value, 30)} ({name})"
        raise Bad(f"{shown} is not one of the interview languages: {', '.join(options)}")
    hint = _suggest(value, index, lambda c: f"{english.get(c, c)} ({c})")
    raise Bad(f"{quote(value)} is not a supported interview language: {hint or 'use a code such as en, de or sk'}")
