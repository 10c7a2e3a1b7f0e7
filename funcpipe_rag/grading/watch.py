"""``funcpipe grade --watch``: grade the exercise being edited on every save, and say what changed.

:class:`Watcher` keeps what the last grading of each test said and prints,
after each run, only the difference: tests now passing, tests now failing,
a failure whose message changed, and for a test that keeps failing one hint
level further each run (a nudge, then the concept, then the exact check:
the levels a graded test declares with ``@graded(hint=(...))``). When an
exercise passes every test it says so, with one sentence on what the
exercise taught (``Exercise.taught`` in the course registry) and where the
reference solution is; when every exercise of a core passes, it says the
core is complete.

The watcher reads changes from any iterable of batches of changed paths
(:func:`file_changes` adapts ``watchfiles``), so tests drive it with a list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from funcpipe_rag import course
from funcpipe_rag.grading.report import ExerciseReport, Report, TestResult

NOT_WRITTEN = "not implemented yet"
"""How the grader begins the message of a test that reached a ``NotImplementedError`` stub."""

Grade = Callable[[list[str]], Report]
"""Grade these ``core/exercise`` selectors and return the report."""


def targets(selectors: Sequence[str]) -> list[str]:
    """The ``core/exercise`` selectors the watch covers: every available core's exercises when empty.

    ``m08c01`` covers each exercise of that core, ``m08c01/ex03`` the exercise
    whose name starts with ``ex03``. Raises ``ValueError`` naming what exists
    when nothing matches.
    """
    cores = {c.slug: c for c in course.available()}
    if not selectors:
        return [f"{c.slug}/{e.slug}" for c in cores.values() for e in c.exercises]
    found: list[str] = []
    for sel in selectors:
        slug, _, prefix = sel.partition("/")
        if slug not in cores:
            raise ValueError(f"unknown core {slug!r}; the available cores are {', '.join(cores)}")
        names = [e.slug for e in cores[slug].exercises if e.slug.startswith(prefix)]
        if not names:
            listed = ", ".join(f"{slug}/{e.slug}" for e in cores[slug].exercises)
            raise ValueError(f"unknown exercise {sel}; the exercises are: {listed}")
        found += [f"{slug}/{n}" for n in names if f"{slug}/{n}" not in found]
    return found


def file_changes(folder: Path) -> Iterator[set[Path]]:
    """Batches of ``.py`` files changed under ``folder``, as ``watchfiles`` reports them on each save."""
    from watchfiles import PythonFilter, watch

    for batch in watch(folder, watch_filter=PythonFilter(), raise_interrupt=False):
        yield {Path(path) for _change, path in batch}


@dataclass
class _Seen:
    passed: bool
    message: str
    failing_runs: int = 0  # consecutive failing runs, which decide the hint level


@dataclass
class Watcher:
    """Grades ``selectors`` of ``submission`` once, then again for each batch of changed files."""

    selectors: list[str]
    submission: Path
    grade: Grade
    out: TextIO
    solutions: Path | None = None  # the checkout's solutions/ (None in a learner's copy)
    seen: dict[str, _Seen] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)  # exercises ("core/exercise") complete at the last run
    runs: int = 0

    def start(self) -> None:
        """The first grading: everything it finds is news."""
        where = ", ".join(self.selectors)
        self._say(f"watching {self.submission} for {where}; save a file to grade it again, Ctrl-C to stop")
        self.run(self.selectors)

    def changed(self, paths: Iterable[Path]) -> list[str]:
        """The watched exercises whose files are among ``paths`` (``<core>/<exercise>.py``)."""
        hit: list[str] = []
        for path in paths:
            for sel in self.selectors:
                core, exercise = sel.split("/")
                mine = path.parent.name == core or path.parent == self.submission
                if path.name == f"{exercise}.py" and mine and sel not in hit:
                    hit.append(sel)
        return hit

    def loop(self, changes: Iterable[Iterable[Path]]) -> None:
        """Grade again after every batch of ``changes`` that touches a watched exercise."""
        for batch in changes:
            picked = self.changed(batch)
            if picked:
                self.run(picked)

    def run(self, picked: list[str]) -> None:
        """Grade ``picked`` and print what changed since the last grading of each test."""
        self.runs += 1
        report = self.grade(picked)
        self._say("")
        self._say(f"[run {self.runs}] {', '.join(picked)}")
        for core in report.cores:
            for ex in core.exercises:
                self._exercise(ex)
            self._core_done(core.name, report)
        for note in report.notes:
            self._say(f"note: {note}")

    # ---- one exercise -------------------------------------------------------------------

    def _exercise(self, ex: ExerciseReport) -> None:
        key = f"{ex.core}/{ex.name}"
        before = sum(self.seen[t.test_id].passed * t.max_points for t in ex.tests if t.test_id in self.seen)
        first = not any(t.test_id in self.seen for t in ex.tests)
        delta = "" if first else f" ({ex.points - before:+d})"
        self._say(f"{ex.name}: {ex.points}/{ex.max_points} points{delta}")
        shared = _shared_failure(ex)
        if shared:
            self._say(f"  every test fails: {shared}")
        unwritten = [t for t in ex.tests if not t.passed and t.message.startswith(NOT_WRITTEN)]
        if unwritten and not shared:
            self._say(f"  {len(unwritten)} tests wait for code you have not written yet: "
                      f"{', '.join(t.name for t in unwritten)}")
        for t in ex.tests:
            self._test(t, quiet=bool(shared) or t in unwritten)
        if ex.done and key not in self.done:
            self.done.add(key)
            self._say(f"  {ex.name} is complete: every test passes.")
            self._say(f"  It taught: {_taught(ex)}.")
            self._say(f"  {self._solution(ex)}")
        elif not ex.done:
            self.done.discard(key)
            still = [t for t in ex.tests if not t.passed]
            self._say(f"  {len(still)} of {len(ex.tests)} tests still failing")

    def _test(self, t: TestResult, *, quiet: bool) -> None:
        old = self.seen.get(t.test_id)
        if t.passed:
            if old is not None and not old.passed:
                self._say(f"  now passing: {t.name}")
            self.seen[t.test_id] = _Seen(True, "")
            return
        runs = old.failing_runs if old is not None and not old.passed else 0
        if not quiet:  # a stub not written yet, or one failure all tests share, calls for no hint yet
            runs += 1
        self.seen[t.test_id] = _Seen(False, t.message, runs)
        if quiet:
            return
        if old is None or old.passed:
            self._say(f"  {'now failing' if old is not None else 'failing'}: {t.name} — {t.message}")
            if t.example:
                self._say(f"    smallest failing example: {t.example.splitlines()[0]}")
        elif old.message != t.message:
            self._say(f"  still failing, differently: {t.name} — {t.message}")
        levels = t.hints or ([t.hint] if t.hint else [])
        if levels and runs <= len(levels):
            names = ("hint", "hint, level 2 (the concept)", "hint, level 3 (the exact check)")
            self._say(f"    {names[runs - 1]}: {levels[runs - 1]}")

    def _core_done(self, core: str, report: Report) -> None:
        watched = [s for s in self.selectors if s.startswith(core + "/")]
        wanted = [f"{core}/{e.slug}" for e in course.core(core).exercises]
        if set(wanted) <= set(watched) and all(w in self.done for w in wanted) and \
                any(c.name == core for c in report.cores):
            self._say(f"Core {core} is complete: all {len(wanted)} exercises pass.")

    def _solution(self, ex: ExerciseReport) -> str:
        rel = f"solutions/{ex.core}/{ex.name}.py"
        if self.solutions is not None and (self.solutions / ex.core / f"{ex.name}.py").is_file():
            return f"The reference solution, to compare with yours: {rel}"
        return f"The reference solution ({rel}) is in your instructor's copy of the workbook."

    def _say(self, line: str) -> None:
        print(line, file=self.out, flush=True)


def _shared_failure(ex: ExerciseReport) -> str:
    """The one message every test of ``ex`` failed with, when there is one and more than one test."""
    messages = {t.message for t in ex.tests if not t.passed}
    if len(ex.tests) < 2 or any(t.passed for t in ex.tests) or len(messages) != 1:
        return ""
    return messages.pop()


def _taught(ex: ExerciseReport) -> str:
    for e in course.core(ex.core).exercises:
        if e.slug == ex.name and e.taught:
            return e.taught
    return ex.title


__all__ = ["Grade", "Watcher", "file_changes", "targets"]
