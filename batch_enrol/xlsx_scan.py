"""One streamed pass over an .xlsx workbook's XML for what the value reader does not give.

For each worksheet: its extent counted over cells that hold something (an empty styled
cell, however far down, costs the reader nothing and is not counted), the cells holding a
formula with no saved value, the cells showing an error value (``#N/A``, ``#REF!``; the
value reader gives them as empty), and the number format of each number cell whose format shows
something other than the plain value (``000000``, ``00000-0000``, ``#,##0``). Sheets are
found by name through the workbook's relationships, so Strict Open XML works too.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from .files import xml_pieces
from .number_formats import BUILTIN, shows_more

_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?(/?)>')
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')
_FORMULA_ONLY = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)"
    rb"\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)

_ERROR = re.compile(
    rb'<(?:\w+:)?c\b([^>]*\bt="e"[^>]*)>(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>', re.DOTALL
)


@dataclass(slots=True)
class SheetScan:
    """What one worksheet's XML says beyond its values (rows and columns 1-based)."""

    rows: int = 0  #: last row holding a cell with content
    columns: int = 0  #: last column holding a cell with content
    formulas: Collection[tuple[int, int]] = field(default_factory=set)  #: formula cells with no saved value
    formats: Mapping[tuple[int, int], str] = field(default_factory=dict)  #: cell → number format code
    errors: Mapping[tuple[int, int], str] = field(default_factory=dict)  #: cell → the error it shows (``#N/A``)
    #: merged ranges ((top, left), (bottom, right)), 0-based as the value reader gives them; where it gives none
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def scan(archive: zipfile.ZipFile) -> dict[str, SheetScan]:
    """Sheet name → its SheetScan, for every worksheet (by part name when names are unknown)."""
    styles = _styles_that_show(archive)
    names = _sheet_parts(archive)
    out: dict[str, SheetScan] = {}
    for info in archive.infolist():
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            out[names.get(info.filename, info.filename)] = _scan_sheet(archive, info, styles)
    return out


def _scan_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, styles: dict[int, str]) -> SheetScan:
    result = SheetScan()
    widest = b""  # the furthest column's letters (compared as (length, letters): no arithmetic per cell)
    with archive.open(info) as fh:
        for buffer in xml_pieces(fh):
            for match in _CELL_REF.finditer(buffer):
                if match.group(3):
                    continue  # <c .../>: no content
                letters, row = match.group(1), int(match.group(2))
                if row > result.rows:
                    result.rows = row
                if len(letters) > len(widest) or (len(letters) == len(widest) and letters > widest):
                    widest = letters
                if styles and (style := _STYLE.search(match.group(0))) and int(style.group(1)) in styles:
                    result.formats[(row, column_number(letters))] = styles[int(style.group(1))]
            if b"<f" in buffer or b":f" in buffer:
                for match in _FORMULA_ONLY.finditer(buffer):
                    ref = _REF.search(match.group(1))
                    if ref is not None:
                        result.formulas.add((int(ref.group(2)), column_number(ref.group(1))))
            if b't="e"' in buffer:
                for match in _ERROR.finditer(buffer):
                    if ref := _REF.search(match.group(1)):
                        shown = match.group(2).decode("utf-8", "replace").strip() or "#VALUE!"
                        result.errors[(int(ref.group(2)), column_number(ref.group(1)))] = shown
    result.columns = column_number(widest)
    return result


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read_xml(archive: zipfile.ZipFile, name: str) -> ET.Element | None:
    try:
        return ET.fromstring(archive.read(name))
    except (KeyError, ET.ParseError):
        return None


def _styles_that_show(archive: zipfile.ZipFile) -> dict[int, str]:
    """Cell style index → number format code, for the styles that show more than the value."""
    root = _read_xml(archive, "xl/styles.xml")
    if root is None:
        return {}
    codes = dict(BUILTIN)
    xfs: list[int] = []
    for element in root:
        if _local(element.tag) == "numFmts":
            for fmt in element:
                if fmt.get("numFmtId", "").isdigit():
                    codes[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
        elif _local(element.tag) == "cellXfs":
            xfs = [int(xf.get("numFmtId", "0")) if xf.get("numFmtId", "0").isdigit() else 0 for xf in element]
    out: dict[int, str] = {}
    for index, fmt_id in enumerate(xfs):
        code = codes.get(fmt_id)
        if code and shows_more(code):
            out[index] = code
    return out


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name (``xl/worksheets/sheet1.xml``) → the sheet's name."""
    workbook, rels = _read_xml(archive, "xl/workbook.xml"), _read_xml(archive, "xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out: dict[str, str] = {}
    for element in workbook.iter():
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            target = targets.get(rid, "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            out[part] = element.get("name", "")
    return out
