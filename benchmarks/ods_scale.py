"""Reading a large OpenDocument spreadsheet: load and validate N rows, in a fresh process.

python -m benchmarks.ods_scale [ROWS]  →  prints one JSON line (default 100,000 rows)

Wall and CPU seconds of the load are both given (on a shared machine the CPU time is the steadier).
The file is written the way LibreOffice writes one: the 12 benchmark columns (see
``benchmarks.data``), the candidate id a number cell shown through a ``000000`` number
style, the attempts a plain number, an empty tail repeated to the last column, the
position merged down over each run of five rows. Peak RSS is the measuring process's own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from benchmarks.data import HEADERS, rows

_NS = " ".join(f'xmlns:{p}="urn:oasis:names:tc:opendocument:xmlns:{u}"' for p, u in [
    ("office", "office:1.0"), ("table", "table:1.0"), ("text", "text:1.0"), ("style", "style:1.0"),
    ("number", "datastyle:1.0")])  # fmt: skip
_STYLES = ('<office:automatic-styles><number:number-style style:name="N1"><number:number number:decimal-places="0" '
           'number:min-integer-digits="6"/></number:number-style><style:style style:name="ce1" style:family="table-cell" '
           'style:data-style-name="N1"/></office:automatic-styles>')  # fmt: skip
_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
             '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
             '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')  # fmt: skip
_TAIL = '<table:table-cell table:number-columns-repeated="16372"/></table:table-row>'


def _text(value: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'


def write_ods(path: Path, n: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", _MANIFEST)
        with z.open("content.xml", "w") as fh:
            fh.write(f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NS}>{_STYLES}'
                     '<office:body><office:spreadsheet><table:table table:name="Candidates"><table:table-row>'.encode())  # fmt: skip
            fh.write(("".join(map(_text, HEADERS)) + _TAIL).encode())
            for i, row in enumerate(rows(n)):
                cells = [f'<table:table-cell table:style-name="ce1" office:value-type="float" office:value="{int(row[0])}">'
                         f"<text:p>{row[0]}</text:p></table:table-cell>", *map(_text, row[1:5])]  # fmt: skip
                if i % 5 == 0:
                    cells.append(_text(row[5]).replace("<table:table-cell ", '<table:table-cell table:number-rows-spanned="5" ', 1))
                else:
                    cells.append("<table:covered-table-cell/>")
                cells += [*map(_text, row[6:10]), f'<table:table-cell office:value-type="float" office:value="{row[10]}"/>', _text(row[11])]
                fh.write(("<table:table-row>" + "".join(cells) + _TAIL).encode())
            fh.write(b'<table:table-row table:number-rows-repeated="948575"><table:table-cell table:number-columns-repeated="16384"/>'
                     b"</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>")  # fmt: skip
    return path


def main(n: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = write_ods(Path(folder) / f"{n}.ods", n)
        code = ("import json, resource, sys, time\nfrom batch_enrol.columns import map_columns\n"
                "from batch_enrol.loader import load\nfrom batch_enrol.validator import check_table\n"
                "c0 = time.process_time(); t0 = time.perf_counter(); table = load(sys.argv[1]); t1 = time.perf_counter()\n"
                "c1 = time.process_time()\n"
                "checked = check_table(table, map_columns(table.headers)); t2 = time.perf_counter()\n"
                "print(json.dumps({'rows': len(table.rows), 'load_s': round(t1 - t0, 2), 'load_cpu_s': round(c1 - c0, 2), 'load_validate_s': round(t2 - t0, 2),"
                " 'valid': sum(c.candidate is not None for c in checked), 'first_id': table.rows[0].cells[0],"
                " 'position_row_2': table.rows[1].cells[5],"
                " 'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))")  # fmt: skip
        done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
        result = json.loads(done.stdout)
        result["file_mb"] = round(path.stat().st_size / 2**20, 1)
        return result


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)))
