"""Hidden graded tests run only in the instructor's grading; hints come in levels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from grading_support import GRADING, ROOT, hide_first_test

from funcpipe_rag import course
from funcpipe_rag.grading import grade
from funcpipe_rag.grading.harness import MAX_HINT_LEVELS, graded, meta_of
from funcpipe_rag.grading.hidden import HiddenCount, hidden_tests, read_manifest, write_manifest

CORE = course.available()[0]
EXERCISE = CORE.exercises[0].slug


def test_a_string_hint_is_the_first_level() -> None:
    meta = meta_of(graded(points=1, hint="nudge")(lambda: None))
    assert meta is not None and meta.hint == "nudge" and meta.hints == ("nudge",) and not meta.hidden


def test_hint_levels_run_from_a_nudge_to_the_exact_check() -> None:
    meta = meta_of(graded(points=1, hint=("nudge", "concept", "exact"), hidden=True)(lambda: None))
    assert meta is not None and meta.hints == ("nudge", "concept", "exact") and meta.hint == "nudge"
    assert meta.hidden
    with pytest.raises(ValueError, match="at most 3"):
        graded(points=1, hint=("a",) * (MAX_HINT_LEVELS + 1))
    with pytest.raises(TypeError):
        graded(points=1, hint=("a", 2))  # type: ignore[arg-type]


def test_hidden_tests_are_read_from_the_source_without_running_it(tmp_path: Path) -> None:
    name, points = hide_first_test(tmp_path, CORE.slug, EXERCISE)
    text = (tmp_path / CORE.slug / f"test_{EXERCISE}.py").read_text()
    assert hidden_tests(text) == {name: points}
    assert hidden_tests((GRADING / CORE.slug / f"test_{EXERCISE}.py").read_text()) == {}


def test_a_learner_grading_counts_hidden_tests_and_the_instructor_grading_runs_them(tmp_path: Path) -> None:
    name, points = hide_first_test(tmp_path / "tests", CORE.slug, EXERCISE)
    selector = f"{CORE.slug}/{EXERCISE}"
    learner = grade(selector, ROOT / "solutions", tests=tmp_path / "tests")
    ex = learner.exercise(EXERCISE)
    assert name not in [t.name for t in ex.tests]
    assert (ex.hidden_tests, ex.hidden_points) == (1, points)
    assert ex.max_points == next(e.points for e in CORE.exercises if e.slug == EXERCISE) - points
    assert f"1 hidden test ({points} points), run only when your instructor grades" in learner.table()

    instructor = grade(selector, ROOT / "solutions", tests=tmp_path / "tests", hidden=True)
    test = instructor.test(name)
    assert test.hidden and test.passed and instructor.exercise(EXERCISE).hidden_tests == 0
    shown = {t["name"].split(": ", 1)[1]: t["visibility"] for t in instructor.to_gradescope()["tests"]}
    assert shown[test.title] == "after_due_date"
    assert set(shown.values()) == {"after_due_date", "visible"}


def test_a_learner_copy_counts_the_hidden_tests_it_no_longer_has(tmp_path: Path) -> None:
    shutil.copytree(GRADING / CORE.slug, tmp_path / CORE.slug)
    write_manifest(tmp_path / CORE.slug, {EXERCISE: HiddenCount(2, 5)})
    assert read_manifest(tmp_path / CORE.slug) == {EXERCISE: HiddenCount(2, 5)}
    report = grade(f"{CORE.slug}/{EXERCISE}", ROOT / "solutions", tests=tmp_path)
    assert (report.hidden_tests, report.hidden_points) == (2, 5)
    assert "plus 2 hidden tests (5 points)" in report.table()
