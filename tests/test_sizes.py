"""Size limits of the code: no module over 400 lines, no class over 200, no function over 60."""

from __future__ import annotations

import ast

from tests.helpers import ROOT

MAX_MODULE, MAX_CLASS, MAX_FUNCTION = 400, 200, 60
SOURCES = sorted((ROOT / "batch_enrol").rglob("*.py"))

def offenders() -> list[str]:
    found = []
    for path in SOURCES:
        name = path.relative_to(ROOT).as_posix()
        text = path.read_text("utf-8")
        lines = text.count("\n") + 1
        if lines > MAX_MODULE:
            found.append(f"{name}: module of {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                size = node.end_lineno - node.lineno + 1
                limit = MAX_CLASS if isinstance(node, ast.ClassDef) else MAX_FUNCTION
                if size > limit:
                    kind = "class" if isinstance(node, ast.ClassDef) else "function"
                    found.append(f"{name}: {kind} {node.name} of {size} lines")
    return found


def test_modules_classes_and_functions_stay_small():
    assert SOURCES, "no sources found"
    found = offenders()
    assert not found, "over the size limits:\n" + "\n".join(found)
