"""Letters decide the encoding: "İ" is judged, never a crash; a short list two encodings read
equally well (in different scripts) is refused rather than guessed; one the letters settle is read."""

import json
from pathlib import Path

import pytest

from batch_enrol.encodings import reads_as_one_language
from batch_enrol.errors import InputFileError
from batch_enrol.loader import load
from tests.helpers import cli


def test_a_letter_lowering_to_two_characters_is_judged_not_raised():
    assert reads_as_one_language("İß") in (True, False)
    assert reads_as_one_language("İstanbul")


SHORT = Path(__file__).parent / "data" / "short_encodings"
#: Short lists whose wrong readings look as good as the right one: refused (never sent as a guess).
AMBIGUOUS = ["he_cp1255", "he_cp1255_3", "zh_gb2312_2", "ko_euckr_1", "ro_iso885916"]
#: Short lists the letters do settle: read exactly.
SETTLED = ["zh_gb18030", "ru_koi8r_1row", "ru_cp1251_1row", "es_macroman_1row", "kr_euckr", "fr_one_row_cp1252",
           "fr_cp1252_oe", "ja_eucjp"]  # fmt: skip


@pytest.mark.parametrize("name", AMBIGUOUS)
def test_a_short_list_two_encodings_read_equally_well_is_refused_naming_both(name):
    with pytest.raises(InputFileError) as refused:
        load(SHORT / f"{name}.csv")
    assert "cannot tell which encoding" in refused.value.message and "--encoding" in refused.value.hint


@pytest.mark.parametrize("name", SETTLED)
def test_a_short_list_the_letters_settle_is_read_exactly(name):
    names = json.loads((SHORT / "names.json").read_text("utf-8"))[name]
    assert [row.cells[0] for row in load(SHORT / f"{name}.csv").rows] == names


def test_an_ambiguous_short_list_is_not_sent(tmp_path, serve):
    served = serve()
    path = tmp_path / "he.csv"
    path.write_bytes((SHORT / "he_cp1255_3.csv").read_bytes())
    result = cli("run", path, env=served.env())
    assert result.returncode == 2 and "windows-1255" in result.stderr and "--encoding" in result.stderr
    assert served.ledger.snapshot()[0] == []
    forced = cli("run", path, "--encoding", "windows-1255", env=served.env())
    assert forced.returncode == 0, forced.stderr
    sent = sorted(r.body["candidate_name"] for r in served.ledger.snapshot()[0] if r.status == 200)
    assert sent == sorted(json.loads((SHORT / "names.json").read_text("utf-8"))["he_cp1255_3"])
