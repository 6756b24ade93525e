"""A quote left open in a CSV never swallows later rows silently: the file is refused naming the
line where the quote opened. Cells with line breaks inside a closed quote still read."""

from __future__ import annotations

import pytest

from batch_enrol.errors import InputFileError
from batch_enrol.loader import load
from tests.helpers import cli

HEADER = "Name,Email,Country,Resume,Position,Location,Position country,Language\r\n"
RESUME = "Experienced support agent with CRM and ticketing tools"


def row(name: str) -> str:
    return f"{name},{name.lower()}@example.org,GB,{RESUME},Support,London,GB,en\r\n"


#: Bob's email opens a quote; the file ends inside it, with Cid's and Dan's rows in the quote.
ENDS_INSIDE = HEADER + row("Ann") + row("Bob").replace(",bob@", ',"bob@') + row("Cid") + row("Dan")
#: Bob's quote closes only in Dan's row (whose row then looks whole): Cid is inside it.
CLOSES_LATER = HEADER + row("Ann") + row("Bob").replace(",bob@", ',"bob@') + row("Cid") + row("Dan").replace(",GB,", '",GB,', 1)
#: Quoted cells with line breaks (and commas), as Excel writes them.
LEGITIMATE = HEADER + row("Ann") + row("Bob").replace(RESUME, '"Support agent, 5 years,\r\nCRM, ticketing\r\nand chat"').replace(
    "London", '"12 Main St,\r\nLondon"'
) + row("Cid")


@pytest.mark.parametrize(
    "text, expected",
    [(ENDS_INSIDE, "line 3: a quote opened here is never closed"), (CLOSES_LATER, "line 3: a quote opened here runs to line 5")],
    ids=["ends-inside", "closes-later"],
)
def test_a_quote_that_swallows_later_rows_is_refused_naming_its_line(tmp_path, text, expected):
    path = tmp_path / "list.csv"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(InputFileError) as refused:
        load(path)
    assert expected in refused.value.message and len(refused.value.message) <= 200
    assert '""' in refused.value.hint


def test_a_semicolon_file_with_a_swallowing_quote_is_refused_too(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(CLOSES_LATER.replace(",", ";").encode("cp1252"))
    with pytest.raises(InputFileError, match="line 3: a quote opened here"):
        load(path)


def test_quoted_cells_with_line_breaks_still_read(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(LEGITIMATE.encode("utf-8"))
    rows = load(path).rows
    assert [r.cells[0] for r in rows] == ["Ann", "Bob", "Cid"]
    assert rows[1].cells[5] == "12 Main St,\r\nLondon"


def test_end_to_end_the_open_quote_sends_nothing_and_the_legitimate_file_sends_every_row(tmp_path, serve):
    served = serve()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(ENDS_INSIDE.encode("utf-8"))
    result = cli("run", bad, env=served.env())
    assert result.returncode == 2 and "bad.csv line 3: a quote opened here is never closed" in result.stderr
    assert served.ledger.snapshot()[0] == []
    good = tmp_path / "good.csv"
    good.write_bytes(LEGITIMATE.encode("utf-8"))
    result = cli("run", good, env=served.env())
    assert result.returncode == 0, result.stderr
    bodies = {r.body["candidate_name"]: r.body for r in served.ledger.snapshot()[0] if r.status == 200}
    assert sorted(bodies) == ["Ann", "Bob", "Cid"]
    assert bodies["Bob"]["candidate_resume"] == "Support agent, 5 years,\r\nCRM, ticketing\r\nand chat"


@pytest.mark.parametrize("ending", ["\r\n", ""])
def test_a_quote_left_open_on_the_last_line_is_refused_too(tmp_path, ending):
    """The last row alone can end inside its quote on its own line: it was read as a row with its
    cells run together (reported as missing fields), the quote never mentioned."""
    path = tmp_path / "last.csv"
    path.write_text(HEADER + row("Ann") + row("Cid").replace(",cid@", ',"cid@').removesuffix("\r\n") + ending, newline="")
    with pytest.raises(InputFileError, match="line 3: a quote opened on this last line is never closed"):
        load(path)


def test_a_stray_quote_inside_a_cell_of_the_last_line_still_reads(tmp_path):
    path = tmp_path / "inch.csv"
    path.write_text(HEADER + row("Ann") + row("Cid").replace(RESUME, 'Repairs 5" screens'), newline="")
    assert [r.cells[3] for r in load(path).rows] == [RESUME, 'Repairs 5" screens']
