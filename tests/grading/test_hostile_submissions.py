"""Whatever a submission does, the grader finishes with a complete, truthful report.

Each folder under ``hostile/`` is a submission for exercise 1 that misbehaves
in one way; the learner's files must come out of grading untouched. A case's
``.py`` file is kept as a spec (the solution or the generated stub, plus the
hostile lines) and built into a scratch folder here: see
:mod:`funcpipe_rag.grading.mutants`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from grading_support import ROOT, in_parallel

from funcpipe_rag.grading import Report, grade
from funcpipe_rag.grading.mutants import hostile_cases, write_hostile

TARGET = "m08c01/ex01_primitives"
LIMIT = 5.0  # seconds per test: roomy for a loaded machine; a hang costs 1 s after the first
Reports = dict[str, tuple[Report, dict[str, str], dict[str, str]]]
CASES = hostile_cases()


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def syntax_error_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("syntax_error")
    (folder / "m08c01").mkdir()
    text = (ROOT / "solutions" / "m08c01" / "ex01_primitives.py").read_text()
    broken = text.replace("def async_bind(plan", "def async_bind(plan,,")
    (folder / "m08c01" / "ex01_primitives.py").write_text(broken)
    return folder


@pytest.fixture(scope="module")
def folders(syntax_error_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each case's submission folder, built from its spec."""
    built = {name: write_hostile(name, tmp_path_factory.mktemp(name)) for name in CASES}
    return {**built, "syntax_error": syntax_error_folder}


@pytest.fixture(scope="module")
def reports(folders: dict[str, Path]) -> dict[str, tuple[Report, dict[str, str], dict[str, str]]]:
    def run(item: tuple[str, Path]) -> tuple[str, tuple[Report, dict[str, str], dict[str, str]]]:
        name, folder = item
        before = _snapshot(folder)
        report = grade(TARGET, submission=folder, time_limit=LIMIT, memory_mb=512)
        return name, (report, before, _snapshot(folder))

    return dict(in_parallel(run, sorted(folders.items())))


def _complete(report: Report) -> None:
    expected = grade_names()
    assert [t.name for t in report.tests] == expected, "the report is missing graded tests"
    for t in report.tests:
        assert t.passed or t.message, f"{t.name} failed without a reason"


_NAMES: list[str] = []


def grade_names() -> list[str]:
    if not _NAMES:
        text = (ROOT / "tests" / "grading" / "m08c01" / "test_ex01_primitives.py").read_text()
        _NAMES.extend(re.findall(r"^def (test_\w+)", text, re.M))
    return _NAMES


@pytest.mark.parametrize("case", [*CASES, "syntax_error"])
def test_report_is_complete_and_files_untouched(
    case: str, reports: dict[str, tuple[Report, dict[str, str], dict[str, str]]], folders: dict[str, Path]
) -> None:
    report, before, after = reports[case]
    _complete(report)
    assert before == after, f"grading {case} changed the submission's files"
    assert not list(folders[case].rglob("__pycache__")), "grading wrote __pycache__ into the submission"


def _messages(report: Report) -> str:
    return "\n".join(f"{t.name}: {t.message}" for t in report.tests)


def test_syntax_error(reports: dict[str, tuple[Report, dict[str, str], dict[str, str]]]) -> None:
    report = reports["syntax_error"][0]
    assert report.points == 0
    assert all("does not parse: line" in t.message for t in report.tests), _messages(report)


def test_import_error(reports: dict[str, tuple[Report, dict[str, str], dict[str, str]]]) -> None:
    report = reports["import_error"][0]
    assert report.points == 0
    assert all("fails to import" in t.message and "funcpipe_no_such_module" in t.message
               for t in report.tests), _messages(report)


def test_missing_function(reports: dict[str, tuple[Report, dict[str, str], dict[str, str]]]) -> None:
    report = reports["missing_function"][0]
    assert all("does not define async_map" in t.message for t in report.tests), _messages(report)


def test_endless_loop_is_a_time_limit(reports: Reports) -> None:
    report = reports["loops_forever"][0]
    assert "time limit exceeded" in report.test("test_map").message
    assert report.test("test_left_identity").passed, "tests after a timeout still run in a new process"


def test_endless_import_fails_every_test(reports: Reports) -> None:
    report = reports["loops_at_import"][0]
    assert report.points == 0
    assert all("importing ex01_primitives.py: time limit exceeded" in t.message for t in report.tests)


def test_sys_exit(reports: dict[str, tuple[Report, dict[str, str], dict[str, str]]]) -> None:
    report = reports["sys_exit"][0]
    assert "sys.exit(3)" in report.test("test_left_identity").message
    assert report.test("test_pure").passed


def test_os_exit(reports: dict[str, tuple[Report, dict[str, str], dict[str, str]]]) -> None:
    report = reports["os_exit"][0]
    assert "exited with status 0 during this test" in report.test("test_map").message
    assert report.test("test_left_identity").passed, "tests after the exit still run in a new process"


def test_memory_limit(reports: dict[str, tuple[Report, dict[str, str], dict[str, str]]]) -> None:
    report = reports["memory_hog"][0]
    assert "memory" in report.test("test_map").message, report.test("test_map").message
    assert report.test("test_pure").passed


def test_deleting_files_harms_only_the_scratch_copy(
    reports: dict[str, tuple[Report, dict[str, str], dict[str, str]]], folders: dict[str, Path]
) -> None:
    report = reports["deletes_files"][0]
    assert report.points == report.max_points, _messages(report)
    assert (folders["deletes_files"] / "m08c01" / "notes.txt").is_file()


def test_printed_and_forged_results_are_ignored(
    reports: dict[str, tuple[Report, dict[str, str], dict[str, str]]]
) -> None:
    report = reports["prints_results"][0]
    assert report.points == 0, "text that looks like results must not count"


def test_own_results_file_is_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "results" / "results.json"
    env = dict(os.environ, FUNCPIPE_HOSTILE_TARGET=str(out))
    folder = write_hostile("writes_results_file", tmp_path / "submission")
    proc = subprocess.run(
        [sys.executable, "-m", "funcpipe_rag.cli", "grade", TARGET, "--submission", str(folder),
         "--format", "gradescope", "--output", str(out), "--time-limit", str(LIMIT)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["score"] == 0.0 and len(data["tests"]) == len(grade_names())
