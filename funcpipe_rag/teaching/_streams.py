"""Helpers of the streams lesson (Core 2): how deep stacks run, and what a stream costs by length.

* :func:`overflow_depth` — run streams of growing depth until one raises
  ``RecursionError``;
* :class:`Counted` and :func:`counted_source` — a lazy source of integers
  that counts how many items it handed out;
* :func:`footprint` — the pulls and the peak memory of taking the first
  items of a long source, through a list and through a stream;
* :func:`plot_footprints` — that, against the length of the source.

Shell-side: these drive streams, draw, and measure memory.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from funcpipe_rag.domain.effects.async_.stream import AsyncGen, async_gen_from_iter
from funcpipe_rag.infra.runtime import collect_stream, run_stream, run_sync
from funcpipe_rag.teaching._plots import plot_log_log_pair

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def overflow_depth(
    build: Callable[[int], AsyncGen[Any]], depths: Sequence[int]
) -> tuple[int | None, int | None]:
    """Run ``build(d)`` for each depth (ascending) until one raises ``RecursionError``.

    Returns ``(deepest that ran, first that raised)``; either is ``None`` if
    there was none. A failed run of nested generators leaves a chain of them
    to finalise, which can overflow again and print "Exception ignored"
    noise; that noise is silenced and the chain collected before returning.
    """
    ran: int | None = None
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        for depth in depths:
            try:
                run_stream(build(depth))
            except RecursionError:
                return ran, depth
            ran = depth
        return ran, None
    finally:
        gc.collect()
        sys.unraisablehook = hook


@dataclass
class Counted:
    """How many items a :func:`counted_source` has handed out (over every run)."""

    pulls: int = 0


def counted_source(n: int) -> tuple[AsyncGen[int], Counted]:
    """The stream ``0 .. n-1``, read lazily, and the counter of the items it has handed out."""
    counter = Counted()

    def numbers() -> Iterator[int]:
        for i in range(n):
            counter.pulls += 1
            yield i

    return async_gen_from_iter(numbers), counter


@dataclass(frozen=True)
class Footprint:
    """Taking ``take`` items of a source of ``n``: the items pulled from it and the peak memory."""

    n: int
    take: int
    pulls: int
    peak_bytes: int


def _measured(main: Callable[[], Any]) -> tuple[Any, int]:
    gc.collect()
    tracemalloc.start()
    try:
        value = run_sync(main)
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def footprint(n: int, take: int, *, through: str) -> Footprint:
    """The first ``take`` squares of ``0 .. n-1``, ``through`` a ``"list"`` (read it all, then take)
    or a ``"stream"`` (``async_gen_map``, then ``collect_stream(limit=take)``)."""
    from funcpipe_rag.domain.effects.async_.stream import async_gen_map

    source, counter = counted_source(n)

    async def via_list() -> int:
        squares = [item.unwrap() ** 2 for item in await collect_stream(source)]
        return len(squares[:take])

    async def via_stream() -> int:
        return len(await collect_stream(async_gen_map(source, lambda x: x * x), limit=take))

    if through not in ("list", "stream"):
        raise ValueError(f"through must be 'list' or 'stream', got {through!r}")
    got, peak = _measured(via_list if through == "list" else via_stream)
    assert got == min(take, n)
    return Footprint(n, take, counter.pulls, peak)


def plot_footprints(runs: Mapping[str, Sequence[Footprint]], *, title: str = "") -> Figure:
    """Two panels against the source's length: items pulled, and peak memory, one line per way."""
    lines = {label: ([p.n for p in prints], [p.pulls for p in prints], [p.peak_bytes / 1024 for p in prints])
             for label, prints in runs.items()}
    ylabels = ("items pulled from the source", "peak memory (KiB)")
    return plot_log_log_pair(lines, "length of the source", ylabels, title=title)
