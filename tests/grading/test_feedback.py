"""Feedback a learner can act on: one clear message first, not the same failure once per test."""

from __future__ import annotations

import shutil
from pathlib import Path

from grading_support import ROOT

from funcpipe_rag.grading import grade
from funcpipe_rag.grading.report import CoreReport, ExerciseReport, Report, TestResult


def _report(messages: list[str], passed: list[bool] | None = None) -> Report:
    passed = passed or [False] * len(messages)
    tests = [
        TestResult("m99", "ex01", f"test_{i}", f"test {i}", 1, points=int(ok), passed=ok, message=m,
                   hint=f"hint {i}")
        for i, (m, ok) in enumerate(zip(messages, passed, strict=True))
    ]
    report = Report(submission="folder", notes=["look here first"])
    report.cores = [CoreReport("m99", [ExerciseReport("m99", "ex01", "One", tests)])]
    return report


def test_one_shared_failure_is_said_once_and_the_notes_come_first() -> None:
    table = _report(["no file ex01.py"] * 3).table()
    lines = table.splitlines()
    assert lines[1] == "note: look here first"
    assert table.count("no file ex01.py") == 1 and "every test failed: no file ex01.py" in table
    assert "hint 0" not in table  # a hint about one test means nothing when the file is missing


def test_different_failures_keep_their_own_message_and_hint() -> None:
    table = _report(["a went wrong", "b went wrong"]).table()
    assert "every test failed" not in table
    assert "what failed: a went wrong" in table and "hint: hint 1" in table


def test_an_empty_folder_says_so_before_anything_else(tmp_path: Path) -> None:
    (tmp_path / "m08c01").mkdir()
    report = grade("m08c01/ex01", submission=tmp_path)
    first = report.table().splitlines()[1]
    assert first.startswith("note: ") and "holds none of m08c01's files" in first and "--submission" in first
    assert report.points == 0


def test_an_exception_in_the_learners_code_names_their_file_line_and_step(tmp_path: Path) -> None:
    """A crash inside a private step reads as the learner's own traceback line, not the grader's."""
    core = tmp_path / "m08c01"
    shutil.copytree(ROOT / "solutions" / "m08c01", core)
    source = core / "ex02_user_pipeline.py"
    text = source.read_text()
    target = "    return async_from_result(validate_user(raw))"
    assert text.count(target) == 1
    source.write_text(text.replace(target, "    raise KeyError('nickname')", 1))
    line = source.read_text().splitlines().index("    raise KeyError('nickname')") + 1
    report = grade("m08c01/ex02", submission=tmp_path)
    messages = [t.message for e in report.cores[0].exercises for t in e.tests if not t.passed]
    assert messages, "a pipeline whose validation step crashes must fail"
    assert any(f"(at ex02_user_pipeline.py, line {line}, in _validate)" in m for m in messages), messages
    assert not any(str(tmp_path) in m for m in messages)  # the learner's machine path stays out of reports
