"""Legacy .xls files read as their owners see them: xlrd's text, calamine where xlrd cannot read."""

from __future__ import annotations

import pytest

from batch_enrol.errors import InputFileError
from batch_enrol.loader import load
from batch_enrol.xls_check import xls_sheets
from tests.helpers import DATA, HEADERS

RESUME = "Five years of customer support in telecoms."


def _xlwt_file(path, rows, sheet="Uchazeči", **styles):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write(r, c, value, *([styles[str(c)]] if str(c) in styles and r else []))
    book.save(str(path))
    return path


def test_an_xls_sheet_reads_with_its_own_names_and_text(tmp_path):
    path = _xlwt_file(
        tmp_path / "legacy.xls", [HEADERS, ["Jiří Čermák", "jiri@example.org", "CZ", RESUME, "Agent", "Praha", "CZ", "cs"]]
    )
    table = load(path)
    assert table.sheet == "Uchazeči" and table.sheet_names == ("Uchazeči",)
    assert table.rows[0].cells[0] == "Jiří Čermák"
    assert [s.reader for s in xls_sheets(path)] == ["xlrd"]
    assert load(DATA / "good" / "legacy.xls").rows


def test_times_and_durations_read_as_in_xlsx(tmp_path):
    import xlwt

    styles = {"8": xlwt.easyxf(num_format_str="hh:mm"), "9": xlwt.easyxf(num_format_str="[h]:mm:ss"),
              "10": xlwt.easyxf(num_format_str="yyyy-mm-dd")}  # fmt: skip
    row = ["Ana", "ana@example.org", "SK", RESUME, "Agent", "Praha", "CZ", "cs", 0.375, 1.5, 45000.0]
    path = _xlwt_file(tmp_path / "t.xls", [[*HEADERS, "Start", "Took", "Since"], row], **styles)
    assert load(path).rows[0].cells[8:11] == ("09:00:00", "1 day, 12:00:00", "2023-03-15")


def test_a_sheet_chosen_by_name_and_a_missing_one_is_named(tmp_path):
    path = _xlwt_file(tmp_path / "t.xls", [HEADERS, ["Ana", "ana@example.org", "SK", RESUME, "Agent", "Praha", "CZ", "cs"]])
    assert load(path, sheet="Uchazeči").rows[0].cells[0] == "Ana"
    with pytest.raises(InputFileError, match="no sheet named 'Nope'") as caught:
        load(path, sheet="Nope")
    assert "Uchazeči" in caught.value.hint


@pytest.mark.parametrize("content, message", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "is a damaged .xls workbook"),
    (b"Attachment: not a workbook at all", "is not a real .xls workbook"),
])  # fmt: skip
def test_a_file_neither_reader_can_read_is_refused_in_one_line(tmp_path, content, message):
    path = tmp_path / "broken.xls"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=message) as caught:
        load(path)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


@pytest.mark.parametrize("value, code, shown", [
    (0.5, "0", "1"), (2.5, "0", "3"), (-2.5, "0", "-3"), (2.5, "00-0", "00-3"), (1.5, "0.0??", "1.5"),
    (0, '_(* #,##0_);_(* \\(#,##0\\);_(* "-"??_);_(@_)', "-"), (1234, '_(* #,##0_);_(* \\(#,##0\\);_(* "-"??_);_(@_)', "1,234"),
])  # fmt: skip
def test_numbers_round_and_pad_as_excel_shows_them(value, code, shown):
    from batch_enrol.number_formats import display

    assert display(value, code) == shown  # halves away from zero; an accounting zero is a dash


# --- fixtures saved by LibreOffice (BIFF8) and Gnumeric (BIFF5 in its code page): tests/data/make_xls.py

XLS = DATA / "xls"
IDS, DATES = ["000101", "000102", "000103"], ["2024-03-04", "2024-03-05", "2024-03-06"]
LISTS = {  # sheet → (extra header, position merged down, city, [(name, email, note)])
    "Uchazeči": ("Poznámka", "Agent podpory", "Praha", [("Jiří Čermák", "jiri@example.org", "Nástup ihned"),
                 ("Kateřina Dvořáková", "katerina@example.org", "Řidičský průkaz"), ("Ondřej Šťastný", "ondrej@example.org", "Žádná")]),
    "Кандидаты": ("Примечание", "Оператор", "Москва", [("Дмитрий Смирнов", "dmitry@example.org", "Срочно"),
                  ("Екатерина Иванова", "ekaterina@example.org", "Ещё нет"), ("Юлия Соколова", "julia@example.org", "Звонить утром")]),
    "Υποψήφιοι": ("Σημείωση", "Υπάλληλος", "Αθήνα", [("Γιώργος Παπαδόπουλος", "giorgos@example.org", "Άμεσα"),
                  ("Ελένη Κωνσταντίνου", "eleni@example.org", "Όχι ακόμα"), ("Σοφία Αθανασίου", "sofia@example.org", "Πρωί")]),
}  # fmt: skip
CODES = {"Uchazeči": ("CZ", "cs"), "Кандидаты": ("RU", "ru"), "Υποψήφιοι": ("GR", "el")}
RESUME_TEXT = "Five years of customer support in telecoms, fluent in three languages."


def _expected(sheet: str, ids: list[str] = IDS) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    extra, position, city, people = LISTS[sheet]
    country, language = CODES[sheet]
    rows = [(name, email, country, RESUME_TEXT, position, city, country, language, ids[i], DATES[i], note)
            for i, (name, email, note) in enumerate(people)]  # fmt: skip
    return (*HEADERS, "Candidate ID", "Start date", extra), rows


@pytest.mark.parametrize("name, sheets", [
    ("biff8_libreoffice.xls", ["Uchazeči", "Кандидаты", "Υποψήφιοι"]), ("biff8_gnumeric.xls", ["Uchazeči"]),
    ("biff5_cyrillic_cp1251.xls", ["Кандидаты"]), ("biff5_czech_cp1250.xls", ["Uchazeči"]), ("biff5_greek_cp1253.xls", ["Υποψήφιοι"]),
    ("biff8_codepage_1252.xls", ["Uchazeči"]),
])  # fmt: skip
def test_each_sheet_of_a_real_xls_reads_exactly_as_shown(name, sheets):
    """Sheet names and headers in Czech, Cyrillic and Greek (BIFF5: in the file's code page),
    a rich-text name (surname bold), the position merged down, ids shown as 000101, dates."""
    for sheet in sheets:
        table = load(XLS / name, sheet=sheet)
        headers, rows = _expected(sheet)
        assert table.sheet_names == tuple(sheets) and table.sheet == sheet
        assert table.headers == headers
        assert [r.cells for r in table.rows] == rows


def test_where_calamine_misreads_a_real_xls_the_text_is_still_right():
    """Gnumeric's files (BIFF5 and BIFF8) give a custom number format an index calamine takes
    for a date: 101 shown as 000101 would be sent as 1900-04-10. A BIFF8 file whose CODEPAGE
    record says 1252 makes calamine read every 8-bit string as UTF-16 ("N\\x00a\\x00…")."""
    import python_calamine

    for name in ("biff8_gnumeric.xls", "biff5_czech_cp1250.xls"):
        raw = python_calamine.CalamineWorkbook.from_path(str(XLS / name)).get_sheet_by_index(0).to_python()
        assert str(raw[1][8]) == "1900-04-10"  # the kind this fixture stands for
        assert load(XLS / name).rows[0].cells[8] == "000101"
    raw = python_calamine.CalamineWorkbook.from_path(str(XLS / "biff8_codepage_1252.xls")).get_sheet_by_index(0).to_python()
    assert raw[0][0] == "F\x00u\x00l\x00l\x00 \x00n\x00a\x00m\x00e\x00"
    assert load(XLS / "biff8_codepage_1252.xls").headers[0] == "Full name"


def test_a_real_xls_that_xlrd_cannot_read_is_read_with_calamine():
    """A string table that counts more strings than it holds (as some generators write):
    xlrd stops; calamine reads it. Without xlrd there are no number formats: the id is its value."""
    import xlrd

    with pytest.raises(AssertionError):
        xlrd.open_workbook(str(XLS / "biff8_sst_overcount.xls"))
    assert [s.reader for s in xls_sheets(XLS / "biff8_sst_overcount.xls")] == ["calamine"]
    table = load(XLS / "biff8_sst_overcount.xls")
    assert table.headers == _expected("Uchazeči")[0]
    assert [r.cells for r in table.rows] == _expected("Uchazeči", ["101", "102", "103"])[1]


@pytest.mark.parametrize("name, sheet", [("biff5_cyrillic_cp1251.xls", "Кандидаты"), ("biff8_libreoffice.xls", "Υποψήφιοι")])
def test_a_real_xls_reaches_the_api_as_its_owner_sees_it(tmp_path, serve, name, sheet):
    import shutil

    from tests.helpers import cli

    served = serve()
    source = shutil.copy(XLS / name, tmp_path / name)
    result = cli("run", source, "--sheet", sheet, "--out", tmp_path / "out.xlsx", "--concurrency", "1", env=served.env())
    assert result.returncode == 0, result.stderr + result.stdout
    requests, _, _ = served.ledger.snapshot()
    sent = {r.body["candidate_email"]: r.body for r in requests if r.status == 200}
    _, rows = _expected(sheet)
    assert {
        e: (b["candidate_name"], b["candidate_external_id"], b["position_name"], b["position_location"]) for e, b in sent.items()
    } == {row[1]: (row[0], row[8], row[4], row[5]) for row in rows}


def test_the_corpus_benchmark_reads_every_fixture_and_crashes_on_none(tmp_path, capsys):
    """``python -m benchmarks.xls_corpus`` on the fixtures, damaged copies of one and the bad
    .xls files: each read or refused in one line, none crashed, each in its own bounded process."""
    import json
    import shutil

    from benchmarks.xls_corpus import main

    for path in [*XLS.glob("*.xls"), DATA / "bad" / "garbage.xls", DATA / "bad" / "html_export.xls"]:
        shutil.copy(path, tmp_path / path.name)
    whole = (XLS / "biff8_libreoffice.xls").read_bytes()
    (tmp_path / "truncated.xls").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "zeroed.xls").write_bytes(whole[:1024] + bytes(len(whole) - 1024))
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    summary = json.loads(out[out.index("\n{") :])
    assert summary["files"] == 12 and summary["crashed"] == 0
    assert summary["read"] == 8 and summary["agree with xlrd (but for formats and merges)"] == 7
    assert summary["differ from calamine, files by kind"] == {"text": 5, "sheet names": 1}


def test_a_formula_showing_an_error_in_an_xls_makes_its_row_invalid_naming_the_error():
    from batch_enrol.columns import map_columns
    from batch_enrol.validator import check_table

    table = load(XLS / "biff8_error_values.xls")
    assert table.cell_errors == {(2, 3): "#N/A", (3, 7): "#DIV/0!"}
    reasons = [c.outcome.reason if c.candidate is None else None for c in check_table(table, map_columns(table.headers))]
    assert reasons == ["Country: the cell shows the error #N/A: fix it in the file",
                       "Position country: the cell shows the error #DIV/0!: fix it in the file", None]  # fmt: skip
