"""The graded tests of Core 1 are themselves tested.

Solutions score 100%; the untouched stubs score 0 on every graded test; each
chaff (a plausible wrong answer, kept as edits of the solution: see
:mod:`funcpipe_rag.grading.mutants`) loses points on the tests written to catch it,
and one that breaks a source rule scores zero with the rule named; each
alternative (a correct answer written differently) scores full marks.
"""

from __future__ import annotations

import pytest
from grading_support import (
    ROOT,
    assert_chaff_loses,
    assert_full_marks,
    assert_stub_scores_zero,
    chaffs_per_exercise,
    grade_specs,
)

from funcpipe_rag import course
from funcpipe_rag.grading import Report, grade
from funcpipe_rag.grading.mutants import Spec, list_alternatives, list_chaffs

CORE = "m08c01"
EXERCISES = [e.slug for e in course.core(CORE).exercises]


@pytest.fixture(scope="module")
def solutions_report() -> Report:
    return grade(CORE, submission=ROOT / "solutions")


@pytest.fixture(scope="module")
def stubs_report() -> Report:
    return grade(CORE, submission=ROOT / "exercises")


def test_solutions_score_full_marks(solutions_report: Report) -> None:
    assert_full_marks(solutions_report, "the solution")
    assert all(e.done for c in solutions_report.cores for e in c.exercises)


def test_every_exercise_is_graded(solutions_report: Report) -> None:
    names = [e.name for c in solutions_report.cores for e in c.exercises]
    assert names == EXERCISES
    for ex in names:
        assert (ROOT / "exercises" / CORE / f"{ex}.py").is_file()


def test_stubs_score_zero_on_every_test(stubs_report: Report) -> None:
    assert_stub_scores_zero(stubs_report)


def _chaffs() -> list[Spec]:
    return list_chaffs(CORE)


def _chaff_ids() -> list[str]:
    return [f"{s.exercise}/{s.name}" for s in _chaffs()]


def _alternatives() -> list[Spec]:
    return list_alternatives(CORE)


@pytest.fixture(scope="module")
def chaff_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """The report of every chaff and every alternative, by the spec's label."""
    return grade_specs([*_chaffs(), *_alternatives()], tmp_path_factory)


def test_at_least_three_chaffs_per_exercise() -> None:
    per = chaffs_per_exercise(_chaffs())
    assert sorted(per) == EXERCISES
    assert all(n >= 3 for n in per.values()), per


@pytest.mark.parametrize("spec", _chaffs(), ids=_chaff_ids())
def test_chaff_loses_points_where_expected(spec: Spec, chaff_reports: dict[str, Report]) -> None:
    assert_chaff_loses(spec, chaff_reports[spec.label])


def test_at_least_one_alternative_per_exercise() -> None:
    assert sorted({s.exercise for s in _alternatives()}) == EXERCISES


@pytest.mark.parametrize("spec", _alternatives(), ids=[f"{s.exercise}/{s.name}" for s in _alternatives()])
def test_alternative_answer_scores_full_marks(spec: Spec, chaff_reports: dict[str, Report]) -> None:
    assert_full_marks(chaff_reports[spec.label], f"{spec.exercise}/{spec.name}")


def test_the_notebook_bug_breaks_right_identity_only(chaff_reports: dict[str, Report]) -> None:
    """Section 4 of the notebook shows that only right identity sees a bind that turns Err into 0, and
    section 11 grades that very bind: the grader must agree."""
    spec = next(s for s in _chaffs() if s.name == "bind_err_becomes_zero")
    report = chaff_reports[spec.label]
    laws = {"test_left_identity", "test_right_identity", "test_associativity"}
    assert {t.name for t in report.tests if t.name in laws and not t.passed} == {"test_right_identity"}
