"""The autograder behind ``funcpipe grade``.

From Python (a notebook cell, for instance)::

    from funcpipe_rag.grading import grade
    report = grade("m08c01", submission="../exercises")
    report            # the table: points, what failed, smallest example, hint
    report.points, report.max_points, report.exercise("ex01_primitives").done

Graded tests live in ``tests/grading/<core>/`` and are written with
:mod:`funcpipe_rag.grading.harness` (``@graded`` judges in the grader,
``@observer`` functions next to the learner's code). The submission always
runs in a separate process, behind the strongest boundary this machine
offers (:mod:`.sandbox`), and only plain facts come back (:mod:`.runner`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from funcpipe_rag.course import workbook_root
from funcpipe_rag.grading.harness import (
    SubmissionError,
    before_import,
    graded,
    load,
    observe,
    observer,
    remember,
    require,
    submission_source,
)
from funcpipe_rag.grading.report import CoreReport, ExerciseReport, Report, TestResult
from funcpipe_rag.grading.runner import DEFAULT_LIMITS, GraderError, Limits, default_tests_root, grade_folder


def default_submission() -> Path:
    """``exercises/`` in the current folder, else the checkout's ``exercises/``."""
    here = Path.cwd() / "exercises"
    root = workbook_root()
    if here.is_dir() or root is None:
        return here
    return root / "exercises"


def grade(
    cores: str | Iterable[str] | None = None,
    submission: str | Path | None = None,
    *,
    time_limit: float = DEFAULT_LIMITS.time_limit,
    memory_mb: int = DEFAULT_LIMITS.memory_mb,
    tests: str | Path | None = None,
    sandbox: str | None = None,
    workdir: str | Path | None = None,
    hidden: bool = False,
) -> Report:
    """Grade ``submission`` (default ``exercises/``) on ``cores`` (default: all).

    ``cores`` is a core (``"m08c01"``), one exercise of it (``"m08c01/ex03"``),
    or a list of those. ``time_limit`` bounds each observation of the
    learner's code (seconds), ``memory_mb`` its address space. ``sandbox``
    forces a boundary (``"bubblewrap"``, ``"uid"``, ``"none"``; default: the
    strongest that works here). ``hidden`` also runs the hidden graded tests
    (the instructor's grading); by default they are only counted. Returns a :class:`Report`; raises
    :class:`GraderError` only when grading cannot run at all.
    """
    picked = [cores] if isinstance(cores, str) else list(cores or [])
    folder = Path(submission) if submission is not None else default_submission()
    report = grade_folder(
        folder.resolve(),
        picked,
        tests_root=Path(tests) if tests is not None else None,
        limits=Limits(time_limit=time_limit, memory_mb=memory_mb),
        sandbox_kind=sandbox,
        workdir=Path(workdir) if workdir is not None else None,
        include_hidden=hidden,
    )
    report.submission = str(folder)  # as the learner named it: a report shows no machine paths
    return report


__all__ = [
    "CoreReport",
    "ExerciseReport",
    "GraderError",
    "Limits",
    "Report",
    "SubmissionError",
    "TestResult",
    "before_import",
    "default_tests_root",
    "grade",
    "graded",
    "load",
    "observe",
    "observer",
    "remember",
    "require",
    "submission_source",
]
