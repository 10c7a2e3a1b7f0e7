"""The graded tests of Cores 3, 4, 5, 6, 8, 9 and 10 are themselves tested, with Core 1's rigor and more.

For each core: the solutions score 100%, the untouched stubs 0 on every graded
test, every chaff loses points on the tests it names (at least three chaffs
per exercise); an import of the library's answer breaks the exercise's source
rules (its ``contract.toml``) and scores zero; and an answer written
differently from the solution still gets full marks. The clause tables and
the path shares are checked for every core by ``test_contracts.py`` and
``test_path_coverage.py``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from grading_support import ROOT, in_parallel

from funcpipe_rag import course
from funcpipe_rag.grading import Report, grade
from funcpipe_rag.grading.mutants import Edit, Spec, apply_edits, list_chaffs, load_chaff, write_chaff
from funcpipe_rag.grading.rules import IMPORTS

GRADED_HERE = ("m08c03", "m08c04", "m08c05", "m08c06", "m08c08", "m08c09", "m08c10")
CORES = [c.slug for c in course.CORES if c.slug in GRADED_HERE and c.status == "available"]
EXERCISES = [(c, e.slug) for c in CORES for e in course.core(c).exercises]
ANSWER_IMPORTS = {
    ("m08c03", "ex01_bounded_map"): "from funcpipe_rag import async_gen_bounded_map\n",
    ("m08c03", "ex02_merge"): "from funcpipe_rag import async_gen_gather\n",
    ("m08c03", "ex03_properties"): "from funcpipe_rag.testing import run_bounded\n",
    ("m08c04", "ex01_backoff"): "from funcpipe_rag import RetryPolicy\n",
    ("m08c04", "ex02_retry_loop"): "from funcpipe_rag import async_with_resilience\n",
    ("m08c04", "ex03_properties"): "from funcpipe_rag.testing import resilience_properties\n",
    ("m08c05", "ex01_trace_recorder"): "from funcpipe_rag.testing import TraceRecorder\n",
    ("m08c05", "ex02_virtual_run"): "from funcpipe_rag.testing import run_scenario\n",
    ("m08c05", "ex03_properties"): "from funcpipe_rag.testing import SCENARIO_STRATA\n",
    ("m08c06", "ex01_bucket"): "from funcpipe_rag import RateLimitPolicy\n",
    ("m08c06", "ex02_rate_limited"): "from funcpipe_rag import async_gen_rate_limited\n",
    ("m08c06", "ex03_properties"): "from funcpipe_rag.testing import fairness_properties\n",
    ("m08c08", "ex01_taxonomy"): "from funcpipe_rag.infra.adapters.http import request_json\n",
    ("m08c08", "ex02_batch_embedder"): "from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder\n",  # noqa: E501
    ("m08c08", "ex03_properties"): "from funcpipe_rag.testing import adapter_properties\n",
    ("m08c09", "ex01_chunker"): "from funcpipe_rag import async_gen_chunk\n",
    ("m08c09", "ex02_embed_batches"): "from funcpipe_rag.domain.rag_stream import embed_batched_stream\n",
    ("m08c09", "ex03_properties"): "from funcpipe_rag.testing import chunk_properties\n",
    ("m08c10", "ex01_helpers"): "from funcpipe_rag.testing import FailureSchedule\n",
    ("m08c10", "ex02_ingest"): "from funcpipe_rag.domain.rag_pipeline import ingest_doc\n",
    ("m08c10", "ex03_properties"): "from funcpipe_rag.testing import check_law\n",
}
"""Per exercise, an import of what the exercise asks the learner to write: its rules must refuse it."""


@pytest.mark.parametrize("core_slug", CORES)
def test_solutions_full_marks_and_stubs_zero(core_slug: str) -> None:
    solutions, stubs = in_parallel(lambda folder: grade(core_slug, submission=ROOT / folder),
                                   ["solutions", "exercises"])
    failed = [f"{t.test_id}: {t.message}" for t in solutions.tests if not t.passed]
    assert not failed, "\n".join(failed)
    assert solutions.points == solutions.max_points > 0
    passing = [t.test_id for t in stubs.tests if t.points]
    assert not passing, f"these graded tests pass on an untouched stub: {passing}"
    assert all(t.message and t.hint for t in stubs.tests), "every failing test says why and gives a hint"


@pytest.mark.parametrize(("core_slug", "exercise"), EXERCISES, ids=[f"{c}/{e}" for c, e in EXERCISES])
def test_importing_the_answer_scores_zero(core_slug: str, exercise: str, tmp_path: Path) -> None:
    text = (ROOT / "solutions" / core_slug / f"{exercise}.py").read_text(encoding="utf-8")
    future = "from __future__ import annotations\n"
    answer = ANSWER_IMPORTS[core_slug, exercise]
    folder = tmp_path / core_slug
    folder.mkdir()
    (folder / f"{exercise}.py").write_text(text.replace(future, future + answer, 1), encoding="utf-8")
    report = grade(f"{core_slug}/{exercise}", submission=tmp_path)
    assert report.max_points > 0 and report.points == 0, f"{answer.strip()!r} scored {report.points}"
    assert all(IMPORTS in t.message for t in report.tests), report.tests[0].message


def _chaffs() -> list[Spec]:
    return [s for c in CORES for s in list_chaffs(c)]


def test_at_least_three_chaffs_per_exercise() -> None:
    per: dict[tuple[str, str], int] = {}
    for spec in _chaffs():
        per[(spec.core, spec.exercise)] = per.get((spec.core, spec.exercise), 0) + 1
    assert sorted(per) == sorted(EXERCISES)
    assert all(n >= 3 for n in per.values()), per


@pytest.fixture(scope="module")
def chaff_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    built = []
    for spec in _chaffs():  # folders are made before the threads start (the factory is not thread-safe)
        folder = tmp_path_factory.mktemp(spec.name) / spec.core
        write_chaff(spec.core, spec.exercise, spec.name, folder)
        built.append((spec, folder))

    def run(item: tuple[Spec, Path]) -> tuple[str, Report]:
        spec, folder = item
        return spec.label, grade(f"{spec.core}/{spec.exercise}", submission=folder.parent)

    return dict(in_parallel(run, built))


@pytest.mark.parametrize("spec", _chaffs(), ids=[s.label for s in _chaffs()])
def test_chaff_loses_points_where_expected(spec: Spec, chaff_reports: dict[str, Report]) -> None:
    report = chaff_reports[spec.label]
    catches = load_chaff(spec.core, spec.exercise, spec.name).catches
    for name in catches:
        result = report.test(name)
        assert result.points < result.max_points, f"{spec.label} should lose points on {name}, but it passed"
        assert result.message, f"{name} failed on {spec.label} without saying why"
    assert report.points < report.max_points
    if "test_properties_pass_on_correct" not in catches:  # that one gates the rest
        assert report.points > 0, f"{spec.label} scores 0: a chaff should fail only what it gets wrong"


# ---- answers written differently from the solutions get full marks --------------------------------

ALTERNATIVES = ROOT / "tests" / "grading" / "alternatives"


def _alternatives() -> list[Path]:
    return sorted(p for c in CORES for p in (ALTERNATIVES / c).glob("*/*.toml"))


def test_every_exercise_has_an_alternative_answer() -> None:
    assert sorted({(p.parent.parent.name, p.parent.name) for p in _alternatives()}) == sorted(EXERCISES)


@pytest.mark.parametrize("path", _alternatives(), ids=lambda p: "/".join(p.parts[-3:]))
def test_an_alternative_correct_answer_gets_full_marks(path: Path, tmp_path: Path) -> None:
    core, exercise = path.parent.parent.name, path.parent.name
    spec = tomllib.loads(path.read_text(encoding="utf-8"))
    text = apply_edits((ROOT / "solutions" / core / f"{exercise}.py").read_text(encoding="utf-8"),
                       tuple(Edit(e["find"], e["replace"]) for e in spec["edit"]), str(path))
    folder = tmp_path / core
    folder.mkdir()
    (folder / f"{exercise}.py").write_text(f"# Alternative: {spec['description']}\n{text}", encoding="utf-8")
    report = grade(f"{core}/{exercise}", submission=tmp_path)
    failed = [f"{t.test_id}: {t.message}" for t in report.tests if not t.passed]
    assert not failed and report.points == report.max_points, "\n".join(failed)
