"""The graded tests of Cores 2 and 7 are themselves tested.

For each core: the solutions score 100%; the untouched stubs score 0 on every
graded test; each chaff (a plausible wrong answer, kept as edits of the
solution) loses points on the tests it names; each alternative (a correct
answer written differently, kept the same way under
``tests/grading/alternatives/``) scores full marks. The clause table
``tests/grading/<core>/contract.toml`` names, for every bullet of each
exercise's contract, the graded tests that check it; the solutions keep the
source rules it sets (:mod:`funcpipe_rag.grading.rules`), and a file importing
the library's own answer breaks them; the stratified strategies of the graded
tests reach every path in at least :data:`~funcpipe_rag.testing.MIN_SHARE` of
their examples (:func:`funcpipe_rag.testing.measure`).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from grading_support import GRADING, ROOT, in_parallel

from funcpipe_rag import course
from funcpipe_rag.grading import Report, grade
from funcpipe_rag.grading.mutants import (
    Edit,
    Spec,
    _drop_markers,
    apply_edits,
    list_chaffs,
    load_chaff,
    write_chaff,
)
from funcpipe_rag.grading.rules import SourceRules, check_rules
from funcpipe_rag.testing import MIN_SHARE, measure

CORES = ("m08c02", "m08c07")
EXERCISES = {c: [e.slug for e in course.core(c).exercises] for c in CORES}
ALTERNATIVES = GRADING / "alternatives"

ANSWERS = {
    ("m08c02", "ex01_combinators"): "from funcpipe_rag import async_gen_and_then",
    ("m08c02", "ex02_rag_stream"): "from funcpipe_rag.domain.rag_stream import embed_stream",
    ("m08c02", "ex03_file_lines"): "from funcpipe_rag.testing import RecordingResource",
    ("m08c02", "ex04_properties"): "from funcpipe_rag.testing import STREAM_LAWS",
    ("m08c07", "ex01_lifts"): "from funcpipe_rag.domain.effects.async_.lifts import lift_sync as lifted",
    ("m08c07", "ex02_sync_core"): "from funcpipe_rag.domain.rag_stream import chunk_stream",
    ("m08c07", "ex03_properties"): "from funcpipe_rag.testing import LIFT_PROPERTIES",
}
"""For each exercise, an import of (part of) the library's answer (or of its test helpers, where the
library has no answer to copy), which its source rules must refuse."""


# ---- solutions, stubs, chaffs, alternatives -------------------------------------------------


@pytest.fixture(scope="module")
def solution_reports() -> dict[str, Report]:
    return dict(in_parallel(lambda c: (c, grade(c, submission=ROOT / "solutions")), CORES))


@pytest.fixture(scope="module")
def stub_reports() -> dict[str, Report]:
    return dict(in_parallel(lambda c: (c, grade(c, submission=ROOT / "exercises")), CORES))


@pytest.mark.parametrize("core", CORES)
def test_solutions_score_full_marks(core: str, solution_reports: dict[str, Report]) -> None:
    report = solution_reports[core]
    failed = [f"{t.test_id}: {t.message}" for t in report.tests if not t.passed]
    assert not failed, "\n".join(failed)
    assert report.points == report.max_points > 0
    assert [e.name for c in report.cores for e in c.exercises] == EXERCISES[core]
    assert all(e.done for c in report.cores for e in c.exercises)


@pytest.mark.parametrize("core", CORES)
def test_stubs_score_zero_on_every_test(core: str, stub_reports: dict[str, Report]) -> None:
    report = stub_reports[core]
    passing = [t.test_id for t in report.tests if t.points]
    assert not passing, f"these graded tests pass on an untouched stub: {passing}"
    for t in report.tests:
        assert t.message, f"{t.test_id} failed without saying why"
        assert t.hint, f"{t.test_id} has no hint"


def _chaffs() -> list[Spec]:
    return [spec for core in CORES for spec in list_chaffs(core)]


@pytest.fixture(scope="module")
def chaff_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    built = []
    for spec in _chaffs():
        folder = tmp_path_factory.mktemp(spec.name) / spec.core
        write_chaff(spec.core, spec.exercise, spec.name, folder)
        built.append((spec, folder))

    def run(item: tuple[Spec, Path]) -> tuple[str, Report]:
        spec, folder = item
        return f"{spec.core}/{spec.exercise}/{spec.name}", grade(
            f"{spec.core}/{spec.exercise}", submission=folder.parent
        )

    return dict(in_parallel(run, built))


@pytest.mark.parametrize("core", CORES)
def test_at_least_three_chaffs_per_exercise(core: str) -> None:
    per: dict[str, int] = {}
    for spec in list_chaffs(core):
        per[spec.exercise] = per.get(spec.exercise, 0) + 1
    assert sorted(per) == sorted(EXERCISES[core])
    assert all(n >= 3 for n in per.values()), per


@pytest.mark.parametrize("chaff", [f"{s.core}/{s.exercise}/{s.name}" for s in _chaffs()])
def test_chaff_loses_points_where_expected(chaff: str, chaff_reports: dict[str, Report]) -> None:
    report = chaff_reports[chaff]
    core, exercise, name = chaff.split("/")
    catches = load_chaff(core, exercise, name).catches
    for test_name in catches:
        result = report.test(test_name)
        assert result.points < result.max_points, f"{chaff} should lose points on {test_name}, but it passed"
        assert result.message, f"{test_name} failed on {chaff} without saying why"
    if "test_properties_pass_on_correct" not in catches:  # that one gates the rest
        assert report.points > 0, f"{chaff} scores 0: it should be plausible, failing only what it gets wrong"


def _alternatives() -> list[Path]:
    return sorted(p for core in CORES for p in (ALTERNATIVES / core).glob("*/*.toml"))


def _alternative_text(path: Path) -> str:
    core, exercise = path.parent.parent.name, path.parent.name
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert set(data) <= {"description", "edit"} and data.get("description"), f"{path}: description and edits"
    edits = tuple(Edit(e["find"], e["replace"]) for e in data["edit"])
    solution = (ROOT / "solutions" / core / f"{exercise}.py").read_text(encoding="utf-8")
    text = _drop_markers(apply_edits(solution, edits, str(path)))
    assert text != _drop_markers(solution), f"{path}: the edits change nothing"
    return f"# Alternative: {data['description']}\n" + text


@pytest.fixture(scope="module")
def alternative_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    built = []
    for path in _alternatives():
        core, exercise = path.parent.parent.name, path.parent.name
        folder = tmp_path_factory.mktemp(path.stem) / core
        folder.mkdir()
        (folder / f"{exercise}.py").write_text(_alternative_text(path), encoding="utf-8")
        built.append((f"{core}/{exercise}/{path.stem}", folder))

    def run(item: tuple[str, Path]) -> tuple[str, Report]:
        label, folder = item
        core, exercise, _ = label.split("/")
        return label, grade(f"{core}/{exercise}", submission=folder.parent)

    return dict(in_parallel(run, built))


@pytest.mark.parametrize("core", CORES)
def test_every_exercise_has_an_alternative(core: str) -> None:
    assert sorted({p.parent.name for p in (ALTERNATIVES / core).glob("*/*.toml")}) == sorted(EXERCISES[core])


@pytest.mark.parametrize(
    "alternative", [f"{p.parent.parent.name}/{p.parent.name}/{p.stem}" for p in _alternatives()]
)
def test_alternative_scores_full_marks(alternative: str, alternative_reports: dict[str, Report]) -> None:
    report = alternative_reports[alternative]
    failed = [f"{t.test_id}: {t.message}" for t in report.tests if not t.passed]
    assert not failed, "\n".join(failed)
    assert report.points == report.max_points > 0


# ---- the clause table and the source rules -----------------------------------------------------


def _contract(core: str) -> dict[str, Any]:
    return tomllib.loads((GRADING / core / "contract.toml").read_text(encoding="utf-8"))


def _bullets(core: str, exercise: str) -> list[str]:
    """The bullets of the "The contract" section of the exercise's docstring, one string each."""
    text = (ROOT / "solutions" / core / f"{exercise}.py").read_text(encoding="utf-8")
    doc = ast.get_docstring(ast.parse(text)) or ""
    match = re.search(r"^The contract\n-+\n(.*?)(?:\n\n[A-Z][^\n]*\n-+\n|\Z)", doc, re.S | re.M)
    assert match, f"{exercise}.py has no 'The contract' section"
    return [" ".join(b.split()) for b in re.split(r"^\* ", match.group(1), flags=re.M) if b.strip()]


def _graded_tests(core: str, exercise: str) -> set[str]:
    tree = ast.parse((GRADING / core / f"test_{exercise}.py").read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(d, ast.Call) and getattr(d.func, "id", "") == "graded" for d in node.decorator_list
        )
    }


@pytest.mark.parametrize("core", CORES)
def test_every_clause_names_graded_tests_and_every_test_a_clause(core: str) -> None:
    table = _contract(core)
    assert sorted(table) == sorted(EXERCISES[core])
    for exercise in EXERCISES[core]:
        bullets, tests = _bullets(core, exercise), _graded_tests(core, exercise)
        clauses: dict[str, list[str]] = table[exercise]["clauses"]
        for snippet, named in clauses.items():
            holding = [b for b in bullets if snippet in b]
            assert len(holding) == 1, f"{core}/{exercise}: {snippet!r} is in {len(holding)} bullets, not 1"
            assert named and set(named) <= tests, f"{core}/{exercise}: {snippet!r} names {set(named) - tests}"
        covered = {b for b in bullets for snippet in clauses if snippet in b}
        assert covered == set(bullets), f"{core}/{exercise}: no clause for {set(bullets) - covered}"
        named_tests = {t for ts in clauses.values() for t in ts}
        assert named_tests == tests, f"{core}/{exercise}: graded tests no clause names: {tests - named_tests}"


def _rules(core: str, exercise: str) -> SourceRules:
    entry = _contract(core)[exercise]
    return SourceRules(allowed=tuple(entry.get("allowed", ())), properties=tuple(entry.get("properties", ())))


@pytest.mark.parametrize("core, exercise", sorted(ANSWERS))
def test_solutions_keep_the_source_rules_and_the_answer_breaks_them(core: str, exercise: str) -> None:
    rules = _rules(core, exercise)
    text = (ROOT / "solutions" / core / f"{exercise}.py").read_text(encoding="utf-8")
    assert check_rules(text, f"{exercise}.py", rules) == []
    stub = (ROOT / "exercises" / core / f"{exercise}.py").read_text(encoding="utf-8")
    assert [
        b for b in check_rules(stub, f"{exercise}.py", rules) if b.rule != "properties use Hypothesis"
    ] == []
    cheat = text.replace(
        "from __future__ import annotations\n",
        "from __future__ import annotations\n" + ANSWERS[(core, exercise)] + "\n",
        1,
    )
    broken = check_rules(cheat, f"{exercise}.py", rules)
    assert broken and broken[0].rule == "allowed imports only", broken


# ---- path coverage ------------------------------------------------------------------------------


def _graded_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_graded_{path.parent.name}_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stratified() -> list[tuple[str, str]]:
    found = []
    for core in CORES:
        for path in sorted((GRADING / core).glob("test_*.py")):
            if re.search(r"^PATHS = ", path.read_text(encoding="utf-8"), re.M):
                found.append((core, path.name))
    return found


def test_the_exercises_on_several_paths_are_stratified() -> None:
    assert {(c, f) for c, f in _stratified()} >= {
        ("m08c02", "test_ex02_rag_stream.py"),
        ("m08c02", "test_ex03_file_lines.py"),
        ("m08c07", "test_ex02_sync_core.py"),
    }


@pytest.mark.parametrize("core, filename", _stratified())
def test_every_path_gets_its_share(core: str, filename: str) -> None:
    module = _graded_module(GRADING / core / filename)
    for test_name, (strata, classify, examples) in module.PATHS.items():
        log = measure(strata, classify, max_examples=examples)
        assert not log.starved(MIN_SHARE), f"{filename}::{test_name}: {log.summary()}"
