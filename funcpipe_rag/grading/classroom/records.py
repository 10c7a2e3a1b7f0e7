"""One file per learner: what class grading found, written the moment it is known.

``OUT/results/<learner>.json`` is the record of one learner: the status, the
one-line reason, the key the result was computed under, and the report
(exactly ``funcpipe grade --format json``'s data). Records are replaced in
one step (a reader never sees half a file), so an interrupted run keeps
every record it finished; everything else in ``OUT`` (gradebook, summary,
similarity report) is computed from the records.

Statuses: ``graded``; ``missing`` (no core folder: nothing to grade);
``rejected`` (the submission cannot be read safely: a corrupt zip, a zip
bomb, a file too large...); ``error`` (the grader failed on it; graded again
on the next run); ``pending`` (an interrupted run did not reach it; never
written to disk).

A report read back from JSON (ours, or a Gradescope ``results.json`` made by
``funcpipe grade --format gradescope``) becomes a :class:`Report` again, so
the gradebook and the summary are built the same way whether a submission
was graded here or elsewhere.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from funcpipe_rag.grading.report import CoreReport, ExerciseReport, Report, TestResult

Status = Literal["graded", "missing", "rejected", "error", "pending"]
STATUSES: tuple[Status, ...] = ("graded", "missing", "rejected", "error", "pending")
RESULTS = "results"
PENDING_REASON = "not graded yet: the run was interrupted (run the same command again)"


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (a temporary file beside it, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def report_json(data: Mapping[str, Any]) -> str:
    """The text ``Report.to_json`` writes, for a report's data."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Record:
    """What class grading knows about one learner."""

    learner: str
    source: str
    status: Status
    reason: str = ""
    key: str = ""
    report: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Record:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("status") not in STATUSES:
            raise ValueError("not a class-grading record")
        report = data.get("report")
        return cls(
            str(data["learner"]),
            str(data.get("source", "")),
            data["status"],
            str(data.get("reason", "")),
            str(data.get("key", "")),
            report if isinstance(report, dict) else None,
        )

    def to_report(self) -> Report | None:
        return report_from_dict(self.report) if self.report is not None else None


def record_path(out: Path, learner: str) -> Path:
    return out / RESULTS / f"{learner}.json"


def save(out: Path, record: Record) -> None:
    write_atomically(record_path(out, record.learner), record.to_json())


def load(out: Path, learner: str) -> Record | None:
    """The record kept for ``learner``, or ``None`` if there is none (or it cannot be read)."""
    try:
        return Record.from_json(record_path(out, learner).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


# ---- reports from JSON ----------------------------------------------------------------------------


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def report_from_dict(data: Mapping[str, Any]) -> Report:
    """The :class:`Report` whose ``to_dict()`` is ``data`` (fields unknown to this version are ignored)."""
    cores = []
    for c in data.get("cores", []):
        exercises = []
        for e in c.get("exercises", []):
            tests = [
                TestResult(**_known(TestResult, {**t, "core": c["name"], "exercise": e["name"]}))
                for t in e.get("tests", [])
            ]
            extra = _known(
                ExerciseReport, {k: v for k, v in e.items() if k not in ("name", "title", "tests")}
            )
            exercises.append(ExerciseReport(c["name"], e["name"], e.get("title", e["name"]), tests, **extra))
        cores.append(CoreReport(c["name"], exercises))
    return Report(
        submission=str(data.get("submission", "")),
        cores=cores,
        notes=[str(n) for n in data.get("notes", [])],
        seconds=float(data.get("seconds", 0.0)),
        sandbox=str(data.get("sandbox", "limits only")),
        sandbox_note=str(data.get("sandbox_note", "")),
    )


_NAMED = re.compile(r"^(?P<core>\S+) (?P<exercise>\S+): (?P<title>.*)$", re.S)


def _output_parts(output: str) -> tuple[str, str, str]:
    """(message, example, hint) from a Gradescope test's ``output`` as ``to_gradescope`` writes it."""
    message = example = hint = ""
    for i, part in enumerate(output.split("\n\n")):
        if part.startswith("Smallest failing example:\n"):
            example = part.split("\n", 1)[1]
        elif part.startswith("Hint: "):
            hint = part[len("Hint: ") :]
        elif part.startswith("Your code printed:"):
            break
        elif i == 0:
            message = part
    return message, example, hint


def _whole(value: object) -> int:
    return round(float(value)) if isinstance(value, int | float | str) else 0


def report_from_gradescope(
    data: Mapping[str, Any], names: Mapping[tuple[str, str, str], str] | None = None, submission: str = ""
) -> Report:
    """A :class:`Report` from a Gradescope ``results.json``, as ``funcpipe grade --format gradescope`` writes.

    Each test's core and exercise come from its ``tags`` (or its name,
    ``"<core> <exercise>: <title>"``); ``names`` maps ``(core, exercise,
    title)`` to the graded test's function name, so results merged from
    Gradescope group with results graded here. Points are whole numbers.
    """
    names = names or {}
    cores: dict[str, CoreReport] = {}
    exercises: dict[tuple[str, str], ExerciseReport] = {}
    for t in data.get("tests", []):
        tags = t.get("tags") or []
        label = str(t.get("name", ""))
        found = _NAMED.match(label)
        title = found.group("title") if found else label
        if len(tags) == 2:
            core, exercise = str(tags[0]), str(tags[1])
        elif found:
            core, exercise = found.group("core"), found.group("exercise")
        else:
            core, exercise = "results", "tests"
        max_points = _whole(t.get("max_score", 0))
        points = _whole(t.get("score", 0))
        status = t.get("status")
        passed = status == "passed" if status in ("passed", "failed") else points >= max_points
        message, example, hint = ("", "", "") if passed else _output_parts(str(t.get("output", "")))
        result = TestResult(
            core,
            exercise,
            names.get((core, exercise, title), title),
            title,
            max_points,
            points=points,
            passed=passed,
            message=message,
            example=example,
            hint=hint,
        )
        if (core, exercise) not in exercises:
            exercises[(core, exercise)] = ExerciseReport(core, exercise, exercise)
            cores.setdefault(core, CoreReport(core)).exercises.append(exercises[(core, exercise)])
        exercises[(core, exercise)].tests.append(result)
    lines = str(data.get("output", "")).splitlines()
    boundary = next((ln for ln in lines if ln.startswith("sandbox: ")), "")
    kind, _, note = boundary.removeprefix("sandbox: ").partition(" (")
    return Report(
        submission=submission,
        cores=list(cores.values()),
        notes=[ln for ln in lines if ln and ln != boundary and not re.match(r"^\S+: \d+/\d+ points$", ln)],
        seconds=float(data.get("execution_time", 0.0) or 0.0),
        sandbox=kind or "unknown",
        sandbox_note=note.removesuffix(")"),
    )


__all__ = [
    "STATUSES",
    "Record",
    "Status",
    "load",
    "record_path",
    "report_from_dict",
    "report_from_gradescope",
    "report_json",
    "save",
    "write_atomically",
]
