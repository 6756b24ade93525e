"""Write result columns into the user's own .xlsx by patching its XML, leaving every other part as it was.

Why not openpyxl: it rebuilds the whole workbook (dropping images, charts and anything
else it does not model) and needs minutes and gigabytes for 100,000 rows. Here the zip is
copied entry by entry; only four small parts change: the data sheet (cells appended to
the header and data rows), ``styles.xml`` (three fills and a bold font appended),
``workbook.xml`` and its relationships (the two report sheets registered), and
``[Content_Types].xml``. Anything unexpected raises ``Unsupported`` and the caller falls
back to openpyxl.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import column_index_from_string, get_column_letter

from .files import xml_pieces

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
}
WORKSHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
ZIP_LEVEL = 5  #: the best time/size trade-off measured (benchmarks/README.md, "Design measurements")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?(/?)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)\d+"')
_ANY_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_STYLE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bs="(\d+)"')

Value = str | int | float | None


class Unsupported(Exception):
    """This workbook's XML is not the shape the patcher knows; use the slow path."""


def _text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


def cell_xml(ref: str, value: Value, style: int | None) -> str:
    s = f' s="{style}"' if style is not None else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if style is not None else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(str(value))}</t></is></c>'
    return f'<c r="{ref}"{s}><v>{value}</v></c>'


def sheet_xml(rows: Sequence[Sequence[Value]], bold: int, widths: Sequence[float] = ()) -> bytes:
    """A whole new worksheet: the first row in bold, every string inline (never a formula)."""
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
    body = []
    for r, values in enumerate(rows, start=1):
        cells = "".join(cell_xml(f"{get_column_letter(c)}{r}", v, bold if r == 1 else None) for c, v in enumerate(values, 1))
        body.append(f'<row r="{r}">{cells}</row>')
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS["m"]}">'
        + (f"<cols>{cols}</cols>" if cols else "")
        + f'<sheetData>{"".join(body)}</sheetData></worksheet>'
    ).encode("utf-8")


def _count_insert(xml: str, tag: str, items: Sequence[str]) -> tuple[str, int]:
    """Append items to ``<tag count="n">…</tag>``; return the new xml and the index of the first item."""
    match = re.search(rf"<{tag}\b([^>]*)>(.*?)</{tag}>", xml, re.S)
    if match is None:
        raise Unsupported(f"styles.xml has no <{tag}>")
    attrs, inner = match.group(1), match.group(2)
    child = {"fills": "fill", "fonts": "font", "cellXfs": "xf"}[tag]
    existing = len(re.findall(rf"<{child}\b", inner))
    attrs = re.sub(r'\bcount="\d+"', f'count="{existing + len(items)}"', attrs)
    if "count=" not in attrs:
        attrs += f' count="{existing + len(items)}"'
    return xml[: match.start()] + f"<{tag}{attrs}>{inner}{''.join(items)}</{tag}>" + xml[match.end() :], existing


def _styles(xml: str, fills: Sequence[str]) -> tuple[str, list[int], int]:
    """Add one solid fill per colour and a bold font; return the new xf ids (fills, then bold)."""
    if re.search(r"<\w+:styleSheet\b", xml):
        raise Unsupported("prefixed styles.xml")
    xml, first_fill = _count_insert(
        xml, "fills", [f'<fill><patternFill patternType="solid"><fgColor rgb="{c}"/><bgColor indexed="64"/></patternFill></fill>' for c in fills]
    )
    xml, bold_font = _count_insert(xml, "fonts", ['<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'])
    xfs = [f'<xf numFmtId="0" fontId="0" fillId="{first_fill + i}" borderId="0" xfId="0" applyFill="1"/>' for i in range(len(fills))]
    xfs.append(f'<xf numFmtId="0" fontId="{bold_font}" fillId="0" borderId="0" xfId="0" applyFont="1"/>')
    xml, first_xf = _count_insert(xml, "cellXfs", xfs)
    return xml, [first_xf + i for i in range(len(fills))], first_xf + len(fills)


def _sheet_part(zin: zipfile.ZipFile, title: str) -> tuple[str, int]:
    """The zip path of the sheet called ``title``, and its 0-based position."""
    workbook = ET.fromstring(zin.read("xl/workbook.xml"))
    rels = ET.fromstring(zin.read("xl/_rels/workbook.xml.rels"))
    for index, sheet in enumerate(workbook.iterfind("m:sheets/m:sheet", NS)):
        if sheet.get("name") == title:
            rid = sheet.get(f"{{{NS['r']}}}id")
            for rel in rels.iterfind("pr:Relationship", NS):
                if rel.get("Id") == rid:
                    target = rel.get("Target", "")
                    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
                    return path, index
    raise Unsupported(f"sheet {title!r} not found in workbook.xml")


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
    """Second pass: stream the sheet XML, appending cells to the header and data rows."""

    def __init__(self, header_row: int, header: Sequence[str], rows: Mapping[int, Sequence[Value]],
                 styles: Mapping[int, int], first: int, width: float) -> None:  # fmt: skip
        self.header_row, self.header, self.rows, self.styles = header_row, header, rows, styles
        self.first, self.width = first, width
        self.letters = [get_column_letter(first + i) for i in range(len(header))]
        self.wanted = set(rows) | {header_row}

    def stream(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        last = self.letters[-1].encode()
        buffer, phase = b"", "head"
        for chunk in chunks:
            buffer += chunk
            if phase == "head":
                start = _SHEETDATA_START.search(buffer)
                if start is None:
                    continue
                head = re.sub(rb'(<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:)[A-Z]+(\d+)"', lambda m: m.group(1) + last + m.group(2) + b'"', buffer[: start.start()], count=1)
                yield _add_widths(head, self.first, self.first + len(self.header) - 1, self.width)
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
        yield re.sub(rb'(<(?:\w+:)?autoFilter\s+ref="[A-Z]+\d+:)[A-Z]+(\d+)"', lambda m: m.group(1) + last + m.group(2) + b'"', buffer, count=1)

    def _rows(self, xml: bytes) -> Iterator[bytes]:
        """Complete rows in, the same rows out with cells appended where wanted."""
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
            if number == self.header_row:
                inside = xml[match.end() : closing.start()] if closing else b""
                found = _STYLE.findall(inside)
                style = int(found[-1]) if found else None
                cells = "".join(cell_xml(f"{c}{number}", v, style) for c, v in zip(self.letters, self.header, strict=False))
            else:
                first_style = self.styles.get(number)
                cells = "".join(cell_xml(f"{c}{number}", v, first_style if i == 0 else None)
                                for i, (c, v) in enumerate(zip(self.letters, self.rows[number], strict=False)))  # fmt: skip
            payload = cells.encode("utf-8")
            yield xml[position : match.start()]
            if closing is None:  # <row .../>: open it up
                yield open_tag[:-2].rstrip() + b">" + payload + b"</row>"
                position = match.end()
            else:
                yield open_tag
                yield xml[match.end() : closing.start()]
                yield payload
                position = closing.start()
        yield xml[position:]


def _add_widths(xml: bytes, first: int, last: int, width: float) -> bytes:
    col = f'<col min="{first}" max="{last}" width="{width}" customWidth="1"/>'.encode()
    cols = re.search(rb"<(?:\w+:)?cols>(.*?)</(?:\w+:)?cols>", xml, re.S)
    if cols is None:
        at = re.search(rb"<(?:\w+:)?sheetData\b", xml)
        return xml if at is None else xml[: at.start()] + b"<cols>" + col + b"</cols>" + xml[at.start() :]
    if any(int(m) >= first for m in re.findall(rb'\bmax="(\d+)"', cols.group(1))):
        return xml  # the user's own widths reach that far: keep theirs
    return xml[: cols.end(1)] + col + xml[cols.end(1) :]


def patch(
    src: Path,
    dst: Path,
    *,
    sheet: str,
    header_row: int,
    header: Sequence[str],
    rows: Mapping[int, Sequence[Value]],
    tones: Mapping[int, int],
    fills: Sequence[str],
    extra_sheets: Sequence[tuple[str, Sequence[Sequence[Value]], Sequence[float]]] = (),
    width: float = 24,
) -> None:
    """Copy ``src`` to ``dst`` with result columns on ``sheet`` and ``extra_sheets`` added at the end.

    ``tones`` maps a row number to an index into ``fills`` (the colour of its first result cell).
    """
    try:
        zin = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unsupported(str(exc)) from None
    with zin:
        names = set(zin.namelist())
        if not {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "[Content_Types].xml"} <= names:
            raise Unsupported("a part is missing")
        part, index = _sheet_part(zin, sheet)
        styles_xml, fill_xfs, bold_xf = _styles(zin.read("xl/styles.xml").decode("utf-8"), fills)
        styles = {row: fill_xfs[tone] for row, tone in tones.items()}
        first = _last_column(zin, part) + 1
        patcher = _SheetPatcher(header_row, header, rows, styles, first, width)
        replaced: dict[str, bytes | _SheetPatcher] = {part: patcher, "xl/styles.xml": styles_xml.encode("utf-8")}
        workbook = zin.read("xl/workbook.xml").decode("utf-8")
        rels = zin.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        types = zin.read("[Content_Types].xml").decode("utf-8")
        workbook = _widen_filter_name(workbook, index, get_column_letter(first + len(header) - 1))
        new_parts: dict[str, bytes] = {}
        sheet_ids = [int(i) for i in re.findall(r'<(?:\w+:)?sheet\b[^>]*?\bsheetId="(\d+)"', workbook)]
        for n, (title, values, widths) in enumerate(extra_sheets, start=1):
            name = f"xl/worksheets/batch-enrol-{n}.xml"
            rid = f"rIdBatchEnrol{n}"
            new_parts[name] = sheet_xml(values, bold_xf, widths)
            sheet_tag = f'<sheet xmlns:r="{NS["r"]}" name={quoteattr(title)} sheetId="{max(sheet_ids, default=0) + n}" r:id="{rid}"/>'
            workbook, found = re.subn(r"</(\w+:)?sheets>", lambda m, tag=sheet_tag: tag + m.group(0), workbook, count=1)
            rels, found_rel = re.subn(
                r"</Relationships>",
                f'<Relationship Id="{rid}" Type="{WORKSHEET_TYPE}" Target="/{name}"/></Relationships>',
                rels,
                count=1,
            )
            types, found_type = re.subn(
                r"</Types>", f'<Override PartName="/{name}" ContentType="{WORKSHEET_CONTENT}"/></Types>', types, count=1
            )
            if not (found and found_rel and found_type):
                raise Unsupported("cannot register a new sheet")
        replaced.update({"xl/workbook.xml": workbook.encode("utf-8"), "xl/_rels/workbook.xml.rels": rels.encode("utf-8"),
                         "[Content_Types].xml": types.encode("utf-8")})  # fmt: skip
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as zout:
            for item in zin.infolist():
                data = replaced.get(item.filename)
                if data is None:  # the item keeps its own compression; the level is only a speed
                    zout.writestr(item, zin.read(item.filename), compresslevel=ZIP_LEVEL)
                elif isinstance(data, _SheetPatcher):  # opened by name, so the archive's level applies
                    with zout.open(item.filename, "w", force_zip64=True) as stream:
                        for piece in data.stream(_chunks(zin, item.filename)):
                            stream.write(piece)
                else:
                    zout.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED)
            for name, data in new_parts.items():
                zout.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)


def _widen_filter_name(workbook: str, index: int, last_letter: str) -> str:
    """Keep the autofilter's defined name in step with its widened range."""
    pattern = re.compile(
        rf'(<(?:\w+:)?definedName\b[^>]*name="_xlnm\._FilterDatabase"[^>]*localSheetId="{index}"[^>]*>[^<]*?:\$)[A-Z]+(\$\d+)'
    )
    return pattern.sub(lambda m: m.group(1) + last_letter + m.group(2), workbook, count=1)
