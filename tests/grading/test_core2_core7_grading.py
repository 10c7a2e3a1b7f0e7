"""The graded tests of Cores 2 and 7 and of the capstone are themselves tested, as Core 1's are.

For each core: the solutions score 100%; the untouched stubs score 0 on every
graded test; each chaff (a plausible wrong answer, kept as edits of the
solution: see :mod:`funcpipe_rag.grading.mutants`) loses points on the tests
written to catch it, and one that breaks a source rule (importing the library's
answer, or the published solution) scores zero with the rule named; each
alternative (a correct answer written differently) scores full marks. The clause
tables and source rules (``contract.toml``) are checked for every core by
``test_contracts.py``, and the share of each generated path by
``test_path_coverage.py``.
"""

from __future__ import annotations

import re

import pytest
from grading_support import (
    GRADING,
    ROOT,
    assert_chaff_loses,
    assert_full_marks,
    assert_stub_scores_zero,
    chaffs_per_exercise,
    grade_specs,
    in_parallel,
)

from funcpipe_rag import course
from funcpipe_rag.grading import Report, grade
from funcpipe_rag.grading.mutants import Spec, list_alternatives, list_chaffs

CORES = ("m08c02", "m08c07", "m08c11")
EXERCISES = {c: [e.slug for e in course.core(c).exercises] for c in CORES}


def _label(spec: Spec) -> str:
    return f"{spec.core}/{spec.exercise}/{spec.name}"


CHAFFS = [spec for core in CORES for spec in list_chaffs(core)]
ALTERNATIVES = [spec for core in CORES for spec in list_alternatives(core)]


@pytest.fixture(scope="module")
def solution_reports() -> dict[str, Report]:
    return dict(in_parallel(lambda c: (c, grade(c, submission=ROOT / "solutions")), CORES))


@pytest.fixture(scope="module")
def stub_reports() -> dict[str, Report]:
    return dict(in_parallel(lambda c: (c, grade(c, submission=ROOT / "exercises")), CORES))


@pytest.fixture(scope="module")
def spec_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """The report of every chaff and every alternative, by the spec's label."""
    return grade_specs([*CHAFFS, *ALTERNATIVES], tmp_path_factory)


@pytest.mark.parametrize("core", CORES)
def test_the_registry_marks_the_core_available(core: str) -> None:
    found = course.core(core)
    assert found.status == "available" and found.exercises
    assert found.notebook is not None and (ROOT / found.notebook).is_file()


@pytest.mark.parametrize("core", CORES)
def test_solutions_score_full_marks(core: str, solution_reports: dict[str, Report]) -> None:
    report = solution_reports[core]
    assert_full_marks(report, f"the solution of {core}")
    assert [e.name for c in report.cores for e in c.exercises] == EXERCISES[core]
    assert all(e.done for c in report.cores for e in c.exercises)
    for ex in EXERCISES[core]:
        assert (ROOT / "exercises" / core / f"{ex}.py").is_file()


@pytest.mark.parametrize("core", CORES)
def test_stubs_score_zero_on_every_test(core: str, stub_reports: dict[str, Report]) -> None:
    assert_stub_scores_zero(stub_reports[core])


@pytest.mark.parametrize("core", CORES)
def test_at_least_three_chaffs_per_exercise(core: str) -> None:
    per = chaffs_per_exercise(s for s in CHAFFS if s.core == core)
    assert sorted(per) == sorted(EXERCISES[core])
    assert all(n >= 3 for n in per.values()), per


@pytest.mark.parametrize("core", CORES)
def test_every_exercise_has_a_chaff_that_imports_an_answer(core: str) -> None:
    """The source rules are what stop a file from handing back the library's own answer."""
    ruled = {s.exercise for s in CHAFFS if s.core == core and s.rule == "allowed imports only"}
    assert ruled == set(EXERCISES[core])


@pytest.mark.parametrize("spec", CHAFFS, ids=[_label(s) for s in CHAFFS])
def test_chaff_loses_points_where_expected(spec: Spec, spec_reports: dict[str, Report]) -> None:
    assert_chaff_loses(spec, spec_reports[spec.label])


@pytest.mark.parametrize("core", CORES)
def test_at_least_one_alternative_per_exercise(core: str) -> None:
    assert sorted({s.exercise for s in ALTERNATIVES if s.core == core}) == sorted(EXERCISES[core])


@pytest.mark.parametrize("spec", ALTERNATIVES, ids=[_label(s) for s in ALTERNATIVES])
def test_alternative_answer_scores_full_marks(spec: Spec, spec_reports: dict[str, Report]) -> None:
    assert_full_marks(spec_reports[spec.label], _label(spec))


def test_the_exercises_on_several_paths_are_stratified() -> None:
    """The exercises whose inputs take several paths declare them, so their shares get measured."""
    declared = {
        (path.parent.name, path.name)
        for core in CORES
        for path in (GRADING / core).glob("test_*.py")
        if re.search(r"^PATHS = ", path.read_text(encoding="utf-8"), re.M)
    }
    assert declared >= {
        ("m08c02", "test_ex02_rag_stream.py"),
        ("m08c02", "test_ex03_file_lines.py"),
        ("m08c07", "test_ex02_sync_core.py"),
    }


def test_the_notebook_chaffs_lose_points_on_what_the_notebooks_show(spec_reports: dict[str, Report]) -> None:
    """Section 10 of each notebook grades one chaff live; the grader must fail exactly the tests it names."""
    for core, exercise, name in (
        ("m08c02", "ex01_combinators", "map_never_closes"),
        ("m08c07", "ex02_sync_core", "core_on_the_loop"),
    ):
        spec = next(s for s in CHAFFS if (s.core, s.exercise, s.name) == (core, exercise, name))
        report = spec_reports[spec.label]
        assert {t.name for t in report.tests if not t.passed} == set(spec.catches), _label(spec)
