"""Write result columns into the user's own .xlsx by patching its XML, leaving every other part as it was.

Why not openpyxl: it rebuilds the whole workbook (dropping images, charts and anything
else it does not model) and needs minutes and gigabytes for 100,000 rows. Here the zip is
copied entry by entry; only a few parts change: the data sheet (the result cells set in
their columns, the interview links made hyperlinks), its relationships (the links),
``styles.xml`` (three fills, a bold and a link font appended), ``workbook.xml`` and its
relationships (report sheets registered, or their parts replaced on a later run),
``[Content_Types].xml`` and ``docProps/custom.xml`` (the output marker). Anything
unexpected raises ``Unsupported`` and the caller uses another writer.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import to_excel

from .files import xml_pieces
from .xlsx_package import NS, Package, Unsupported, add_styles, check_package, rels_path, sheet_part, sheet_rels

__all__ = ["Results", "Unsupported", "patch", "sheet_xml"]

ZIP_LEVEL = 5  #: the best time/size trade-off measured (benchmarks/README.md, "Design measurements")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?(/?)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?(?:/>|>.*?</(?:\w+:)?c>)", re.S)
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)\d+"')
_ANY_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_STYLE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bs="(\d+)"')
#: What may follow <hyperlinks> in a worksheet, in schema order.
_AFTER_LINKS = re.compile(rb"<(?:\w+:)?(?:printOptions|pageMargins|pageSetup|headerFooter|rowBreaks|colBreaks|customProperties|"
                          rb"cellWatches|ignoredErrors|smartTags|drawing|legacyDrawing|legacyDrawingHF|picture|oleObjects|"
                          rb"controls|webPublishItems|tableParts|extLst)\b|</(?:\w+:)?worksheet>")  # fmt: skip

Value = str | int | float | dt.date | None


@dataclass(slots=True)
class Results:
    """The result cells to set on one sheet: ``columns[i]`` (1-based) holds ``names[i]`` and ``rows[r][i]``."""

    sheet: str
    header_row: int
    columns: Sequence[int]
    names: Sequence[str]
    rows: Mapping[int, Sequence[Value]]
    tones: Mapping[int, int] = field(default_factory=dict)  #: row → index into the fills (its first cell's colour)
    fills: Sequence[str] = ()
    link: int | None = None  #: index of the column whose values become hyperlinks (None: the sheet's links are kept as they are)
    widths: Sequence[float] = ()  #: per result column, used where the user set no width
    edits: Mapping[int, Mapping[int, Value]] = field(default_factory=dict)  #: row → 1-based column → a user cell's new value
    dates: tuple[int, int] | None = None  #: the xf ids of a date and a date-time cell (set by ``patch``)


def _text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


def cell_xml(ref: str, value: Value, style: int | None, dates: tuple[int, int] | None = None) -> str:
    """One cell; a date is its serial number with ``style``, else the date or date-time style of ``dates``."""
    if isinstance(value, dt.date):
        if style is None and dates is not None:
            style = dates[isinstance(value, dt.datetime)]
        value = to_excel(value)
    s = f' s="{style}"' if style is not None else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if style is not None else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(str(value))}</t></is></c>'
    return f'<c r="{ref}"{s}><v>{value}</v></c>'


def sheet_xml(rows: Sequence[Sequence[Value]], bold: int, widths: Sequence[float] = (), freeze: bool = False,
              dates: tuple[int, int] | None = None) -> bytes:  # fmt: skip
    """A whole new worksheet: the first row in bold (and frozen), every string inline (never a formula),
    dates as dates in the ``dates`` styles (date, date-time)."""
    views = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
             "</sheetView></sheetViews>") if freeze else ""  # fmt: skip
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
    body = []
    for r, values in enumerate(rows, start=1):
        cells = "".join(cell_xml(f"{get_column_letter(c)}{r}", v, bold if r == 1 else None, dates) for c, v in enumerate(values, 1))
        body.append(f'<row r="{r}">{cells}</row>')
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS["m"]}">{views}'
        + (f"<cols>{cols}</cols>" if cols else "")
        + f'<sheetData>{"".join(body)}</sheetData></worksheet>'
    ).encode("utf-8")


CHUNK = 1 << 22
_SHEETDATA_START = re.compile(rb"<(?:\w+:)?sheetData\b")
_SHEETDATA_END = re.compile(rb"</(?:\w+:)?sheetData>")
_ROW_END = re.compile(rb"</(?:\w+:)?row>")


def _chunks(zin: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The sheet XML in pieces that end on a '>' (no tag is split)."""
    with zin.open(part) as fh:
        try:
            yield from xml_pieces(fh, keep_text=True, chunk=CHUNK)
        except ValueError as exc:
            raise Unsupported(str(exc)) from None


def _last_column(zin: zipfile.ZipFile, part: str) -> int:
    """First pass: the right-most column any cell uses (every cell must say where it is)."""
    letters: set[bytes] = set()
    cells = referenced = 0
    for chunk in _chunks(zin, part):
        cells += sum(1 for _ in _ANY_CELL.finditer(chunk))
        for match in _CELL_REF.finditer(chunk):
            referenced += 1
            letters.add(match.group(1))
    if cells != referenced:
        raise Unsupported("cells without an r= reference")
    return max((column_index_from_string(m.decode()) for m in letters), default=0)


class _SheetPatcher:
    """Second pass: stream the sheet XML, setting the result cells of the header and data rows."""

    def __init__(self, results: Results, styles: Mapping[int, int], link_style: int, last: int) -> None:
        self.r, self.styles, self.link_style = results, styles, link_style
        self.letters = [get_column_letter(c) for c in results.columns]
        self.ours = set(results.columns)
        self.wanted = set(results.rows) | {results.header_row}
        self.last = get_column_letter(max(last, *results.columns))
        self.links: list[tuple[str, str, str]] = []  # (cell ref, relationship id, url)

    def stream(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        last = self.last.encode()
        buffer, phase = b"", "head"
        for chunk in chunks:
            buffer += chunk
            if phase == "head":
                start = _SHEETDATA_START.search(buffer)
                if start is None:
                    continue
                head = re.sub(rb'(<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:)[A-Z]+(\d+)"', lambda m: m.group(1) + last + m.group(2) + b'"', buffer[: start.start()], count=1)
                yield _add_widths(head, self.r.columns, self.r.widths)
                buffer, phase = buffer[start.start() :], "body"
            if phase == "body":
                end = _SHEETDATA_END.search(buffer)
                if end is not None:
                    yield from self._rows(buffer[: end.start()])
                    buffer, phase = buffer[end.start() :], "tail"
                else:
                    cut = max((m.end() for m in _ROW_END.finditer(buffer, max(0, len(buffer) - CHUNK))), default=0)
                    if cut:
                        yield from self._rows(buffer[:cut])
                        buffer = buffer[cut:]
        if phase != "tail":
            raise Unsupported("no sheetData")
        if self.wanted:
            raise Unsupported(f"rows {sorted(self.wanted)[:3]} are not in the sheet XML")
        tail = re.sub(rb'(<(?:\w+:)?autoFilter\s+ref="[A-Z]+\d+:)[A-Z]+(\d+)"', lambda m: m.group(1) + last + m.group(2) + b'"', buffer, count=1)
        yield self._hyperlinks(tail)

    def _cells(self, number: int, inside: bytes) -> str:
        if number == self.r.header_row:
            found = _STYLE.findall(inside)
            style = int(found[-1]) if found else None
            return {c: cell_xml(f"{x}{number}", v, style) for c, x, v in zip(self.r.columns, self.letters, self.r.names, strict=False)}  # type: ignore[return-value]
        out = {}
        for i, (c, x, v) in enumerate(zip(self.r.columns, self.letters, self.r.rows[number], strict=False)):
            style = self.styles.get(number) if i == 0 else None
            if i == self.r.link and isinstance(v, str) and v.startswith(("https://", "http://")):
                style = self.link_style
                self.links.append((f"{x}{number}", f"rIdBE{len(self.links) + 1}", v))
            out[c] = cell_xml(f"{x}{number}", v, style)
        for c, v in self.r.edits.get(number, {}).items():  # the user's fix keeps the cell's own style
            ref = f"{get_column_letter(c)}{number}"
            found = re.search(rb'<(?:\w+:)?c\b[^>]*?\br="' + ref.encode() + rb'"[^>]*?\bs="(\d+)"', inside)
            found = found or re.search(rb'<(?:\w+:)?c\b[^>]*?\bs="(\d+)"[^>]*?\br="' + ref.encode() + rb'"', inside)
            out[c] = cell_xml(ref, v, int(found.group(1)) if found else None, self.r.dates)
        return out  # type: ignore[return-value]

    def _rows(self, xml: bytes) -> Iterator[bytes]:
        """Complete rows in, the same rows out with the result cells set where wanted."""
        position = 0
        for match in _ROW.finditer(xml):
            number_match = _ROW_NUMBER.search(match.group(0))
            if number_match is None:
                raise Unsupported("a row without r=")
            number = int(number_match.group(1))
            if number not in self.wanted:
                continue
            self.wanted.discard(number)
            open_tag = re.sub(rb'\sspans="[^"]*"', b"", match.group(0))
            closing = None if match.group(1) else _ROW_END.search(xml, match.end())
            inside = xml[match.end() : closing.start()] if closing else b""
            merged = _merge(inside, self._cells(number, inside), self.ours | set(self.r.edits.get(number, ())))  # type: ignore[arg-type]
            yield xml[position : match.start()]
            yield (open_tag[:-2].rstrip() + b">" if closing is None else open_tag) + merged + b"</row>"
            position = closing.end() if closing else match.end()
        yield xml[position:]

    def _hyperlinks(self, tail: bytes) -> bytes:
        """Our links in the sheet's <hyperlinks>, replacing any earlier link on those cells."""
        if self.r.link is None:
            return tail
        refs = {ref.encode() for ref, _, _ in self.links}
        link_letter = self.letters[self.r.link].encode() if self.r.link is not None else b"@"
        column_refs = re.compile(rb"^" + re.escape(link_letter) + rb"\d+$")

        def drop(m: re.Match[bytes]) -> bytes:
            ref = re.search(rb'\bref="([A-Z]+\d+)"', m.group(0))
            ours = re.search(rb'r:id="rIdBE\d+"', m.group(0)) or (ref and (ref.group(1) in refs or column_refs.match(ref.group(1))))
            return b"" if ours else m.group(0)

        tail = re.sub(rb"<(?:\w+:)?hyperlink\b[^>]*?(?:/>|>.*?</(?:\w+:)?hyperlink>)", drop, tail, flags=re.S)
        tail = re.sub(rb"<(?:\w+:)?hyperlinks>\s*</(?:\w+:)?hyperlinks>|<(?:\w+:)?hyperlinks/>", b"", tail)
        if not self.links:
            return tail
        added = "".join(f'<hyperlink xmlns:r="{NS["r"]}" ref="{ref}" r:id="{rid}"/>' for ref, rid, _ in self.links).encode()
        existing = re.search(rb"</(?:\w+:)?hyperlinks>", tail)
        if existing:
            return tail[: existing.start()] + added + tail[existing.start() :]
        at = _AFTER_LINKS.search(tail)
        if at is None:
            raise Unsupported("no end of worksheet")
        return tail[: at.start()] + b"<hyperlinks>" + added + b"</hyperlinks>" + tail[at.start() :]


def _merge(inside: bytes, ours: Mapping[int, str], columns: set[int]) -> bytes:
    """A row's cells with those in ``columns`` replaced by ``ours``, in column order."""
    cells: list[tuple[int, bytes]] = []
    rest, position = [], 0
    for match in _CELL.finditer(inside):
        rest.append(inside[position : match.start()])
        position = match.end()
        ref = _CELL_REF.match(match.group(0))
        column = column_index_from_string(ref.group(1).decode()) if ref else 0
        if column not in columns:
            cells.append((column, match.group(0)))
    rest.append(inside[position:])
    cells += [(c, xml.encode("utf-8")) for c, xml in ours.items()]
    cells.sort(key=lambda item: item[0])
    return b"".join(xml for _, xml in cells) + b"".join(rest).strip()


def _add_widths(xml: bytes, columns: Sequence[int], widths: Sequence[float]) -> bytes:
    """Widths for result columns the user has not sized (theirs are kept); <col> stays sorted."""
    cols = re.search(rb"<(?:\w+:)?cols>(.*?)</(?:\w+:)?cols>", xml, re.S)
    existing = re.findall(rb"<(?:\w+:)?col\b[^>]*/>", cols.group(1)) if cols else []
    spans = [(int(re.search(rb'\bmin="(\d+)"', c).group(1)), int(re.search(rb'\bmax="(\d+)"', c).group(1))) for c in existing]  # type: ignore[union-attr]
    items = list(zip(spans, existing, strict=True))
    for column, width in zip(columns, widths, strict=False):
        if not any(lo <= column <= hi for lo, hi in spans):
            items.append(((column, column), f'<col min="{column}" max="{column}" width="{width}" customWidth="1"/>'.encode()))
    if len(items) == len(existing):
        return xml
    block = b"<cols>" + b"".join(x for _, x in sorted(items, key=lambda i: i[0][0])) + b"</cols>"
    if cols is not None:
        return xml[: cols.start()] + block + xml[cols.end() :]
    at = re.search(rb"<(?:\w+:)?sheetData\b", xml)
    return xml if at is None else xml[: at.start()] + block + xml[at.start() :]


def patch(src: Path, dst: Path, results: Results, *, extra_sheets: Sequence[tuple[str, Sequence[Sequence[Value]], Sequence[float]]] = (),
          marker: dict | None = None) -> None:  # fmt: skip
    """Copy ``src`` to ``dst`` with ``results`` set and ``extra_sheets`` (title, rows, widths) written.

    A sheet of ``extra_sheets`` whose title exists already is replaced (its part rewritten in
    place); the others are added at the end. Every zip entry name is written once.
    """
    try:
        zin = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unsupported(str(exc)) from None
    with zin:
        check_package(zin)
        part, index = sheet_part(zin, results.sheet)
        styles_xml, fill_xfs, bold_xf, link_xf, date_xfs = add_styles(zin.read("xl/styles.xml").decode("utf-8"), results.fills)
        styles = {row: fill_xfs[tone] for row, tone in results.tones.items()}
        last = _last_column(zin, part)
        columns, free = [], last + 1
        for column in results.columns:  # 0: a column new to this sheet, after the last one used
            columns.append(column or free)
            free += 0 if column else 1
        patcher = _SheetPatcher(dataclasses.replace(results, columns=columns, dates=date_xfs), styles, link_xf, last)
        package = Package(zin)
        replaced: dict[str, bytes | _SheetPatcher] = {part: patcher, "xl/styles.xml": styles_xml.encode("utf-8")}
        package.workbook = _widen_filter_name(package.workbook, index, patcher.last)
        added: dict[str, bytes] = {}
        for n, (title, values, widths) in enumerate(extra_sheets):
            xml = sheet_xml(values, bold_xf, widths, freeze=n > 0, dates=date_xfs)
            try:
                replaced[sheet_part(zin, title)[0]] = xml
            except Unsupported:
                added[package.add_sheet(title)] = xml
        if marker is not None:
            replaced.update(package.set_marker(marker))
        replaced.update(package.parts())
        links_part = rels_path(part)
        written: set[str] = set()
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as zout:
            for item in zin.infolist():
                written.add(item.filename)
                data = replaced.pop(item.filename, None)
                if item.filename == links_part and results.link is not None:
                    continue  # written after the sheet, when its links are known
                if data is None:  # the item keeps its own compression; the level is only a speed
                    # a copy: writestr sets the ZipInfo's offset to the new archive's, and zin looks entries up by it
                    zout.writestr(copy.copy(item), zin.read(item.filename), compresslevel=ZIP_LEVEL)
                elif isinstance(data, _SheetPatcher):  # opened by name, so the archive's level applies
                    with zout.open(item.filename, "w", force_zip64=True) as stream:
                        for piece in data.stream(_chunks(zin, item.filename)):
                            stream.write(piece)
                else:
                    zout.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED)
            for name, data in {**replaced, **added}.items():  # parts new to this package (custom.xml, new sheets)
                if isinstance(data, bytes) and name not in written:
                    zout.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
                    written.add(name)
            old = zin.read(links_part).decode("utf-8") if links_part in zin.namelist() else None
            if results.link is not None and (old is not None or patcher.links):
                zout.writestr(links_part, sheet_rels(old, [(rid, url) for _, rid, url in patcher.links]), compress_type=zipfile.ZIP_DEFLATED)


def _widen_filter_name(workbook: str, index: int, last_letter: str) -> str:
    """Keep the autofilter's defined name in step with its widened range."""
    pattern = re.compile(
        rf'(<(?:\w+:)?definedName\b[^>]*name="_xlnm\._FilterDatabase"[^>]*localSheetId="{index}"[^>]*>[^<]*?:\$)[A-Z]+(\$\d+)'
    )
    return pattern.sub(lambda m: m.group(1) + last_letter + m.group(2), workbook, count=1)
