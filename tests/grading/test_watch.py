"""``funcpipe grade --watch``: what each save prints, driven by injected changes (no waiting)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from grading_support import ROOT

from funcpipe_rag import course
from funcpipe_rag.cli import main
from funcpipe_rag.grading import Report, TestResult, grade
from funcpipe_rag.grading.report import CoreReport, ExerciseReport
from funcpipe_rag.grading.watch import Watcher, targets

CORE = course.available()[0]
FIRST, *OTHERS = [e.slug for e in CORE.exercises]
HINTS = ["a nudge", "the concept", "the exact check"]


def _result(exercise: str, name: str, passed: bool, message: str = "wrong") -> TestResult:
    return TestResult(CORE.slug, exercise, name, name, 2, points=2 if passed else 0, passed=passed,
                      message="" if passed else message, hint=HINTS[0], hints=list(HINTS))


class Script:
    """A stand-in grader: each call returns the next scripted outcome of the exercises asked for."""

    def __init__(self, outcomes: list[dict[str, list[TestResult]]]) -> None:
        self.outcomes = iter(outcomes)
        self.asked: list[list[str]] = []

    def __call__(self, selectors: list[str]) -> Report:
        self.asked.append(selectors)
        outcome = next(self.outcomes)
        exercises = [ExerciseReport(CORE.slug, ex, ex, tests) for ex, tests in outcome.items()]
        return Report("exercises", [CoreReport(CORE.slug, exercises)])


def _watcher(script: Script, selectors: list[str], tmp_path: Path) -> tuple[Watcher, io.StringIO]:
    out = io.StringIO()
    return Watcher(selectors, tmp_path, script, out, solutions=ROOT / "solutions"), out


def _runs(text: str) -> list[str]:
    return text.split("[run ")[1:]


def test_the_targets_follow_the_registry() -> None:
    assert targets([CORE.slug]) == [f"{CORE.slug}/{e.slug}" for e in CORE.exercises]
    assert targets([f"{CORE.slug}/{FIRST[:4]}"]) == [f"{CORE.slug}/{FIRST}"]
    assert targets([]) == [f"{c.slug}/{e.slug}" for c in course.available() for e in c.exercises]
    with pytest.raises(ValueError, match="the exercises are"):
        targets([f"{CORE.slug}/ex99"])
    with pytest.raises(ValueError, match="available cores"):
        targets(["m08c99"])


def test_a_save_regrades_only_the_exercise_saved(tmp_path: Path) -> None:
    failing = {ex: [_result(ex, "test_a", False)] for ex in (FIRST, *OTHERS)}
    script = Script([failing, {FIRST: [_result(FIRST, "test_a", False)]}])
    watcher, _ = _watcher(script, targets([CORE.slug]), tmp_path)
    watcher.start()
    saved = tmp_path / CORE.slug / f"{FIRST}.py"
    watcher.loop([{tmp_path / CORE.slug / "notes.txt"}, {tmp_path / "other" / f"{FIRST}.py"}, {saved}])
    assert script.asked == [targets([CORE.slug]), [f"{CORE.slug}/{FIRST}"]], "only the saved exercise"


def test_hints_go_one_level_further_per_failing_run_and_only_changes_are_shown(tmp_path: Path) -> None:
    sel = [f"{CORE.slug}/{FIRST}"]
    still = {FIRST: [_result(FIRST, "test_a", False), _result(FIRST, "test_b", True)]}
    script = Script([still] * 4)
    watcher, out = _watcher(script, sel, tmp_path)
    watcher.start()
    watcher.loop([{tmp_path / f"{FIRST}.py"}] * 3)
    runs = _runs(out.getvalue())
    assert "failing: test_a — wrong" in runs[0] and "hint: a nudge" in runs[0]
    assert "test_b" not in runs[0], "a passing test is not news"
    assert "hint, level 2 (the concept): the concept" in runs[1] and "failing:" not in runs[1]
    assert "hint, level 3 (the exact check): the exact check" in runs[2]
    assert "test_a" not in runs[3] and "hint" not in runs[3], "nothing new to say on the fourth run"
    assert f"{FIRST}: 2/4 points (+0)" in runs[3]


def test_a_new_failure_message_is_shown_and_the_hints_start_over_after_a_pass(tmp_path: Path) -> None:
    sel = [f"{CORE.slug}/{FIRST}"]
    script = Script([
        {FIRST: [_result(FIRST, "test_a", False, "first problem"), _result(FIRST, "test_b", True)]},
        {FIRST: [_result(FIRST, "test_a", False, "second problem"), _result(FIRST, "test_b", True)]},
        {FIRST: [_result(FIRST, "test_a", True), _result(FIRST, "test_b", False)]},
        {FIRST: [_result(FIRST, "test_a", False), _result(FIRST, "test_b", True)]},
    ])
    watcher, out = _watcher(script, sel, tmp_path)
    watcher.start()
    watcher.loop([{tmp_path / f"{FIRST}.py"}] * 3)
    runs = _runs(out.getvalue())
    assert "still failing, differently: test_a — second problem" in runs[1]
    assert "now passing: test_a" in runs[2] and "now failing: test_b — wrong" in runs[2]
    assert "(+0)" in runs[2]
    assert "now failing: test_a" in runs[3] and "hint: a nudge" in runs[3], "a new failure starts at a nudge"


def test_a_failure_every_test_shares_is_said_once_and_gives_no_hints(tmp_path: Path) -> None:
    broken = {FIRST: [_result(FIRST, n, False, "ex01.py does not parse") for n in ("test_a", "test_b")]}
    script = Script([broken, broken])
    watcher, out = _watcher(script, [f"{CORE.slug}/{FIRST}"], tmp_path)
    watcher.start()
    watcher.loop([{tmp_path / f"{FIRST}.py"}])
    text = out.getvalue()
    assert text.count("every test fails: ex01.py does not parse") == 2 and "hint" not in text


def test_stubs_not_written_yet_are_listed_on_one_line_without_hints(tmp_path: Path) -> None:
    stubs = {FIRST: [_result(FIRST, "test_a", False, "not implemented yet: TODO: pure"),
                     _result(FIRST, "test_b", False, "not implemented yet: TODO: bind"),
                     _result(FIRST, "test_c", True)]}
    script = Script([stubs])
    watcher, out = _watcher(script, [f"{CORE.slug}/{FIRST}"], tmp_path)
    watcher.start()
    text = out.getvalue()
    assert "2 tests wait for code you have not written yet: test_a, test_b" in text and "hint" not in text


def test_completing_an_exercise_and_the_core_is_said_plainly(tmp_path: Path) -> None:
    exercises = [FIRST, *OTHERS]
    failing = {ex: [_result(ex, "test_a", ex == FIRST)] for ex in exercises}
    script = Script([
        {**failing, FIRST: [_result(FIRST, "test_a", False)]},
        {FIRST: [_result(FIRST, "test_a", True)]},
        *[{ex: [_result(ex, "test_a", True)]} for ex in OTHERS],
    ])
    watcher, out = _watcher(script, targets([CORE.slug]), tmp_path)
    watcher.start()
    watcher.loop([{tmp_path / CORE.slug / f"{ex}.py"} for ex in exercises])
    runs = _runs(out.getvalue())
    taught = CORE.exercises[0].taught
    assert taught and f"It taught: {taught}." in runs[1]
    assert f"{FIRST} is complete: every test passes." in runs[1]
    assert f"solutions/{CORE.slug}/{FIRST}.py" in runs[1]
    assert all("Core" not in r for r in runs[:-1])
    assert f"Core {CORE.slug} is complete: all {len(exercises)} exercises pass." in runs[-1]


def test_a_learner_copy_without_solutions_says_where_the_reference_is(tmp_path: Path) -> None:
    script = Script([{FIRST: [_result(FIRST, "test_a", True)]}])
    out = io.StringIO()
    Watcher([f"{CORE.slug}/{FIRST}"], tmp_path, script, out, solutions=None).start()
    assert "is in your instructor's copy of the workbook" in out.getvalue()


def test_watching_real_grading_from_stub_to_solution(tmp_path: Path) -> None:
    folder = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises" / CORE.slug, folder / CORE.slug)
    sel = [f"{CORE.slug}/{FIRST}"]
    out = io.StringIO()
    watcher = Watcher(sel, folder, lambda picked: grade(picked, folder), out, solutions=ROOT / "solutions")

    def saves() -> Iterator[set[Path]]:
        target = folder / CORE.slug / f"{FIRST}.py"
        shutil.copy(ROOT / "solutions" / CORE.slug / f"{FIRST}.py", target)
        yield {target}

    watcher.start()
    watcher.loop(saves())
    first, second = _runs(out.getvalue())
    assert "wait for code you have not written yet" in first and "hint" not in first
    assert f"{FIRST} is complete" in second and "now passing" in second


def test_the_command_watches_until_the_changes_end(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import funcpipe_rag.grading.watch as watch

    folder = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions" / CORE.slug, folder / CORE.slug)
    monkeypatch.setattr(watch, "file_changes", lambda _folder: iter([]))
    assert main(["grade", "--watch", f"{CORE.slug}/{FIRST}", "--submission", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"watching {folder}" in out and f"{FIRST} is complete" in out and "stopped watching" in out
    assert main(["grade", "--watch", "m08c99", "--submission", str(folder)]) == 2
