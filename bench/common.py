"""Shared helpers: repeated measurements, same-run ratios, and plain-text tables."""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from funcpipe_rag.infra.probes import counting_tasks

NOT_AVAILABLE = "not available yet"


@dataclass
class Settings:
    """What one run of the benchmarks measures and how often."""

    quick: bool = False
    reps: int = 5
    only: frozenset[str] = frozenset()
    verbose: bool = True

    def wants(self, section: str) -> bool:
        return not self.only or section in self.only


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, min and max of repeated measurements (seconds, ratios, bytes...)."""
    if not values:
        raise ValueError("no measurements")
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def ratios(numer: Sequence[float], denom: Sequence[float]) -> dict[str, float]:
    """Per-repetition ratios ``numer[i] / denom[i]`` (same repetition), summarised."""
    if len(numer) != len(denom):
        raise ValueError("ratios need measurements from the same repetitions")
    return summary([a / b for a, b in zip(numer, denom, strict=True)])


GC_GENERATION = 2  # quick mode collects only the young generations (a full pass costs ~0.1 s in pytest)


def clean_slate() -> None:
    """Collect garbage before a timed block so one case does not pay for the last."""
    gc.collect(GC_GENERATION)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def rotate(items: Sequence[Any], k: int) -> list[Any]:
    """``items`` rotated by ``k``: each repetition runs the contenders in another order."""
    if not items:
        return []
    k %= len(items)
    return [*items[k:], *items[:k]]


def fmt_ratio(r: dict[str, float] | None) -> str:
    if not r:
        return "-"
    return f"{r['median']:.2f}x [{r['min']:.2f}-{r['max']:.2f}]"


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} us"


def fmt_bytes(b: float | None) -> str:
    if b is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(b) < 1024 or unit == "GiB":
            return f"{b:.0f} {unit}" if unit == "B" else f"{b:.1f} {unit}"
        b /= 1024
    return f"{b:.1f} GiB"


def fmt_met(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: "n/a"}[met]


@dataclass
class Table:
    """A titled plain-text table; the same rows go to the terminal and the README."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(c) for c in cells])

    def render(self) -> str:
        widths = [len(h) for h in self.headers]
        for row in self.rows:
            for i, cell in enumerate(row):
                widths[i] = max(widths[i], len(cell))

        def line(cells: Iterable[str]) -> str:
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        out = [
            f"### {self.title}",
            "",
            line(self.headers),
            "|" + "|".join("-" * (w + 2) for w in widths) + "|",
        ]
        out += [line(r) for r in self.rows]
        if self.notes:
            out.append("")
            out += [f"- {n}" for n in self.notes]
        return "\n".join(out)


def log(settings: Settings, message: str) -> None:
    if settings.verbose:
        print(f"  .. {message}", flush=True)


async def task_and_memory_peaks(work: Callable[[], Awaitable[Any]]) -> dict[str, int]:
    """Run ``work()`` once, untimed: peak live tasks (counted exactly by a task factory, the task
    driving the run included) and peak traced memory."""
    loop = asyncio.get_running_loop()
    already = len(asyncio.all_tasks())  # the task driving the benchmark
    clean_slate()
    with counting_tasks(loop) as tasks:
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            base, _ = tracemalloc.get_traced_memory()
            await work()
            _, top = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    peak = tasks.max_in_flight
    return {"peak_live_tasks": already + peak, "peak_memory_bytes": top - base}


async def rotated_times(
    names: Sequence[str],
    reps: int,
    warm: Callable[[str], Awaitable[Any]],
    timed: Callable[[str], Awaitable[float]],
) -> dict[str, list[float]]:
    """Warm every contender once, then time each ``reps`` times, in a rotated order every repetition."""
    for name in names:
        await warm(name)
    times: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(reps):
        for name in rotate(names, rep):
            times[name].append(await timed(name))
    return times
