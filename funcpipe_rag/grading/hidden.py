"""Hidden graded tests: which tests of a file are hidden, and the count a learner's copy keeps of them.

A graded test marked ``@graded(hidden=True)`` runs only in the instructor's
grading. The learner's copy of the workbook (``funcpipe release``) leaves
those tests out and writes, next to the graded tests of each core, a
manifest ``hidden.json`` — ``{"<exercise>": {"tests": N, "points": P}}`` —
so that the learner's report can still say how many hidden tests exist and
what they are worth.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

from funcpipe_rag.grading.harness import parse_python

MANIFEST = "hidden.json"


@dataclass(frozen=True, slots=True)
class HiddenCount:
    """How many hidden tests an exercise has, and their points."""

    tests: int = 0
    points: int = 0

    def __add__(self, other: HiddenCount) -> HiddenCount:
        return HiddenCount(self.tests + other.tests, self.points + other.points)


def _graded_call(node: ast.stmt) -> ast.Call | None:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    for dec in node.decorator_list:
        if isinstance(dec, ast.Call):
            target = dec.func
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name == "graded":
                return dec
    return None


def _keyword(call: ast.Call, name: str) -> object:
    for kw in call.keywords:
        if kw.arg == name:
            try:
                return ast.literal_eval(kw.value)
            except ValueError:
                return None
    return None


def hidden_tests(source: str, label: str = "<graded tests>") -> dict[str, int]:
    """The hidden graded tests of a graded-test file, by name, with their points (read, not run).

    ``hidden=`` and ``points=`` must be literals for a test to count as hidden
    here; a test whose ``hidden=`` is computed is treated as visible.
    """
    found: dict[str, int] = {}
    for node in parse_python(source, label).body:
        call = _graded_call(node)
        if call is not None and _keyword(call, "hidden") is True:
            points = _keyword(call, "points")
            found[getattr(node, "name", "?")] = points if isinstance(points, int) else 0
    return found


def read_manifest(core_dir: Path) -> dict[str, HiddenCount]:
    """The hidden-test counts a learner's copy keeps for the core at ``core_dir`` (empty when none)."""
    path = core_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a hidden-test manifest: {exc}") from exc
    return {str(ex): HiddenCount(int(v["tests"]), int(v["points"])) for ex, v in data.items()}


def write_manifest(core_dir: Path, counts: dict[str, HiddenCount]) -> None:
    """Write the counts of hidden tests left out of the core at ``core_dir``."""
    data = {ex: {"tests": c.tests, "points": c.points} for ex, c in sorted(counts.items()) if c.tests}
    if data:
        (core_dir / MANIFEST).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


__all__ = ["MANIFEST", "HiddenCount", "hidden_tests", "read_manifest", "write_manifest"]
