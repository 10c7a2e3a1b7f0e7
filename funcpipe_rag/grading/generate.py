"""Derive ``exercises/`` from ``solutions/``: one source for both.

In a solution file, the parts a learner writes sit between marker comments::

    def async_pure(value):
        # BEGIN SOLUTION: return a plan that succeeds with value
        async def run(): ...
        return run
        # END SOLUTION

The exercise keeps everything else and replaces each marked part, at the
same indentation, with::

        # TODO: return a plan that succeeds with value
        raise NotImplementedError("TODO: return a plan that succeeds with value")

A part marked ``# BEGIN HELPERS: ...`` / ``# END HELPERS`` (module-level
helpers the learner writes for themselves, such as Hypothesis strategies)
becomes the TODO comment alone, so the exercise still imports.

Other files (a README) are copied as they are. ``exercises/.manifest.json``
records a hash of every file as last generated; a file whose text differs
from that hash holds a learner's work, and is never overwritten unless
``force`` is given.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN (?P<kind>SOLUTION|HELPERS)(?::\s*(?P<todo>.*?))?\s*$")
END = re.compile(r"^[ \t]*# END (?P<kind>SOLUTION|HELPERS)\s*$")
MANIFEST = ".manifest.json"
HEADER = "# Generated from solutions/{rel} by `funcpipe make-exercises`; edit freely, your work is kept.\n"
COPIED_SUFFIXES = (".md", ".txt", ".json", ".jsonl")


class MarkerError(ValueError):
    """A solution file has unbalanced markers."""


def strip_solutions(text: str, rel: str = "?") -> str:
    """The exercise text for the solution ``text``."""
    out: list[str] = []
    inside = False
    begin_line = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise MarkerError(f"{rel}:{number}: BEGIN SOLUTION inside another marked part")
            inside, begin_line = True, number
            indent = begin.group("indent")
            todo = (begin.group("todo") or "write this part").strip()
            out.append(f"{indent}# TODO: {todo}\n")
            if begin.group("kind") == "SOLUTION":
                out.append(f"{indent}raise NotImplementedError({json.dumps('TODO: ' + todo)})\n")
            continue
        if END.match(line):
            if not inside:
                raise MarkerError(f"{rel}:{number}: END SOLUTION without BEGIN SOLUTION")
            inside = False
            continue
        if not inside:
            out.append(line)
    if inside:
        raise MarkerError(f"{rel}:{begin_line}: BEGIN SOLUTION is never closed")
    return "".join(out)


def exercise_text(path: Path, rel: str) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return HEADER.format(rel=rel) + strip_solutions(text, rel)
    return text


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def solution_files(solutions: Path) -> list[Path]:
    return sorted(
        p for p in solutions.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
        and (p.suffix == ".py" or p.suffix in COPIED_SUFFIXES)
    )


@dataclass
class Outcome:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # learner's edits, not overwritten
    stale: list[str] = field(default_factory=list)  # would change (check mode)


def make_exercises(solutions: Path, exercises: Path, *, force: bool = False, check: bool = False) -> Outcome:
    """Write (or, with ``check``, only compare) every exercise file derived from ``solutions``."""
    manifest_path = exercises / MANIFEST
    try:
        manifest: dict[str, str] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    outcome = Outcome()
    new_manifest = dict(manifest)
    for src in solution_files(solutions):
        rel = src.relative_to(solutions).as_posix()
        wanted = exercise_text(src, rel)
        target = exercises / rel
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == wanted:
            outcome.unchanged.append(rel)
            new_manifest[rel] = _digest(wanted)
            continue
        if check:
            outcome.stale.append(rel)
            continue
        edited = current is not None and manifest.get(rel) != _digest(current)
        if edited and not force:
            outcome.kept.append(rel)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(wanted, encoding="utf-8")
        new_manifest[rel] = _digest(wanted)
        outcome.written.append(rel)
    if not check and new_manifest != manifest:
        exercises.mkdir(parents=True, exist_ok=True)
        manifest_path.write_text(json.dumps(dict(sorted(new_manifest.items())), indent=2) + "\n")
    return outcome
