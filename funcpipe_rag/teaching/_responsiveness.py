"""How responsive the event loop stays while a step runs (Core 7): the longest it went without a turn.

:func:`largest_gap` awaits a step while a small "ticker" task asks for a turn
of the loop every millisecond and notes when it gets one. The longest
interval between two turns is how long any other task — a web request, a
heartbeat, a timeout — would have had to wait. A CPU-heavy step run on the
loop's own thread stops the loop for its whole duration; run in an executor
it leaves the loop free. Wall-clock measurements: the figures differ from
machine to machine and run to run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from funcpipe_rag.teaching._plots import _pyplot

if TYPE_CHECKING:
    from matplotlib.figure import Figure

T = TypeVar("T")


@dataclass(frozen=True)
class Responsiveness(Generic[T]):
    """A step's value, how long it took, and the longest the loop went without a turn meanwhile (seconds)."""

    value: T
    duration: float
    largest_gap: float
    turns: int

    @property
    def blocked_share(self) -> float:
        """The largest gap as a share of the step's duration: near 1.0 means the loop was stopped."""
        return self.largest_gap / self.duration if self.duration > 0 else 0.0


async def largest_gap(step: Callable[[], Awaitable[T]], *, tick: float = 0.001) -> Responsiveness[T]:
    """Await ``step()`` while a ticker task asks for a turn every ``tick`` seconds; measure the gaps."""
    turns: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            turns.append(time.perf_counter())
            await asyncio.sleep(tick)

    task = asyncio.ensure_future(ticker())
    await asyncio.sleep(0)  # the ticker takes its first turn before the step starts
    start = time.perf_counter()
    try:
        value = await step()
    finally:
        end = time.perf_counter()
        done.set()
        await task
    inside = [start, *(t for t in turns if start < t < end), end]
    gap = max(b - a for a, b in pairwise(inside))
    return Responsiveness(value, end - start, gap, len(inside) - 2)


def plot_gaps(runs: Mapping[str, Responsiveness[Any]], *, title: str = "") -> Figure:
    """For each way of running a step: how long it took, and the longest the loop had no turn."""
    plt = _pyplot()
    fig: Figure
    fig, ax = plt.subplots(figsize=(7, 3.6))
    labels = list(runs)
    xs = range(len(labels))
    width = 0.38
    ax.bar([x - width / 2 for x in xs], [runs[k].duration * 1e3 for k in labels], width, label="step took")
    ax.bar(
        [x + width / 2 for x in xs],
        [runs[k].largest_gap * 1e3 for k in labels],
        width,
        label="longest the loop had no turn",
    )
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel("milliseconds")
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig
