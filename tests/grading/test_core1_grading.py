"""The graded tests of Core 1 are themselves tested.

Solutions score 100%; the untouched stubs score 0 on every graded test; each
chaff (a plausible wrong answer, kept as edits of the solution: see
:mod:`funcpipe_rag.grading.mutants`) loses points on the tests written to catch it,
and one that breaks a source rule scores zero with the rule named; each
alternative (a correct answer written differently) scores full marks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from grading_support import ROOT, in_parallel

from funcpipe_rag import course
from funcpipe_rag.grading import Report, grade
from funcpipe_rag.grading.mutants import Spec, list_alternatives, list_chaffs, write_spec

CORE = "m08c01"
EXERCISES = [e.slug for e in course.core(CORE).exercises]


@pytest.fixture(scope="module")
def solutions_report() -> Report:
    return grade(CORE, submission=ROOT / "solutions")


@pytest.fixture(scope="module")
def stubs_report() -> Report:
    return grade(CORE, submission=ROOT / "exercises")


def test_solutions_score_full_marks(solutions_report: Report) -> None:
    failed = [f"{t.test_id}: {t.message}" for t in solutions_report.tests if not t.passed]
    assert not failed, "\n".join(failed)
    assert solutions_report.points == solutions_report.max_points > 0
    assert all(e.done for c in solutions_report.cores for e in c.exercises)


def test_every_exercise_is_graded(solutions_report: Report) -> None:
    names = [e.name for c in solutions_report.cores for e in c.exercises]
    assert names == EXERCISES
    for ex in names:
        assert (ROOT / "exercises" / CORE / f"{ex}.py").is_file()


def test_stubs_score_zero_on_every_test(stubs_report: Report) -> None:
    passing = [t.test_id for t in stubs_report.tests if t.points]
    assert not passing, f"these graded tests pass on an untouched stub: {passing}"
    assert len(stubs_report.tests) == len(stubs_report.tests) and stubs_report.max_points > 0
    for t in stubs_report.tests:
        assert t.message, f"{t.test_id} failed without saying why"
        assert t.hint, f"{t.test_id} has no hint"


def _chaffs() -> list[Spec]:
    return list_chaffs(CORE)


def _chaff_ids() -> list[str]:
    return [f"{s.exercise}/{s.name}" for s in _chaffs()]


def _alternatives() -> list[Spec]:
    return list_alternatives(CORE)


@pytest.fixture(scope="module")
def chaff_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """The report of every chaff and every alternative, by the spec's label."""
    # Folders are made before the threads start: pytest's temporary-folder factory is not thread-safe.
    built = []
    for spec in [*_chaffs(), *_alternatives()]:
        folder = tmp_path_factory.mktemp(spec.name) / CORE
        write_spec(spec, folder)
        built.append((spec, folder))

    def run(item: tuple[Spec, Path]) -> tuple[str, Report]:
        spec, folder = item
        return spec.label, grade(f"{CORE}/{spec.exercise}", submission=folder.parent)

    return dict(in_parallel(run, built))


def test_at_least_three_chaffs_per_exercise() -> None:
    per: dict[str, int] = {}
    for spec in _chaffs():
        per[spec.exercise] = per.get(spec.exercise, 0) + 1
    assert sorted(per) == EXERCISES
    assert all(n >= 3 for n in per.values()), per


@pytest.mark.parametrize("spec", _chaffs(), ids=_chaff_ids())
def test_chaff_loses_points_where_expected(spec: Spec, chaff_reports: dict[str, Report]) -> None:
    chaff = f"{spec.exercise}/{spec.name}"
    report = chaff_reports[spec.label]
    for test_name in spec.catches:
        result = report.test(test_name)
        assert result.points < result.max_points, f"{chaff} should lose points on {test_name}, but it passed"
        assert result.message, f"{test_name} failed on {chaff} without saying why"
    assert report.points < report.max_points
    if spec.rule:  # a forbidden shortcut: zero for the exercise, and every test says which rule
        assert report.points == 0, f"{chaff} breaks the rule {spec.rule!r} yet scores {report.points}"
        unnamed = [t.name for t in report.tests if f'breaks the rule "{spec.rule}"' not in t.message]
        assert not unnamed, f"{chaff}: these tests do not name the rule {spec.rule!r}: {unnamed}"
    elif "test_properties_pass_on_correct" not in spec.catches:  # that one gates the rest
        assert report.points > 0, f"{chaff} scores 0: it should be plausible, failing only what it gets wrong"


def test_at_least_one_alternative_per_exercise() -> None:
    assert sorted({s.exercise for s in _alternatives()}) == EXERCISES


@pytest.mark.parametrize("spec", _alternatives(), ids=[f"{s.exercise}/{s.name}" for s in _alternatives()])
def test_alternative_answer_scores_full_marks(spec: Spec, chaff_reports: dict[str, Report]) -> None:
    report = chaff_reports[spec.label]
    failed = [f"{t.name}: {t.message}" for t in report.tests if not t.passed]
    assert not failed, f"{spec.exercise}/{spec.name} is correct but lost points:\n" + "\n".join(failed)


def test_the_notebook_bug_breaks_right_identity_only(chaff_reports: dict[str, Report]) -> None:
    """Section 4 of the notebook shows that only right identity sees a bind that turns Err into 0, and
    section 11 grades that very bind: the grader must agree."""
    spec = next(s for s in _chaffs() if s.name == "bind_err_becomes_zero")
    report = chaff_reports[spec.label]
    laws = {"test_left_identity", "test_right_identity", "test_associativity"}
    assert {t.name for t in report.tests if t.name in laws and not t.passed} == {"test_right_identity"}
