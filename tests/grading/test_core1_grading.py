"""The graded tests of Core 1 are themselves tested.

Solutions score 100%; the untouched stubs score 0 on every graded test; each
chaff (a plausible wrong answer, kept as edits of the solution: see
:mod:`funcpipe_rag.grading.mutants`) loses points on the tests written to catch it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from grading_support import ROOT, in_parallel

from funcpipe_rag import course
from funcpipe_rag.grading import Report, grade
from funcpipe_rag.grading.mutants import Spec, list_chaffs, load_chaff, write_chaff

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


@pytest.fixture(scope="module")
def chaff_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    # Folders are made before the threads start: pytest's temporary-folder factory is not thread-safe.
    built = []
    for spec in _chaffs():
        folder = tmp_path_factory.mktemp(spec.name) / CORE
        write_chaff(CORE, spec.exercise, spec.name, folder)
        built.append((spec, folder))

    def run(item: tuple[Spec, Path]) -> tuple[str, Report]:
        spec, folder = item
        return f"{spec.exercise}/{spec.name}", grade(f"{CORE}/{spec.exercise}", submission=folder.parent)

    return dict(in_parallel(run, built))


def test_at_least_three_chaffs_per_exercise() -> None:
    per: dict[str, int] = {}
    for spec in _chaffs():
        per[spec.exercise] = per.get(spec.exercise, 0) + 1
    assert sorted(per) == EXERCISES
    assert all(n >= 3 for n in per.values()), per


@pytest.mark.parametrize("chaff", _chaff_ids())
def test_chaff_loses_points_where_expected(chaff: str, chaff_reports: dict[str, Report]) -> None:
    report = chaff_reports[chaff]
    exercise, name = chaff.split("/")
    catches = load_chaff(CORE, exercise, name).catches
    for test_name in catches:
        result = report.test(test_name)
        assert result.points < result.max_points, f"{chaff} should lose points on {test_name}, but it passed"
        assert result.message, f"{test_name} failed on {chaff} without saying why"
    assert report.points < report.max_points
    if "test_properties_pass_on_correct" not in catches:  # that one gates the rest
        assert report.points > 0, f"{chaff} scores 0: it should be plausible, failing only what it gets wrong"
