"""Whether a cell reads as one language's letters: the per-word checks a reading must pass.

Alphabets come from CLDR through Babel (each locale's own month, day, language and country
names) or, for Chinese, Japanese, Korean, Hebrew, Arabic and Thai, from one script. A word must
be written as its language writes it: no sign glued to a letter, no capital inside a word, no
word starting with a letter the language never starts one with, a vowel in a Cyrillic or Greek
word. ``encodings`` scores each candidate encoding's reading with these.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache

from babel import Locale

#: Alphabets of these locales are read from their CLDR month, day and language names.
ALPHABET_LOCALES = (
    "cs", "sk", "pl", "hu", "hr", "sl", "sr_Latn", "bs", "ro", "de", "fr", "es", "it", "pt", "nl", "ca", "eu",
    "gl", "da", "sv", "nb", "fi", "is", "et", "lv", "lt", "ga", "mt", "sq", "tr", "az", "vi", "en",
    "ru", "uk", "be", "bg", "mk", "sr", "el", "eo",
)  # fmt: skip
#: Letters no word of the language begins with (its spelling rules): ``Ųuro`` is not Lithuanian,
#: ``Ğ``/``Ы`` start no Turkish/Russian word. A reading needs a language its words all fit.
NOT_INITIAL = {
    "pl": "ąęń", "lt": "ęų", "tr": "ğ", "cs": "ů", "sk": "ä", "ro": "â", "ru": "ыьъ", "be": "ыь", "uk": "ь", "bg": "ь", "el": "ς",
    "az": "ğ",
}  # fmt: skip
#: Letters of an alphabet that its CLDR names happen to use too rarely to be counted.
EXTRA_LETTERS = {
    "cs": "ďťú", "sk": "ĺŕôť", "pl": "ć", "hu": "ű", "hr": "đ", "ro": "şţ", "de": "ß", "fr": "àâæçéèêëîïôœùûüÿ",
    "es": "ü", "it": "àèéìíîòóùú", "pt": "àõ", "lt": "ąęį", "tr": "âîû", "mt": "àèìòù", "ru": "ёщъ", "el": "ΐΰϋ",
    "eo": "ĉĝĥĵŝŭ", "fi": "å", "bs": "đ", "nl": "óü",
}  # fmt: skip
#: Writing systems without case whose letters are checked by script (unicodedata name prefix).
SCRIPTS = {"ko": ("HANGUL",), "he": ("HEBREW",), "ar": ("ARABIC",), "th": ("THAI",), "kana": ("HIRAGANA", "KATAKANA")}
#: Han characters in everyday use: the first level of each national standard
#: (codec, lead-byte range): GB 2312 level 1, Big5 frequent characters, JIS X 0208 level 1.
HAN_LEVEL_ONE = (("gb2312", 0xB0, 0xD7), ("big5", 0xA4, 0xC6), ("euc_jp", 0xB0, 0xCF))


def script_of(letter: str) -> str:
    """A letter of a caseless script stands for its script; any other letter for itself."""
    script = unicodedata.name(letter[0], "").split(" ")[0]
    return script if script in {"HANGUL", "HEBREW", "ARABIC", "THAI", "CJK", "HIRAGANA", "KATAKANA"} else letter


def reads_as_one_language(cell: str) -> bool:
    """Every non-ASCII character is a letter of one alphabet, placed as that language places it
    (see ``NOT_INITIAL``), no word changes case inside, and no sign sits where words have none."""
    odd = {c for c in cell if ord(c) > 127}
    if any(not c.isalpha() and c not in _ALLOWED_MARKS for c in odd):
        return False
    if _case_flip(cell) or _vowelless_word(cell) or _mixed_scripts(cell) or _INNER_MARK.search(cell) or _stray_mark(cell):
        return False
    lower = {c.lower() for c in odd if c.isalpha()}  # "İ" lowers to two characters: its name is its first's
    if not lower or fitting_languages(cell):
        return True
    han = {c for c in lower if unicodedata.name(c[0], "").startswith("CJK")}
    rest = lower - han
    if han:
        kana = all(unicodedata.name(c[0], "").startswith(SCRIPTS["kana"]) for c in rest)
        return any(all(_everyday_han(c, *standard) for c in han) for standard in HAN_LEVEL_ONE) and (kana or not rest)
    return any(all(unicodedata.name(c[0], "").startswith(prefixes) for c in lower) for prefixes in SCRIPTS.values())


WORDS = re.compile(r"[^\W\d_]+")


def fitting_languages(cell: str) -> list[str]:
    """The locales of ``ALPHABET_LOCALES`` whose alphabet has every non-ASCII letter of ``cell``
    and whose words may begin as its words do (``NOT_INITIAL``)."""
    lower = {c.lower() for c in cell if ord(c) > 127 and c.isalpha()}
    initials = {w[0].lower() for w in WORDS.findall(cell) if not w[0].isascii()}
    return [
        loc
        for loc, letters in alphabets().items()
        if lower <= letters and not initials & set(NOT_INITIAL.get(loc, ""))
    ]


#: Signs no word has glued to a letter (``£ukasz``, ``Wei§``, ``…mer``), and opening quotes
#: after a letter with no quote opened before (``Zo‘``): how a wrong code page reads letters.
_GLUED_SIGN = re.compile(r"[^\W\d_][€£§©®×•·°]|[€£§©®×•·…][^\W\d_]|[^\W\d_][‚„]")
_CLOSING = {"‘": "‚", "“": "„“", "«": "»"}


def _stray_mark(cell: str) -> bool:
    if _GLUED_SIGN.search(cell):
        return True
    for i, c in enumerate(cell):
        if c in _CLOSING and i and cell[i - 1].isalpha() and not any(o in cell[:i - 1] for o in _CLOSING[c]):
            return True
    return False


_CYRILLIC_GREEK_WORD = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]{3,}")
_VOWELS = set("аеёиоуыэюяіїєўaeiouyαεηιουωάέήίόύώϊϋΐΰ")


_GREEK_LOWER_WORD = re.compile(r"[\u03ac-\u03ce]{4,}")
_TONOS = set("άέήίόύώΐΰ")


def _vowelless_word(cell: str) -> bool:
    """A Cyrillic or Greek word of three letters or more with no vowel (seven or more with one),
    or a lower-case Greek word of four or more with no accent (monotonic Greek marks every
    longer word): how Hebrew, Arabic or Greek bytes read as Cyrillic or Greek (``Гйюсгпт``)."""
    return any(
        sum(c in _VOWELS for c in w.lower()) < (2 if len(w) >= 7 else 1) for w in _CYRILLIC_GREEK_WORD.findall(cell)
    ) or any(not (set(w) & _TONOS) for w in _GREEK_LOWER_WORD.findall(cell))


@cache
def _everyday_han(char: str, codec: str, first: int, last: int) -> bool:
    try:
        return first <= char.encode(codec)[0] <= last
    except UnicodeEncodeError:
        return False


_ALLOWED_MARKS = set("–—‘’‚“”„•…€£«»°·§©®×")
#: A dash, bullet or sign between two letters of a word (``Mu–oz``, ``Нх·ј``): how a wrong code page reads letters.
_INNER_MARK = re.compile(r"[^\W\d_][–—•…€£«»°·§©®×][^\W\d_]")


def _mixed_scripts(cell: str) -> bool:
    """A word with Latin letters and letters of another script (``Zoл``, ``Mьller``)."""
    for word in re.findall(r"[^\W\d_]+", cell):
        if not word.isascii() and any(c.isascii() for c in word):
            if any(ord(c) > 127 and not unicodedata.name(c, "LATIN").startswith("LATIN") for c in word):
                return True
    return False


def _case_flip(cell: str) -> bool:
    """A non-ASCII capital inside a word, before a lower-case letter (``FranŤois``, ``MŸller``),
    or right after one (``хБЮМ``: windows-1251 bytes read as KOI8-R)."""
    return any(
        a.isalpha() and b.isupper() and not b.isascii() and c.islower() for a, b, c in zip(cell, cell[1:], cell[2:], strict=False)
    ) or any(a.islower() and b.isupper() and not (a + b).isascii() for a, b in zip(cell, cell[1:], strict=False))


@cache
def alphabets() -> dict[str, frozenset[str]]:
    """locale → the non-ASCII letters its own CLDR names use (months, days, languages,
    countries); a letter seen only once or twice there (a foreign name's) is left out."""
    out: dict[str, frozenset[str]] = {}
    for loc in ALPHABET_LOCALES:
        locale = Locale.parse(loc)
        words = [*locale.languages.values(), *locale.territories.values()]
        for kind in ("format", "stand-alone"):
            words += [*locale.months[kind]["wide"].values(), *locale.days[kind]["wide"].values()]
        counts = Counter(c.lower() for w in words for c in w if c.isalpha() and ord(c) > 127)
        out[loc] = frozenset({c for c, n in counts.items() if n >= 3} | set(EXTRA_LETTERS.get(loc, "")))
    return out
