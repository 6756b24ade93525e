"""Which encoding a CSV file was saved in: a maintained detector's candidates, checked by the text.

charset-normalizer proposes the encodings spreadsheets save in (``SPREADSHEET``); each
candidate decodes a sample strictly (never with replacement characters) and is scored by
how many of its cells read as one language's letters (alphabets from CLDR through Babel,
or one script for Chinese, Japanese, Korean, Hebrew, Arabic and Thai), placed as that
language places them: no sign glued to a letter, no capital inside a word, no word starting
with a letter the language never starts one with. The best candidate wins (ties: fewest
languages, names capitalised, a commoner language, a commoner encoding; two common encodings
reading a short list into different Latin letters are settled by the file's own countries and
line endings, see ``encoding_evidence``, or refused); when none reads convincingly, ``detect``
refuses and names the likely ones, so the user can force one with ``--encoding``. ``benchmarks/encodings.py`` measures this against
the detectors alone on a corpus of short lists.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from .encoding_evidence import decide
from .errors import InputFileError
from .letters import WORDS, alphabets, fitting_languages, reads_as_one_language, script_of

#: What Excel, LibreOffice and Numbers save CSV text in (Python codec names).
SPREADSHEET = (
    "utf_8", "utf_16", "utf_32", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256",
    "cp1257", "cp1258", "latin_1", "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6",
    "iso8859_7", "iso8859_8", "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15",
    "iso8859_16", "koi8_r", "koi8_u", "mac_roman", "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr", "cp874",
)  # fmt: skip
#: When two readings are equally good, the more common encoding wins (Windows first).
USUAL = ("cp1252", "cp1250", "cp1251", "mac_roman", "iso8859_2", "cp1253", "cp1254", "cp1257", "koi8_r")
#: Languages a list is seldom in: when a reading in one of them ties with one in a commoner
#: language (``Ömer Þahin`` Icelandic, ``Ömer Şahin`` Turkish), the commoner language wins.
RARE = ("is", "mt", "ga", "eu", "gl", "sq", "az", "eo")
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


def detect(data: bytes, name: str, mapping: Mapping[str, str] | None = None) -> Detected:
    """The encoding of CSV bytes (the file's first SAMPLE_BYTES will do; ``mapping``: the user's
    header → field mapping, to find the country and email columns). Raises InputFileError
    when no encoding reads convincingly, or two read alike and the file does not say which
    (see ``encoding_evidence``), naming the likely ones."""
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
    return _best_of(_candidates(data), data, name, mapping)


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


def _best_of(candidates: list[str], data: bytes, name: str, mapping: Mapping[str, str] | None) -> Detected:
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
    rivals, ties, underdogs = _rivals(best, tied)
    if rivals:
        _refuse(name, [best.codec, *rivals])
    if ties:  # two Latin readings: the rows' countries or line endings settle it, or nothing is sent
        chosen = decide([(s.codec, s.text) for s in (best, *ties)], data, mapping)
        if chosen is None:
            _refuse(name, [best.codec, *(s.codec for s in ties)])
        return Detected(chosen, display_name(chosen))
    if underdogs:  # a rarer language's reading (Icelandic Þór): taken only when the rows' countries say so
        chosen = decide([(s.codec, s.text) for s in (best, *underdogs)], data, mapping) or best.codec
        return Detected(chosen, display_name(chosen))
    return Detected(best.codec, display_name(best.codec))


def _likeliest(s: _Scored) -> tuple[float, int, tuple[int, int], int]:
    return -s.letters, languages_needed(s.text), plausibility(s.text), _commonness(s.codec)


def plausibility(text: str) -> tuple[int, int]:
    """How a reading looks as a whole, smaller is likelier: (how its words with non-ASCII letters
    of a cased script are written: 0 some capitalised as names are, 1 all in capitals, 2 all in
    lower case as no list of names is; the number of cells only a language of ``RARE`` spells).
    Hebrew bytes read as Greek give ``γεγ λδο``, as KOI8-R ``ЦЕЦ КДО``."""
    cased = [w for w in WORDS.findall(text) if not w.isascii() and w.lower() != w.upper()]
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


def _rivals(best: _Scored, tied: list[_Scored]) -> tuple[list[str], list[_Scored], list[_Scored]]:
    """(codecs that read the text as convincingly as ``best`` but into other letters, when the
    text is too short to tell them apart (``WEAK`` letters or fewer, ``WEAK_SYLLABIC`` for
    Chinese, Japanese or Korean; longer, the detector's order decides): a guess is never sent;
    readings in the Latin script that differ from ``best``'s in letters (``è``/``č``) in an
    encoding of ``USUAL``, one per reading, for the file's own evidence to settle). Latin
    readings differing only in Romanian ``ş``/``ș`` (windows-1250 or ISO-8859-16) are rivals;
    those differing only in signs, or in an encoding no spreadsheet defaults to, are left to
    the commoner encoding. Third: Latin readings of ``USUAL`` that are less likely (a rarer
    language's), for the rows' countries to pick if they say so."""
    letters = [c for c in best.text if ord(c) > 127 and c.isalpha()]
    syllabic = sum(1 for c in letters if script_of(c) in ("HANGUL", "CJK", "HIRAGANA", "KATAKANA"))
    if len(letters) > WEAK or syllabic > WEAK_SYLLABIC:
        return [], [], []
    needed, mine = languages_needed(best.text), _non_ascii(best.text)
    seen, out, ties, underdogs = {mine}, [], {}, {}
    for other in tied:
        reading = _non_ascii(other.text)
        if reading == mine or languages_needed(other.text) != needed:
            continue
        latin_letters = _latin(reading) and _latin(mine) and other.codec in USUAL and _differ_in_letters(reading, mine)
        if _less_likely(other.text, best.text):
            if latin_letters:
                underdogs.setdefault(reading, []).append(other)
        elif _latin(reading) and _latin(mine) and reading.translate(_COMMA_TO_CEDILLA) != mine.translate(_COMMA_TO_CEDILLA):
            if latin_letters:
                ties.setdefault(reading, []).append(other)
        elif reading not in seen:
            seen.add(reading)
            out.append(other.codec)
    return out, _one_each(ties), _one_each(underdogs)


def _one_each(readings: dict[str, list[_Scored]]) -> list[_Scored]:
    """The likeliest encoding of each distinct reading."""
    return [min(group, key=_likeliest) for group in readings.values()]


def _differ_in_letters(one: str, other: str) -> bool:
    return len(one) != len(other) or any(a != b and (a.isalpha() or b.isalpha()) for a, b in zip(one, other, strict=True))


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
    known = [*alphabets().values(), *_SCRIPT_ALPHABETS]
    left = [
        {script_of(c.lower()) for c in cell if ord(c) > 127 and c.isalpha()}
        for cell in _CELLS.findall(text)
        if not cell.isascii()
    ]
    left = [letters for letters in left if letters]
    needed = 0
    while left:
        covered = max((sum(1 for letters in left if letters <= alphabet), alphabet) for alphabet in known)
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
