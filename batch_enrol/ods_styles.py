"""An .ods cell style's number format, as the Excel format code that shows the same text.

OpenDocument keeps a number's format as a data style (``number:number-style``,
``percentage-style``, ``currency-style``, ``text-style``) named by a cell style's
``style:data-style-name``; a cell names its cell style with ``table:style-name`` (or inherits
its row's or column's ``table:default-cell-style-name``). Each data style is written here as the
Excel code it is equivalent to (``number:min-integer-digits="6"`` → ``000000``,
``number:grouping`` → ``#,##0``, ``number:embedded-text`` → ``00000-0000``, ``number:text``
around the digits → quoted literals, ``style:map`` conditions → sections), so one formatter
(``number_formats.display``) lays out the digits for every workbook format. Scientific, fraction,
date, time, boolean and text styles give no code: the cell reads as its value does.

Both parts are read with the standard library's streaming parser (expat refuses entity
expansion bombs; a part it cannot parse gives no styles), content.xml only up to its body,
where the styles end, and each part only up to MAX_STYLE_ELEMENTS elements (ValueError beyond).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree as ET

from .number_formats import shows_more

_NUMBER_STYLES = {"number-style", "percentage-style", "currency-style"}
_STYLE_KINDS = _NUMBER_STYLES | {"text-style", "date-style", "time-style", "boolean-style"}
MAX_STYLE_ELEMENTS = 500_000  #: in one part, before its body: a real workbook has a few thousand
_MAX_PARENTS = 8  #: a cell style's parent chain is followed this far for its data style
_CONDITION = re.compile(r"value\(\)(<=|>=|!=|<|>|=)(-?[0-9.]+(?:[Ee][+-]?[0-9]+)?)")


def cell_formats(archive: zipfile.ZipFile) -> dict[bytes, str]:
    """Cell style name (as written in content.xml) → Excel format code, for the cell styles
    whose number format shows a number as something other than its plain value.
    Raises ValueError for a part with more than MAX_STYLE_ELEMENTS elements."""
    codes: dict[str, str | None] = {}  # data style → its own code
    maps: dict[str, list[tuple[str, str]]] = {}  # data style → [(condition, the data style it applies)]
    cells: dict[str, tuple[str | None, str | None]] = {}  # cell style → (data style, parent)
    for part in ("styles.xml", "content.xml"):
        try:
            fh = archive.open(part)
        except KeyError:
            continue
        with fh:
            try:
                for kind, element in _styles(fh):
                    name = _attr(element, "name") or ""
                    if kind == "style":
                        if _attr(element, "family") == "table-cell":
                            cells[name] = (_attr(element, "data-style-name"), _attr(element, "parent-style-name"))
                    else:
                        codes[name] = _code(kind, element)
                        maps[name] = _maps(element)
            except ET.ParseError:
                continue  # encrypted or damaged: the value reader says what is wrong
    out: dict[bytes, str] = {}
    for name in cells:
        code = _resolved(name, cells, codes, maps)
        if code and shows_more(code):
            out[name.encode("utf-8")] = code
    return out


def _styles(fh) -> Iterator[tuple[str, ET.Element]]:
    """("style" or the data style's kind, its element), each once complete; stops at the body."""
    depth = elements = 0
    for event, element in ET.iterparse(fh, events=("start", "end")):
        local = element.tag.rsplit("}", 1)[-1]
        if event == "start":
            if local == "body":
                return
            depth, elements = depth + 1, elements + 1
            if elements > MAX_STYLE_ELEMENTS:
                raise ValueError(f"more than {MAX_STYLE_ELEMENTS:,} style elements: more than any spreadsheet writes")
            continue
        depth -= 1
        if local == "style" or local in _STYLE_KINDS:
            yield local, element
            element.clear()
        elif depth <= 2:
            element.clear()  # a finished group (office:styles, office:automatic-styles): keep nothing


def _attr(element: ET.Element, local: str) -> str | None:
    for key, value in element.attrib.items():
        if key.rsplit("}", 1)[-1] == local:
            return value
    return None


def _resolved(name: str, cells: dict, codes: dict, maps: dict) -> str | None:
    """A cell style's code: its own data style, or its parents'; map sections joined by ``;``."""
    data = None
    for _ in range(_MAX_PARENTS):
        if name not in cells:
            break
        data, parent = cells[name]
        if data or not parent:
            break
        name = parent
    own = codes.get(data) if data else None
    if not maps.get(data):
        return own
    # each map as an Excel section with its condition, in the order written; the style itself takes the rest
    sections = [f"[{condition}]{codes.get(applied) or own or ''}" for condition, applied in maps[data]]
    if len(sections) > 3:
        return None
    if len(sections) == 3:  # >0, <0, =0 (the style itself is then the text section, if it holds the text)
        return ";".join([*sections, own]) if own and "@" in own else ";".join(sections)
    return ";".join([*sections, own or "General"])


def _maps(element: ET.Element) -> list[tuple[str, str]]:
    """The style's ``style:map`` (condition as Excel writes it, e.g. ``<=9999999``; data style applied)."""
    out: list[tuple[str, str]] = []
    for child in element:
        if child.tag.rsplit("}", 1)[-1] == "map":
            condition = (_attr(child, "condition") or "").replace(" ", "")
            found = _CONDITION.fullmatch(condition)
            if found and (applied := _attr(child, "apply-style-name")):
                out.append((f"{found.group(1).replace('!=', '<>')}{found.group(2)}", applied))
    return out


def _code(kind: str, element: ET.Element) -> str | None:
    """A number, percentage or currency style as an Excel code; ``@`` for a text style."""
    if kind == "text-style":  # text around the cell's text: "ID-"@
        return "".join("@" if child.tag.endswith("}text-content") else _literal("".join(child.itertext()))
                       for child in element if child.tag.endswith(("}text-content", "}text"))) or "@"  # fmt: skip
    if kind not in _NUMBER_STYLES:
        return None
    parts: list[str] = []
    digits_seen = False
    for child in element:
        local = child.tag.rsplit("}", 1)[-1]
        if local == "number":
            digits = _digits(child)
            if digits is None:
                return None
            parts.append(digits)
            digits_seen = True
        elif local in ("text", "currency-symbol"):
            text = "".join(child.itertext())
            literal = _literal(text)
            parts.append(literal.replace("\\%", "%") if kind == "percentage-style" else literal)
        elif local in ("scientific-number", "fraction"):
            digits = _scientific(child) if local == "scientific-number" else _fraction(child)
            if digits is None:
                return None
            parts.append(digits)
            digits_seen = True
    return "".join(parts) if digits_seen or parts else None  # text alone ("zero"): a section that shows only it


def _scientific(element: ET.Element) -> str | None:
    """``number:scientific-number`` → ``0.00E+00`` (None for engineering notation's intervals)."""
    try:
        places = int(_attr(element, "decimal-places") or 0)
        shown = int(_attr(element, "min-decimal-places") or places)
        exponent = int(_attr(element, "min-exponent-digits") or 1)
        interval = int(_attr(element, "exponent-interval") or 1)
    except ValueError:
        return None
    if interval != 1 or places > 30 or exponent > 10:
        return None
    decimals = "." + "0" * shown + "#" * max(places - shown, 0) if places else ""
    return f"0{decimals}E{'+' if _attr(element, 'forced-exponent-sign') != 'false' else '-'}{'0' * exponent}"


def _fraction(element: ET.Element) -> str | None:
    """``number:fraction`` → ``# ?/?``, ``# ??/??``, ``?/?`` (no whole part), ``# ?/4`` (a fixed denominator)."""
    try:
        whole = _attr(element, "min-integer-digits")
        top = max(int(_attr(element, "min-numerator-digits") or 1), 1)
        fixed = _attr(element, "denominator-value")
        most = _attr(element, "max-denominator-value")  # LibreOffice; Gnumeric writes its own max-denominator-digits
        bottom = len(str(int(most))) if most else max(int(_attr(element, "max-denominator-digits") or 1), 1)
        whole_code = None if whole is None else ("#" if int(whole) == 0 else "0" * int(whole))
    except ValueError:
        return None
    if top > 10 or bottom > 10 or (whole is not None and int(whole) > 30):
        return None
    return f"{whole_code + ' ' if whole_code else ''}{'?' * top}/{fixed or '?' * bottom}"


def _literal(text: str) -> str:
    return "".join("\\" + c for c in text)


def _digits(number: ET.Element) -> str | None:
    """``number:number`` → ``#,##0.00``, ``000000``, ``00000\\-0000``; None for what the formatter cannot show."""
    factor = _attr(number, "display-factor")
    if factor not in (None, "1"):
        return None
    try:
        integers = int(_attr(number, "min-integer-digits") or 1)
        decimals = _attr(number, "decimal-places")
        places = int(decimals) if decimals is not None else None
        shown = int(_attr(number, "min-decimal-places") or (places or 0))
    except ValueError:
        return None
    if integers > 30 or (places or 0) > 30:
        return None
    embedded = []
    for child in number:
        if child.tag.rsplit("}", 1)[-1] == "embedded-text":
            try:
                embedded.append((int(_attr(child, "position") or 0), "".join(child.itertext())))
            except ValueError:
                return None
    grouping = _attr(number, "grouping") == "true"
    if embedded:
        if places or grouping or max(p for p, _ in embedded) > 30:
            return None
        return _with_embedded(integers, embedded)
    width = max(integers, 4 if grouping else 1)
    whole = "#" * (width - integers) + "0" * integers
    if grouping:
        whole = whole[:-3] + "," + whole[-3:]
    if places is None:
        return whole + ".##########"
    return whole + ("." + "0" * shown + "#" * max(places - shown, 0) if places else "")


def _with_embedded(integers: int, embedded: list[tuple[int, str]]) -> str:
    """Integer digits with literal text at positions counted from the decimal point leftwards."""
    width = max(integers, max(p for p, _ in embedded) + 1)  # a digit before the leftmost text: "# ##0"
    out: list[str] = []
    for position in range(width + 1):  # right to left: position = digits to the right
        out += [_literal(text) for p, text in reversed(embedded) if p == position]
        if position < width:
            out.append("0" if position < integers else "#")
    return "".join(reversed(out))
