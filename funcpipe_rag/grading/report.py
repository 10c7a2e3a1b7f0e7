"""The grading report: per test, per exercise, per core; table, JSON and Gradescope views."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class TestResult:
    """The outcome of one graded test.

    ``message`` says in one sentence what failed, ``example`` is the smallest
    failing example Hypothesis found (if any), ``output`` what the submission
    printed while the test ran (truncated).
    """

    __test__ = False  # not a pytest test class, despite the name

    core: str
    exercise: str
    name: str
    title: str
    max_points: int
    points: int = 0
    passed: bool = False
    message: str = ""
    example: str = ""
    hint: str = ""
    output: str = ""
    seconds: float = 0.0
    hints: list[str] = field(default_factory=list)
    """Every level of the hint, from a nudge to the exact check (``hint`` is the first)."""
    hidden: bool = False
    """A hidden test, run in the instructor's grading only."""

    @property
    def test_id(self) -> str:
        return f"{self.core}/{self.exercise}::{self.name}"


@dataclass
class ExerciseReport:
    core: str
    name: str
    title: str
    tests: list[TestResult] = field(default_factory=list)
    hidden_tests: int = 0
    """Hidden tests of this exercise that this grading did not run (the instructor's grading does)."""
    hidden_points: int = 0

    @property
    def points(self) -> int:
        return sum(t.points for t in self.tests)

    @property
    def max_points(self) -> int:
        return sum(t.max_points for t in self.tests)

    @property
    def done(self) -> bool:
        return bool(self.tests) and all(t.passed for t in self.tests)

    def shared_failure(self) -> str:
        """The message, when every test failed with the same one (a missing file, a broken rule...).

        The table then says it once instead of once per test.
        """
        messages = {t.message for t in self.tests if not t.passed}
        if len(self.tests) < 2 or any(t.passed for t in self.tests) or len(messages) != 1:
            return ""
        return messages.pop()


@dataclass
class CoreReport:
    name: str
    exercises: list[ExerciseReport] = field(default_factory=list)

    @property
    def points(self) -> int:
        return sum(e.points for e in self.exercises)

    @property
    def max_points(self) -> int:
        return sum(e.max_points for e in self.exercises)

    @property
    def done(self) -> bool:
        """Every exercise of the core passes every test this grading ran."""
        return bool(self.exercises) and all(e.done for e in self.exercises)


def _percent(points: int, max_points: int) -> float:
    return 100.0 * points / max_points if max_points else 0.0


def _hidden_phrase(tests: int, points: int) -> str:
    noun = "test" if tests == 1 else "tests"
    return f"{tests} hidden {noun} ({points} points), run only when your instructor grades"


@dataclass
class Report:
    """Everything ``funcpipe grade`` found. ``str(report)`` is the readable table."""

    submission: str
    cores: list[CoreReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sandbox: str = "limits only"
    """The boundary the submission ran in: ``bubblewrap``, ``uid`` or ``limits only``."""
    sandbox_note: str = ""
    """Why no stronger boundary was used, when one was not."""

    @property
    def boundary(self) -> str:
        """``sandbox: <kind>``, and why when it is not the strongest."""
        return f"sandbox: {self.sandbox}" + (f" ({self.sandbox_note})" if self.sandbox_note else "")

    @property
    def tests(self) -> list[TestResult]:
        return [t for c in self.cores for e in c.exercises for t in e.tests]

    @property
    def points(self) -> int:
        return sum(c.points for c in self.cores)

    @property
    def max_points(self) -> int:
        return sum(c.max_points for c in self.cores)

    @property
    def percent(self) -> float:
        return _percent(self.points, self.max_points)

    @property
    def hidden_tests(self) -> int:
        """Hidden tests this grading counted but did not run."""
        return sum(e.hidden_tests for c in self.cores for e in c.exercises)

    @property
    def hidden_points(self) -> int:
        return sum(e.hidden_points for c in self.cores for e in c.exercises)

    def exercise(self, name: str) -> ExerciseReport:
        for core in self.cores:
            for ex in core.exercises:
                if ex.name == name or f"{core.name}/{ex.name}" == name:
                    return ex
        raise KeyError(name)

    def test(self, name: str) -> TestResult:
        """The result of the test called ``name`` (``test_x`` or ``exercise::test_x``)."""
        for t in self.tests:
            if name in (t.name, f"{t.exercise}::{t.name}", t.test_id):
                return t
        raise KeyError(name)

    # ---- views ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "submission": self.submission,
            "points": self.points,
            "max_points": self.max_points,
            "percent": round(self.percent, 1),
            "hidden_tests": self.hidden_tests,
            "hidden_points": self.hidden_points,
            "seconds": round(self.seconds, 2),
            "sandbox": self.sandbox,
            "sandbox_note": self.sandbox_note,
            "notes": list(self.notes),
            "cores": [
                {
                    "name": c.name,
                    "points": c.points,
                    "max_points": c.max_points,
                    "exercises": [
                        {
                            "name": e.name,
                            "title": e.title,
                            "points": e.points,
                            "max_points": e.max_points,
                            "done": e.done,
                            "hidden_tests": e.hidden_tests,
                            "hidden_points": e.hidden_points,
                            "tests": [
                                {k: v for k, v in asdict(t).items() if k not in ("core", "exercise")}
                                for t in e.tests
                            ],
                        }
                        for e in c.exercises
                    ],
                }
                for c in self.cores
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_gradescope(self) -> dict[str, Any]:
        """Gradescope's ``results.json``: top-level score, one entry per graded test."""
        tests = []
        for number, t in enumerate(self.tests, start=1):
            lines = []
            if not t.passed:
                lines.append(t.message or "failed")
                if t.example:
                    lines.append(f"Smallest failing example:\n{t.example}")
                if t.hint:
                    lines.append(f"Hint: {t.hint}")
            else:
                lines.append("passed")
            if t.output:
                lines.append(f"Your code printed:\n{t.output}")
            tests.append(
                {
                    "name": f"{t.core} {t.exercise}: {t.title or t.name}",
                    "number": str(number),
                    "score": float(t.points),
                    "max_score": float(t.max_points),
                    "status": "passed" if t.passed else "failed",
                    "output": "\n\n".join(lines),
                    "tags": [t.core, t.exercise],
                    # Gradescope shows a hidden test to the learner only once the assignment is due.
                    "visibility": "after_due_date" if t.hidden else "visible",
                }
            )
        summary = [f"{c.name}: {c.points}/{c.max_points} points" for c in self.cores]
        summary.append(self.boundary)
        return {
            "score": float(self.points),
            "execution_time": round(self.seconds, 2),
            "output": "\n".join([*summary, *self.notes]),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests,
        }

    def progress(self) -> str:
        """Which exercises are done, one line each, rustlings style."""
        lines = []
        for core in self.cores:
            done = sum(e.done for e in core.exercises)
            total = len(core.exercises)
            width = 20
            filled = round(width * done / total) if total else 0
            bar = "#" * filled + "-" * (width - filled)
            lines.append(f"{core.name}  [{bar}]  {done}/{total} exercises done")
            for e in core.exercises:
                mark = "done" if e.done else ("started" if e.points else "to do")
                lines.append(f"  {'[x]' if e.done else '[ ]'} {e.name:<28} {mark}")
        return "\n".join(lines)

    def table(self, *, verbose: bool = True) -> str:
        out: list[str] = [f"Grading {self.submission}"]
        out.extend(f"note: {n}" for n in self.notes)  # first: a wrong folder explains everything below
        for core in self.cores:
            out.append("")
            pct = _percent(core.points, core.max_points)
            out.append(f"{core.name}: {core.points}/{core.max_points} points ({pct:.0f}%)")
            for e in core.exercises:
                status = "done" if e.done else f"{e.points}/{e.max_points}"
                out.append(f"  {e.name} — {e.title}  [{status}]")
                shared = e.shared_failure()
                if shared and verbose:
                    out.append(f"    every test failed: {shared}")
                if e.hidden_tests:
                    out.append(f"    + {_hidden_phrase(e.hidden_tests, e.hidden_points)}")
                for t in e.tests:
                    mark = "PASS" if t.passed else "FAIL"
                    out.append(f"    {mark} {t.points:>2}/{t.max_points:<2} {t.name}")
                    if t.passed or not verbose or shared:
                        continue
                    out.append(f"         what failed: {t.message}")
                    if t.example:
                        first, *rest = t.example.splitlines()
                        out.append(f"         smallest failing example: {first}")
                        out.extend(f"           {line}" for line in rest[:12])
                    if t.hint:
                        out.append(f"         hint: {t.hint}")
                    if t.output:
                        shown = t.output.splitlines()[:3]
                        out.append(f"         your code printed: {shown[0] if shown else ''}")
                        out.extend(f"           {line}" for line in shown[1:])
        out.append("")
        out.append("Progress")
        out.append(self.progress())
        out.append("")
        out.append(f"Total: {self.points}/{self.max_points} points ({self.percent:.0f}%)")
        if self.hidden_tests:
            out.append(f"  plus {_hidden_phrase(self.hidden_tests, self.hidden_points)}")
        out.append(self.boundary)
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return self.table()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython / Jupyter display
        printer.text(self.table())
