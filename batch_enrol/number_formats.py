"""A number cell as the text its Excel number format displays: ``123`` with ``000000`` → ``000123``.

The digits themselves are laid out by Babel's number-pattern formatter (the same pattern
language as Excel's for ``0 # , . %``), in the invariant ``en`` style Excel's codes are written
in. What Excel adds around them is handled here: sections (positive; negative; zero), colours
and conditions in brackets, currency tags (``[$€-407]``), quoted and escaped literals, and
literal characters between digits (``00000-0000``, ``000-00-0000``). ``@`` (Text), General,
dates and times give None: the cell reads as its value does.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache

from babel.numbers import NumberFormatError, format_decimal

_DATE_TOKENS = re.compile(r"[ymdhsYMDHS]|AM/PM|A/P", re.IGNORECASE)
_CURRENCY = re.compile(r"\[\$([^\]-]*)(?:-[0-9A-Fa-f]+)?\]")
_BRACKETS = re.compile(r"\[[^\]]*\]")
_TOKEN = re.compile(r'"([^"]*)"|\\(.)|_.|\*.|([0#?,.%])|(.)', re.DOTALL)

#: Excel's built-in number formats (ids below 164 are not written into styles.xml).
BUILTIN = {1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
           48: "##0.0E+0", 37: "#,##0 ;(#,##0)",
           38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)", 49: "@"}  # fmt: skip


def display(value: float, code: str) -> str | None:
    """The text Excel shows for ``value`` under number format ``code``; None where the plain
    value is what it shows (General, ``@``, dates, times) or where the code cannot be shown
    faithfully (a negative number in a section a condition chose, an unknown ``[…]`` tag)."""
    section, negative = _section(code, value)
    if section is None:
        return None
    number = float(f"{-value if negative and value < 0 else value:.15g}")  # Excel shows 15 significant digits
    body = _unquoted(section)
    if "E+" in body or "E-" in body or "e+" in body or "e-" in body:
        return _scientific(number, section)
    if "/" in body:
        return _fraction(number, section)
    parts = _parse(section)
    if parts is None:
        return _literal_only(section)
    prefix, pattern, suffix, inner = parts
    sign = ""
    if number < 0:  # one section: the minus goes before all the format adds (-ID-0005, -€ 5.00)
        sign, number = "-", -number
    if inner:  # "###-####": zero shows the literals alone ("-"), as Excel and LibreOffice show it
        return sign + prefix + _fill(number, pattern) + suffix
    if number == 0 and "0" not in pattern:  # only # and ? placeholders: Excel shows no digit for zero
        return (prefix + suffix).strip() or None
    if pattern.count("0") == len(pattern) and number.is_integer():  # 000000: what Babel gives, without its cost
        return sign + prefix + str(int(number)).rjust(len(pattern), "0") + suffix
    try:
        with localcontext() as context:
            context.rounding = ROUND_HALF_UP  # Excel rounds halves away from zero: 0.5 with "0" shows 1
            return sign + prefix + format_decimal(number, format=pattern, locale="en_US", group_separator=True) + suffix
    except (NumberFormatError, ValueError):
        return None


def shows_more(code: str) -> bool:
    """Does ``code`` show some number as other than its plain value (``000000``, ``#,##0``, and
    ``0``, which rounds 1234.5678 to 1235), or a text with more (``"ID-"@``), so that its cells
    are read through it?"""
    probes = (7, 1234, -5, 1234.5678, 0, 1.5, 4155551234)
    return any(display(probe, code) not in (None, str(probe)) for probe in probes) or display_text("x", code) is not None


def display_text(text: str, code: str) -> str | None:
    """The text Excel shows for a text cell under ``code``: its text section (the fourth, or a
    lone section holding ``@``) with the cell's text for each ``@``: ``"ID-"@`` → ``ID-abc``,
    ``0;-0;0;"Note: "@`` → ``Note: abc``. None where the text shows as it is."""
    sections = _split(code)
    section = _COLOURS.sub("", sections[3] if len(sections) > 3 else (sections[0] if len(sections) == 1 else ""))
    if "@" not in _unquoted(section) or _BRACKETS.search(_unquoted(section)):
        return None
    shown = "".join(text if other == "@" else quoted or escaped or digit or other for quoted, escaped, digit, other in _TOKEN.findall(section))
    return shown if shown != text else None


_CONDITION = re.compile(r"\[(<=|>=|<>|<|>|=)\s*(-?[0-9.]+(?:[Ee][+-]?[0-9]+)?)\]")
_TESTS = {"<": float.__lt__, ">": float.__gt__, "=": float.__eq__, "<=": float.__le__, ">=": float.__ge__, "<>": float.__ne__}
_COLOURS = re.compile(r"(?i)\[(?:black|blue|cyan|green|magenta|red|white|yellow|colou?r\s*[0-9]{1,2})\]")


def _section(code: str, value: float) -> tuple[str | None, bool]:
    """Excel's choice among ``positive;negative;zero;text``, or of the sections conditions such
    as ``[<=9999999]`` choose (a section without one takes the rest). (section, shown without
    its sign?); None where the plain value is what shows."""
    sections = _split(code)[:3]  # a fourth section is for text
    conditions = [_condition(s) for s in sections]
    value = float(value)
    if not any(conditions):
        if value < 0 and len(sections) > 1:
            return _usable(sections[1]), True  # the negative section shows its own sign, if any
        if value == 0 and len(sections) > 2:
            return _usable(sections[2]), False
        return (None if _plain(sections[0]) else _usable(sections[0])), False
    for index, section in enumerate(sections):
        condition = conditions[index]
        if condition is None and index == 0:
            condition = (">", 0.0) if len(sections) > 2 else (">=", 0.0)
        elif condition is None and index == 1 and len(sections) > 2 and conditions[0] is None:
            condition = ("<", 0.0)
        if condition is None or _TESTS[condition[0]](value, condition[1]):
            if value < 0 and index > 1:
                return None, False  # a third section for a negative: how it is signed is not documented, no guess
            return _usable(section), value < 0 and index == 1  # as LibreOffice: the first keeps the minus, the second not
    return None, False  # no section applies: Excel shows #####; the plain value is sent


def _condition(section: str) -> tuple[str, float] | None:
    found = _CONDITION.search(section)
    return (found.group(1), float(found.group(2))) if found else None


def _usable(section: str) -> str | None:
    """The section without its colour, condition and locale tags; None when it holds another tag."""
    section = _COLOURS.sub("", _CONDITION.sub("", section))
    section = _CURRENCY.sub(lambda m: f'"{m.group(1)}"', section)
    return None if _BRACKETS.search(_unquoted(section)) else section


@lru_cache(maxsize=4096)  # codes come from the file: bounded
def _plain(section: str) -> bool:
    """Does this section show the plain value (General, Text, dates, times)?"""
    if section.strip().lower() in ("", "general", "@") or "@" in section:
        return True
    return bool(_DATE_TOKENS.search(_unquoted(_BRACKETS.sub("", section))))


def _literal_only(section: str) -> str | None:
    """A section with no digits (``"zero"``, ``-``): its text; None for ``@``, dates and General."""
    if _plain(section) or "E+" in section:
        return None
    pieces = _TOKEN.findall(section)
    return "".join(quoted or escaped or other for quoted, escaped, _, other in pieces).strip() or None


@lru_cache(maxsize=4096)
def _split(code: str) -> tuple[str, ...]:
    out, current, quoted = [], "", False
    for char in code:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            out.append(current)
            current = ""
        else:
            current += char
    return (*out, current)


def _unquoted(section: str) -> str:
    return re.sub(r'"[^"]*"|\\.', "", section)


@lru_cache(maxsize=4096)
def _parse(section: str) -> tuple[str, str, str, bool] | None:
    """(literal prefix, digit pattern, literal suffix, literals inside the digits?)."""
    section = _BRACKETS.sub("", _CURRENCY.sub(lambda m: f'"{m.group(1)}"', section))
    pieces: list[tuple[str, str]] = []  # ("d", pattern char) or ("l", literal text)
    for quoted, escaped, digit, other in _TOKEN.findall(section):
        if digit:
            pieces.append(("d", "#" if digit == "?" else digit))  # ? pads with a space where # shows nothing
        elif quoted or escaped or other:
            pieces.append(("l", quoted or escaped or other))
    digits = [i for i, (kind, _) in enumerate(pieces) if kind == "d"]
    if not digits:
        return None
    first, last = digits[0], digits[-1]
    prefix = "".join(text for _, text in pieces[:first])
    suffix = "".join(text for _, text in pieces[last + 1 :])
    middle = pieces[first : last + 1]
    inner = any(kind == "l" for kind, _ in middle)
    pattern = "".join(text for _, text in middle)
    if not inner and pattern.count(".") > 1:
        return None
    return prefix, pattern, suffix, inner


def _fill(number: float, pattern: str) -> str:
    """Digits laid into a template with literals between them (``00000-0000``), right to left."""
    slots = sum(1 for c in pattern if c in "0#")
    digits = str(Decimal(str(abs(number))).quantize(Decimal(1), rounding=ROUND_HALF_UP)).lstrip("0")  # halves away from zero
    zeros = sum(1 for c in pattern if c == "0")
    digits = digits.rjust(zeros, "0") if len(digits) < zeros else digits
    out: list[str] = []
    left = digits
    placed = 0
    for char in reversed(pattern):
        if char in "0#":
            placed += 1
            if placed == slots:
                out.append(left)  # the first slot takes every digit left over
                left = ""
            else:
                out.append(left[-1:] if left else "")
                left = left[:-1]
        elif char not in ",.":
            out.append(char)
    text = "".join(reversed(out)).lstrip()
    return ("-" if number < 0 else "") + text


_SCIENTIFIC = re.compile(r"([0#?]+)(?:\.([0#?]*))?[Ee]([+-])([0#?]+)")
_FRACTION = re.compile(r"(?:([0#?,]+)( +))?([0#?]+)/([0#?]+|[1-9][0-9]*)")


def _around(section: str, found: re.Match, body: str) -> tuple[str, str]:
    """The literal text before and after the digits a pattern matched in ``body`` (the section unquoted)."""
    return (_literal_only(body[: found.start()]) or ""), (_literal_only(body[found.end() :]) or "")


def _scientific(number: float, section: str) -> str | None:
    """``0.00E+00``: 12345 → ``1.23E+04`` (one integer digit; halves away from zero)."""
    body = section
    found = _SCIENTIFIC.search(body)
    if found is None or len(found.group(1)) != 1:
        return None  # engineering notation (##0.0E+0): not shown here
    places, shown = len(found.group(2) or ""), (found.group(2) or "").count("0")
    exponent = 0
    mantissa = Decimal(repr(abs(number)))
    if mantissa:
        exponent = mantissa.adjusted()
        mantissa = mantissa.scaleb(-exponent).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if mantissa >= 10:
            exponent, mantissa = exponent + 1, (mantissa / 10).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    else:
        mantissa = Decimal(0).quantize(Decimal(1).scaleb(-places))
    text = f"{mantissa:f}"
    if places > shown:  # "#" decimals: shown only when not zero
        whole, _, decimals = text.partition(".")
        decimals = decimals.rstrip("0").ljust(shown, "0")
        text = whole + "." + decimals
    sign = "-" if exponent < 0 else ("+" if found.group(3) == "+" else "")
    before, after = _around(section, found, body)
    minus = "-" if number < 0 else ""
    return f"{minus}{before}{text}E{sign}{str(abs(exponent)).zfill(found.group(4).count('0') or 1)}{after}"


def _fraction(number: float, section: str) -> str | None:
    """``# ?/?``: 1.5 → ``1 1/2``; ``?/?``: 1.5 → ``3/2``; ``# ?/4``: quarters. The closest fraction
    whose denominator has at most as many digits as the code's; ``?`` pads with spaces."""
    body = section
    found = _FRACTION.search(body)
    if found is None:
        return None
    whole_code, gap, top, bottom = found.groups()
    value = Fraction(repr(abs(number)))
    whole = int(value) if whole_code else 0
    rest = value - whole
    if bottom.isdigit():
        part = Fraction(round(rest * int(bottom)), int(bottom))
        numerator, denominator = part.numerator * (int(bottom) // part.denominator), int(bottom)
    else:
        part = rest.limit_denominator(10 ** len(bottom) - 1)
        numerator, denominator = part.numerator, part.denominator
    if whole_code and numerator == denominator:
        whole, numerator = whole + 1, 0
    before, after = _around(section, found, body)
    minus = "-" if number < 0 else ""
    if numerator == 0 and whole_code:  # Excel shows the whole number and blanks where the fraction would be
        return f"{minus}{before}{whole}{after}".rstrip() or "0"
    fraction = f"{str(numerator).rjust(len(top))}/{str(denominator).ljust(len(bottom)) if not bottom.isdigit() else bottom}"
    text = (f"{whole}{gap}" if whole_code and whole else "") + fraction.strip()
    return f"{minus}{before}{text}{after}".strip()
