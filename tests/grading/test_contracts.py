"""Every clause of every exercise's contract names the graded tests that check it, and they exist.

The contract is the bulleted "The contract" section of each solution's
docstring; ``tests/grading/<core>/contract.toml`` maps each bullet (by a
snippet of it) to graded tests, and holds each exercise's source rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from grading_support import GRADING, ROOT

from funcpipe_rag import course
from funcpipe_rag.grading.contracts import (
    CONTRACT_FILE,
    Clause,
    ExerciseContract,
    contract_bullets,
    core_contract,
    docstring_of,
    graded_test_names,
    imports_section,
    trace_problems,
)
from funcpipe_rag.grading.rules import SourceRules, check_rules, resolve
from funcpipe_rag.grading.runner import available_cores

CORES = available_cores(GRADING)
EXERCISES = [(c, e.slug) for c in CORES for e in course.core(c).exercises
             if (GRADING / c / f"test_{e.slug}.py").is_file()]


@pytest.mark.parametrize("core", CORES)
def test_every_graded_core_has_a_contract_for_each_exercise(core: str) -> None:
    assert (GRADING / core / CONTRACT_FILE).is_file(), f"{core} has graded tests but no {CONTRACT_FILE}"
    graded = {e for c, e in EXERCISES if c == core}
    assert set(core_contract(core, GRADING)) == graded


@pytest.mark.parametrize(("core", "exercise"), EXERCISES, ids=[f"{c}/{e}" for c, e in EXERCISES])
def test_every_clause_is_graded_and_every_graded_test_checks_a_clause(core: str, exercise: str) -> None:
    contract = core_contract(core, GRADING)[exercise]
    bullets = contract_bullets(docstring_of(ROOT / "solutions" / core / f"{exercise}.py"))
    graded = graded_test_names(GRADING / core / f"test_{exercise}.py")
    problems = trace_problems(contract, bullets, graded)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("core", "exercise"), EXERCISES, ids=[f"{c}/{e}" for c, e in EXERCISES])
def test_the_docstring_names_every_allowed_import(core: str, exercise: str) -> None:
    rules = core_contract(core, GRADING)[exercise].rules
    section = imports_section(docstring_of(ROOT / "solutions" / core / f"{exercise}.py"))
    assert section, f"{exercise}.py's docstring has no Imports section"
    for name in rules.allowed:
        assert resolve(name) is not None
        assert f"``{name.rsplit('.', 1)[-1]}``" in section or f"``{name}``" in section, \
            f"{exercise}.py's Imports section does not mention {name}, which its rules allow"


@pytest.mark.parametrize(("core", "exercise"), EXERCISES, ids=[f"{c}/{e}" for c, e in EXERCISES])
def test_the_solution_and_the_stub_break_no_rule(core: str, exercise: str) -> None:
    rules = core_contract(core, GRADING)[exercise].rules
    for folder in ("solutions", "exercises"):
        path = ROOT / folder / core / f"{exercise}.py"
        assert check_rules(path.read_text(), path.name, rules) == [], f"{folder}/{core}/{exercise}.py"


def _contract(*clauses: Clause) -> ExerciseContract:
    return ExerciseContract("ex", clauses, SourceRules())


BULLETS = ["``f(x)`` — does one thing.", "building calls nothing; running twice runs twice."]


@pytest.mark.parametrize(("clauses", "graded", "complaint"), [
    ((Clause("``f(x)``", ("test_f",)),), {"test_f"}, "no clause checks the contract bullet 'building"),
    ((Clause("``f(x)``", ("test_f",)), Clause("building", ())), {"test_f"}, "names no graded test"),
    ((Clause("``f(x)``", ("test_f",)), Clause("building", ("test_gone",))), {"test_f"},
     "names test_gone, which is not a graded test"),
    ((Clause("``f(x)``", ("test_f",)), Clause("building", ("test_f",))), {"test_f", "test_extra"},
     "the graded test test_extra checks no clause"),
    ((Clause("nowhere", ("test_f",)), Clause("building", ("test_f",))), {"test_f"},
     "matches 0 contract bullets"),
    ((Clause("ing", ("test_f",)),), {"test_f"}, "matches 2 contract bullets"),
])
def test_a_broken_table_is_reported(clauses: tuple[Clause, ...], graded: set[str], complaint: str) -> None:
    problems = trace_problems(_contract(*clauses), BULLETS, graded)
    assert any(complaint in p for p in problems), problems


def test_a_traceable_table_has_no_problem() -> None:
    clauses = (Clause("``f(x)``", ("test_f",)), Clause("building", ("test_g",)))
    assert trace_problems(_contract(*clauses), BULLETS, {"test_f", "test_g"}) == []


def test_bullets_are_read_from_the_contract_section_only() -> None:
    doc = (
        "Title\n\nWhat to do\n----------\n* not this\n\n"
        "The contract\n------------\n* one\n  two\n* three\n\n"
        "Hints\n-----\n* not this either\n"
    )
    assert contract_bullets(doc) == ["one two", "three"]


def test_a_missing_contract_file_means_no_contract(tmp_path: Path) -> None:
    assert core_contract("m99", tmp_path) == {}
