"""Outputs: the user's own workbook with result columns set, or a CSV; always written atomically.

Before anything is sent, ``prove`` writes the output once (every row ``not_sent``) to a
temporary file through the same writer and reads it back; the writer that worked is then
used for every checkpoint and the final write. For a new output, the proof becomes the
output just before the first call (``place_proof``: renamed, no second write). See
``workbook_writers`` for the three ways a workbook is written.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import re
import time
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import openpyxl

from .errors import InputFileError, OutputError
from .files import atomic_path
from .living import Target
from .models import RESULT_COLUMNS, Outcome, Status, Table
from .redaction import redacted
from .report_sheets import sheet_title, title_note
from .reports import Summary
from .workbook_writers import FILLS, data_sheet, tone, values, write_openpyxl, write_patched, write_rebuilt
from .xlsx_package import Unsupported, read_marker

__all__ = ["FILLS", "default_output", "neutralise", "prove", "tone", "write_output"]
log = logging.getLogger("batch_enrol")
#: A CSV cell a spreadsheet would run as a formula starts with one of these...
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
#: ...unless it reads as a number, a percentage or a phone number (``-5%``, ``-12.5``, ``+49 151 2345``), or is a lone ``-``.
_PLAIN = re.compile(r"^(?:[+-]?[\d\s().,]*\d[\d\s().,]*%?|-)$")
WRITERS = {"patch": write_patched, "openpyxl": write_openpyxl, "rebuild": write_rebuilt}
FAITHFUL = ("patch", "openpyxl")


def neutralise(value: str) -> str:
    """Defuse spreadsheet formula injection in a CSV cell (OWASP: prefix a single quote).

    Only a value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets the
    quote, and not when it reads as a number, percentage or phone number (``-5``, ``-5%``,
    ``-12.5``, ``+421 903 123 456``) or is a lone ``-``.
    """
    if value.startswith(_DANGEROUS) and not _PLAIN.match(value):
        return "'" + value
    return value


def default_output(path: Path) -> Path:
    """``<stem>.enrolled.<ext>`` beside the input; .xls and .ods come back as .xlsx."""
    suffix = path.suffix.lower()
    if suffix in {".xls", ".ods"}:
        suffix = ".xlsx"
    return path.with_name(f"{path.stem}.enrolled{suffix}")


def routes(target: Target, out: Path) -> list[str]:
    """The writers that may do this output, best first."""
    suffix = out.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        return ["csv"]
    if suffix not in {".xlsx", ".xlsm"}:
        raise OutputError(f"cannot write {out.name}: use an .xlsx or .csv output")
    source = target.src.suffix.lower()
    if source == ".xlsx" or (source == ".xlsm" and suffix == ".xlsm"):
        return ["patch", "openpyxl", "rebuild"]
    return ["openpyxl", "rebuild"] if source == ".xlsm" else ["rebuild"]


def write_output(table: Table, outcomes: Mapping[int, Outcome], out: Path, summary: Summary | None = None,
                 *, target: Target | None = None) -> str:  # fmt: skip
    """Write the results into ``out``; the format follows its extension (.xlsx/.xlsm or .csv/.tsv/.txt).

    ``outcomes`` is by input row. With a ``summary``, a workbook also gets the Summary and
    Needs attention sheets. ``target`` says what the output already holds (a new output from
    ``table`` when None). Returns the writer used; raises OutputError when none can.
    """
    target = target or Target(out, table, table.path, input_name=table.path.name)
    final = {row: redacted(o) for row, o in target.merged(dict(outcomes)).items()}  # against every key known now
    if not target.carried:
        missing = [s.row for s in target.table.rows if s.row not in final]
        if missing:  # the writer never guesses; a missing outcome is a bug upstream
            raise OutputError(f"internal error: row {missing[0]} has no outcome")
    reasons = []
    for route in [target.route] if target.route else routes(target, out):
        try:
            _write_with(route, target, final, out, summary, source=table)
            return route
        except OutputError:
            raise
        except Exception as exc:  # noqa: BLE001 - Unsupported, or any surprise in a writer: try the next one
            log.debug("%s cannot write %s: %s", route, out.name, exc, exc_info=not isinstance(exc, Unsupported))
            reasons.append(str(exc) if isinstance(exc, Unsupported) else f"{route} failed ({type(exc).__name__})")
    raise OutputError(f"cannot write the results into {out.name}: {'; '.join(reasons)}")


def _write_with(route: str, target: Target, final: Mapping[int, Outcome], out: Path, summary: Summary | None,
                quiet: bool = False, source: Table | None = None) -> None:  # fmt: skip
    try:
        with atomic_path(out) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's warnings about the user's file are not the user's business here
            if route == "csv":
                _write_csv(target, final, tmp, out.name, quiet, source)
            else:
                WRITERS[route](target, final, tmp, summary)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None


def proof_path(out: Path) -> Path:
    """The temporary file ``prove`` writes beside ``out``: ``.<stem>.proof<suffix>``."""
    return out.with_name(f".{out.stem}.proof{out.suffix}")


def prove(target: Target, table: Table, out: Path, *, keep: bool = False) -> list[str]:
    """Write the output once with every row ``not_sent`` to a temporary file, read it back, and keep
    the writer that worked in ``target.route`` (and the write's seconds in ``target.write_s``).
    Returns warnings for the user; raises OutputError (exit 2, before anything is sent) when
    nothing can write it. ``keep``: when ``out`` does not exist yet, the proof stays (``target.proof``)
    for ``place_proof`` to make it the output before the first call; ``proof_removed`` cleans up."""
    if out.is_dir():
        raise OutputError(f"the output {out} is a folder", hint="give --out a file name, e.g. --out results.xlsx")
    placeholder = {s.row: Outcome(row=s.row, status=Status.NOT_SENT, reason="not sent yet") for s in table.rows}
    final = target.merged(placeholder)
    probe = proof_path(out)
    reasons: list[str] = []
    try:
        for route in routes(target, out):
            try:
                began = time.monotonic()
                _write_with(route, target, final, probe, None, quiet=True, source=table)
                target.write_s = time.monotonic() - began
                _check_readable(probe, target, table)
            except (OutputError, InputFileError) as exc:
                reasons.append(exc.message)
                continue
            except Exception as exc:  # noqa: BLE001 - Unsupported, or any surprise in a writer: try the next one
                log.debug("%s cannot write %s", route, out.name, exc_info=not isinstance(exc, Unsupported))
                reasons.append(str(exc) if isinstance(exc, Unsupported) else f"{route} failed ({type(exc).__name__})")
                continue
            target.route = route
            target.proof = probe if keep and not out.exists() else None
            notes = [note] if (note := title_note(target.table.sheet)) and out.suffix.lower() in {".xlsx", ".xlsm"} else []
            if route == "rebuild" and target.src.suffix.lower() in {".xlsx", ".xlsm"}:
                return [*notes, f"{target.src.name} cannot be updated in place ({'; '.join(reasons)}): the output keeps the data sheet "
                        f"{target.table.sheet!r} with its values and a bold header; other sheets, formats and formulas are not copied"]  # fmt: skip
            return notes
    finally:
        if target.proof is None:
            probe.unlink(missing_ok=True)
    raise OutputError(f"cannot write the results to {out}; nothing was sent ({'; '.join(reasons)})",
                      hint="choose another --out (e.g. a .csv), or save the workbook again as a regular .xlsx")  # fmt: skip


def place_proof(target: Target) -> None:
    """Make the proof kept by ``prove(keep=True)`` the output (every row ``not_sent``), so a run killed
    after its first call leaves an output however long until its first checkpoint. Costs no write:
    the proof is renamed. Nothing to do when no proof was kept, or when the output appeared since."""
    proof, target.proof = target.proof, None
    if proof is None:
        return
    try:
        if target.out.exists():
            proof.unlink(missing_ok=True)
        else:
            os.replace(proof, target.out)
    except OSError as exc:
        proof.unlink(missing_ok=True)
        log.warning("the output %s is not written before the first call (%s): checkpoints and the final write still are",
                    target.out, exc.strerror or exc)  # fmt: skip


@contextlib.contextmanager
def proof_removed(out: Path) -> Iterator[None]:
    """Around a run: a proof of ``out`` still there when it ends (the run was refused or cancelled
    before its first call) is removed."""
    try:
        yield
    finally:
        proof_path(Path(out)).unlink(missing_ok=True)


def _check_readable(path: Path, target: Target, source: Table | None = None) -> None:
    """The written file opens again, names each zip entry once, and has the result columns."""
    from .loader import load

    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
        if len(names) != len(set(names)) or read_marker(path) is None:
            raise OutputError("the written workbook is damaged (duplicate parts or no marker)")
    try:
        reread = load(path, sheet=data_sheet(target) if path.suffix.lower() in {".xlsx", ".xlsm"} else None)
    except InputFileError:
        own = _encoding_source(target, source)
        if target.table.format != "csv" or not own.encoding:
            raise
        reread = load(path, encoding=own.encoding)  # written in the encoding the input was read in
    if not set(RESULT_COLUMNS) <= set(reread.headers) or len(reread.rows) != len(target.table.rows):
        raise OutputError("the written output does not read back with its rows and result columns")


# --- CSV --------------------------------------------------------------------------------


def _write_csv(target: Target, final: Mapping[int, Outcome], out: Path, shown: str, quiet: bool, read: Table | None = None) -> None:
    """``out`` is the temporary file; ``shown`` the output's name for messages; ``read`` the
    input as read this run: a CSV input's encoding is the one to write in (and to warn about on
    every run where a value does not fit), even when the output is an earlier run's, in UTF-8."""
    table = target.table
    same_kind = table.format == "csv"
    delimiter = (table.delimiter if same_kind else None) or ("\t" if out.suffix.lower() == ".tsv" else ",")
    appended = [name for name in RESULT_COLUMNS if name not in table.headers]
    headers = [*table.headers, *appended]
    at = {name: headers.index(name) for name in RESULT_COLUMNS}
    rows = [[neutralise(c) for c in cells] for cells in table.preamble]
    rows.append([neutralise(h) for h in headers])
    for source in table.rows:
        cells = list(source.cells) + [""] * (len(headers) - len(source.cells))
        outcome = final.get(source.row)
        if outcome is not None:
            for name, value in zip(RESULT_COLUMNS, values(outcome), strict=True):
                cells[at[name]] = str(value)
        rows.append([neutralise(c) for c in cells])
    encoding = _csv_encoding(_encoding_source(target, read), rows, shown, quiet) if same_kind else "utf-8-sig"
    with open(out, "w", encoding=encoding, errors="strict", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)


def _encoding_source(target: Target, source: Table | None) -> Table:
    """The table whose encoding a CSV output is written in: this run's CSV input, else the output's own."""
    return source if source is not None and source.format == "csv" and source.encoding else target.table


def _csv_encoding(table: Table, rows: list[list[str]], name: str, quiet: bool = False) -> str:
    """The input's own encoding when every value fits in it; else UTF-8 with a BOM, and a warning."""
    encoding = table.encoding or "utf-8"
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        return "utf-8-sig" if table.bom else "utf-8"
    try:
        for row in rows:
            for cell in row:
                cell.encode(encoding)
    except UnicodeEncodeError as exc:
        if not quiet:
            log.warning(
                f"{name} is written as UTF-8 (with a byte-order mark), not {encoding} like its input: "
                f"{exc.object[exc.start:exc.end]!r} cannot be written in {encoding}"
            )
        return "utf-8-sig"
    return encoding




# --- the embed signing keys ----------------------------------------------------------------


def embed_key_path(out: Path) -> Path:
    return out.with_name(out.name + ".embed.json")


def write_embed_keys(out: Path, keys: Mapping[str, str]) -> Path | None:
    """Embed signing keys by embed id, merged with any earlier run's, in a 0600 file beside ``out``."""
    if not keys:
        return None
    path = embed_key_path(out)
    existing: dict[str, str] = {}
    if path.exists():
        with contextlib.suppress(OSError, ValueError):
            existing = json.loads(path.read_text("utf-8"))
    existing.update(keys)
    with atomic_path(path, mode=0o600) as tmp:
        tmp.write_text(json.dumps(existing, indent=2, sort_keys=True), "utf-8")
    return path


# --- the validation report -----------------------------------------------------------------


def write_validation_report(table: Table, problems: Mapping[int, list[tuple[int | None, str]]], out: Path) -> None:
    """A copy of the workbook with each bad cell highlighted and explained in a comment.

    ``problems`` maps a row number to (0-based column index or None for the row, message) pairs.
    """
    from openpyxl.comments import Comment

    if out.suffix.lower() != ".xlsx":
        raise OutputError(f"cannot write the report as {out.name}: use an .xlsx file")
    if table.format == "xlsx":
        workbook = openpyxl.load_workbook(table.path, rich_text=True)
        sheet = workbook[table.sheet]
        row_of = {r.row: r.row for r in table.rows}
    else:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = sheet_title(table.sheet)
        row_of = {}
        for source in (*table.preamble, table.headers, *table.rows):
            cells = source.cells if hasattr(source, "cells") else source
            sheet.append(list(cells))
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
            if hasattr(source, "row"):
                row_of[source.row] = sheet.max_row
    for row, items in problems.items():
        by_cell: dict[int, list[str]] = {}
        for column, message in items:
            by_cell.setdefault(column if column is not None else 0, []).append(message)
        for column, messages in by_cell.items():
            cell = sheet.cell(row=row_of[row], column=column + 1)
            cell.fill = FILLS["bad"]
            cell.comment = Comment("\n".join(messages), "batch-enrol", width=320, height=40 + 20 * len(messages))
    try:
        with atomic_path(out) as tmp:
            workbook.save(tmp)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
