"""Item 4: the bounded map of Core 3 against the usual ways of bounding a map over a long source.

Every contender maps the same job over the integers ``0 .. n-1`` with at most
``c`` jobs at once, in input order, and hands the results to a consumer that
counts them: ``job(i)`` sleeps ``latency`` seconds and returns ``Ok(i)``.

* ``library``: ``async_gen_bounded_map(async_gen_from_iter(range(n)), f,
  BackpressurePolicy(c))`` drained by ``stream_items``, ``f(i)`` the plan of
  ``job(i)``;
* ``gather+semaphore``: one task per item (``asyncio.gather``), each waiting
  on an ``asyncio.Semaphore(c)`` — the textbook way, which holds every item,
  task and result at once;
* ``aiostream``: ``stream.iterate(range(n)) | pipe.map(job, task_limit=c)``;
* ``aiometer``: ``aiometer.amap(job, range(n), max_at_once=c)`` (completion
  order; its results are counted, not sorted).

Wall time comes from timed runs (contenders in rotated order, ratios per
repetition); the peak number of live tasks (counted exactly by a task
factory) and the peak traced memory come from a separate untimed run. The
memory of the library is also measured against the length of the source —
``10^4`` to ``10^6`` zero-latency items — and should stay flat.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.common import (
    Settings,
    Table,
    clean_slate,
    fmt_bytes,
    fmt_met,
    fmt_ratio,
    fmt_seconds,
    log,
    ratios,
    rotated_times,
    summary,
    task_and_memory_peaks,
)
from bench.gather import Scenario  # n items, at most `concurrency` at once, each `latency` s
from funcpipe_rag import (
    BackpressurePolicy,
    Ok,
    async_gen_bounded_map,
    async_gen_from_iter,
    async_lift,
    stream_items,
)

TARGET_RATIO = 1.05
LIBRARY = "library"


FULL = (Scenario(100_000, 10, 0.001), Scenario(100_000, 100, 0.001), Scenario(100_000, 1_000, 0.001))
QUICK = (Scenario(500, 10, 0.001), Scenario(1_000, 100, 0.001))
MEMORY_SIZES_FULL = (10_000, 100_000, 1_000_000)
MEMORY_SIZES_QUICK = (1_000, 5_000)


async def job(i: int, latency: float) -> Ok[int]:
    await asyncio.sleep(latency)
    return Ok(i)


async def library(n: int, c: int, latency: float) -> int:
    source = async_gen_from_iter(lambda: range(n))
    policy = BackpressurePolicy(c)
    stream = async_gen_bounded_map(source, lambda i: async_lift(lambda: job(i, latency)), policy)
    count = 0
    async with stream_items(stream) as items:
        async for _ in items:
            count += 1
    return count


async def gather_semaphore(n: int, c: int, latency: float) -> int:
    sem = asyncio.Semaphore(c)

    async def guarded(i: int) -> Ok[int]:
        async with sem:
            return await job(i, latency)

    return len(await asyncio.gather(*(guarded(i) for i in range(n))))


async def aiostream_map(n: int, c: int, latency: float) -> int:
    from aiostream import pipe, stream

    async def fn(i: int) -> Ok[int]:  # aiostream needs a coroutine function to run concurrently
        return await job(i, latency)

    xs = stream.iterate(range(n)) | pipe.map(fn, task_limit=c)
    count = 0
    async with xs.stream() as items:
        async for _ in items:
            count += 1
    return count


async def aiometer_amap(n: int, c: int, latency: float) -> int:
    import aiometer

    count = 0
    async with aiometer.amap(lambda i: job(i, latency), range(n), max_at_once=c) as results:
        async for _ in results:
            count += 1
    return count


CONTENDERS: dict[str, Callable[[int, int, float], Awaitable[int]]] = {
    LIBRARY: library,
    "gather+semaphore": gather_semaphore,
    "aiostream": aiostream_map,
    "aiometer": aiometer_amap,
}
ALTERNATIVES = [k for k in CONTENDERS if k != LIBRARY]


async def _timed(name: str, s: Scenario) -> float:
    clean_slate()
    t0 = time.perf_counter()
    count = await CONTENDERS[name](s.n, s.concurrency, s.latency)
    elapsed = time.perf_counter() - t0
    if count != s.n:
        raise AssertionError(f"{name} gave {count} results for {s.name}")
    return elapsed


async def peaks(name: str, n: int, c: int, latency: float) -> dict[str, int]:
    """Peak live tasks and peak traced memory of one untimed run."""
    return await task_and_memory_peaks(lambda: CONTENDERS[name](n, c, latency))


async def run(settings: Settings) -> dict[str, Any]:
    scenarios = QUICK if settings.quick else FULL
    out: list[dict[str, Any]] = []
    for s in scenarios:
        log(settings, f"backpressure: {s.name}, {settings.reps} reps")
        names = list(CONTENDERS)
        warm = Scenario(max(1, s.n // 20), s.concurrency, s.latency)
        times = await rotated_times(
            names, settings.reps, lambda name, w=warm: _timed(name, w), lambda name, s=s: _timed(name, s)
        )
        log(settings, f"backpressure: {s.name}, peaks (separate run)")
        found = {name: await peaks(name, s.n, s.concurrency, s.latency) for name in names}
        fastest = [min(times[a][i] for a in ALTERNATIVES) for i in range(settings.reps)]
        rows = {
            name: {
                "wall_s": summary(times[name]),
                "ratio_to_ideal": ratios(times[name], [s.ideal] * settings.reps),
                "ratio_to_library": ratios(times[name], times[LIBRARY]),
                **found[name],
            }
            for name in names
        }
        lib = rows[LIBRARY]
        lib["ratio_to_fastest_alternative"] = ratios(times[LIBRARY], fastest)
        bound = s.concurrency + 2
        lib["target"] = {
            "ratio": TARGET_RATIO,
            "ratio_met": lib["ratio_to_fastest_alternative"]["median"] <= TARGET_RATIO,
            "live_tasks_bound": bound,
            "live_tasks_met": lib["peak_live_tasks"] <= bound,
        }
        out.append({"scenario": s.name, "n": s.n, "limit": s.concurrency, "latency_s": s.latency,
                    "ideal_s": s.ideal, "reps": settings.reps, "rows": rows})
    memory: dict[str, Any] = {"limit": 100, "library": {}, "gather+semaphore": {}}
    sizes = MEMORY_SIZES_QUICK if settings.quick else MEMORY_SIZES_FULL
    for n in sizes:
        log(settings, f"backpressure: peak memory, {n:,} items, zero latency")
        memory["library"][str(n)] = await peaks(LIBRARY, n, 100, 0.0)
        if n <= 100_000:  # one task per item: a million would only show the same growth, slower
            memory["gather+semaphore"][str(n)] = await peaks("gather+semaphore", n, 100, 0.0)
    small, large = (memory["library"][str(n)]["peak_memory_bytes"] for n in (sizes[0], sizes[-1]))
    memory["sizes"] = list(sizes)
    memory["flat"] = large <= small * 1.5 + 64 * 1024
    return {"what": "bounded map over a stream: wall time, live tasks, memory", "scenarios": out,
            "memory": memory}


def tables(result: dict[str, Any]) -> list[Table]:
    t = Table(
        "Bounded map over a stream (Core 3): wall time, ratios in the same repetition; peaks from a "
        "separate run",
        ["scenario", "runner", "wall (median)", "x ideal", "x library", "peak tasks", "peak memory",
         "target"],
    )
    for sc in result["scenarios"]:
        lib = sc["rows"][LIBRARY]
        tgt = lib["target"]
        for name, row in sc["rows"].items():
            target = ""
            if name == LIBRARY:
                target = (
                    f"{fmt_ratio(lib['ratio_to_fastest_alternative'])} of fastest: "
                    f"{fmt_met(tgt['ratio_met'])}; tasks <= {tgt['live_tasks_bound']}: "
                    f"{fmt_met(tgt['live_tasks_met'])}"
                )
            t.add(
                sc["scenario"],
                name,
                fmt_seconds(row["wall_s"]["median"]),
                fmt_ratio(row["ratio_to_ideal"]),
                "1" if name == LIBRARY else fmt_ratio(row["ratio_to_library"]),
                f"{row['peak_live_tasks']:,}",
                fmt_bytes(row["peak_memory_bytes"]),
                target,
            )
    t.notes.append(
        "ideal = ceil(n / c) x latency; target: library within 1.05x of the fastest alternative "
        "(per repetition), live tasks <= c + 2 (the count includes the task driving the run)."
    )
    mem = result["memory"]
    m = Table(
        f"Bounded map: peak memory and tasks against the source's length (c={mem['limit']}, zero latency)",
        ["items", "library memory", "library tasks", "gather+semaphore memory", "gather+semaphore tasks"],
    )
    for n in mem["sizes"]:
        lib = mem["library"][str(n)]
        sem = mem["gather+semaphore"].get(str(n))
        m.add(
            f"{n:,}",
            fmt_bytes(lib["peak_memory_bytes"]),
            f"{lib['peak_live_tasks']:,}",
            fmt_bytes(sem["peak_memory_bytes"]) if sem else "-",
            f"{sem['peak_live_tasks']:,}" if sem else "-",
        )
    m.notes.append(f"library memory flat (largest <= 1.5 x smallest + 64 KiB): {fmt_met(mem['flat'])}")
    return [t, m]


def target_rows(result: dict[str, Any], t: Table) -> None:
    """The backpressure lines of the Targets table."""
    for sc in result["scenarios"]:
        lib = sc["rows"][LIBRARY]
        tgt = lib["target"]
        t.add(f"bounded map, {sc['scenario']}", "<= 1.05x fastest alternative",
              fmt_ratio(lib["ratio_to_fastest_alternative"]), fmt_met(tgt["ratio_met"]))
        t.add(f"bounded map, {sc['scenario']}", f"live tasks <= c + 2 = {tgt['live_tasks_bound']:,}",
              f"{lib['peak_live_tasks']:,}", fmt_met(tgt["live_tasks_met"]))
    mem = result["memory"]
    small, large = mem["sizes"][0], mem["sizes"][-1]
    t.add(f"bounded map, peak memory {small:,} -> {large:,} items", "flat",
          f"{fmt_bytes(mem['library'][str(small)]['peak_memory_bytes'])} -> "
          f"{fmt_bytes(mem['library'][str(large)]['peak_memory_bytes'])}", fmt_met(mem["flat"]))
