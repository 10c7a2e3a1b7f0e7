"""Differential test: the library and the chapter's closure version agree wherever both run."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given

from funcpipe_rag import async_bind, async_pure, run_plan
from funcpipe_rag.teaching import closure_bind, closure_pure
from funcpipe_rag.testing import CLOSURE, LIBRARY, PlanSpec, plan_specs


@given(m=plan_specs())
def test_same_result_for_every_generated_plan(m: PlanSpec) -> None:
    assert run_plan(m.build(LIBRARY)) == run_plan(m.build(CLOSURE))


def test_closure_version_overflows_where_the_library_does_not() -> None:
    depth = sys.getrecursionlimit() * 2
    closure, library = closure_pure(0), async_pure(0)
    for _ in range(depth):
        closure = closure_bind(closure, lambda x: closure_pure(x + 1))
        library = async_bind(library, lambda x: async_pure(x + 1))
    with pytest.raises(RecursionError):
        run_plan(closure)
    assert run_plan(library).unwrap() == depth
