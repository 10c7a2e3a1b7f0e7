"""The graded tests of Core 1 are themselves tested.

Solutions score 100%; the untouched stubs score 0 on every graded test; each
chaff (a plausible wrong answer) loses points on the tests written to catch it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from grading_support import CHAFFS, ROOT, in_parallel

from funcpipe_rag.grading import Report, grade

CORE = "m08c01"
EXERCISES = ["ex01_primitives", "ex02_user_pipeline", "ex03_bounded_embedding", "ex04_properties"]


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


def _chaffs() -> list[Path]:
    return sorted((CHAFFS / CORE).glob("*/*.py"))


def _expected_losses(path: Path) -> list[str]:
    for line in path.read_text().splitlines()[:5]:
        if line.startswith("# loses:"):
            return [n.strip() for n in line.removeprefix("# loses:").split(",") if n.strip()]
    raise AssertionError(f"{path} does not say which tests it loses (# loses: ...)")


@pytest.fixture(scope="module")
def chaff_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    def run(path: Path) -> tuple[str, Report]:
        exercise = path.parent.name
        folder = tmp_path_factory.mktemp(path.stem) / CORE
        folder.mkdir()
        shutil.copy(path, folder / f"{exercise}.py")
        return f"{exercise}/{path.stem}", grade(f"{CORE}/{exercise}", submission=folder.parent)

    return dict(in_parallel(run, _chaffs()))


def test_at_least_three_chaffs_per_exercise() -> None:
    per: dict[str, int] = {}
    for path in _chaffs():
        per[path.parent.name] = per.get(path.parent.name, 0) + 1
    assert sorted(per) == EXERCISES
    assert all(n >= 3 for n in per.values()), per


@pytest.mark.parametrize("chaff", [f"{p.parent.name}/{p.stem}" for p in _chaffs()])
def test_chaff_loses_points_where_expected(chaff: str, chaff_reports: dict[str, Report]) -> None:
    report = chaff_reports[chaff]
    path = CHAFFS / CORE / f"{chaff}.py"
    for name in _expected_losses(path):
        result = report.test(name)
        assert result.points < result.max_points, f"{chaff} should lose points on {name}, but it passed"
        assert result.message, f"{name} failed on {chaff} without saying why"
    assert report.points < report.max_points
    if "test_properties_pass_on_correct" not in _expected_losses(path):  # that one gates the rest
        assert report.points > 0, f"{chaff} scores 0: it should be plausible, failing only what it gets wrong"
