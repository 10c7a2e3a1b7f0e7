"""Item 2: bounded gather against the usual ways of bounding concurrency.

Every contender runs the same jobs: ``job_i()`` is a fresh coroutine that
sleeps ``latency`` seconds (``asyncio.sleep(0)`` for the zero-latency case:
one trip through the event loop) and returns ``Ok(i)``. Each contender must
produce the same answer as the library: ``Ok([0, 1, ..., n-1])`` (or the
first ``Err`` by index).

* ``library``: ``async_gather(plans, concurrency=c)`` built and run inside the
  timed region, where ``plans = [async_lift(job) for job in jobs]`` is built
  beforehand, like the list of jobs every other contender is given (each
  contender's input is one object per job, made before the clock starts);
* ``gather+semaphore``: one task per job (``asyncio.gather``) each waiting on an
  ``asyncio.Semaphore(c)``;
* ``aiometer``: ``aiometer.run_all(jobs, max_at_once=c)``;
* ``worker pool``: ``c`` tasks taking jobs lazily from one shared iterator.

Wall time is taken in timed runs; the peak number of live tasks and the peak
traced memory come from a separate, untimed run of each contender, because
tracing allocations and counting tasks slow the run down.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.common import (
    Settings,
    clean_slate,
    fmt_met,
    log,
    ratios,
    rotate,
    rotated_times,
    summary,
    task_and_memory_peaks,
)
from funcpipe_rag.domain.effects.async_ import async_gather, async_lift
from funcpipe_rag.result import Err, Ok

TARGET_RATIO = 1.05
EXTRA_PAIRED_REPS = 10
POOL = "worker pool"
Job = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class Scenario:
    n: int
    concurrency: int
    latency: float  # seconds each job sleeps; 0 means asyncio.sleep(0)

    @property
    def name(self) -> str:
        lat = f"{self.latency * 1e3:g} ms" if self.latency else "0 (sleep(0))"
        return f"n={self.n:,} c={self.concurrency:,} latency={lat}"

    @property
    def ideal(self) -> float:
        """The fastest any bounded runner could be: ceil(n / c) waves of one latency."""
        return -(-self.n // self.concurrency) * self.latency


FULL = (Scenario(10_000, 100, 0.001), Scenario(10_000, 1_000, 0.001), Scenario(100_000, 100, 0.0))
QUICK = (Scenario(500, 50, 0.001), Scenario(1_000, 50, 0.0))


async def _job(i: int, latency: float) -> Ok[int]:
    await asyncio.sleep(latency)
    return Ok(i)


def make_jobs(s: Scenario) -> list[Job]:
    return [functools.partial(_job, i, s.latency) for i in range(s.n)]


def _collect(results: Sequence[Any]) -> Any:
    """The library's answer from a list of results: all values, or the first Err by index."""
    values = []
    for r in results:
        if type(r) is not Ok and isinstance(r, Err):
            return r
        values.append(r.value)
    return Ok(values)


def prepare(name: str, jobs: list[Job]) -> list[Any]:
    """The input a contender is handed: the library takes plans, the others take the jobs."""
    return [async_lift(j) for j in jobs] if name == "library" else jobs


async def library(plans: list[Any], c: int) -> Any:
    return await async_gather(plans, concurrency=c)()


async def gather_semaphore(jobs: list[Job], c: int) -> Any:
    sem = asyncio.Semaphore(c)

    async def guarded(job: Job) -> Any:
        async with sem:
            return await job()

    return _collect(await asyncio.gather(*(guarded(j) for j in jobs)))


async def aiometer_run_all(jobs: list[Job], c: int) -> Any:
    import aiometer

    return _collect(await aiometer.run_all(jobs, max_at_once=c))


async def worker_pool(jobs: list[Job], c: int) -> Any:
    results: list[Any] = [None] * len(jobs)
    todo = iter(enumerate(jobs))

    async def worker() -> None:
        for i, job in todo:
            results[i] = await job()

    await asyncio.gather(*(worker() for _ in range(min(c, len(jobs)))))
    return _collect(results)


CONTENDERS: dict[str, Callable[[list[Job], int], Awaitable[Any]]] = {
    "library": library,
    "gather+semaphore": gather_semaphore,
    "aiometer": aiometer_run_all,
    "worker pool": worker_pool,
}
ALTERNATIVES = [k for k in CONTENDERS if k != "library"]


async def _timed(name: str, s: Scenario) -> float:
    jobs = prepare(name, make_jobs(s))
    clean_slate()
    t0 = time.perf_counter()
    res = await CONTENDERS[name](jobs, s.concurrency)
    elapsed = time.perf_counter() - t0
    if res != Ok(list(range(s.n))):
        raise AssertionError(f"{name} gave a wrong answer for {s.name}")
    return elapsed


async def _peaks(name: str, s: Scenario) -> dict[str, int]:
    """Peak live tasks and peak traced memory of one untimed run."""
    jobs = prepare(name, make_jobs(s))
    return await task_and_memory_peaks(lambda: CONTENDERS[name](jobs, s.concurrency))


async def run(settings: Settings) -> dict[str, Any]:
    scenarios = QUICK if settings.quick else FULL
    out: list[dict[str, Any]] = []
    for s in scenarios:
        log(settings, f"gather: {s.name}, {settings.reps} reps")
        names = list(CONTENDERS)
        warm = Scenario(max(1, s.n // 10), s.concurrency, s.latency)
        times = await rotated_times(
            names, settings.reps, lambda name, w=warm: _timed(name, w), lambda name, s=s: _timed(name, s)
        )
        fastest_alt = [min(times[a][i] for a in ALTERNATIVES) for i in range(settings.reps)]
        # The library and the worker pool are close, and the machine is noisy: when the worker pool
        # was the fastest alternative in every repetition, repeat just that pair to narrow the ratio.
        pool_always_fastest = all(times[POOL][i] == fastest_alt[i] for i in range(settings.reps))
        extra = EXTRA_PAIRED_REPS if (pool_always_fastest and not settings.quick) else 0
        paired_lib, paired_pool = list(times["library"]), list(times[POOL])
        if extra:
            log(settings, f"gather: {s.name}, {extra} more paired reps of library and {POOL}")
        for rep in range(extra):
            for name in rotate(["library", POOL], rep):
                (paired_lib if name == "library" else paired_pool).append(await _timed(name, s))
        log(settings, f"gather: {s.name}, peaks (separate run)")
        peaks = {name: await _peaks(name, s) for name in names}

        rows: dict[str, Any] = {}
        for name in names:
            row: dict[str, Any] = {
                "wall_s": summary(times[name]),
                "ratio_to_ideal": ratios(times[name], [s.ideal] * settings.reps) if s.ideal else None,
                "ratio_to_library": ratios(times[name], times["library"]),
                **peaks[name],
            }
            rows[name] = row
        lib = rows["library"]
        lib["ratio_to_fastest_alternative"] = ratios(
            times["library"] + paired_lib[settings.reps :], fastest_alt + paired_pool[settings.reps :]
        )
        lib["ratio_to_fastest_alternative_reps"] = {
            "all_contenders": settings.reps,
            "extra_library_vs_worker_pool": extra,
        }
        bound = s.concurrency + 2
        lib["target"] = {
            "ratio_to_fastest_alternative": TARGET_RATIO,
            "ratio_met": lib["ratio_to_fastest_alternative"]["median"] <= TARGET_RATIO,
            "live_tasks_bound": bound,
            "live_tasks_met": lib["peak_live_tasks"] <= bound,
        }
        out.append(
            {
                "scenario": s.name,
                "n": s.n,
                "concurrency": s.concurrency,
                "latency_s": s.latency,
                "ideal_s": s.ideal,
                "reps": settings.reps,
                "rows": rows,
            }
        )
    return {
        "what": "bounded gather wall time (median of timed runs) and peaks (separate untimed run)",
        "scenarios": out,
    }


def tables(result: dict[str, Any]) -> list[Any]:
    from bench.common import Table, fmt_bytes, fmt_ratio, fmt_seconds

    t = Table(
        "Bounded gather: wall time, ratios in the same repetition; peaks from a separate run",
        [
            "scenario",
            "runner",
            "wall (median)",
            "x ideal",
            "x library",
            "peak tasks",
            "peak memory",
            "target",
        ],
    )
    for sc in result["scenarios"]:
        lib = sc["rows"]["library"]
        tgt = lib["target"]
        for name, row in sc["rows"].items():
            target = ""
            if name == "library":
                target = (
                    f"{fmt_ratio(lib['ratio_to_fastest_alternative'])} of fastest: "
                    f"{fmt_met(tgt['ratio_met'])}; tasks <= {tgt['live_tasks_bound']}: "
                    f"{fmt_met(tgt['live_tasks_met'])}"
                )
            t.add(
                sc["scenario"],
                name,
                fmt_seconds(row["wall_s"]["median"]),
                fmt_ratio(row["ratio_to_ideal"]) if row["ratio_to_ideal"] else "n/a (ideal 0)",
                "1" if name == "library" else fmt_ratio(row["ratio_to_library"]),
                f"{row['peak_live_tasks']:,}",
                fmt_bytes(row["peak_memory_bytes"]),
                target,
            )
    t.notes.append(
        "library vs fastest: when the worker pool was the fastest alternative in every repetition, "
        f"{EXTRA_PAIRED_REPS} more repetitions of just that pair are added to the ratio."
    )
    t.notes.append(
        "aiometer.run_all hands each result through an unbuffered channel, so it keeps far fewer than c "
        "jobs in flight: its peak task count is low and its wall time high."
    )
    t.notes.append(
        "ideal = ceil(n / c) x latency; target: library within 1.05x of the fastest alternative "
        "(per repetition) and live tasks <= c + 2 (the count includes the task driving the run)."
    )
    return [t]
