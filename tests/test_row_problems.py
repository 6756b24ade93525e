"""Every problem of a row in one pass, reported in the user's own column names, from real files."""

from __future__ import annotations

from tests.helpers import cli, read_output, write_csv

POSITION = ["Position", "Location", "Position country", "Language"]
HEADERS = ["Name", "Email", "Country", "Resume", *POSITION]
RESUME = "Ten years of customer support in telecoms, English and Slovak."


def _problems(stdout: str) -> dict[int, list[str]]:
    """row → the columns named in ``validate``'s table, in order."""
    out: dict[int, list[str]] = {}
    for line in stdout.splitlines():
        if line[:6].strip().isdigit():
            out.setdefault(int(line[:6]), []).append(line[8:32].strip())
    return out


def test_a_row_lists_its_empty_position_fields_beside_its_other_problems(tmp_path):
    source = tmp_path / "a.csv"
    write_csv(source, [
        ["Ann Lee", "al@example.org", "GB", "Agent", "", "", "", ""],  # a short resume
        ["Bob Ray", "bob@", "GB", RESUME, "", "", "", ""],  # a bad email
        ["Cy Do", "cy@example.org", "GB"],  # ragged: the row stops after Country
    ], headers=HEADERS, delimiter=";")  # fmt: skip
    result = cli("validate", source)
    assert result.returncode == 1, result.stderr
    problems = _problems(result.stdout)
    assert problems == {2: ["Resume", *POSITION], 3: ["Email", *POSITION], 4: ["Resume", *POSITION]}
    assert "is required when no position_def_set_id is given" in result.stdout
    assert "no column for" not in result.stdout + result.stderr


def test_a_row_with_both_name_parts_empty_is_a_row_problem_not_a_missing_column(tmp_path, serve):
    served = serve()
    source = tmp_path / "names.csv"
    row = ["al@example.org", "GB", RESUME, "Agent", "London", "GB", "en"]
    write_csv(source, [
        ["Ann", "Lee", *row], ["", "", "bo@example.org", *row[1:]], ["Cy", "Do", "cy@example.org", *row[1:]],
        ["Di", "", "di@example.org", *row[1:]],
    ], headers=["First name", "Last name", "Email", "Country", "Resume", *POSITION])  # fmt: skip
    result = cli("validate", source)
    assert "no column for" not in result.stdout + result.stderr
    assert _problems(result.stdout) == {3: ["First name + Last name"]}
    assert "is empty, and it is required" in result.stdout and "3 valid, 1 invalid" in result.stdout
    run = cli("run", source, "--out", tmp_path / "out.csv", env=served.env())
    assert run.returncode == 1, run.stderr
    sent = {r.body["candidate_email"]: r.body["candidate_name"] for r in _accepted(served)}
    assert sent == {"al@example.org": "Ann Lee", "cy@example.org": "Cy Do", "di@example.org": "Di"}


def _accepted(served) -> list:
    """The request bodies the sandbox accepted."""
    requests, _, _ = served.ledger.snapshot()
    return [r for r in requests if r.status == 200]


STAND_INS = {
    "<https://x.y/cv>": "is a link the AI cannot open", "mailto:jane@x.org": "is an email address, not a resume",
    '=HYPERLINK("http://x")': "is a link the AI cannot open", "See LinkedIn: https://linkedin.com/in/jane": "is a link",
    "available on request": "is a placeholder", "Bewerbung anbei": "is a placeholder", "Lebenslauf auf Anfrage": "is a placeholder",
    "CV sur demande": "is a placeholder", "Životopis v příloze": "is a placeholder", "viz e-mail": "is a placeholder",
    "n/a": "is a placeholder", "N/A": "is a placeholder", "#N/A": "is an error value shown by a formula",
    "http://example.com/cv.pdf": "is a link the AI cannot open", "www.example.com/cv.pdf": "is a link the AI cannot open",
    "N/A - see attached": "is a placeholder", "TBD - will send": "is a placeholder", "CV to be provided": "is a placeholder",
    "Will provide CV later": "is a placeholder", "Please refer to LinkedIn profile": "is a placeholder",
    "ask recruiter for CV": "is a placeholder", "<p>CV attached</p>": "is a placeholder",
    "<b>available on request</b>": "is a placeholder", "TBD TBD TBD TBD": "is a placeholder",
    "xxxxxxxxxxxxxxxxxxxx": "is a placeholder", "Lorem ipsum dolor sit amet consectetur": "is lorem ipsum filler",
}  # fmt: skip
#: Short real summaries: sent.
SHORT_RESUMES = ["CV: analityk danych", "Životopis: logistika", "Five years of customer support in telecoms"]


def test_links_placeholders_and_error_values_are_not_sent_as_resumes(tmp_path, serve):
    served = serve()
    texts = [*STAND_INS, RESUME, "Ten years in sales; portfolio at https://example.org/work", *SHORT_RESUMES]
    rows = [[f"Person {i}", f"p{i}@example.org", "SK", text, "Agent", "Bratislava", "SK", "en"] for i, text in enumerate(texts)]
    source = write_csv(tmp_path / "in.csv", rows, headers=HEADERS)
    result = cli("run", source, "--out", tmp_path / "out.csv", env=served.env())
    assert result.returncode == 1, result.stderr
    assert sorted(r.body["candidate_resume"] for r in _accepted(served)) == sorted(texts[len(STAND_INS) :])
    reasons = [row["enrol_reason"] for row in read_output(tmp_path / "out.csv")][: len(STAND_INS)]
    for reason, says in zip(reasons, STAND_INS.values(), strict=True):
        assert says in reason and "looks like a file path" not in reason
        assert "paste the" in reason or "put the resume text" in reason  # what to provide


def test_countries_and_languages_as_people_write_them_reach_the_api_and_guesses_do_not(tmp_path, serve):
    served = serve()
    written = [("Bosnia", "castellano"), ("Palestine", "anglický"), ("Byelorussia", "Slovenský"), ("Holy See", "Německy"),
               ("D.R.C.", "Castilian"), ("SK", "Bahasa"), ("SK", "Maltese"), ("SK", "Slovenščina")]  # fmt: skip
    rows = [[f"P {i}", f"p{i}@example.org", country, RESUME, "Agent", "Bratislava", "SK", language]
            for i, (country, language) in enumerate(written)]  # fmt: skip
    result = cli("run", write_csv(tmp_path / "in.csv", rows, headers=HEADERS), "--out", tmp_path / "out.csv", env=served.env())
    assert result.returncode == 1, result.stderr
    sent = [(r.body["candidate_country_code"], r.body["mojito_language_code"]) for r in _accepted(served)]
    assert sorted(sent) == sorted([("BA", "es"), ("PS", "en"), ("BY", "sk"), ("VA", "de"), ("CD", "es")])
    reasons = [row["enrol_reason"] for row in read_output(tmp_path / "out.csv")[5:]]
    assert "did you mean Indonesian (id) or Malay (ms)?" in reasons[0]
    assert "'Maltese' is not one of the interview languages: " in reasons[1]
    assert "'Slovenščina' (Slovenian) is not one of the interview languages" in reasons[2]


def test_a_duplicate_shows_its_email_and_a_mapped_value_shows_the_cell(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[values.candidate_country_code]\n"Foo" = "ZZ"\n', encoding="utf-8")
    row = ["Ann Lee", "al@example.org", "Foo", RESUME, "Agent", "London", "GB", "en"]
    source = write_csv(tmp_path / "in.csv", [row, [*row[:2], "Bar", *row[3:]]], headers=HEADERS)
    result = cli("validate", source, "--mapping", mapping)
    assert result.returncode == 1, result.stderr
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "2 Country 'Foo' mapped to 'ZZ' by [values.candidate_country_code]: 'ZZ' is not a country: use an ISO code" \
        " such as SK, or a name such as Slovakia" in lines  # fmt: skip
    assert "3 Email 'al@example.org' same email and position as row 2" in lines


def test_a_bad_whole_file_value_is_said_once_and_nothing_is_sent(tmp_path, serve):
    served = serve()
    rows = [["Ann Lee", f"a{i}@example.org", "GB", RESUME, "Agent", "London", "", "en"] for i in range(3)]
    source = write_csv(tmp_path / "in.csv", rows, headers=HEADERS)
    result = cli("validate", source, "--set", "position_country_code=Korea")
    assert result.returncode == 2
    out = result.stdout + result.stderr
    assert out.count("more than one country") == 1 and "did you mean South Korea (KR) or North Korea (KP)?" in out
    run = cli("run", source, "--set", "position_country_code=Korea", "--out", tmp_path / "out.csv", env=served.env())
    assert run.returncode == 2 and _accepted(served) == []
