"""Which encoding a CSV file was saved in: a maintained detector's candidates, checked by the text.

charset-normalizer proposes the encodings spreadsheets save in (``SPREADSHEET``); each
candidate decodes a sample strictly (never with replacement characters) and is scored by
how many of its cells read as one language's letters (alphabets from CLDR through Babel,
or one script for Chinese, Japanese, Korean, Hebrew, Arabic and Thai), placed as that
language places them: no sign glued to a letter, no capital inside a word, no word starting
with a letter the language never starts one with. The best candidate wins (ties: fewest
languages, names capitalised, a commoner language, a commoner encoding); when none reads convincingly, ``detect`` refuses and names the likely ones, so the
user can force one with ``--encoding``. ``benchmarks/encodings.py`` measures this against
the detectors alone on a corpus of short lists.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache

from babel import Locale

from .errors import InputFileError

#: What Excel, LibreOffice and Numbers save CSV text in (Python codec names).
SPREADSHEET = (
    "utf_8", "utf_16", "utf_32", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256",
    "cp1257", "cp1258", "latin_1", "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6",
    "iso8859_7", "iso8859_8", "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15",
    "iso8859_16", "koi8_r", "koi8_u", "mac_roman", "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr", "cp874",
)  # fmt: skip
#: When two readings are equally good, the more common encoding wins (Windows first).
USUAL = ("cp1252", "cp1250", "cp1251", "mac_roman", "iso8859_2", "cp1253", "cp1254", "cp1257", "koi8_r")
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
#: Languages a list is seldom in: when a reading in one of them ties with one in a commoner
#: language (``Ömer Þahin`` Icelandic, ``Ömer Şahin`` Turkish), the commoner language wins.
RARE = ("is", "mt", "ga", "eu", "gl", "sq", "az", "eo")
#: Letters of an alphabet that its CLDR names happen to use too rarely to be counted.
EXTRA_LETTERS = {
    "cs": "ďťú", "sk": "ĺŕôť", "pl": "ć", "hu": "ű", "hr": "đ", "ro": "şţ", "de": "ß", "fr": "àâæçéèêëîïôœùûüÿ",
    "es": "ü", "it": "àèéìòù", "pt": "à", "lt": "ąęį", "tr": "âî", "mt": "àìòù", "ru": "ёщъ", "el": "ΐΰϋ",
    "eo": "ĉĝĥĵŝŭ",
}  # fmt: skip
#: Writing systems without case whose letters are checked by script (unicodedata name prefix).
SCRIPTS = {"ko": ("HANGUL",), "he": ("HEBREW",), "ar": ("ARABIC",), "th": ("THAI",), "kana": ("HIRAGANA", "KATAKANA")}
#: Han characters in everyday use: the first level of each national standard
#: (codec, lead-byte range): GB 2312 level 1, Big5 frequent characters, JIS X 0208 level 1.
HAN_LEVEL_ONE = (("gb2312", 0xB0, 0xD7), ("big5", 0xA4, 0xC6), ("euc_jp", 0xB0, 0xCF))
SAMPLE_BYTES = 256 * 1024
CONVINCING = 0.9  #: share of non-ASCII cells that must read as one language's letters
WEAK = 24  #: this many non-ASCII letters or fewer cannot settle two readings in different scripts
WEAK_SYLLABIC = 5  #: nor this many Han, kana or Hangul characters (each one a syllable)
_CELLS = re.compile(r"[^;,\t|\r\n\"]+")


@dataclass(frozen=True, slots=True)
class Detected:
    """How to read a file: ``codec`` for ``open()``, the name to show, whether it had a BOM."""

    codec: str
    name: str
    bom: bool = False


def display_name(codec: str) -> str:
    """``cp1250`` → ``windows-1250``, ``iso8859_2`` → ``ISO-8859-2``, ``mac_roman`` → ``Mac Roman``."""
    name = codecs.lookup(codec).name
    if name.startswith("cp12"):
        return "windows-" + name[2:]
    return {"mac-roman": "Mac Roman", "utf-8-sig": "UTF-8", "latin-1": "ISO-8859-1"}.get(name, name.upper())


def detect(data: bytes, name: str) -> Detected:
    """The encoding of CSV bytes (the file's first SAMPLE_BYTES will do). Raises InputFileError
    when no encoding reads convincingly, naming the likely ones."""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            return Detected(codec, display_name(codec.replace("-sig", "")), True)
    if b"\x00" in data[:4096]:
        wide = _wide_unicode(data)
        if wide is None:
            raise InputFileError(f"{name} is not a text file (it contains NUL bytes)", hint="export it as CSV UTF-8")
        return Detected(wide, wide.upper())
    if _is_utf8(data):
        return Detected("utf-8", "UTF-8")
    return _best_of(_candidates(data), data, name)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"  # a sample cut mid-character
    return True


def _wide_unicode(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a BOM: the one that decodes to printable text with no NUL."""
    for codec, width in (("utf-32-le", 4), ("utf-32-be", 4), ("utf-16-le", 2), ("utf-16-be", 2)):
        try:
            text = data[: len(data) - len(data) % width].decode(codec)
        except UnicodeDecodeError:
            continue
        printable = sum(1 for c in text if c.isprintable() or c in "\r\n\t")
        if "\x00" not in text and printable >= 0.95 * len(text):
            return codec
    return None


def _candidates(data: bytes) -> list[str]:
    from charset_normalizer import from_bytes

    found: list[str] = []
    for match in from_bytes(data, cp_isolation=list(SPREADSHEET), explain=False):
        for codec in (match.encoding, *match.could_be_from_charset):
            if codec not in found:
                found.append(codec)
    return found + [c for c in (*USUAL, *SPREADSHEET) if c not in found]


@dataclass(frozen=True, slots=True)
class _Scored:
    codec: str
    text: str
    letters: float  #: share of non-ASCII cells that read as one language


def _best_of(candidates: list[str], data: bytes, name: str) -> Detected:
    scored: list[_Scored] = []
    for codec in candidates:
        try:
            text = _decode_sample(data, codec)
        except UnicodeDecodeError:
            continue
        scored.append(_Scored(codec, text, letters_score(text)))
    top = max((s.letters for s in scored), default=0.0)
    tied = [s for s in scored if s.letters == top]
    best = min(tied, key=lambda s: (languages_needed(s.text), plausibility(s.text), _commonness(s.codec)), default=None)
    if best is None or best.letters < CONVINCING:
        _refuse(name, [s.codec for s in sorted(scored, key=_likeliest)])
    rivals = _rivals(best, tied)
    if rivals:
        _refuse(name, [best.codec, *rivals])
    return Detected(best.codec, display_name(best.codec))


def _likeliest(s: _Scored) -> tuple[float, int, tuple[int, int], int]:
    return -s.letters, languages_needed(s.text), plausibility(s.text), _commonness(s.codec)


def plausibility(text: str) -> tuple[int, int]:
    """How a reading looks as a whole, smaller is likelier: (how its words with non-ASCII letters
    of a cased script are written: 0 some capitalised as names are, 1 all in capitals, 2 all in
    lower case as no list of names is; the number of cells only a language of ``RARE`` spells).
    Hebrew bytes read as Greek give ``γεγ λδο``, as KOI8-R ``ЦЕЦ КДО``."""
    cased = [w for w in _WORDS.findall(text) if not w.isascii() and w.lower() != w.upper()]
    case = 0 if not cased or any(w[0].isupper() and not w.isupper() for w in cased) else 1
    case = 2 if cased and not any(w[0].isupper() for w in cased) else case
    rare = 0
    for cell in _CELLS.findall(text):
        languages = fitting_languages(cell) if not cell.isascii() else []
        rare += bool(languages) and all(loc in RARE for loc in languages)
    return case, rare


def _less_likely(other: str, best: str) -> bool:
    """A reading all in lower case, or in a rarer language, is no rival to one that is not
    (all capitals is: HR lists do write names so)."""
    (case, rare), (best_case, best_rare) = plausibility(other), plausibility(best)
    return (case == 2, rare) > (best_case == 2, best_rare)


def _rivals(best: _Scored, tied: list[_Scored]) -> list[str]:
    """Codecs that read the text as convincingly as ``best`` but into other letters, when the
    text is too short to tell them apart (``WEAK`` letters or fewer, ``WEAK_SYLLABIC`` for
    Chinese, Japanese or Korean; longer, the detector's order decides): a guess is never sent.
    Two readings in the Latin script (``è``/``č``) are left to the commoner encoding, unless they
    differ only in Romanian ``ş``/``ș`` (windows-1250 or ISO-8859-16)."""
    letters = [c for c in best.text if ord(c) > 127 and c.isalpha()]
    syllabic = sum(1 for c in letters if _script_of(c) in ("HANGUL", "CJK", "HIRAGANA", "KATAKANA"))
    if len(letters) > WEAK or syllabic > WEAK_SYLLABIC:
        return []
    needed = languages_needed(best.text)
    seen, out = {_non_ascii(best.text)}, []
    for other in tied:
        reading = _non_ascii(other.text)
        if reading in seen or languages_needed(other.text) != needed or _less_likely(other.text, best.text):
            continue
        seen.add(reading)
        if not (_latin(reading) and _latin(_non_ascii(best.text))) or reading.translate(_COMMA_TO_CEDILLA) == _non_ascii(
            best.text
        ).translate(_COMMA_TO_CEDILLA):
            out.append(other.codec)
    return out


_COMMA_TO_CEDILLA = str.maketrans("șțȘȚ", "şţŞŢ")


def _non_ascii(text: str) -> str:
    return "".join(c for c in text if ord(c) > 127)


def _latin(text: str) -> bool:
    return all(unicodedata.name(c, "").startswith("LATIN") for c in text if c.isalpha())


def _refuse(name: str, codecs_: list[str]) -> None:
    """Refuse, naming the likely encodings likeliest first; the hint's name is one ``--encoding`` takes unquoted."""
    likely = list(dict.fromkeys(display_name(c) for c in codecs_))[:3] or ["windows-1252"]
    raise InputFileError(
        f"{name}: cannot tell which encoding it was saved in (perhaps {' or '.join(likely)})",
        hint=f"save it as CSV UTF-8, or name the encoding with --encoding NAME (e.g. --encoding {option_name(codecs_[0] if codecs_ else 'cp1252')})",
    )


def option_name(codec: str) -> str:
    """A name ``--encoding`` accepts without quoting: ``windows-1255``, ``ISO8859-8``, ``mac-roman``."""
    shown = display_name(codec)
    return codecs.lookup(codec).name if " " in shown else shown


def _commonness(codec: str) -> int:
    return USUAL.index(codec) if codec in USUAL else len(USUAL)


def _decode_sample(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 4 and len(data) >= SAMPLE_BYTES:
            return data[: exc.start].decode(codec)  # a sample cut mid-character
        raise


def letters_score(text: str) -> float:
    """Share (0..1) of the cells holding non-ASCII text whose letters read as one language's."""
    cells = [c for c in _CELLS.findall(text) if not c.isascii()]
    if not cells:
        return 1.0
    return sum(1 for c in cells if reads_as_one_language(c)) / len(cells)


def languages_needed(text: str) -> int:
    """How many alphabets it takes to spell every non-ASCII cell (greedy): a list in one
    encoding is usually in one or two languages, a wrong reading scatters over many."""
    alphabets = [*_alphabets().values(), *_SCRIPT_ALPHABETS]
    left = [
        {_script_of(c.lower()) for c in cell if ord(c) > 127 and c.isalpha()}
        for cell in _CELLS.findall(text)
        if not cell.isascii()
    ]
    left = [letters for letters in left if letters]
    needed = 0
    while left:
        covered = max((sum(1 for letters in left if letters <= alphabet), alphabet) for alphabet in alphabets)
        if covered[0] == 0:
            return needed + len(left)  # scripts without an alphabet here: one each
        left = [letters for letters in left if not letters <= covered[1]]
        needed += 1
    return needed


#: Caseless scripts as one "alphabet" each for ``languages_needed`` (Japanese mixes Han and kana).
_SCRIPT_ALPHABETS = (
    *(frozenset({p}) for p in ("HANGUL", "HEBREW", "ARABIC", "THAI", "CJK")),
    frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
)


def _script_of(letter: str) -> str:
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


_WORDS = re.compile(r"[^\W\d_]+")


def fitting_languages(cell: str) -> list[str]:
    """The locales of ``ALPHABET_LOCALES`` whose alphabet has every non-ASCII letter of ``cell``
    and whose words may begin as its words do (``NOT_INITIAL``)."""
    lower = {c.lower() for c in cell if ord(c) > 127 and c.isalpha()}
    initials = {w[0].lower() for w in _WORDS.findall(cell) if not w[0].isascii()}
    return [
        loc
        for loc, letters in _alphabets().items()
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
def _alphabets() -> dict[str, frozenset[str]]:
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
