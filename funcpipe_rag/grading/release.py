"""``funcpipe release DIR``: the learner's copy of the workbook, without the answers.

What the copy holds, and what it leaves out:

* the library, the notebooks (as they are, outputs included), the README,
  the Makefile, the environments and the grade-on-push workflow;
* ``exercises/`` as stubs, generated afresh from ``solutions/`` (so an
  instructor's own edits of ``exercises/`` never travel);
* the graded tests each core needs (``tests/grading/<core>/test_*.py`` and
  ``contract.toml``), with the hidden tests (``@graded(hidden=True)``) cut
  out and counted in ``tests/grading/<core>/hidden.json``, so a learner's
  report still says how many there are;
* the library's own tests, except those that need the instructor's material.

Left out: ``solutions/``; the grader's own tests and their data (chaffs,
hostile submissions, mutants: each is built from a solution);
``bench/`` (it grades the solutions); test modules that read ``solutions/``
or import ``bench``; the instructor guide; the Classroom 50 autograder (it
belongs in the teacher's configuration repository).

:func:`leaks` then looks for the solutions' text in everything the copy
holds — Python files, notebooks (sources and outputs) and the rest — after
reducing both to words and symbols, so neither layout nor comments hide a
match. A leak is a marked solution part of at least :data:`LONG_PART`
tokens found verbatim, or every marked part of one exercise found verbatim
(its whole answer, however short each part). ``funcpipe release`` refuses a
copy that leaks.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from funcpipe_rag.grading.generate import BEGIN, END, HEADER, MANIFEST, exercise_text, solution_files
from funcpipe_rag.grading.harness import parse_python
from funcpipe_rag.grading.hidden import HiddenCount, hidden_tests, write_manifest

MARKER = ".funcpipe-release"
"""Written at the top of every release; ``--replace`` only ever deletes a folder holding it."""

LONG_PART = 40
"""Tokens from which one marked solution part found verbatim is a leak by itself."""

DROPPED_TREES = ("solutions/", "bench/", ".github/classroom50/", "notebooks/INSTRUCTOR.md")
GRADED_KEEP = re.compile(r"^tests/grading/(?P<core>m\d+c\d+)/(test_[\w]+\.py|contract\.toml)$")
INSTRUCTOR_ONLY = re.compile(r"""["']solutions["']|solutions/|\bimport bench\b|\bfrom bench\b|["']bench\.""")
_WORD = re.compile(r"\w+|[^\w\s]")


class ReleaseError(Exception):
    """The release cannot be written (a folder in the way, no checkout, a leak)."""


@dataclass
class Release:
    """What ``build`` wrote: files copied, files generated, files left out (and why), hidden tests cut."""

    dest: Path
    copied: list[str] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)
    hidden: dict[str, HiddenCount] = field(default_factory=dict)  # "core/exercise" -> what was cut


# ---- what goes in --------------------------------------------------------------------------------


def workbook_files(root: Path) -> list[str]:
    """The files of the workbook: what git tracks, or (no git) every file outside caches and venvs."""
    if (root / ".git").exists():
        try:
            listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True,
                                    check=True, timeout=60).stdout.decode()
            return sorted(p for p in listed.split("\0") if p and (root / p).is_file())
        except (OSError, subprocess.SubprocessError):
            pass
    skip = {".git", "__pycache__", ".ipynb_checkpoints", ".hypothesis", ".mypy_cache", ".ruff_cache",
            ".pytest_cache", "build", "dist"}
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip and not d.startswith(".venv")
                       and not d.endswith(".egg-info")]
        found += [Path(dirpath, f).relative_to(root).as_posix() for f in filenames]
    return sorted(found)


def why_dropped(rel: str, text: str | None) -> str | None:
    """Why ``rel`` stays out of the learner's copy, or ``None`` when it goes in."""
    if rel.startswith(DROPPED_TREES):
        return "instructor material"
    if rel.startswith("exercises/"):
        return "generated afresh from solutions/"
    if rel.startswith("tests/grading/"):
        if GRADED_KEEP.match(rel) or rel == "tests/grading/conftest.py":
            return None
        return "the grader's own tests and their data"
    if rel.startswith("tests/") and rel.endswith(".py") and text is not None and INSTRUCTOR_ONLY.search(text):
        return "a test that needs solutions/ or bench/"
    return None


def strip_hidden(source: str, label: str = "<graded tests>") -> tuple[str, dict[str, int]]:
    """``source`` without its hidden graded tests (decorators included), and those tests' points."""
    hidden = hidden_tests(source, label)
    if not hidden:
        return source, {}
    lines = source.splitlines(keepends=True)
    for node in parse_python(source, label).body:
        if getattr(node, "name", None) in hidden:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            for i in range(first - 1, (node.end_lineno or node.lineno)):
                lines[i] = ""
    return "".join(lines), hidden


def build(root: Path, dest: Path) -> Release:
    """Write the learner's copy of the workbook at ``root`` to ``dest`` (which must not hold files)."""
    if dest.exists() and any(dest.iterdir()):
        raise ReleaseError(f"{dest} is not empty; name a new folder (or use --replace on an earlier release)")
    release = Release(dest)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / MARKER).write_text("a learner's copy written by `funcpipe release`\n", encoding="utf-8")
    hidden_by_core: dict[str, dict[str, HiddenCount]] = {}
    for rel in workbook_files(root):
        src = root / rel
        try:
            text: str | None = src.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            text = None
        reason = why_dropped(rel, text)
        if reason is not None:
            release.dropped[rel] = reason
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        graded = GRADED_KEEP.match(rel)
        if graded and rel.endswith(".py") and text is not None:
            kept, cut = strip_hidden(text, rel)
            if cut:
                exercise = Path(rel).stem.removeprefix("test_")
                count = HiddenCount(len(cut), sum(cut.values()))
                hidden_by_core.setdefault(graded["core"], {})[exercise] = count
                release.hidden[f"{graded['core']}/{exercise}"] = count
            target.write_text(kept, encoding="utf-8")
        else:
            shutil.copy2(src, target)
        release.copied.append(rel)
    for core, counts in hidden_by_core.items():
        write_manifest(dest / "tests" / "grading" / core, counts)
        release.generated.append(f"tests/grading/{core}/hidden.json")
    _write_stubs(root / "solutions", dest / "exercises", release)
    return release


def _write_stubs(solutions: Path, exercises: Path, release: Release) -> None:
    manifest: dict[str, str] = {}
    for src in solution_files(solutions):
        rel = src.relative_to(solutions).as_posix()
        text = exercise_text(src, rel)
        target = exercises / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        manifest[rel] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        release.generated.append(f"exercises/{rel}")
    exercises.mkdir(parents=True, exist_ok=True)
    (exercises / MANIFEST).write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n")


# ---- what must not be in it -----------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One marked part of a solution, reduced to its tokens."""

    exercise: str  # "m08c01/ex01_primitives"
    line: int
    tokens: tuple[str, ...]


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _code_without_comments(text: str) -> str:
    """``text`` with comments blanked (layout kept); the text itself if it does not tokenize."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return text
    lines = text.splitlines(keepends=True)
    for tok in reversed(tokens):
        if tok.type == tokenize.COMMENT:
            row, col = tok.start
            line = lines[row - 1]
            lines[row - 1] = line[:col] + line[tok.end[1]:]
    return "".join(lines)


def solution_parts(solutions: Path) -> list[Part]:
    """Every part of ``solutions`` marked ``BEGIN SOLUTION``/``BEGIN HELPERS``, as tokens."""
    parts: list[Part] = []
    for path in solution_files(solutions):
        if path.suffix != ".py":
            continue
        exercise = path.relative_to(solutions).with_suffix("").as_posix()
        text = _code_without_comments(path.read_text(encoding="utf-8"))
        raw = path.read_text(encoding="utf-8").splitlines()
        body: list[str] = []
        start = 0
        for number, (line, original) in enumerate(zip(text.splitlines(), raw, strict=True), start=1):
            if BEGIN.match(original):
                body, start = [], number
            elif END.match(original):
                parts.append(Part(exercise, start, tuple(_words("\n".join(body)))))
                start = 0
            elif start:
                body.append(line)
    return [p for p in parts if p.tokens]


def _texts(dest: Path) -> Iterable[tuple[str, str]]:
    """Every text the copy holds, by file: notebooks as their cell sources and text outputs."""
    for path in sorted(p for p in dest.rglob("*") if p.is_file()):
        rel = path.relative_to(dest).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if path.suffix == ".ipynb":
            cells = json.loads(text).get("cells", [])
            pieces = []
            for cell in cells:
                pieces.append(_joined(cell.get("source", "")))
                for out in cell.get("outputs", []):
                    pieces.append(_joined(out.get("text", "")))
                    pieces += [_joined(v) for k, v in out.get("data", {}).items() if k.startswith("text/")]
            text = "\n".join(pieces)
        if rel.startswith("exercises/") and path.suffix == ".py":
            text = text.removeprefix(HEADER.format(rel=rel.removeprefix("exercises/")))
        yield rel, _code_without_comments(text) if path.suffix == ".py" else text


def _joined(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _contains(haystack: str, needle: tuple[str, ...]) -> bool:
    sep = "\x00"
    return f"{sep}{sep.join(needle)}{sep}" in haystack


def leaks(dest: Path, solutions: Path) -> list[str]:
    """Where the copy at ``dest`` holds solution text, one sentence each (empty: no leak)."""
    parts = solution_parts(solutions)
    docs = [(rel, "\x00" + "\x00".join(_words(text)) + "\x00") for rel, text in _texts(dest)]
    found: list[str] = []
    by_exercise: dict[str, list[Part]] = {}
    for part in parts:
        by_exercise.setdefault(part.exercise, []).append(part)
    for part in parts:
        if len(part.tokens) >= LONG_PART:
            where = [rel for rel, doc in docs if _contains(doc, part.tokens)]
            if where:
                found.append(f"solutions/{part.exercise}.py, the part at line {part.line} "
                             f"({len(part.tokens)} tokens), appears verbatim in {', '.join(where)}")
    for exercise, own in sorted(by_exercise.items()):
        for rel, doc in docs:
            if all(_contains(doc, p.tokens) for p in own):
                found.append(f"every solution part of solutions/{exercise}.py appears verbatim in {rel}")
    return found


__all__ = ["LONG_PART", "MARKER", "Release", "ReleaseError", "build", "leaks", "solution_parts",
           "strip_hidden", "why_dropped", "workbook_files"]
