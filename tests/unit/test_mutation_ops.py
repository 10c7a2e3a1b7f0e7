"""The mutation operators for plan code make the slips they promise, and nothing else."""

from __future__ import annotations

import pytest

from funcpipe_rag.tools.mutation_ops import (
    DeleteStatement,
    DropAwait,
    LambdaNone,
    Operator,
    OperatorProvider,
    ReturnNone,
    SwapOkErr,
    mutate_source,
)

OPERATORS = [ReturnNone(), DropAwait(), LambdaNone(), SwapOkErr(), DeleteStatement()]


@pytest.mark.parametrize("operator", OPERATORS, ids=lambda o: type(o).__name__)
def test_each_example_mutates_as_documented(operator: Operator) -> None:
    for before, after in type(operator).examples():
        assert mutate_source(before, operator) == after


def test_every_occurrence_is_reachable_and_compiles() -> None:
    source = (
        "from funcpipe_rag import Err, Ok\n\n"
        "async def run(plan, f):\n"
        "    res = await plan()\n"
        "    if isinstance(res, Err):\n"
        "        return res\n"
        "    log.append(1)\n"
        "    g = lambda: Ok(res.value)\n"
        "    return await f(res.value)()\n"
    )
    counts = {}
    for operator in OPERATORS:
        n = 0
        while (mutant := mutate_source(source, operator, n)) is not None:
            compile(mutant, "mutant.py", "exec")
            assert mutant != source
            n += 1
        counts[type(operator).__name__] = n
    assert counts == {"ReturnNone": 2, "DropAwait": 2, "LambdaNone": 1, "SwapOkErr": 2, "DeleteStatement": 3}


def test_imports_and_none_are_left_alone() -> None:
    assert mutate_source("from funcpipe_rag import Ok\n", SwapOkErr()) is None
    assert mutate_source("def f():\n    return None\n", ReturnNone()) is None
    assert mutate_source("f = lambda: None\n", LambdaNone()) is None
    assert mutate_source('"""A docstring."""\n', DeleteStatement()) is None


def test_the_provider_names_every_operator() -> None:
    provider = OperatorProvider()
    assert sorted(provider) == sorted(type(o).__name__ for o in OPERATORS)
    assert provider["DropAwait"] is DropAwait
