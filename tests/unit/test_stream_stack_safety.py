"""Deep streams run in constant Python stack, and long streams in flat memory.

The recursion limit is lowered to 200 while each stream runs, so any
per-layer or per-element growth of the Python stack fails loudly. The
chapter's nested generators are shown to fail at the same depths.
"""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from funcpipe_rag import (
    AsyncGen,
    Ok,
    async_gen_and_then,
    async_gen_from_iter,
    async_gen_from_list,
    async_gen_map,
    async_gen_map_action,
    async_gen_return,
    async_gen_using,
    async_pure,
    run_stream,
)
from funcpipe_rag.testing import NESTED, RecordingResource, StreamAlgebra

DEPTH = 10_000


@pytest.fixture
def small_stack() -> Iterator[None]:
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    yield
    sys.setrecursionlimit(saved)


def test_ten_thousand_stacked_maps(small_stack: None) -> None:
    s: AsyncGen[int] = async_gen_from_list(range(3))
    for _ in range(DEPTH):
        s = async_gen_map(s, lambda x: x + 1)
    assert run_stream(s) == [Ok(DEPTH), Ok(DEPTH + 1), Ok(DEPTH + 2)]
    del s  # freeing ten thousand nested nodes must not overflow either


def test_ten_thousand_stacked_map_actions(small_stack: None) -> None:
    s: AsyncGen[int] = async_gen_from_list([0])
    for _ in range(DEPTH):
        s = async_gen_map_action(s, lambda x: async_pure(x + 1))
    assert run_stream(s) == [Ok(DEPTH)]


def test_ten_thousand_left_nested_and_thens(small_stack: None) -> None:
    s: AsyncGen[int] = async_gen_from_list([0, 100])
    for _ in range(DEPTH):
        s = async_gen_and_then(s, lambda x: async_gen_return(x + 1))
    assert run_stream(s) == [Ok(DEPTH), Ok(DEPTH + 100)]


def test_left_nested_and_thens_that_expand(small_stack: None) -> None:
    s: AsyncGen[int] = async_gen_return(0)
    for _ in range(12):
        s = async_gen_and_then(s, lambda x: async_gen_from_list([2 * x, 2 * x + 1]))
    assert run_stream(s) == [Ok(i) for i in range(2**12)]


def _count_up(n: int, stop: int) -> AsyncGen[int]:
    """n, n+1, ..., stop-1: one item, then the rest of the stream, defined recursively."""
    if n >= stop:
        return async_gen_from_list([])
    return async_gen_and_then(
        async_gen_from_list([0, 1]), lambda step: async_gen_return(n) if step == 0 else _count_up(n + 1, stop)
    )


def test_a_recursively_defined_stream_of_a_hundred_thousand(small_stack: None) -> None:
    got = run_stream(_count_up(0, 100_000))
    assert len(got) == 100_000 and got[0] == Ok(0) and got[-1] == Ok(99_999)


def test_a_recursive_stream_under_maps_and_resources(small_stack: None) -> None:
    log: list[str] = []
    s = async_gen_using(lambda: RecordingResource("db", log), lambda _r: _count_up(0, 20_000))
    for _ in range(50):
        s = async_gen_map(s, lambda x: x + 1)
    got = run_stream(s, limit=15_000)
    assert got[-1] == Ok(15_000 - 1 + 50)
    assert log == ["db: acquired", "db: released"]


def _stack(alg: StreamAlgebra, depth: int) -> Any:
    s = alg.listed([0])
    for _ in range(depth):
        s = alg.fmap(s, lambda x: x + 1)
    return s


def test_the_nested_generators_overflow_where_the_library_does_not() -> None:
    with pytest.raises(RecursionError):
        run_stream(_stack(NESTED, 2_000))
    left: Any = NESTED.pure(0)
    for _ in range(2_000):
        left = NESTED.bind(left, NESTED.pure)
    with pytest.raises(RecursionError):
        run_stream(left)


def _peak_bytes(n: int) -> int:
    s = async_gen_from_iter(lambda: range(n))
    s = async_gen_map(s, lambda x: x + 1)
    s = async_gen_map_action(s, lambda x: async_pure(x * 2))
    s = async_gen_and_then(s, lambda x: async_gen_return(x))

    async def drain() -> int:
        from funcpipe_rag import stream_items

        count = 0
        async with stream_items(s) as got:
            async for _ in got:
                count += 1
        return count

    from funcpipe_rag import run_sync

    tracemalloc.start()
    try:
        assert run_sync(drain) == n
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_three_stages_run_in_flat_memory() -> None:
    # Consumed item by item, a stream 50 times longer needs no more memory (a list would need 50x).
    small, large = _peak_bytes(1_000), _peak_bytes(50_000)
    assert large < small * 1.5 + 64_000, f"peak {small} B for 1,000 items but {large} B for 50,000"
