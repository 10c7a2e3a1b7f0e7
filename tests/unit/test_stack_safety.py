"""A million chained binds, built left- or right-nested, run in constant Python stack."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from funcpipe_rag import run_plan
from funcpipe_rag.domain.effects.async_ import AsyncPlan, async_bind, async_lift, async_map, async_pure
from funcpipe_rag.result import Ok

MILLION = 1_000_000


@pytest.fixture
def small_stack() -> Any:
    """Shrink the recursion limit so any per-bind growth of the Python stack would fail loudly.

    From 3.12 on the recursion limit no longer bounds C-level recursion; the C stack
    is checked separately, in tests/versions/test_deep_chains.py.
    """
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    yield
    sys.setrecursionlimit(saved)


def test_left_nested_million_binds(small_stack: None) -> None:
    plan: AsyncPlan[int] = async_pure(0)
    for _ in range(MILLION):
        plan = async_bind(plan, lambda x: async_pure(x + 1))
    assert run_plan(plan) == Ok(MILLION)
    del plan  # freeing a million nested nodes must not overflow either


def test_right_nested_million_binds(small_stack: None) -> None:
    def step(n: int) -> AsyncPlan[int]:
        return async_pure(n) if n == MILLION else async_bind(async_pure(n + 1), step)

    assert run_plan(step(0)) == Ok(MILLION)


def test_right_nested_chain_with_pending_work_after_each_step(small_stack: None) -> None:
    # Each level still has a map to apply after its inner plan: the continuation stack grows
    # with the depth, on the heap, never on the Python stack.
    def countdown(n: int) -> AsyncPlan[int]:
        if n == 0:
            return async_pure(0)
        return async_bind(async_pure(n - 1), lambda k: async_map(countdown(k), lambda total: total + 1))

    assert run_plan(countdown(200_000)) == Ok(200_000)


def test_right_nested_chain_through_real_suspensions(small_stack: None) -> None:
    async def tick(n: int) -> Ok[int]:
        return Ok(n - 1)

    def loop(n: int) -> AsyncPlan[int]:
        return async_pure(n) if n == 0 else async_bind(async_lift(lambda: tick(n)), loop)

    assert run_plan(loop(100_000)) == Ok(0)


def test_left_nested_map_chain(small_stack: None) -> None:
    plan: AsyncPlan[int] = async_pure(0)
    for _ in range(200_000):
        plan = async_map(plan, lambda x: x + 2)
    assert run_plan(plan) == Ok(400_000)
