"""Letters decide the encoding: "İ" is judged, never a crash; a short list two encodings read
equally well (in different scripts) is refused rather than guessed; one the letters settle is read."""

import codecs
import json
from pathlib import Path

import pytest

from batch_enrol.csv_input import forced_encoding
from batch_enrol.encodings import SPREADSHEET, option_name, reads_as_one_language
from batch_enrol.errors import InputFileError
from batch_enrol.loader import load
from benchmarks.encodings import csv_text
from tests.helpers import cli


def test_a_letter_lowering_to_two_characters_is_judged_not_raised():
    assert reads_as_one_language("İß") in (True, False)
    assert reads_as_one_language("İstanbul")


SHORT = Path(__file__).parent / "data" / "short_encodings"
#: Short lists whose wrong readings look as good as the right one: refused (never sent as a guess).
AMBIGUOUS = ["zh_gb2312_2", "ko_euckr_1", "ro_iso885916"]
#: Short lists the letters do settle: read exactly.
SETTLED = ["zh_gb18030", "ru_koi8r_1row", "ru_cp1251_1row", "es_macroman_1row", "kr_euckr", "fr_one_row_cp1252",
           "fr_cp1252_oe", "ja_eucjp", "he_cp1255", "he_cp1255_3"]  # fmt: skip


@pytest.mark.parametrize("name", AMBIGUOUS)
def test_a_short_list_two_encodings_read_equally_well_is_refused_naming_both(name):
    with pytest.raises(InputFileError) as refused:
        load(SHORT / f"{name}.csv")
    assert "cannot tell which encoding" in refused.value.message and "--encoding" in refused.value.hint


@pytest.mark.parametrize("name", SETTLED)
def test_a_short_list_the_letters_settle_is_read_exactly(name):
    names = json.loads((SHORT / "names.json").read_text("utf-8"))[name]
    assert [row.cells[0] for row in load(SHORT / f"{name}.csv").rows] == names


#: Hebrew whose windows-1255 bytes read as KOI8-R capitals (``ЦЕЦ КДО``): a list of names may be in capitals.
HEBREW_OR_CAPITALS = ["משה מזרחי", "יוסי אברהם"]


def test_an_ambiguous_short_list_is_not_sent_and_the_hint_names_the_likeliest_first(tmp_path, serve):
    served = serve()
    path = tmp_path / "he.csv"
    path.write_bytes(csv_text(HEBREW_OR_CAPITALS).encode("cp1255"))
    result = cli("run", path, env=served.env())
    assert result.returncode == 2 and "perhaps windows-1255 or KOI8-R" in result.stderr
    assert "--encoding windows-1255" in result.stderr
    assert served.ledger.snapshot()[0] == []
    forced = cli("run", path, "--encoding", "windows-1255", env=served.env())
    assert forced.returncode == 0, forced.stderr
    sent = sorted(r.body["candidate_name"] for r in served.ledger.snapshot()[0] if r.status == 200)
    assert sent == sorted(HEBREW_OR_CAPITALS)


@pytest.mark.parametrize("cell", ["£ukasz Nowak", "Wei§", "…mer …ztźrk", "Zo‘ Blanc", "Žtefan Ųuro", "Ыьд", "Гйюсгпт",
                                  "Ğuro"])  # fmt: skip
def test_signs_glued_to_letters_and_letters_no_word_begins_with_are_not_a_language(cell):
    assert not reads_as_one_language(cell)


@pytest.mark.parametrize("cell", ["Łukasz Nowak", "O’Brien", "‚Zitat‘ von Jürgen", "„Groß“ Müller", "Ąžuolas", "Ŝtefan Ĝuro",
                                  "Ömer Şahin", "25°C, 3 × daily", "etc…", "Ørsted – Søren", "£5 per hour"])  # fmt: skip
def test_real_text_still_reads_as_one_language(cell):
    assert reads_as_one_language(cell)


def test_every_encoding_named_in_a_hint_is_one_encoding_accepts_unquoted():
    for codec in SPREADSHEET:
        name = option_name(codec)
        forced = codecs.lookup(forced_encoding(name).codec).name.replace("-sig", "")
        assert " " not in name and forced == codecs.lookup(codec).name
    assert option_name("mac_roman") == "mac-roman"


TESTER_HEADER = "Name,Email,Country,Resume,Position,Location,Position country,Language\r\n"


@pytest.mark.parametrize("encoding, people, country", [
    ("cp1250", [("Łukasz Nowak", "Warsaw")], "PL"),
    ("mac_roman", [("Jürgen Weiß", "München"), ("Ömer Öztürk", "München")], "PL"),
    ("mac_roman", [("Zoë Blanc", "Paris")], "PL"),
    ("cp1254", [("Ömer Şahin", "Ankara")], "TR"),  # windows-1257 "Ömer Žahin" (Estonian letters) ties: see test_encodings_evidence
    ("iso8859_3", [("Ŝtefan Ĝuro", "Valletta")], "PL"),
    ("iso8859_8", [("דוד כהן", "Tel Aviv"), ("שרה לוי", "Haifa")], "PL"),
    ("cp1253", [("Γιώργος", "Athens")], "PL"),  # windows-1251 read it "Гйюсгпт"
])  # fmt: skip
def test_the_short_lists_a_tester_found_misread_are_read_exactly(tmp_path, encoding, people, country):
    rows = "".join(f"{n},p{i}@example.org,{country},Experienced support agent with CRM,Support,{c},{country},en\r\n" for i, (n, c) in enumerate(people))
    path = tmp_path / "t.csv"
    path.write_bytes((TESTER_HEADER + rows).encode(encoding))
    assert [(r.cells[0], r.cells[5]) for r in load(path).rows] == people
