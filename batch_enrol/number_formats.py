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
from functools import lru_cache

from babel.numbers import NumberFormatError, format_decimal

_DATE_TOKENS = re.compile(r"[ymdhsYMDHS]|AM/PM|A/P", re.IGNORECASE)
_CURRENCY = re.compile(r"\[\$([^\]-]*)(?:-[0-9A-Fa-f]+)?\]")
_BRACKETS = re.compile(r"\[[^\]]*\]")
_TOKEN = re.compile(r'"([^"]*)"|\\(.)|_.|\*.|([0#?,.%])|(.)', re.DOTALL)

#: Excel's built-in number formats (ids below 164 are not written into styles.xml).
BUILTIN = {1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 37: "#,##0 ;(#,##0)",
           38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)", 49: "@"}  # fmt: skip


def display(value: float, code: str) -> str | None:
    """The text Excel shows for ``value`` under number format ``code``; None where the
    plain value is what it shows (General, ``@``, dates, times, fractions, scientific)."""
    section, negative = _section(code, value)
    if section is None:
        return None
    parts = _parse(section)
    if parts is None:
        return None
    prefix, pattern, suffix, inner = parts
    number = float(f"{-value if negative and value < 0 else value:.15g}")  # Excel shows 15 significant digits
    if number == 0 and "0" not in pattern:  # only # and ? placeholders: Excel shows no digit for zero
        return (prefix + suffix).strip() or None
    sign = ""
    if number < 0:  # one section: the minus goes before all the format adds (-ID-0005, -€ 5.00)
        sign, number = "-", -number
    if inner:
        return sign + prefix + _fill(number, pattern) + suffix
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
    ``0``, which rounds 1234.5678 to 1235), so that its cells are read through it?"""
    return any(display(probe, code) not in (None, str(probe)) for probe in (7, 1234, -5, 1234.5678))


def _section(code: str, value: float) -> tuple[str | None, bool]:
    sections = _split(code)
    if value < 0 and len(sections) > 1:
        return sections[1], True  # the negative section shows its own sign, if any
    if value == 0 and len(sections) > 2:
        return sections[2], False
    return (None if _plain(sections[0]) else sections[0]), False


@lru_cache(maxsize=4096)  # codes come from the file: bounded
def _plain(section: str) -> bool:
    """Does this section show the plain value (General, Text, dates, times, fractions, scientific)?"""
    if section.strip().lower() in ("", "general", "@") or "@" in section or "/" in _unquoted(section):
        return True
    return bool(_DATE_TOKENS.search(_unquoted(_BRACKETS.sub("", section)))) or "E+" in section or "e+" in section


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
    digits = str(Decimal(str(abs(number))).quantize(Decimal(1), rounding=ROUND_HALF_UP))  # halves away from zero
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
