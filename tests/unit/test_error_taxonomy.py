"""The error taxonomy is closed: every code the library emits is built from ``ErrorCode``.

The library's source is read as a syntax tree: an ``ErrInfo(...)`` (or a
``code=`` argument) whose code is a string literal is a code that bypasses
the enum, and fails this test. Tests, solutions and notebooks may write codes
as strings (learners do), but only codes of the taxonomy.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator

import pytest

from funcpipe_rag import ErrInfo, ErrorCode
from funcpipe_rag.course import workbook_root

ROOT = workbook_root()
assert ROOT is not None
CODES = {c.value for c in ErrorCode}


def _code_arguments(tree: ast.AST) -> Iterator[tuple[int, ast.expr]]:
    """Each expression given as the code of an ``ErrInfo``, or as a ``code=`` argument."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name == "ErrInfo" and node.args:
            yield node.lineno, node.args[0]
        for kw in node.keywords:
            if kw.arg == "code" or (name == "ErrInfo" and kw.arg == "code"):
                yield node.lineno, kw.value


def literal_codes(source: str) -> list[tuple[int, str]]:
    return [
        (line, expr.value)
        for line, expr in _code_arguments(ast.parse(source))
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str)
    ]


def test_the_check_sees_literal_codes() -> None:
    source = (
        'ErrInfo("DB", "m")\nErrInfo(code="X", msg="m")\n'
        'ErrInfo.from_exception(e, code="IO")\nErrInfo(c, "m")\n'
    )
    assert literal_codes(source) == [(1, "DB"), (2, "X"), (3, "IO")]


def test_the_library_builds_every_code_from_the_enum() -> None:
    assert ROOT is not None
    found = []
    for file in sorted((ROOT / "funcpipe_rag").rglob("*.py")):
        for line, code in literal_codes(file.read_text(encoding="utf-8")):
            found.append(f"{file.relative_to(ROOT)}:{line}: {code!r}; use ErrorCode.{code}")
    assert found == []


def _workbook_sources() -> Iterator[tuple[str, str]]:
    assert ROOT is not None
    for folder in ("tests", "solutions", "exercises"):
        for file in sorted((ROOT / folder).rglob("*.py")):
            yield str(file.relative_to(ROOT)), file.read_text(encoding="utf-8")
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        yield str(nb.relative_to(ROOT)), code.replace("await ", "")


SOURCES = list(_workbook_sources())


@pytest.mark.parametrize(("where", "source"), SOURCES, ids=[w for w, _ in SOURCES])
def test_tests_and_lessons_use_only_taxonomy_codes(where: str, source: str) -> None:
    try:
        found = literal_codes(source)
    except SyntaxError:
        pytest.skip("not plain Python")
    unknown = [(line, code) for line, code in found if code not in CODES]
    assert unknown == [], f"{where}: codes outside the taxonomy {sorted(CODES)}"


def test_an_error_code_member_is_stored_as_its_string() -> None:
    info = ErrInfo(ErrorCode.NOT_FOUND, "gone")
    assert type(info.code) is str and info.code == "NOT_FOUND" and info == ErrInfo("NOT_FOUND", "gone")
    assert repr(info).startswith("ErrInfo(code='NOT_FOUND', msg='gone'")
