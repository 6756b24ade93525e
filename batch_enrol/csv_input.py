"""CSV files → Table: the encoding (see ``encodings``), the delimiter, every cell as saved.

The delimiter is the one the file names in Excel's ``sep=`` first line, else the one of
``DELIMITERS`` whose header row maps the most fields with the most rows of the header's
width (``--delimiter`` forces one). Text is decoded strictly: a byte the encoding cannot read
is an error that names it, never a replacement character.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from .columns import count_known
from .encodings import SAMPLE_BYTES, Detected, detect, display_name
from .errors import ConfigError, InputFileError
from .models import Table
from .rows import HEADER_SEARCH_ROWS, Limits, build_table

DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SEP_LINE = re.compile(r'^\ufeff?"?sep=(.)"?\r?\n', re.IGNORECASE)


def forced_encoding(name: str) -> Detected:
    """``--encoding NAME`` → how to read the file. Raises ConfigError for an unknown name."""
    try:
        codec = codecs.lookup(name.strip().replace("windows-", "cp")).name
    except LookupError:
        raise ConfigError(
            f"--encoding {name!r} is not an encoding Python knows",
            hint="use a name such as utf-8, windows-1250, iso-8859-2, mac-roman, shift_jis",
        ) from None
    return Detected("utf-8-sig" if codec == "utf-8" else codec, display_name(codec))


def forced_delimiter(text: str) -> str:
    """``--delimiter`` → one character (``tab``, ``\\t``, ``comma``… are accepted). Raises ConfigError."""
    names = {v: k for k, v in DELIMITER_NAMES.items()} | {"\\t": "\t"}
    delimiter = names.get(text.strip().lower(), text)
    if len(delimiter) != 1 or delimiter in "\r\n\"":
        raise ConfigError(f"--delimiter {text!r} is not one character", hint="e.g. --delimiter ';' or --delimiter tab")
    return delimiter


def load_csv(
    path: Path, mapping: Mapping[str, str] | None, limits: Limits, *, encoding: str | None = None, delimiter: str | None = None
) -> Table:
    """Read one CSV file. Raises InputFileError with a one-line reason for a file it cannot use."""
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    detected = forced_encoding(encoding) if encoding else detect(head, path.name, mapping)
    csv.field_size_limit(max(limits.max_cell_chars + 1, 131072))  # our own limit speaks first, and clearly
    try:
        with open(path, encoding=detected.codec, errors="strict", newline="") as fh:
            sample = fh.read(65536)
            if delimiter is None:
                delimiter = "\t" if path.suffix.lower() == ".tsv" and "\t" in sample else choose_delimiter(sample, mapping)
            fh.seek(0)
            lines = _Lines(fh)
            reader = csv.reader(lines, delimiter=delimiter)
            try:
                table = build_table(path, path.stem, _records(reader, lines, path.name, delimiter), mapping, limits, fmt="csv")
            except InputFileError as exc:
                raise _sep_line_error(path, sample, delimiter, mapping) or exc from None
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise InputFileError(
                        f"{path.name} line {reader.line_num}: a cell has more than {limits.max_cell_chars:,} characters, above the limit",
                        hint="check the file, or raise the limit with --max-cell-chars",
                    ) from None
                raise InputFileError(f"{path.name} is not a well-formed CSV file: {exc}") from None
    except UnicodeDecodeError as exc:
        if detected.bom:
            raise InputFileError(
                f"{path.name} is not valid {detected.name} although it starts with a byte-order mark (byte {exc.start})",
                hint="save it again as CSV UTF-8",
            ) from None
        raise InputFileError(
            f"{path.name}: a byte ({exc.object[exc.start:exc.start + 1].hex()}) cannot be read as {detected.name}",
            hint="save it as CSV UTF-8, or name its encoding with --encoding NAME",
        ) from None
    table.encoding, table.delimiter, table.bom = detected.codec.replace("-sig", ""), delimiter, detected.bom
    return table


class _Lines:
    """The file's lines as ``csv.reader`` takes them, keeping those of the record being read."""

    def __init__(self, fh: Iterator[str]) -> None:
        self._fh, self.record = fh, []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._fh)
        self.record.append(line)
        return line


def _records(reader: Iterator[list[str]], lines: _Lines, name: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(record number, cells) of each record, refusing a quote left open (InputFileError):
    one the file ends inside, or one whose cell holds lines that look like rows of their own
    (as many cells as the widest row before, four or more). A quoted cell with line breaks
    (an address, a resume) is read as it is."""
    widest, start, raw = 0, 1, []
    for number, row in enumerate(reader, start=1):
        raw, lines.record = lines.record, []
        if len(raw) > 1:
            _check_quotes(name, raw, row, start, widest, delimiter)
        widest, start = max(widest, len(row)), start + len(raw)
        yield number, row
    if len(raw) == 1 and '"' in raw[0]:  # only the last record can end inside a quote on its own line
        try:
            next(csv.reader(raw, delimiter=delimiter, strict=True), None)
        except csv.Error as exc:
            if "end of data" not in str(exc):  # other oddities ('"b"c') are read leniently, as before
                return
            raise InputFileError(
                f"{name} line {start - 1}: a quote opened on this last line is never closed (the file ends inside it)",
                hint='close the quote; a quote inside a cell is written twice ("")',
            ) from None


def _check_quotes(name: str, raw: list[str], row: list[str], start: int, widest: int, delimiter: str) -> None:
    quotes, opened = 0, 0
    for i, line in enumerate(raw):
        before, quotes = quotes, quotes + line.count('"')
        if before % 2 == 0 and quotes % 2 == 1:
            opened = i
    if quotes % 2 == 1:
        raise InputFileError(
            f"{name} line {start + opened}: a quote opened here is never closed (the file ends inside it, {len(raw) - opened} lines on)",
            hint='close the quote; a quote inside a cell is written twice ("")',
        )
    for k, cell in enumerate(row):
        inner = cell.splitlines()[1:]
        rows = [line for line in inner if widest >= 4 and len(next(csv.reader([line], delimiter=delimiter), [])) == widest]
        if rows:
            line = start + sum(len(c.splitlines()) - 1 for c in row[:k])
            raise InputFileError(
                f"{name} line {line}: a quote opened here runs to line {start + len(raw) - 1}, "
                f"swallowing {len(rows)} line(s) that look like rows of their own",
                hint='close the quote; a quote inside a cell is written twice ("")',
            )


def _sep_line_error(path: Path, sample: str, used: str, mapping: Mapping[str, str] | None) -> InputFileError | None:
    """When Excel's ``sep=`` line names a delimiter the rows do not use: say so (else None)."""
    found = _SEP_LINE.match(sample)
    if not found or found.group(1) != used:
        return None
    body = choose_delimiter(sample[found.end() :], mapping)
    if body == used:
        return None
    return InputFileError(
        f"{path.name}: its first line 'sep={used}' says cells are separated by {used!r}, but the rows use {body!r}",
        hint=f"remove or correct the sep= line, or give --delimiter '{body}'",
    )


def choose_delimiter(sample: str, mapping: Mapping[str, str] | None = None) -> str:
    """The delimiter Excel's ``sep=`` line names, else the one whose header maps the most fields
    and whose rows most often have the header's width; ``,`` when none maps two fields."""
    found = _SEP_LINE.match(sample)
    if found and found.group(1) not in "\r\n\"":
        return found.group(1)
    lines = sample.splitlines(keepends=True)
    if len(sample) >= 65536 and len(lines) > 1:
        lines = lines[:-1]  # the sample may end mid-line
    text = "".join(lines[:200])
    best, best_score = ",", (1, 0.0, 0)
    for rank, delimiter in enumerate(DELIMITERS):
        try:
            rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        except csv.Error:
            continue
        scores = [count_known(r, mapping) for r in rows[:HEADER_SEARCH_ROWS]]
        if not scores:
            continue
        known = max(scores)
        at = scores.index(known)
        width = len(rows[at])
        body = [r for r in rows[at + 1 :] if any(c.strip() for c in r)]
        steady = sum(1 for r in body if len(r) == width) / len(body) if body else 1.0
        score = (known, steady, -rank)
        if score > best_score:
            best, best_score = delimiter, score
    return best
