"""The gradebook of a class: one row per learner, and the same results for Gradescope.

Written from the learners' records (:mod:`.records`), so a run that graded
nothing new writes the same files:

``gradebook.csv``
    ``learner, status, points, max_points, percent``, one column per
    exercise graded (``m08c01/ex01_primitives (max 14)``), then
    ``reason`` (one line: why a submission was refused, or what was wrong
    with one that was graded) and ``source`` (the entry's name). A learner
    whose submission lacks a core scores 0 on its exercises and the reason
    says so; ``rejected`` and ``missing`` score 0; ``error`` and ``pending``
    leave the points empty (not known yet: the next run grades them).
``reports/<learner>.json``
    The report, exactly as ``funcpipe grade --format json`` writes it.
``gradescope/<learner>/results.json``
    Gradescope's autograder ``results.json`` (``funcpipe grade --format
    gradescope``), to upload or to keep next to Gradescope's own; a refused
    submission gets a score of 0 and the reason as its output.
``gradescope_scores.csv``
    The scores as Gradescope exports them (``SID``, ``Total Score``,
    ``Max Points``, ``Status``, one ``N: <exercise> (P pts)`` column per
    exercise), with the learner id as ``SID``, for a score upload.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from funcpipe_rag import course
from funcpipe_rag.grading.classroom.records import Record, report_json, write_atomically
from funcpipe_rag.grading.report import Report

GRADEBOOK = "gradebook.csv"
GRADESCOPE_SCORES = "gradescope_scores.csv"
REPORTS = "reports"
GRADESCOPE = "gradescope"


@dataclass(frozen=True)
class Column:
    """One exercise of the gradebook and the most it is worth."""

    core: str
    exercise: str
    max_points: int

    @property
    def label(self) -> str:
        return f"{self.core}/{self.exercise}"


def course_order(core: str, exercise: str) -> tuple[int, int, str, str]:
    """Sorts exercises as the course registry lists them (unknown ones last, by name)."""
    for i, c in enumerate(course.CORES):
        if c.slug == core:
            slugs = [e.slug for e in c.exercises]
            return (i, slugs.index(exercise) if exercise in slugs else len(slugs), core, exercise)
    return (len(course.CORES), 0, core, exercise)


def columns(reports: Iterable[Report]) -> list[Column]:
    """Every exercise graded in any report, in course order, with its maximum."""
    most: dict[tuple[str, str], int] = {}
    for report in reports:
        for core in report.cores:
            for ex in core.exercises:
                key = (core.name, ex.name)
                most[key] = max(most.get(key, 0), ex.max_points)
    return [Column(c, e, most[(c, e)]) for c, e in sorted(most, key=lambda k: course_order(*k))]


@dataclass(frozen=True)
class Row:
    """One learner's line of the gradebook (``points`` is ``None`` when not known yet)."""

    learner: str
    source: str
    status: str
    points: int | None
    max_points: int
    exercises: dict[str, int | None]
    reason: str

    @property
    def percent(self) -> float | None:
        if self.points is None:
            return None
        return round(100.0 * self.points / self.max_points, 1) if self.max_points else 0.0


def _missing_cores(report: Report, cols: list[Column]) -> list[str]:
    have = {c.name for c in report.cores}
    return sorted({c.core for c in cols} - have, key=lambda c: course_order(c, ""))


def rows(records: list[Record], cols: list[Column]) -> list[Row]:
    """The gradebook's rows: one per record, in the records' order."""
    maximum = sum(c.max_points for c in cols)
    found: list[Row] = []
    for record in records:
        report = record.to_report()
        reasons = [record.reason] if record.reason else []
        if report is None:
            known = record.status in ("rejected", "missing")
            score = 0 if known else None
            found.append(
                Row(
                    record.learner,
                    record.source,
                    record.status,
                    score,
                    maximum,
                    {c.label: score for c in cols},
                    "; ".join(reasons),
                )
            )
            continue
        points = {f"{c.name}/{e.name}": e.points for c in report.cores for e in c.exercises}
        lacking = _missing_cores(report, cols)
        reasons += [f"no {core}/ folder: its exercises score 0" for core in lacking]
        per: dict[str, int | None] = {c.label: points.get(c.label, 0) for c in cols}
        found.append(
            Row(
                record.learner,
                record.source,
                record.status,
                sum(v or 0 for v in per.values()),
                maximum,
                per,
                "; ".join(reasons),
            )
        )
    return found


def _csv(header: list[str], lines: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(lines)
    return buffer.getvalue()


def _cell(value: int | float | None) -> str:
    return "" if value is None else str(value)


def gradebook_csv(table: list[Row], cols: list[Column]) -> str:
    header = [
        "learner",
        "status",
        "points",
        "max_points",
        "percent",
        *(f"{c.label} (max {c.max_points})" for c in cols),
        "reason",
        "source",
    ]
    return _csv(
        header,
        (
            [
                r.learner,
                r.status,
                _cell(r.points),
                r.max_points,
                _cell(r.percent),
                *(_cell(r.exercises[c.label]) for c in cols),
                r.reason,
                r.source,
            ]
            for r in table
        ),
    )


def gradescope_scores_csv(table: list[Row], cols: list[Column]) -> str:
    header = [
        "SID",
        "Total Score",
        "Max Points",
        "Status",
        *(f"{i}: {c.label} ({c.max_points:.1f} pts)" for i, c in enumerate(cols, start=1)),
    ]
    status = {
        "graded": "Graded",
        "missing": "Missing",
        "rejected": "Rejected",
        "error": "Ungraded",
        "pending": "Ungraded",
    }
    return _csv(
        header,
        (
            [
                r.learner,
                _cell(r.points),
                r.max_points,
                status.get(r.status, r.status),
                *(_cell(r.exercises[c.label]) for c in cols),
            ]
            for r in table
        ),
    )


def refused_results(record: Record) -> dict[str, Any]:
    """Gradescope's ``results.json`` for a submission that was not graded: 0, and why."""
    return {
        "score": 0.0,
        "output": f"Not graded ({record.status}): {record.reason}",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }


def _replace_folder_files(folder: Path, wanted: dict[str, str]) -> None:
    """Make ``folder`` hold exactly ``wanted`` (relative name → text): stale learners' files go."""
    for name, text in wanted.items():
        write_atomically(folder / name, text)
    if folder.is_dir():
        for path in sorted(folder.rglob("*"), reverse=True):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and rel not in wanted:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()


def write_gradebook(out: Path, records: list[Record]) -> tuple[list[Row], list[Column]]:
    """Write the gradebook, the learners' reports and the Gradescope exports; return rows and columns."""
    reports = [r for r in (record.to_report() for record in records) if r is not None]
    cols = columns(reports)
    table = rows(records, cols)
    write_atomically(out / GRADEBOOK, gradebook_csv(table, cols))
    write_atomically(out / GRADESCOPE_SCORES, gradescope_scores_csv(table, cols))
    per_learner: dict[str, str] = {}
    gradescope: dict[str, str] = {}
    for record in records:
        report = record.to_report()
        if record.report is not None and report is not None:
            per_learner[f"{record.learner}.json"] = report_json(record.report)
            results = report.to_gradescope()
        elif record.status in ("rejected", "missing"):
            results = refused_results(record)
        else:
            continue
        gradescope[f"{record.learner}/results.json"] = json.dumps(results, indent=2) + "\n"
    _replace_folder_files(out / REPORTS, per_learner)
    _replace_folder_files(out / GRADESCOPE, gradescope)
    return table, cols


__all__ = [
    "GRADEBOOK",
    "GRADESCOPE",
    "GRADESCOPE_SCORES",
    "REPORTS",
    "Column",
    "Row",
    "columns",
    "course_order",
    "gradebook_csv",
    "gradescope_scores_csv",
    "rows",
    "write_gradebook",
]
