"""Helpers of the backpressure lesson (Core 3): what a fan-out costs by size, and who is in flight when.

* :func:`fan_out` — the peak number of live tasks and the peak traced
  memory of mapping a job over ``n`` items, all at once (one task per item,
  ``create_task`` + ``gather``) or through ``async_gen_bounded_map``;
* :func:`plot_fan_out` — those peaks against ``n``, one line per way;
* :func:`timeline` — one bounded map in virtual time: when each item's plan
  started and finished, and when the consumer received its result;
* :func:`plot_timeline` — those spans as bars, the wait between finishing
  and being received hatched, and the number of plans in flight below.

Shell-side: these drive streams on the virtual-time loop, draw, and measure.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from funcpipe_rag.domain.effects.async_.concurrency import BackpressurePolicy, async_gen_bounded_map
from funcpipe_rag.domain.effects.async_.plan import async_lift
from funcpipe_rag.domain.effects.async_.stream import async_gen_from_iter
from funcpipe_rag.infra.probes import counting_tasks
from funcpipe_rag.infra.runtime import stream_items
from funcpipe_rag.result import Ok, Result
from funcpipe_rag.teaching._plots import _pyplot, in_flight_curve, plot_log_log_pair
from funcpipe_rag.testing._virtual_time import run_virtual

if TYPE_CHECKING:
    from matplotlib.figure import Figure

JOB_S = 0.001
"""Each job of :func:`fan_out` takes one virtual millisecond."""


@dataclass(frozen=True)
class FanOut:
    """One run of :func:`fan_out`: ``n`` items, the way they ran, and its peaks."""

    n: int
    way: str
    peak_tasks: int
    peak_bytes: int
    results: int


async def _job(i: int) -> Result[int, Any]:
    await asyncio.sleep(JOB_S)
    return Ok(i)


async def _all_at_once(n: int) -> int:
    tasks = [asyncio.create_task(_job(i)) for i in range(n)]  # the naive fan-out: one task per item
    return len(await asyncio.gather(*tasks))


async def _bounded(n: int, limit: int) -> int:
    source = async_gen_from_iter(lambda: range(n))
    stream = async_gen_bounded_map(source, lambda i: async_lift(lambda: _job(i)), BackpressurePolicy(limit))
    count = 0
    async with stream_items(stream) as items:
        async for _ in items:
            count += 1
    return count


def fan_out(n: int, limit: int | None) -> FanOut:
    """Map a 1 ms job over ``range(n)`` in virtual time: all at once (``limit=None``) or bounded.

    Counts the tasks alive at once (exactly, through a task factory; the task
    driving the run not included) and the peak traced memory of the run.
    """
    async def main() -> tuple[int, int, int]:
        gc.collect()
        with counting_tasks(asyncio.get_running_loop()) as tasks:
            tracemalloc.start()
            try:
                tracemalloc.reset_peak()
                base, _ = tracemalloc.get_traced_memory()
                got = await (_all_at_once(n) if limit is None else _bounded(n, limit))
                _, top = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        return got, tasks.max_in_flight, top - base

    (got, peak, peak_bytes), _ = run_virtual(main)
    way = "create_task + gather" if limit is None else f"bounded map, {limit} at a time"
    return FanOut(n, way, peak, peak_bytes, got)


def plot_fan_out(runs: Sequence[FanOut], *, title: str = "") -> Figure:
    """Two panels against ``n``: peak live tasks and peak memory, one line per way of running."""
    lines = {}
    for way in dict.fromkeys(r.way for r in runs):
        mine = [r for r in runs if r.way == way]
        lines[way] = ([r.n for r in mine], [r.peak_tasks for r in mine], [r.peak_bytes / 1024 for r in mine])
    ylabels = ("tasks alive at once", "peak memory (KiB)")
    return plot_log_log_pair(lines, "items in the source", ylabels, title=title)


@dataclass(frozen=True)
class Span:
    """Item ``item`` of a :func:`timeline` (virtual ms): its plan ran from ``start`` to ``end``,
    and the consumer received its result at ``received``."""

    item: int
    started: float
    ended: float
    received: float


def timeline(
    latencies_ms: Sequence[float],
    policy: BackpressurePolicy,
    *,
    pull_ms: float = 0.0,
    impl: Callable[..., Any] = async_gen_bounded_map,
) -> list[Span]:
    """Run ``impl`` (the library's bounded map by default) over items whose plans take ``latencies_ms``.

    The source gives one item every ``pull_ms``; times are virtual
    milliseconds. The spans come in the order the consumer received them.
    """
    started: dict[int, float] = {}
    ended: dict[int, float] = {}

    def now() -> float:
        return round(asyncio.get_running_loop().time() * 1000, 6)

    async def source() -> Any:
        for i in range(len(latencies_ms)):
            if pull_ms:
                await asyncio.sleep(pull_ms / 1000)
            yield Ok(i)

    def f(i: int) -> Any:
        async def plan() -> Result[int, Any]:
            started[i] = now()
            await asyncio.sleep(latencies_ms[i] / 1000)
            ended[i] = now()
            return Ok(i)

        return plan

    async def main() -> list[Span]:
        spans = []
        async with aclosing(impl(source, f, policy)()) as items:
            async for item in items:
                i = item.value
                spans.append(Span(i, started[i], ended[i], now()))
        return spans

    spans, _ = run_virtual(main)
    return spans


def plot_timeline(runs: Mapping[str, Sequence[Span]], *, title: str = "") -> Figure:
    """Per run: a bar per item (its plan running), hatched until its result was received; plans in flight."""
    plt = _pyplot()
    fig: Figure
    fig, axes = plt.subplots(2, len(runs), figsize=(5 * len(runs), 5), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 1]}, sharex="col")
    for col, (name, spans) in enumerate(runs.items()):
        bars, counts = axes[0][col], axes[1][col]
        for s in spans:
            running_for = max(s.ended - s.started, 0.5)  # a zero-latency plan still shows
            bars.broken_barh([(s.started, running_for)], (s.item - 0.35, 0.7), color="tab:blue")
            if s.received > s.ended:
                bars.broken_barh([(s.ended, s.received - s.ended)], (s.item - 0.2, 0.4), facecolor="none",
                                 edgecolor="tab:red", hatch="///")
            bars.plot([s.received], [s.item], marker="|", color="black", markersize=10)
        bars.set_ylabel("item")
        bars.invert_yaxis()
        bars.set_title(name, fontsize=10)
        times, running = in_flight_curve(spans)
        counts.step(times, running, where="post")
        counts.set_xlabel("virtual ms")
        counts.set_ylabel("in flight")
    handles = [plt.Rectangle((0, 0), 1, 1, color="tab:blue"),
               plt.Rectangle((0, 0), 1, 1, facecolor="none", edgecolor="tab:red", hatch="///")]
    fig.legend(handles, ["plan running", "finished, waiting to be handed on"], loc="lower center", ncol=2,
               fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    plt.close(fig)
    return fig
