"""Two Latin readings of a short list tie (Mac Roman ``Jürgen`` / windows-1250 ``Jźrgen``): the
rows' countries and email domains, or CR-only line endings, settle it; else nothing is sent."""

import pytest

from batch_enrol.encoding_evidence import territory_languages
from batch_enrol.errors import InputFileError
from batch_enrol.loader import load
from benchmarks.encodings import csv_text
from tests.helpers import cli

HEADER = "Name,Email,Country,Resume,Position,Location,Position country,Language"


def _list(rows: list[tuple[str, str, str, str]], newline: str = "\r\n") -> str:
    """(name, email, candidate country, position country) per row."""
    lines = [HEADER] + [f"{n},{e},{c},Experienced support agent with CRM,Support,Berlin,{p},en" for n, e, c, p in rows]
    return newline.join(lines) + newline


SETTLED = [
    ("mac_roman", [("Jürgen Müller", "j@example.org", "DE", "")]),
    ("mac_roman", [("Jürgen Müller", "j@example.org", "Deutschland", ""), ("Uwe Hübner", "u@example.org", "DE", "")]),
    ("mac_roman", [("Jürgen Müller", "j.mueller@example.de", "", "")]),  # the email's country domain
    ("mac_roman", [("Jürgen Müller", "j@example.com", "", "Germany")]),  # only the position's country
    ("cp1257", [("Jūratė Kazlauskienė", "j@example.org", "LT", "DE")]),
    ("cp1257", [("Jūratė", "j@example.lt", "Lithuania", "")]),
    ("cp1252", [("Hélène Dupont", "h@example.org", "FR", "CZ")]),  # the candidate's country speaks first
    ("cp1252", [("Hélène Dupont", "h@example.fr", "", "")]),
    ("cp1254", [("Ömer Şahin", "o@example.com.tr", "", "")]),
]


@pytest.mark.parametrize("encoding, rows", SETTLED, ids=[f"{e}-{r[0][0]}" for e, r in SETTLED])
def test_the_rows_countries_settle_a_tie_between_two_latin_readings(tmp_path, encoding, rows):
    path = tmp_path / "list.csv"
    path.write_bytes(_list(rows).encode(encoding))
    table = load(path)
    assert [row.cells[0] for row in table.rows] == [r[0] for r in rows]
    assert table.encoding == encoding


@pytest.mark.parametrize("encoding, name, likely", [
    ("mac_roman", "Jürgen Müller", "perhaps windows-1250 or Mac Roman"),
    ("cp1257", "Jūratė", "perhaps windows-1252 or windows-1257"),
    ("cp1252", "Hélène Dupont", "perhaps windows-1252 or windows-1250"),
    ("cp1254", "Ömer Şahin", "perhaps windows-1254 or windows-1257"),  # Turkish, or Estonian "Ömer Žahin"
])  # fmt: skip
def test_a_tie_no_country_settles_is_refused_naming_the_likeliest_first(tmp_path, encoding, name, likely):
    path = tmp_path / "list.csv"
    path.write_bytes(_list([(name, "p@example.com", "", "")]).encode(encoding))
    with pytest.raises(InputFileError) as refused:
        load(path)
    assert "cannot tell which encoding" in refused.value.message and likely in refused.value.message
    assert "--encoding" in refused.value.hint
    assert [r.cells[0] for r in load(path, encoding=encoding).rows] == [name]


def test_countries_whose_languages_do_not_spell_either_reading_settle_nothing(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(_list([("Jürgen Müller", "j@example.jp", "Japan", "US")]).encode("mac_roman"))
    with pytest.raises(InputFileError, match="Mac Roman"):
        load(path)


def test_cr_only_line_endings_are_excel_for_mac_and_settle_a_tie_for_mac_roman(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(_list([("Jürgen Müller", "j@example.com", "", "")], newline="\r").encode("mac_roman"))
    table = load(path)
    assert [row.cells[0] for row in table.rows] == ["Jürgen Müller"] and table.encoding == "mac_roman"
    path.write_bytes(_list([("Hélène Dupont", "h@example.com", "", "")], newline="\r").encode("cp1252"))
    with pytest.raises(InputFileError, match="cannot tell"):  # no Mac reading among the tied: still refused
        load(path)


def test_a_territorys_languages_are_its_official_and_widely_spoken_ones_english_aside():
    assert {"de"} <= territory_languages("DE") and "en" not in territory_languages("DE")
    assert {"sk", "cs", "hu"} <= territory_languages("SK")
    assert territory_languages("LT") >= {"lt"} and "lt" not in territory_languages("PL")


def test_a_german_mac_roman_list_is_sent_exactly_and_an_unsettled_one_not_at_all(tmp_path, serve):
    served = serve()
    path = tmp_path / "de.csv"
    path.write_bytes(csv_text(["Jürgen Müller"], language="de").encode("mac_roman"))
    result = cli("run", path, env=served.env())
    assert result.returncode == 0, result.stderr
    assert [r.body["candidate_name"] for r in served.ledger.snapshot()[0] if r.status == 200] == ["Jürgen Müller"]

    other = serve()
    path = tmp_path / "lt.csv"
    path.write_bytes(csv_text(["Jūratė Kazlauskienė"]).encode("cp1257"))  # every row says SK: no Lithuanian evidence
    refused = cli("run", path, env=other.env())
    assert refused.returncode == 2 and "perhaps windows-1252 or windows-1257" in refused.stderr
    assert "--encoding windows-1252" in refused.stderr
    assert other.ledger.snapshot()[0] == []
    forced = cli("run", path, "--encoding", "windows-1257", env=other.env())
    assert forced.returncode == 0, forced.stderr
    assert [r.body["candidate_name"] for r in other.ledger.snapshot()[0] if r.status == 200] == ["Jūratė Kazlauskienė"]


#: The letters each alphabet is written with beyond ASCII (the languages' own orthographies).
STANDARD_ALPHABETS = {
    "pt": "áâãàçéêíóôõú", "es": "áéíóúñü", "de": "äöüß", "it": "àèéìíîòóùú", "ca": "àçèéíïòóúü",
    "is": "áðéíóúýþæö", "da": "æøå", "nb": "æøå", "sv": "åäöé", "fi": "äöå", "et": "õäöüšž",
    "lv": "āčēģīķļņšūž", "lt": "ąčęėįšųūž", "pl": "ąćęłńóśźż", "cs": "áčďéěíňóřšťúůýž",
    "sk": "áäčďéíĺľňóôŕšťúýž", "hu": "áéíóöőúüű", "ro": "ăâîșț", "tr": "çğıöşüâîû", "hr": "čćđšž",
    "bs": "čćđšž", "sl": "čšž", "fr": "àâæçéèêëîïôœùûüÿ", "nl": "éëïóöü", "mt": "ċġħżàèìòù",
}  # fmt: skip


def test_each_alphabet_has_every_letter_its_language_is_written_with():
    """The alphabets come from CLDR's names, where a letter can be rare (Portuguese õ): a
    missing one made ``João Simões`` read as no language and lose to windows-1258 ``Joăo Simơes``."""
    from batch_enrol.letters import alphabets

    found = alphabets()
    assert {loc: "".join(sorted(set(letters) - found[loc])) for loc, letters in STANDARD_ALPHABETS.items()
            if set(letters) - found[loc]} == {}  # fmt: skip


def test_a_portuguese_windows_1252_list_is_sent_exactly(tmp_path, serve):
    served = serve()
    path = tmp_path / "pt.csv"
    names = ["João Simões", "Antônio Leão", "Sebastião Guimarães"]
    path.write_bytes(_list([(n, f"p{i}@example.org", "PT", "PT") for i, n in enumerate(names)]).encode("cp1252"))
    result = cli("run", path, env=served.env())
    assert result.returncode == 0, result.stderr
    assert sorted(r.body["candidate_name"] for r in served.ledger.snapshot()[0] if r.status == 200) == sorted(names)


def test_a_rarer_languages_reading_is_taken_when_the_rows_countries_say_so(tmp_path, serve):
    """Icelandic ``Þór Ðórsson`` (windows-1252) reads as Czech-looking ``Žór Šórsson`` in
    windows-1257; with no evidence the commoner language's reading is kept, but rows that say
    Iceland (by code, name or email domain) are read as Icelandic and sent exactly."""
    served = serve()
    names = ["Þór Ðórsson", "Ðóra Þórsdóttir"]
    path = tmp_path / "is.csv"
    path.write_bytes(_list([(names[0], "t@example.org", "IS", "IS"), (names[1], "d@example.is", "Iceland", "IS")]).encode("cp1252"))
    assert load(path).encoding == "cp1252"
    result = cli("run", path, env=served.env())
    assert result.returncode == 0, result.stderr
    assert sorted(r.body["candidate_name"] for r in served.ledger.snapshot()[0] if r.status == 200) == sorted(names)
