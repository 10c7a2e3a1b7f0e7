"""Chaff and hostile specs apply cleanly to today's solutions, and a broken spec is reported.

A spec's ``find`` snippets must each occur exactly once in the file they edit,
so that a change to a solution that invalidates a chaff fails here, by name,
instead of leaving a wrong answer that no longer tests anything.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from grading_support import GRADING, ROOT

from funcpipe_rag.grading.generate import strip_solutions
from funcpipe_rag.grading.mutants import (
    Spec,
    SpecError,
    hostile_cases,
    hostile_specs,
    list_alternatives,
    list_chaffs,
    render,
    write_chaff,
    write_hostile,
)

SPECS = [*list_chaffs(), *list_alternatives(), *(s for case in hostile_cases() for s in hostile_specs(case))]


def _graded_names(core: str, exercise: str) -> set[str]:
    text = (GRADING / core / f"test_{exercise}.py").read_text()
    return set(re.findall(r"^def (test_\w+)", text, re.M))


@pytest.mark.parametrize("spec", SPECS, ids=[s.label for s in SPECS])
def test_spec_applies_cleanly_and_changes_the_file(spec: Spec) -> None:
    solution = (ROOT / "solutions" / spec.core / f"{spec.exercise}.py").read_text()
    text = render(spec)  # SpecError, naming the spec, unless each `find` occurs exactly once
    assert text.startswith(spec.header)
    assert text != solution
    if spec.base == "exercise":
        assert text != strip_solutions(solution)
    assert "# BEGIN SOLUTION" not in text and "# END SOLUTION" not in text


def test_every_case_has_a_spec() -> None:
    assert len(list_chaffs()) >= 12
    for case in hostile_cases():
        assert hostile_specs(case), f"hostile/{case} has no <core>/<exercise>.toml"
    assert not list((GRADING / "chaffs").rglob("*.py")), "chaffs are specs (.toml), not copies"
    assert not list((GRADING / "hostile").rglob("*.py")), "hostile files are specs (.toml), not copies"


@pytest.mark.parametrize("spec", list_chaffs(), ids=[s.label for s in list_chaffs()])
def test_chaff_names_graded_tests(spec: Spec) -> None:
    unknown = set(spec.catches) - _graded_names(spec.core, spec.exercise)
    assert not unknown, f"{spec.label} catches tests that do not exist: {sorted(unknown)}"


def test_write_chaff_writes_the_exercise_file(tmp_path: Path) -> None:
    path = write_chaff("m08c01", "ex01_primitives", "map_forgets_ok", tmp_path / "new")
    assert path == tmp_path / "new" / "ex01_primitives.py"
    text = path.read_text()
    assert text.startswith("# Chaff: map returns f's value without wrapping it in Ok.\n# loses: test_map\n")
    assert "return f(v)" in text and "return Ok(f(v))" not in text
    compile(text, str(path), "exec")


def test_write_hostile_copies_hand_made_files(tmp_path: Path) -> None:
    folder = write_hostile("deletes_files", tmp_path)
    assert sorted(p.name for p in (folder / "m08c01").iterdir()) == ["ex01_primitives.py", "notes.txt"]
    assert "_vandalise()" in (folder / "m08c01" / "ex01_primitives.py").read_text()


def _fake_tree(tmp_path: Path, spec_text: str) -> tuple[Path, Path]:
    solutions, chaffs = tmp_path / "solutions", tmp_path / "chaffs"
    (solutions / "m99").mkdir(parents=True)
    (solutions / "m99" / "ex.py").write_text(
        "def f(x):\n    # BEGIN SOLUTION: double x\n    return 2 * x\n    # END SOLUTION\n\n\n"
        "def g(x):\n    return 2 * x\n"
    )
    (chaffs / "m99" / "ex").mkdir(parents=True)
    (chaffs / "m99" / "ex" / "bad.toml").write_text(spec_text)
    return solutions, chaffs


def test_applies_edits_and_drops_markers(tmp_path: Path) -> None:
    spec = 'description = "f triples"\ncatches = ["test_f"]\n[[edit]]\nfind = "def f(x):\\n    # BEGIN SOLUTION: double x\\n    return 2"\nreplace = "def f(x):\\n    return 3"\n'  # noqa: E501
    solutions, chaffs = _fake_tree(tmp_path, spec)
    path = write_chaff("m99", "ex", "bad", tmp_path / "out", chaffs=chaffs, solutions=solutions)
    assert path.read_text() == (
        "# Chaff: f triples\n# loses: test_f\ndef f(x):\n    return 3 * x\n\n\ndef g(x):\n    return 2 * x\n"
    )


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ('description = "d"\ncatches = ["t"]\n[[edit]]\nfind = "return 4 * x"\nreplace = "y"\n',
         "occurs 0 times"),
        ('description = "d"\ncatches = ["t"]\n[[edit]]\nfind = "return 2 * x"\nreplace = "y"\n',
         "occurs 2 times"),
        ('description = "d"\n[[edit]]\nfind = "def f"\nreplace = "def h"\n', "`catches`"),
        ('description = "d"\ncatches = ["t"]\n[[edits]]\nfind = "def f"\nreplace = "def h"\n',
         "unknown keys ['edits']"),
        ('description = "d"\ncatches = ["t"]\n', "changes nothing"),
        ('description = "d"\ncatches = ["t"]\n[[edit]]\nfind = "    # END SOLUTION\\n"\nreplace = ""\n',
         "unchanged"),
    ],
)
def test_a_broken_spec_is_reported_by_name(tmp_path: Path, spec: str, complaint: str) -> None:
    solutions, chaffs = _fake_tree(tmp_path, spec)
    with pytest.raises(SpecError, match=re.escape(complaint)) as info:
        write_chaff("m99", "ex", "bad", tmp_path / "out", chaffs=chaffs, solutions=solutions)
    assert "bad.toml" in str(info.value)
    assert not (tmp_path / "out").exists(), "nothing is written when a spec fails"


def test_a_missing_chaff_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no chaff m08c01/ex01_primitives/nope"):
        write_chaff("m08c01", "ex01_primitives", "nope", tmp_path)
