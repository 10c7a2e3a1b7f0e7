"""Each exercise's contract as data: its clauses, the graded tests that check them, its source rules.

A full score must mean the contract holds, so every clause of it must be
checked by some graded test, and every graded test must be there for some
clause. The table lives next to the graded tests, one file per core::

    tests/grading/<core>/contract.toml

    [ex03_bounded_embedding]
    # imports beyond the standard library (see funcpipe_rag.grading.rules)
    allowed = ["funcpipe_rag.Ok", "funcpipe_rag.domain.ports"]
    properties = []                     # functions that must run a @given property

    [ex03_bounded_embedding.clauses]
    # a snippet of one bullet of the docstring's "The contract" section = the tests checking it
    "``limit < 1``" = ["test_limit_below_one_is_refused"]

The contract's bullets are read from the exercise's docstring (in
``solutions/<core>/<exercise>.py``, section ``The contract``), so the text the
learner reads is the text that is traced: :func:`trace_problems` reports a
bullet no clause names, a snippet that matches no bullet or several, a clause
with no test, a test that does not exist, and a graded test no clause names.
Later cores add their own ``contract.toml``; nothing here is core-specific.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from funcpipe_rag.grading.harness import parse_python
from funcpipe_rag.grading.rules import SourceRules

CONTRACT_FILE = "contract.toml"
_SECTION = re.compile(r"^The contract\n-+\n(?P<body>.*?)(?=^\S[^\n]*\n-+\n|\Z)", re.S | re.M)


class ContractError(ValueError):
    """A contract file is missing or malformed."""


@dataclass(frozen=True)
class Clause:
    """One clause: a snippet of a contract bullet, and the graded tests that check it."""

    snippet: str
    tests: tuple[str, ...]


@dataclass(frozen=True)
class ExerciseContract:
    """The clauses and source rules of one exercise."""

    exercise: str
    clauses: tuple[Clause, ...]
    rules: SourceRules

    def tests_for(self, snippet: str) -> tuple[str, ...]:
        return next((c.tests for c in self.clauses if c.snippet == snippet), ())


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ContractError(f"{where} must be a list of non-empty strings")
    return tuple(value)


def load_contract(path: Path) -> dict[str, ExerciseContract]:
    """The contracts in ``path`` (a ``contract.toml``), by exercise name."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ContractError(f"{path}: cannot be read: {exc}") from None
    found: dict[str, ExerciseContract] = {}
    for exercise, table in data.items():
        where = f"{path}: [{exercise}]"
        if not isinstance(table, dict):
            raise ContractError(f"{where} must be a table")
        unknown = sorted(set(table) - {"allowed", "properties", "clauses"})
        if unknown:
            raise ContractError(f"{where}: unknown keys {unknown}; use allowed, properties, clauses")
        raw = table.get("clauses", {})
        if not isinstance(raw, dict) or not raw:
            raise ContractError(f"{where}.clauses must be a non-empty table of snippet = [tests]")
        clauses = tuple(Clause(k, _strings(v, f"{where}.clauses[{k!r}]")) for k, v in raw.items())
        rules = SourceRules(
            allowed=_strings(table.get("allowed", []), f"{where}.allowed"),
            properties=_strings(table.get("properties", []), f"{where}.properties"),
        )
        found[exercise] = ExerciseContract(exercise, clauses, rules)
    return found


def core_contract(core: str, tests_root: Path) -> dict[str, ExerciseContract]:
    """The contracts of ``core``, from ``<tests_root>/<core>/contract.toml``; empty when there is none."""
    path = tests_root / core / CONTRACT_FILE
    return load_contract(path) if path.is_file() else {}


def docstring_of(path: Path) -> str:
    """The module docstring of the Python file at ``path`` (empty if it has none)."""
    tree = parse_python(path.read_text(encoding="utf-8"), str(path))
    return ast.get_docstring(tree, clean=True) or ""


def contract_bullets(docstring: str) -> list[str]:
    """The bullets (``* ...``, continuation lines joined) of the docstring's ``The contract`` section."""
    match = _SECTION.search(docstring)
    if match is None:
        return []
    bullets: list[str] = []
    for line in match.group("body").splitlines():
        if line.startswith("* "):
            bullets.append(line[2:].strip())
        elif bullets and line.startswith("  ") and line.strip():
            bullets[-1] += " " + line.strip()
    return bullets


def trace_problems(
    contract: ExerciseContract, bullets: Iterable[str], graded: Iterable[str]
) -> list[str]:
    """What is wrong with the traceability of one exercise: one sentence per problem (empty: none)."""
    bullets, graded = list(bullets), set(graded)
    name = contract.exercise
    problems: list[str] = []
    if not bullets:
        problems.append(f"{name}: its docstring has no bulleted 'The contract' section")
    claimed: dict[str, list[str]] = {b: [] for b in bullets}
    named: set[str] = set()
    for clause in contract.clauses:
        hits = [b for b in bullets if clause.snippet in " ".join(b.split())]
        if len(hits) != 1:
            problems.append(
                f"{name}: the clause {clause.snippet!r} matches {len(hits)} contract bullets, not exactly one"
            )
        for bullet in hits:
            claimed[bullet].append(clause.snippet)
        if not clause.tests:
            problems.append(f"{name}: the clause {clause.snippet!r} names no graded test")
        for test in clause.tests:
            named.add(test)
            if test not in graded:
                problems.append(
                    f"{name}: the clause {clause.snippet!r} names {test}, which is not a graded test"
                )
    for bullet, snippets in claimed.items():
        if not snippets:
            problems.append(f"{name}: no clause checks the contract bullet {bullet[:70]!r}…")
    for test in sorted(graded - named):
        problems.append(f"{name}: the graded test {test} checks no clause of the contract")
    return problems


GRADED_DECORATORS = frozenset({"graded", "points"})


def graded_test_names(test_file: Path) -> set[str]:
    """The graded tests (functions ``test_*`` marked ``@graded``) defined in ``test_file``; read, not run."""
    tree = parse_python(test_file.read_text(encoding="utf-8"), str(test_file))
    found = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                if isinstance(target, ast.Name) and target.id in GRADED_DECORATORS:
                    found.add(node.name)
    return found


def imports_section(docstring: str) -> str:
    """The text of the docstring's ``Imports`` section (empty when it has none)."""
    match = re.search(r"^Imports\n-+\n(?P<body>.*?)(?=^\S[^\n]*\n-+\n|\Z)", docstring, re.S | re.M)
    return " ".join(match.group("body").split()) if match else ""


def rules_for(contracts: Mapping[str, ExerciseContract], exercise: str) -> SourceRules | None:
    """The source rules of ``exercise``, or ``None`` when its core has no contract for it."""
    found = contracts.get(exercise)
    return found.rules if found is not None else None


__all__ = [
    "CONTRACT_FILE",
    "Clause",
    "ContractError",
    "ExerciseContract",
    "contract_bullets",
    "core_contract",
    "docstring_of",
    "graded_test_names",
    "imports_section",
    "load_contract",
    "rules_for",
    "trace_problems",
]
