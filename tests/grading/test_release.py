"""``funcpipe release``: the learner's copy holds no answers, cuts hidden tests, and still works.

The copy is built once from this checkout; its own checks run with this
virtual environment and ``PYTHONPATH`` set to the copy, so the copy's
library is what they import. The copy's full ``make test`` is
``make release-test`` (not part of ``make test``: it runs the whole suite
again); here its cheap parts run: lint, interpreter isolation, every test
module collects, and its grader grades its stubs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from grading_support import ROOT, hide_first_test

from funcpipe_rag import course
from funcpipe_rag.grading.generate import exercise_text, solution_files
from funcpipe_rag.grading.hidden import HiddenCount, read_manifest
from funcpipe_rag.grading.release import LONG_PART, MARKER, build, leaks, solution_parts, strip_hidden
from funcpipe_rag.tools.nbval_cells import needs_instructor_copy

CORE = course.available()[0]


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("release") / "workbook"
    build(ROOT, dest)
    return dest


def _in_copy(copy: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(copy)}
    return subprocess.run(args, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)


def test_no_solutions_no_grader_data_and_stubs_for_exercises(copy: Path) -> None:
    assert (copy / MARKER).is_file()
    assert not (copy / "solutions").exists() and not (copy / "bench").exists()
    folder = copy / "tests" / "grading"
    grading = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert all(p == "conftest.py" or p.split("/")[0] in {c.slug for c in course.CORES} for p in grading)
    assert not any("chaff" in p or "hostile" in p or "mutant" in p for p in grading)
    for src in solution_files(ROOT / "solutions"):
        rel = src.relative_to(ROOT / "solutions").as_posix()
        assert (copy / "exercises" / rel).read_text() == exercise_text(src, rel), f"exercises/{rel} is a stub"
    for c in course.available():  # every core a learner can take: its stubs and the tests that grade them
        for e in c.exercises:
            assert (copy / "exercises" / c.slug / f"{e.slug}.py").is_file(), f"{c.slug}/{e.slug} has no stub"
            assert (copy / "tests" / "grading" / c.slug / f"test_{e.slug}.py").is_file(), f"{c.slug}/{e.slug}"


def test_the_notebooks_are_as_they_are(copy: Path) -> None:
    for c in course.available():
        assert c.notebook is not None
        assert (copy / c.notebook).read_bytes() == (ROOT / c.notebook).read_bytes()


def test_no_solution_text_leaks_into_the_copy(copy: Path) -> None:
    assert leaks(copy, ROOT / "solutions") == []


def test_the_leak_check_finds_a_whole_answer_and_a_long_part(copy: Path, tmp_path: Path) -> None:
    leaky = tmp_path / "leaky"
    shutil.copytree(copy, leaky)
    exercise = CORE.exercises[0].slug
    (leaky / "notes.md").write_text((ROOT / "solutions" / CORE.slug / f"{exercise}.py").read_text())
    found = leaks(leaky, ROOT / "solutions")
    assert f"every solution part of solutions/{CORE.slug}/{exercise}.py appears verbatim in notes.md" in found
    long = max(solution_parts(ROOT / "solutions"), key=lambda p: len(p.tokens))
    assert len(long.tokens) >= LONG_PART
    notebook = {"cells": [{"cell_type": "code", "source": [], "outputs": [
        {"output_type": "stream", "name": "stdout", "text": ["  ".join(long.tokens)]}]}]}
    (leaky / "notes.md").unlink()
    (leaky / "shown.ipynb").write_text(json.dumps(notebook))
    found = leaks(leaky, ROOT / "solutions")
    assert len(found) == 1 and "appears verbatim in shown.ipynb" in found[0], "notebook outputs are read too"


def test_hidden_tests_are_cut_and_counted(tmp_path: Path) -> None:
    exercise = CORE.exercises[0].slug
    root = tmp_path / "workbook"
    name, points = hide_first_test(root / "tests" / "grading", CORE.slug, exercise)
    shutil.copytree(ROOT / "solutions" / CORE.slug, root / "solutions" / CORE.slug)
    text = (root / "tests" / "grading" / CORE.slug / f"test_{exercise}.py").read_text()
    kept, cut = strip_hidden(text)
    assert cut == {name: points} and f"def {name}(" not in kept and f"def {name}(" in text
    release = build(root, tmp_path / "copy")
    graded = tmp_path / "copy" / "tests" / "grading" / CORE.slug
    assert f"def {name}(" not in (graded / f"test_{exercise}.py").read_text()
    assert read_manifest(graded) == {exercise: HiddenCount(1, points)}
    assert release.hidden == {f"{CORE.slug}/{exercise}": HiddenCount(1, points)}


def test_the_copy_passes_its_own_cheap_checks(copy: Path) -> None:
    ruff = Path(sys.executable).with_name("ruff")
    lint = _in_copy(copy, str(ruff), "check", "funcpipe_rag", "tests")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    iso = _in_copy(copy, sys.executable, "-m", "funcpipe_rag.cli", "check-isolation")
    assert iso.returncode == 0, iso.stdout + iso.stderr
    collected = _in_copy(copy, sys.executable, "-m", "pytest", "tests", "--collect-only", "-q",
                         "-p", "no:cacheprovider")
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    assert "error" not in collected.stdout.lower().splitlines()[-1]


def test_the_copy_grades_its_stubs_with_its_own_graded_tests(copy: Path) -> None:
    graded = _in_copy(copy, sys.executable, "-m", "funcpipe_rag.cli", "grade", CORE.slug, "--format", "json")
    assert graded.returncode == 0, graded.stderr
    report = json.loads(graded.stdout)
    assert report["points"] == 0 and report["max_points"] == sum(e.points for e in CORE.exercises)


def test_a_cell_that_builds_a_wrong_answer_from_the_solutions_is_skipped_in_a_copy() -> None:
    cell = 'from funcpipe_rag.grading.mutants import write_chaff\nwrite_chaff("m", "e", "c", scratch)'
    assert needs_instructor_copy(cell)
    assert not needs_instructor_copy('grade("m08c01", submission="../exercises")')
