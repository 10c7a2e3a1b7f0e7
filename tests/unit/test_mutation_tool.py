"""The pieces of `make mutation` that need no mutation run: annotations, reviews, score, README."""

from __future__ import annotations

from pathlib import Path

import pytest

from funcpipe_rag.tools.mutation import (
    EQUIVALENTS,
    ROOT,
    Equivalent,
    Mutant,
    Summary,
    annotation_spans,
    load_equivalents,
    update_readme,
)


def test_annotation_spans_cover_annotations_only() -> None:
    source = "def f(x: int | None, y=1) -> list[int]:\n    z: A | B = x or y\n    return [z]\n"
    spans = annotation_spans(source)
    assert ((1, 9), (1, 19)) in spans  # int | None
    assert ((1, 29), (1, 38)) in spans  # list[int]
    assert ((2, 7), (2, 12)) in spans  # A | B
    assert not any(start <= (2, 15) < end for start, end in spans)  # `x or y` is code


def test_score_leaves_reviewed_survivors_out() -> None:
    mutants = [Mutant("ex", "op", 1, "a", "killed")] * 19 + [
        Mutant("ex", "op", 2, "b", "survived", equivalent="changes nothing"),
        Mutant("ex", "op", 3, "c", "survived"),
        Mutant("ex", "op", 4, "d", "skipped"),
    ]
    summary = Summary("m99", mutants)
    assert summary.score == pytest.approx(95.0)
    assert [m.line for m in summary.unreviewed] == [3]


def test_an_equivalent_matches_by_exercise_operator_glob_and_line() -> None:
    entry = Equivalent("ex01", "core/Replace*", "  x = 1", "because")
    assert entry.covers(Mutant("ex01", "core/ReplaceTrueWithFalse", 9, "x = 1", "survived"))
    assert not entry.covers(Mutant("ex02", "core/ReplaceTrueWithFalse", 9, "x = 1", "survived"))
    assert not entry.covers(Mutant("ex01", "funcpipe/ReturnNone", 9, "x = 1", "survived"))


def test_an_entry_without_a_reason_is_refused(tmp_path: Path) -> None:
    path = tmp_path / EQUIVALENTS
    path.write_text('[[equivalent]]\nexercise = "ex"\noperator = "o"\nline = "l"\nreason = " "\n')
    with pytest.raises(ValueError, match="a reason"):
        load_equivalents(path)


@pytest.mark.parametrize("path", sorted((ROOT / "tests" / "grading").glob(f"*/{EQUIVALENTS}")),
                         ids=lambda p: p.parent.name)
def test_every_reviewed_line_is_still_in_its_solution(path: Path) -> None:
    for entry in load_equivalents(path):
        solution = ROOT / "solutions" / path.parent.name / f"{entry.exercise}.py"
        lines = [line.strip() for line in solution.read_text().splitlines()]
        assert entry.line.strip() in lines, f"{path.name}: {entry.line!r} is no longer in {solution.name}"


def test_the_readme_score_is_written_between_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- mutation:m99 -->old<!-- /mutation:m99 -->\nafter\n")
    update_readme(readme, Summary("m99", [Mutant("ex", "op", 1, "a", "killed")]))
    text = readme.read_text()
    assert "<!-- mutation:m99 -->m99: **100.0%** of 1 mutants killed (0 more of the 1 run" in text
    assert text.startswith("before\n") and text.endswith("after\n") and "old" not in text


def test_a_partial_run_says_which_exercises_it_covers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("<!-- mutation:m99 -->old<!-- /mutation:m99 -->\n")
    update_readme(readme, Summary("m99", [Mutant("ex01", "op", 1, "a", "killed")]), only=["ex01"])
    assert "<!-- mutation:m99 -->m99 (ex01 only): **100.0%** of 1 mutants killed" in readme.read_text()
