"""Real .xls files from other projects' test suites: does batch-enrol read the text their owners see?

    python -m benchmarks.xls_corpus [PATH ...]

Each PATH is a folder of .xls files or a (bare) git repository, whose ``*.xls`` files at HEAD
are extracted into a temporary folder. The figures in benchmarks/README.md are of the test
files of xlrd (python-excel/xlrd), calamine (tafia/calamine) and python-calamine
(dimastbk/python-calamine): clone them and give their paths. Nothing is copied into this
repository.

For every file, in its own process (60 s, 2 GB address space), batch-enrol's .xls reading
(``xls_check.xls_sheets``: every worksheet's name and every cell's text) is compared with
xlrd's and calamine's plain readings, separately; and ``loader.load`` is run as the CLI runs
it. A difference is counted by kind: ``number format`` (ours shows the cell's format,
``000123`` for 123) and ``merge`` (ours repeats a merged value down its rows) are what
batch-enrol adds on purpose; ``date/time``, ``text``, ``missing`` (a cell empty in ours
only), ``extra`` (a non-empty cell only in ours) and ``sheet names`` are disagreements, each
listed with an example. A file is ``refused`` when batch-enrol gives a one-line reason
(``InputFileError``) and ``crashed`` on anything else: a traceback, a signal, the time or
memory limit. Crashed must be 0.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

EXPECTED_KINDS = {"number format", "merge"}
TIMEOUT_S, MEMORY_BYTES = 60, 2 * 1024**3
ROOT = Path(__file__).resolve().parent.parent  #: where ``benchmarks`` and ``batch_enrol`` import from


def extract(sources: list[str], into: Path) -> list[Path]:
    """Every .xls file of each source (folder, or git repository at HEAD), copied under ``into``."""
    files = []
    for source in sources:
        root = Path(source)
        label = root.parent.name if root.name == "repo" else root.name
        if (root / "HEAD").exists() or (root / ".git").exists():
            listed = subprocess.run(["git", "-C", str(root), "ls-tree", "-r", "--name-only", "HEAD"],
                                    capture_output=True, text=True, check=True).stdout.split("\n")  # fmt: skip
            for name in (n for n in listed if n.lower().endswith(".xls")):
                target = into / label / name.replace("/", "__")
                target.parent.mkdir(parents=True, exist_ok=True)
                blob = subprocess.run(["git", "-C", str(root), "show", f"HEAD:{name}"], capture_output=True)
                target.write_bytes(blob.stdout)  # a blob missing from a shallow copy stays empty: refused
                files.append(target)
        else:
            files.extend(sorted(root.rglob("*.xls")))
    return files


# --- one file, in its own process -------------------------------------------------------


def _plain(value: object) -> str:
    from batch_enrol.rows import cell_text

    return cell_text(value)


def xlrd_plain(path: Path) -> dict[str, list[list[str]]] | str:
    import xlrd

    from batch_enrol.xls_check import _Discard

    try:
        book = xlrd.open_workbook(str(path), logfile=_Discard())
    except Exception as exc:  # noqa: BLE001 - the reference cannot read it: recorded
        return f"{type(exc).__name__}: {str(exc)[:80]}"
    out = {}
    for sheet in book.sheets():
        rows = []
        for r in range(sheet.nrows):
            row = []
            for cell in sheet.row(r):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        row.append(_plain(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)))
                    except Exception:  # noqa: BLE001
                        row.append(_plain(cell.value))
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    row.append("")
                else:
                    row.append(_plain(bool(cell.value) if cell.ctype == xlrd.XL_CELL_BOOLEAN else cell.value))
            rows.append(row)
        out[sheet.name] = rows
    return out


def calamine_plain(path: Path) -> dict[str, list[list[str]]] | str:
    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
        out = {}
        for meta in book.sheets_metadata:
            if meta.typ == calamine.SheetTypeEnum.WorkSheet:
                sheet = book.get_sheet_by_name(meta.name)
                left = [""] * (sheet.start[1] if sheet.start else 0)  # rows start at A, cells at the first used column
                out[meta.name] = [left + [_plain(v) for v in row] for row in sheet.iter_rows()]
        return out
    except BaseException as exc:  # noqa: BLE001 - Rust panics included: the reference cannot read it
        if isinstance(exc, KeyboardInterrupt):
            raise
        return f"{type(exc).__name__}: {str(exc)[:80]}"


def compare(ours: list[tuple[str, list[list[str]]]], theirs: dict[str, list[list[str]]] | str) -> dict:
    """Differences of ours from one reference, by kind, with one example each."""
    if isinstance(theirs, str):
        return {"unreadable": theirs}
    from batch_enrol.rows import Shown

    kinds: Counter[str] = Counter()
    examples: dict[str, str] = {}
    if [n for n, _ in ours] != list(theirs):
        kinds["sheet names"] += 1
        examples["sheet names"] = f"{[n for n, _ in ours]!r} vs {list(theirs)!r}"[:160]
    for (name, rows), their_rows in zip(ours, theirs.values(), strict=False):
        for r in range(max(len(rows), len(their_rows))):
            mine, other = rows[r] if r < len(rows) else [], their_rows[r] if r < len(their_rows) else []
            for c in range(max(len(mine), len(other))):
                a, b = mine[c] if c < len(mine) else "", other[c] if c < len(other) else ""
                if a == b:
                    continue
                above = rows[r - 1][c] if 0 < r <= len(rows) and c < len(rows[r - 1]) else None
                kind = "merge" if not b and a and a == above else _kind(a, b, Shown)
                kinds[kind] += 1
                examples.setdefault(kind, f"{name}!R{r + 1}C{c + 1}: {str(a)!r} vs {b!r}"[:160])
    return {"kinds": dict(kinds), "examples": examples}


def _kind(a: str, b: str, shown: type) -> str:
    if isinstance(a, shown) and a.plain == b:
        return "number format"
    if not a:
        return "missing"
    if not b:
        return "extra"
    if any(ch in a + b for ch in ":") and any(ch.isdigit() for ch in a + b) and (a[:1].isdigit() or b[:1].isdigit()):
        return "date/time"
    return "text"


def one(path: Path) -> dict:
    """The whole comparison for one file (run in a child process: see ``main``)."""
    from batch_enrol.errors import InputFileError
    from batch_enrol.loader import load

    result: dict = {"file": f"{path.parent.name}/{path.name}"}
    started = time.perf_counter()
    try:
        from batch_enrol.xls_check import xls_sheets

        sheets = xls_sheets(path)
        ours = [(s.name, s.rows()) for s in sheets]
        result["reader"] = ",".join(sorted({s.reader for s in sheets})) or "-"
        result["vs xlrd"] = compare(ours, xlrd_plain(path))
        result["vs calamine"] = compare(ours, calamine_plain(path))
    except InputFileError as exc:
        result["refused"] = str(exc)
    try:
        table = load(path)
        result["load"] = f"read {len(table.rows)} rows of {table.sheet!r}"
    except InputFileError as exc:
        result["load"] = f"refused: {exc}"
    result["ms"] = round((time.perf_counter() - started) * 1000)
    result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def run_one(path: Path) -> dict:
    """``one(path)`` in a child process bounded in time and memory; a crash is recorded, not raised."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))

    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "benchmarks.xls_corpus", "--one", str(path)], capture_output=True,
                              text=True, timeout=TIMEOUT_S, preexec_fn=limit, cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore"})  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"file": f"{path.parent.name}/{path.name}", "crashed": f"over {TIMEOUT_S} s", "ms": TIMEOUT_S * 1000}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or "Traceback" in done.stderr:
        tail = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return {
            "file": f"{path.parent.name}/{path.name}",
            "crashed": tail[:160],
            "ms": round((time.perf_counter() - started) * 1000),
        }
    return json.loads(lines[-1])


# --- the whole corpus -------------------------------------------------------------------


def summary(results: list[dict], seconds: float) -> dict:
    differ: dict[str, Counter[str]] = {"xlrd": Counter(), "calamine": Counter()}
    agree = Counter()
    for result in results:
        for ref in differ:
            found = result.get(f"vs {ref}")
            if not found or "unreadable" in found:
                continue
            wrong = set(found["kinds"]) - EXPECTED_KINDS
            agree[ref] += not wrong
            differ[ref].update({kind: 1 for kind in wrong})  # files, per kind
    return {
        "files": len(results),
        "read": sum("reader" in r for r in results),
        "agree with xlrd (but for formats and merges)": agree["xlrd"],
        "agree with calamine (but for formats and merges)": agree["calamine"],
        "differ from xlrd, files by kind": dict(differ["xlrd"]),
        "differ from calamine, files by kind": dict(differ["calamine"]),
        "refused": sum("refused" in r for r in results),
        "crashed": sum("crashed" in r for r in results),
        "slowest file, ms": max((r["ms"] for r in results), default=0),
        "largest peak RSS of a file, MB": max((r.get("peak_mb", 0) for r in results), default=0),
        "seconds": round(seconds, 1),
    }


def _cell(found: dict | None) -> str:
    if not found:
        return "-"
    if "unreadable" in found:
        return "cannot read"
    kinds = found["kinds"]
    return ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "same"


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        print(json.dumps(one(Path(argv[1])), ensure_ascii=False, default=str))
        return 0
    if not argv:
        print("usage: python -m benchmarks.xls_corpus PATH [PATH ...]  (folders of .xls files or git repositories)", file=sys.stderr)
        return 2
    sources = argv
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        results = [run_one(path) for path in extract(sources, Path(folder))]
    print("| file | read by | vs xlrd | vs calamine | batch-enrol | ms | peak MB |\n|---|---|---|---|---|---:|---:|")
    for r in results:
        outcome = f"CRASHED: {r['crashed']}" if "crashed" in r else r.get("load", "")
        print(f"| {r['file']} | {r.get('reader', '-')} | {_cell(r.get('vs xlrd'))} | {_cell(r.get('vs calamine'))} "
              f"| {outcome[:110]} | {r['ms']} | {r.get('peak_mb', '-')} |")  # fmt: skip
    print("\nDisagreements (one example per kind and file):")
    for r in results:
        for ref in ("xlrd", "calamine"):
            for kind, example in (r.get(f"vs {ref}") or {}).get("examples", {}).items():
                if kind not in EXPECTED_KINDS:
                    print(f"  {r['file']} vs {ref}, {kind}: {example}")
    print(json.dumps(summary(results, time.perf_counter() - started), indent=1, ensure_ascii=False))
    return 1 if any("crashed" in r for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
