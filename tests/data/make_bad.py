"""Regenerate tests/data/bad/: broken and hostile inputs, and expected.json (what each must give).

Every file must end in a one-line message and the right exit code, never a traceback.
Two more (a 100 MB cell, a zip bomb's big brother) are made at test time: too big to keep here.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent / "bad"
HEADER = "Name,Email,Country,CV,Position,Location,Position country,Language\n"
ROW = "Ana,ana@example.org,SK,cv text,Support,Bratislava,SK,en\n"
rng = random.Random(7)
EXPECTED: dict[str, dict] = {}


def put(name: str, content: bytes, message: str, code: int = 2, *args: str, command: str = "validate") -> None:
    """One corpus file. ``args`` may say ``{BAD}`` for this folder; ``command`` is run or validate."""
    (HERE / name).write_bytes(content)
    EXPECTED[name] = {"message": message, "code": code, "args": list(args)}
    if command != "validate":
        EXPECTED[name]["command"] = command


def fixed_zip(members: dict[str, bytes]) -> bytes:
    """A zip whose bytes do not change from one regeneration to the next (fixed dates)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def hostile_resumes() -> None:
    """Resume cells that point outside the resumes folder, or at a bomb; support files in bad/support/."""
    support = HERE / "support"
    support.mkdir(exist_ok=True)
    environ = support / "environ.txt"
    environ.unlink(missing_ok=True)
    environ.symlink_to("/proc/self/environ")
    word = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = f'<w:document xmlns:w="{word}"><w:body><w:p><w:r><w:t>'.encode() + b"<w:r/>" * (20 * 2**20 // 6)
    (support / "bomb.docx").write_bytes(fixed_zip({"word/document.xml": document + b"</w:t></w:r></w:p></w:body></w:document>"}))
    (support / "token_two_lines.txt").write_text("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig\nsecond-line\n", "utf-8")
    (support / "token_with_bom.txt").write_bytes("\ufeffeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig".encode())

    def row(cv: str) -> bytes:
        return (HEADER + f"Eve,eve@example.org,SK,{cv},Support,Bratislava,SK,en\n" + ROW).encode()

    put("cv_link_to_environ.csv", row("support/environ.txt"), "link to a file outside the resumes folder", 1)
    put("cv_dot_dot.csv", row("../good/eva.txt"), "has '..'", 1)
    put("cv_absolute_path.csv", row("/etc/hostname.txt"), "is an absolute path", 1)
    put("cv_docx_bomb.csv", row("support/bomb.docx"), "expands beyond 2 MB", 1)
    offline = ("--base-url", "http://127.0.0.1:9")  # nothing listens there: nothing may be sent
    put("token_two_lines.csv", (HEADER + ROW).encode(), "is malformed (several lines", 2,
        "--token-file", "{BAD}/support/token_two_lines.txt", *offline, command="run")
    put("out_is_a_folder.csv", (HEADER + ROW).encode(), "is a folder, not a file", 2,
        "--out", "{BAD}/support", "--force", "--sandbox", command="run")
    put("token_with_bom.csv", (HEADER + ROW).encode(), "is malformed (a byte-order mark", 2,
        "--token-file", "{BAD}/support/token_with_bom.txt", *offline, command="run")


def xlsx_bytes(rows, far: str | None = None) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    if far:
        wb.active[far] = "far away"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def ods_cells(values, repeat: int = 1) -> str:
    return "".join(f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string">'
                   f"<text:p>{v}</text:p></table:table-cell>" for v in values)  # fmt: skip


def ods_bytes(rows_xml: str) -> bytes:
    """A minimal OpenDocument spreadsheet with one sheet holding ``rows_xml``."""
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')  # fmt: skip
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="Candidates">{rows_xml}'
               "</table:table></office:spreadsheet></office:body></office:document-content>")  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return out.getvalue()


def rezip(data: bytes, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, change(item.filename, zin.read(item.filename)))
    return out.getvalue()


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for old in HERE.iterdir():
        old.unlink()
    good = xlsx_bytes([HEADER.strip().split(","), ROW.strip().split(",")])
    put("empty.csv", b"", "is empty")
    put("empty.xlsx", b"", "is empty")
    put("header_only.csv", HEADER.encode(), "no candidate rows")
    put("header_only.xlsx", xlsx_bytes([HEADER.strip().split(",")]), "no candidate rows")
    put("blank_lines_only.csv", b"\n\n \n\t\n", "has no rows")
    put("no_header.csv", b"a,b,c\n1,2,3\n", "no header row found")
    put("title_only.xlsx", xlsx_bytes([["Candidates for spring"], [], ["nothing else"]]), "no header row found")
    put("garbage.xlsx", bytes(rng.getrandbits(8) for _ in range(4096)), "not a real .xlsx workbook")
    put("garbage.xls", bytes(rng.getrandbits(8) for _ in range(4096)), "is not a real .xls workbook")
    put("garbage.ods", bytes(rng.getrandbits(8) for _ in range(4096)), "not a real .ods workbook")
    put("truncated.xlsx", good[: len(good) // 2], "not a real .xlsx workbook")
    put("pdf_renamed.xlsx", b"%PDF-1.4\n" + bytes(500), "not a real .xlsx workbook")
    put("encrypted.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000), "password-protected")
    empty_zip = io.BytesIO()
    zipfile.ZipFile(empty_zip, "w").close()
    put("empty_zip.xlsx", empty_zip.getvalue(), "cannot be read as a .xlsx workbook")
    put("absurd_extent.xlsx", xlsx_bytes([HEADER.strip().split(","), ROW.strip().split(",")], far="XFD1048576"),
        "too large to read safely")  # fmt: skip
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        with zipfile.ZipFile(io.BytesIO(good)) as src:
            for item in src.infolist():
                z.writestr(item.filename, src.read(item.filename))
        with z.open("xl/media/padding.bin", "w", force_zip64=True) as fh:  # 2.1 GB of zeros in a few MB
            block = bytes(1 << 24)
            for _ in range(129):
                fh.write(block)
    put("zip_bomb.xlsx", bomb.getvalue(), "too large to read safely")
    put("binary.csv", bytes(rng.getrandbits(8) for _ in range(2048)) + b"\x00" * 10, "not a text file")
    put("xlsx_named_csv.csv", good, "is an Excel workbook (.xlsx), not a text file")
    put("utf16_without_bom.csv", (HEADER + ROW).encode("utf-16-le"), "", 1)  # read as UTF-16; "cv text" is too short
    put("bad_bom.csv", b"\xef\xbb\xbf" + HEADER.encode() + b"\xff\xfe\xfa bad bytes\n", "not valid UTF-8 although it starts")
    # past the first 64 KB, where the NUL sniffing looks: the csv module reads it, the email check refuses it
    put("nul_in_the_middle.csv", (HEADER + "".join(ROW.replace("ana@", f"ana{i}@") for i in range(3000))).encode()
        + b"Bob,b\x00b@example.org,SK,cv,S,B,SK,en\n", "", 1)  # fmt: skip
    put("duplicate_columns.csv", ("Name,Email,E-mail,Country,CV\n" + "A,a@x.org,a@x.org,SK,cv\n").encode(), "both map to candidate_email")
    put("missing_columns.csv", b"Name,Email,Phone\nA,a@example.org,123\n", "required column(s) missing: candidate_country_code")
    put("ten_thousand_columns.csv", (HEADER.strip() + "," + ",".join(f"x{i}" for i in range(10_000)) + "\n" + ROW).encode(),
        "10,008 columns, above the limit of 1,000")  # fmt: skip
    put("legacy_xls_renamed.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000), "password-protected (or an old .xls")
    put("over_row_limit.csv", (HEADER + ROW * 50).encode(), "more than 10 rows", 2, "--max-rows", "10")
    put("long_cell.csv", (HEADER + "A,a@x.org,SK," + "x" * 5000 + ",S,B,SK,en\n").encode(), "above the limit of 1,000", 2,
        "--max-cell-chars", "1000")  # fmt: skip
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'

    def entity_bomb(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            text = data.decode()
            return text.replace("<worksheet", laughs + "<worksheet", 1).replace("Ana", "&lol2;", 1).encode()
        return data

    put("billion_laughs.xlsx", rezip(good, entity_bomb), "cannot be read")
    # 1 KB that asks for 10^11 cells: a row of values repeated a million times, a thousand wide
    bomb_rows = f"<table:table-row>{ods_cells(HEADER.strip().split(','))}</table:table-row>" \
                f'<table:table-row table:number-rows-repeated="1000000">{ods_cells(["x"], 100_000)}</table:table-row>'  # fmt: skip
    put("repeat_bomb.ods", ods_bytes(bomb_rows), "too large to read safely")
    # hostile but readable: every row gets an outcome, nothing is executed or lost (exit 0 or 1)
    put("html_in_names.csv", (HEADER + '<script>alert("x")</script>,h@example.org,SK,<b>cv</b>,Support,Bratislava,SK,en\n').encode(), "", 0,
        "--min-resume-chars", "1")  # fmt: skip
    put("formula_payloads.csv", (HEADER + "=cmd|' /C calc'!A0,f@example.org,SK,+1+1,Support,Bratislava,SK,en\n"
                                 "@SUM(1+1),g@example.org,SK,-2+3,Support,Bratislava,SK,en\n").encode(), "", 0,
        "--min-resume-chars", "1")  # fmt: skip
    put("mixed_encodings.csv", HEADER.encode() + "Zoë,z@example.org,SK,Five years in support,S,B,SK,en\n".encode()
        + "Zoë,y@example.org,SK,Five years in support,S,B,SK,en\n".encode("cp1252"), "", 0)  # fmt: skip
    # a quote the file ends inside swallows the rows after it: refused, naming where it opened
    put("unclosed_quote.csv", (HEADER + 'A,a@example.org,SK,"cv never closed,S,B,SK,en\n' + ROW).encode(),
        "unclosed_quote.csv line 2: a quote opened here is never closed")  # fmt: skip
    hostile_resumes()
    (HERE / "expected.json").write_text(json.dumps(EXPECTED, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"{len(EXPECTED)} files in {HERE}")


if __name__ == "__main__":
    main()
