"""The package-level parts of an .xlsx the patcher touches: the sheet list, relationships, content
types, styles and the custom document properties that mark a workbook as a batch-enrol output."""

from __future__ import annotations

import json
import posixpath
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import quoteattr

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
}
WORKSHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
HYPERLINK_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
CUSTOM_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_CONTENT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_PART = "docProps/custom.xml"
CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
#: The custom document property that says "this workbook is a batch-enrol output" (a JSON object).
MARKER = "batch-enrol output"
REQUIRED_PARTS = frozenset({"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "[Content_Types].xml"})


class Unsupported(Exception):
    """This workbook's XML is not the shape the patcher knows; another writer must do it."""


def check_package(zin: zipfile.ZipFile) -> None:
    """Refuse what the patcher cannot write faithfully: missing parts, Strict Open XML, duplicate entries."""
    names = zin.namelist()
    if len(names) != len(set(names)):
        raise Unsupported("the zip has duplicate entries")
    missing = REQUIRED_PARTS - set(names)
    if missing:
        raise Unsupported(f"a minimal package without {', '.join(sorted(missing))}")
    if b"purl.oclc.org/ooxml" in zin.read("xl/workbook.xml")[:4096]:
        raise Unsupported("a Strict Open XML workbook")


def sheets(zin: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(title, zip path) of every sheet, in workbook order."""
    workbook = ET.fromstring(zin.read("xl/workbook.xml"))
    rels = ET.fromstring(zin.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iterfind("pr:Relationship", NS)}
    out = []
    for sheet in workbook.iterfind("m:sheets/m:sheet", NS):
        target = targets.get(sheet.get(f"{{{NS['r']}}}id"), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out.append((sheet.get("name", ""), path))
    return out


def sheet_part(zin: zipfile.ZipFile, title: str) -> tuple[str, int]:
    """The zip path of the sheet called ``title``, and its 0-based position."""
    for index, (name, path) in enumerate(sheets(zin)):
        if name == title:
            return path, index
    raise Unsupported(f"sheet {title!r} not found in workbook.xml")


def rels_path(part: str) -> str:
    """``xl/worksheets/sheet1.xml`` → ``xl/worksheets/_rels/sheet1.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def unique_part(taken: set[str], stem: str) -> str:
    n = 1
    while f"{stem}-{n}.xml" in taken:
        n += 1
    name = f"{stem}-{n}.xml"
    taken.add(name)
    return name


class Package:
    """workbook.xml, its rels and the content types as text, edited together."""

    def __init__(self, zin: zipfile.ZipFile) -> None:
        self.workbook = zin.read("xl/workbook.xml").decode("utf-8")
        self.rels = zin.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        self.types = zin.read("[Content_Types].xml").decode("utf-8")
        self.root_rels = zin.read("_rels/.rels").decode("utf-8") if "_rels/.rels" in zin.namelist() else None
        self.custom = zin.read(CUSTOM_PART).decode("utf-8") if CUSTOM_PART in zin.namelist() else None
        self.taken = set(zin.namelist())

    def add_sheet(self, title: str) -> str:
        """Register a new worksheet at the end; return its zip path."""
        name = unique_part(self.taken, "xl/worksheets/batch-enrol")
        n = 1
        while f'Id="rIdBatchEnrol{n}"' in self.rels:
            n += 1
        rid = f"rIdBatchEnrol{n}"
        ids = [int(i) for i in re.findall(r'<(?:\w+:)?sheet\b[^>]*?\bsheetId="(\d+)"', self.workbook)]
        tag = f'<sheet xmlns:r="{NS["r"]}" name={quoteattr(title)} sheetId="{max(ids, default=0) + 1}" r:id="{rid}"/>'
        self.workbook, found = re.subn(r"</(\w+:)?sheets>", lambda m: tag + m.group(0), self.workbook, count=1)
        self.rels, found_rel = re.subn(
            r"</Relationships>", f'<Relationship Id="{rid}" Type="{WORKSHEET_TYPE}" Target="/{name}"/></Relationships>', self.rels, count=1
        )
        self.types, found_type = re.subn(r"</Types>", f'<Override PartName="/{name}" ContentType="{WORKSHEET_CONTENT}"/></Types>', self.types, count=1)
        if not (found and found_rel and found_type):
            raise Unsupported("cannot register a new sheet")
        return name

    def set_marker(self, value: dict) -> dict[str, bytes]:
        """Write the marker property (keeping the user's own custom properties); the parts changed."""
        ET.register_namespace("", CUSTOM_NS)  # only the custom-properties parts are in these namespaces
        ET.register_namespace("vt", VT)
        if self.custom is None:
            if self.root_rels is None or "</Types>" not in self.types:
                raise Unsupported("no package relationships")
            root = ET.Element(f"{{{CUSTOM_NS}}}Properties")
            self.root_rels = self.root_rels.replace(
                "</Relationships>", f'<Relationship Id="rIdBatchEnrolCustom" Type="{CUSTOM_TYPE}" Target="{CUSTOM_PART}"/></Relationships>', 1
            )
            self.types = self.types.replace("</Types>", f'<Override PartName="/{CUSTOM_PART}" ContentType="{CUSTOM_CONTENT}"/></Types>', 1)
        else:
            try:
                root = ET.fromstring(self.custom)
            except ET.ParseError as exc:
                raise Unsupported(f"custom properties: {exc}") from None
            for prop in [p for p in root if p.get("name") == MARKER]:
                root.remove(prop)
        pids = [int(p.get("pid", "1")) for p in root if (p.get("pid") or "").isdigit()]
        prop = ET.SubElement(root, f"{{{CUSTOM_NS}}}property", fmtid=CUSTOM_FMTID, pid=str(max(pids, default=1) + 1), name=MARKER)
        ET.SubElement(prop, f"{{{VT}}}lpwstr").text = json.dumps(value, sort_keys=True)
        self.custom = ET.tostring(root, encoding="unicode")
        custom = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + self.custom.encode("utf-8")
        return {CUSTOM_PART: custom, "_rels/.rels": (self.root_rels or "").encode("utf-8")}

    def parts(self) -> dict[str, bytes]:
        return {"xl/workbook.xml": self.workbook.encode("utf-8"), "xl/_rels/workbook.xml.rels": self.rels.encode("utf-8"),
                "[Content_Types].xml": self.types.encode("utf-8")}  # fmt: skip


def read_marker(path: Path) -> dict | None:
    """The marker of a batch-enrol output workbook, or None (any other file, or not a workbook)."""
    try:
        with zipfile.ZipFile(path) as zin:
            if CUSTOM_PART not in zin.namelist():
                return None
            root = ET.fromstring(zin.read(CUSTOM_PART))
    except (zipfile.BadZipFile, OSError, ET.ParseError, KeyError):
        return None
    for prop in root:
        if prop.get("name") == MARKER:
            try:
                value = json.loads("".join(prop.itertext()))
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def count_insert(xml: str, tag: str, items: Sequence[str]) -> tuple[str, int]:
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


def add_styles(xml: str, fills: Sequence[str]) -> tuple[str, list[int], int, int, tuple[int, int]]:
    """Add one solid fill per colour, a bold font, a link font and the built-in date and date-time
    formats; return the xf ids (fills, bold, link, (date, date-time))."""
    if re.search(r"<\w+:styleSheet\b", xml):
        raise Unsupported("prefixed styles.xml")
    xml, first_fill = count_insert(
        xml, "fills", [f'<fill><patternFill patternType="solid"><fgColor rgb="{c}"/><bgColor indexed="64"/></patternFill></fill>' for c in fills]
    )
    xml, font = count_insert(xml, "fonts", ['<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>',
                                            '<font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="Calibri"/><family val="2"/></font>'])  # fmt: skip
    xfs = [f'<xf numFmtId="0" fontId="0" fillId="{first_fill + i}" borderId="0" xfId="0" applyFill="1"/>' for i in range(len(fills))]
    xfs.append(f'<xf numFmtId="0" fontId="{font}" fillId="0" borderId="0" xfId="0" applyFont="1"/>')
    xfs.append(f'<xf numFmtId="0" fontId="{font + 1}" fillId="0" borderId="0" xfId="0" applyFont="1"/>')
    xfs += [f'<xf numFmtId="{n}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' for n in (14, 22)]
    xml, first_xf = count_insert(xml, "cellXfs", xfs)
    link = first_xf + len(fills) + 1
    return xml, [first_xf + i for i in range(len(fills))], link - 1, link, (link + 1, link + 2)


def sheet_rels(existing: str | None, links: Sequence[tuple[str, str]]) -> str:
    """A sheet's relationships with our earlier hyperlinks dropped and ``links`` (id, url) added."""
    rels = existing or f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{NS["pr"]}"></Relationships>'
    rels = re.sub(r'<Relationship\b[^>]*\bId="rIdBE\d+"[^>]*/>', "", rels)
    added = "".join(f'<Relationship Id="{rid}" Type="{HYPERLINK_TYPE}" Target={quoteattr(url)} TargetMode="External"/>' for rid, url in links)
    rels, found = re.subn(r"</Relationships>", lambda m: added + m.group(0), rels, count=1)
    if not found:
        raise Unsupported("unusual sheet relationships")
    return rels
