"""A class graded elsewhere: results files from Gradescope or CI, merged into one gradebook.

``funcpipe grade-class --merge DIR --out OUT`` reads one results file per
learner from ``DIR``:

* ``DIR/<learner>.json``, or
* ``DIR/<learner>/.../results.json`` (the shallowest one; Gradescope's
  ``results/results.json``, a CI artifact's ``results.json``), or the only
  ``.json`` file in ``DIR/<learner>/``.

A file may be a Gradescope ``results.json`` (``funcpipe grade --format
gradescope``) or a JSON report (``--format json``). When a completion marker
``<file>.complete`` lies next to it (``funcpipe grade --output``), its
SHA-256 must match, or the learner's results are rejected as changed after
grading. When the learner's folder also holds the submission's files (core
folders, as a Gradescope export does), they are kept for the similarity
report. The gradebook, the reports and the summary are then written exactly
as after ``funcpipe grade-class``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from funcpipe_rag import course
from funcpipe_rag.grading.classroom import records
from funcpipe_rag.grading.classroom.batch import save_sources
from funcpipe_rag.grading.classroom.intake import CoreLayout, Entry, IntakeError, list_entries, read_entry
from funcpipe_rag.grading.classroom.records import Record
from funcpipe_rag.grading.commands import marker_path
from funcpipe_rag.grading.runner import GraderError, discover

RESULTS_NAME = "results.json"


def graded_test_names(tests_root: Path | None) -> dict[tuple[str, str, str], str]:
    """``(core, exercise, title)`` → graded test name, from the graded tests (empty when there are none)."""
    if tests_root is None or not tests_root.is_dir():
        return {}
    try:
        suites = discover(tests_root)
    except GraderError:
        return {}
    return {(s.core, s.exercise, t.title): t.name for s in suites for t in s.tests}


def results_file(entry: Path) -> Path | None:
    """The results file of one learner's entry in ``DIR`` (see the module docstring)."""
    if entry.is_file():
        return entry if entry.suffix == ".json" else None
    found = sorted(entry.rglob(RESULTS_NAME), key=lambda p: (len(p.parts), p.as_posix()))
    if found:
        return found[0]
    candidates = [p for p in entry.glob("*.json") if p.is_file()]
    return candidates[0] if len(candidates) == 1 else None


def read_results(learner: str, source: str, path: Path, names: dict[tuple[str, str, str], str]) -> Record:
    """One learner's record from a results file (rejected, with the reason, when it cannot be used)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Record(learner, source, "rejected", f"{path.name} cannot be read ({exc})")
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    marker = marker_path(path)
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() != key:
        return Record(
            learner,
            source,
            "rejected",
            f"{path.name} does not match its completion marker: it changed after grading",
        )
    try:
        data = json.loads(text)
    except ValueError as exc:
        return Record(learner, source, "rejected", f"{path.name} is not JSON ({exc})")
    if isinstance(data, dict) and isinstance(data.get("cores"), list):
        report = records.report_from_dict(data)
    elif isinstance(data, dict) and isinstance(data.get("tests"), list):
        report = records.report_from_gradescope(data, names)
    else:
        return Record(
            learner,
            source,
            "rejected",
            f"{path.name} is neither a funcpipe JSON report nor a Gradescope results.json",
        )
    report.submission = learner
    return Record(learner, source, "graded", "; ".join(report.notes[:1]), key, report.to_dict())


def merge(results_dir: Path, out: Path, tests_root: Path | None) -> list[Record]:
    """Read every learner's results in ``results_dir``; write their records under ``out``; return them."""
    if not results_dir.is_dir():
        raise GraderError(f"no results folder at {results_dir}")
    names = graded_test_names(tests_root)
    layouts = [CoreLayout(c.slug, tuple(e.slug for e in c.exercises)) for c in course.available()]
    entries, duplicates = list_entries(results_dir, suffix=".json")
    found = [Record(d.learner, d.source, d.status, d.reason) for d in duplicates]
    for entry in entries:
        path = results_file(entry.path)
        if path is None:
            found.append(
                Record(
                    entry.learner,
                    entry.source,
                    "missing",
                    f"no {RESULTS_NAME} (nor a single .json file) in it",
                )
            )
            continue
        record = read_results(entry.learner, entry.source, path, names)
        found.append(record)
        if entry.path.is_dir() and record.status == "graded":
            with contextlib.suppress(
                IntakeError
            ):  # results without the submission's files: nothing to compare
                save_sources(out, read_entry(Entry(entry.learner, entry.path), layouts))
    found.sort(key=lambda r: r.learner)
    for record in found:
        records.save(out, record)
    return found


__all__ = ["RESULTS_NAME", "graded_test_names", "merge", "read_results", "results_file"]
