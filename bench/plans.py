"""Item 1: what a bind costs, and how deep a chain of binds can go.

Four ways to chain ``n`` dependent steps, each step adding one to the value:

* ``raw``: a hand-written coroutine that awaits one fresh small coroutine per
  step (``await step(v)``, each returning ``Ok(v + 1)``) and checks the
  result: the baseline every other figure is divided by.
* ``library``: ``funcpipe_rag``'s ``AsyncPlan`` (nodes run by an iterative
  interpreter).
* ``closure``: the seed's nested-closure encoding
  (``funcpipe_rag.teaching.closure_plan``).
* ``returns``: dry-python ``returns``' ``FutureResult.bind``.

Each plan encoding is built in two shapes: *left*-nested
(``p = bind(p, inc)`` in a loop, so the first step is innermost) and
*right*-nested (a step that binds to itself, so the chain unfolds while it
runs). Every bind of a left chain gets the same step function ``inc``, as the
raw chain calls one coroutine function; for context only, the library's left
chain is also measured with a fresh closure per bind
(``p = bind(p, lambda x: ...)``), whose garbage-collection cost is the
caller's. The cost per bind is build + run divided by ``n``; for the library the
run alone (replaying an already built plan) is reported as well. Every ratio
divides two times taken in the same repetition; the contenders run in a
different order in each repetition.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench.common import Settings, clean_slate, fmt_met, log, ratios, rotate, summary
from funcpipe_rag.result import Ok
from funcpipe_rag.testing import CLOSURE, LIBRARY, PlanAlgebra, chain

FULL_SIZES = (10, 100, 300, 1_000, 10_000, 100_000, 1_000_000)
TABLE_SIZES = (100, 10_000, 1_000_000)
QUICK_SIZES = (10, 100, 300, 1_000)
IMPLS = ("library", "closure", "returns")
SHAPES = ("left", "right")
TARGET_RATIO = 1.0
LEFT_MILLION_TARGET_RATIO = 1.5  # 10^6 live steps of a left chain: the GC rescans them as it grows


def target_ratio(name: str, n: int) -> float:
    """The ratio to the raw chain a library row must stay within."""
    return LEFT_MILLION_TARGET_RATIO if name == "library left" and n >= 1_000_000 else TARGET_RATIO

SHORT_CHAIN_REP_FACTOR = 3
TARGET_DEPTH = 1_000_000

# (build seconds, run seconds) for one chain of n binds, result checked.
Measure = Callable[[int], Awaitable[tuple[float, float]]]


class WrongResult(AssertionError):
    pass


def _check(got: object, want: object, who: str) -> None:
    if got != want:
        raise WrongResult(f"{who}: expected {want!r}, got {got!r:.200}")


# ---- raw baseline ---------------------------------------------------------------------


async def _raw_step(x: int) -> Ok[int]:
    return Ok(x + 1)


async def _raw_chain(n: int) -> Any:
    res: Any = Ok(0)
    for _ in range(n):
        res = await _raw_step(res.value)
        if type(res) is not Ok:
            return res
    return res


async def raw(n: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    res = await _raw_chain(n)
    t1 = time.perf_counter()
    _check(res, Ok(n), "raw")
    return 0.0, t1 - t0


async def _plain_step(x: int) -> int:
    return x + 1


async def raw_plain(n: int) -> tuple[float, float]:
    """For context only: the same chain with bare ints, no ``Result`` per step."""
    t0 = time.perf_counter()
    v = 0
    for _ in range(n):
        v = await _plain_step(v)
    t1 = time.perf_counter()
    _check(v, n, "raw ints")
    return 0.0, t1 - t0


# ---- the library and the seed's closures (same shapes, two algebras) ----------------------


async def _left(
    alg: PlanAlgebra, n: int, replay: list[float] | None = None, *, fresh: bool = False
) -> tuple[float, float]:
    t0 = time.perf_counter()
    plan = chain(alg, n, fresh_steps=fresh)  # pure(0), then n left-nested binds of x -> pure(x + 1)
    t1 = time.perf_counter()
    res = await plan()
    t2 = time.perf_counter()
    _check(res, Ok(n), f"{alg.name} left")
    if replay is not None:  # run the same plan again: the cost of replaying a built plan
        t3 = time.perf_counter()
        res = await plan()
        replay.append(time.perf_counter() - t3)
        _check(res, Ok(n), f"{alg.name} left replay")
    return t1 - t0, t2 - t1


async def _right(alg: PlanAlgebra, n: int) -> tuple[float, float]:
    pure, bind = alg.pure, alg.bind

    def step(k: int) -> Any:
        return pure(k) if k == n else bind(pure(k + 1), step)

    t0 = time.perf_counter()
    res = await step(0)()
    t1 = time.perf_counter()
    _check(res, Ok(n), f"{alg.name} right")
    return 0.0, t1 - t0


async def library_left(n: int, replay: list[float] | None = None) -> tuple[float, float]:
    return await _left(LIBRARY, n, replay)


async def library_left_fresh(n: int) -> tuple[float, float]:
    return await _left(LIBRARY, n, fresh=True)


async def library_right(n: int) -> tuple[float, float]:
    return await _right(LIBRARY, n)


async def closure_left(n: int) -> tuple[float, float]:
    return await _left(CLOSURE, n)


async def closure_right(n: int) -> tuple[float, float]:
    return await _right(CLOSURE, n)


# ---- returns' FutureResult ----------------------------------------------------------------------


async def returns_left(n: int) -> tuple[float, float]:
    from returns.future import FutureResult
    from returns.io import IOSuccess

    inc = lambda x: FutureResult.from_value(x + 1)
    t0 = time.perf_counter()
    fr: Any = FutureResult.from_value(0)
    for _ in range(n):
        fr = fr.bind(inc)
    t1 = time.perf_counter()
    res = await fr
    t2 = time.perf_counter()
    _check(res, IOSuccess(n), "returns left")
    return t1 - t0, t2 - t1


async def returns_right(n: int) -> tuple[float, float]:
    from returns.future import FutureResult
    from returns.io import IOSuccess

    def step(k: int) -> Any:
        return FutureResult.from_value(k) if k == n else FutureResult.from_value(k + 1).bind(step)

    t0 = time.perf_counter()
    res = await step(0)
    t1 = time.perf_counter()
    _check(res, IOSuccess(n), "returns right")
    return 0.0, t1 - t0


FRESH = ("library", "left, fresh closures")

CHAINS: dict[tuple[str, str], Measure] = {
    ("library", "left"): library_left,
    ("library", "right"): library_right,
    ("closure", "left"): closure_left,
    ("closure", "right"): closure_right,
    ("returns", "left"): returns_left,
    ("returns", "right"): returns_right,
}


def label(impl: str, shape: str | None) -> str:
    return impl if shape is None else f"{impl} {shape}"


def gc_share_of_build(n: int, reps: int, *, fresh: bool = False) -> dict[str, float]:
    """Diagnostic: ns per bind to build a left-nested chain with the cyclic GC on, and off."""
    import gc

    on: list[float] = []
    off: list[float] = []
    for rep in range(reps):
        for enabled in (True, False) if rep % 2 == 0 else (False, True):
            clean_slate()
            if not enabled:
                gc.disable()
            try:
                t0 = time.perf_counter()
                plan = chain(LIBRARY, n, fresh_steps=fresh)
                elapsed = time.perf_counter() - t0
            finally:
                gc.enable()
            del plan
            (on if enabled else off).append(elapsed * 1e9 / n)
    return {"n": n, "gc_on_ns_per_bind": summary(on)["median"], "gc_off_ns_per_bind": summary(off)["median"]}


# ---- deepest chain ----------------------------------------------------------------------------


@dataclass
class Depth:
    deepest: int  # the deepest chain that completed
    cap: int  # the largest depth tried
    failure: str | None  # what stopped it (None: it completed every depth up to cap)

    def as_json(self) -> dict[str, Any]:
        return {"deepest": self.deepest, "largest_tried": self.cap, "failure": self.failure}

    def text(self) -> str:
        if self.failure is None:
            return f">= {self.deepest:,} (all tried)"
        return f"{self.deepest:,} ({self.failure} at {self.deepest + 1:,})"


async def _completes(measure: Measure, n: int) -> str | None:
    try:
        await measure(n)
    except RecursionError:
        return "RecursionError"
    except MemoryError:
        return "MemoryError"
    return None


async def deepest(measure: Measure, cap: int) -> Depth:
    """Double the depth until the chain fails (or ``cap`` completes), then bisect."""
    good, n = 0, 64
    while True:
        n = min(n, cap)
        failure = await _completes(measure, n)
        if failure is not None:
            break
        good = n
        if n == cap:
            return Depth(good, cap, None)
        n *= 2
    bad = n
    while bad - good > 1:
        mid = (good + bad) // 2
        if await _completes(measure, mid) is None:
            good = mid
        else:
            bad = mid
    return Depth(good, cap, failure)


# ---- the benchmark ------------------------------------------------------------------------------------


async def run(settings: Settings) -> dict[str, Any]:
    sizes = QUICK_SIZES if settings.quick else FULL_SIZES
    table_sizes = tuple(n for n in sizes if n in TABLE_SIZES) or sizes
    budget = 2_000 if settings.quick else 20_000  # binds per measurement, for short chains
    cap = max(sizes)

    depths: dict[tuple[str, str], Depth] = {}
    for key, measure in CHAINS.items():
        log(settings, f"plans: deepest chain for {label(*key)} (up to {cap:,})")
        depths[key] = await deepest(measure, cap)
        clean_slate()

    by_size: dict[str, Any] = {}
    for n in sizes:
        loops = max(1, budget // n)
        # Short chains are cheap and their timings are the noisiest: give them three times the reps.
        reps = settings.reps * (SHORT_CHAIN_REP_FACTOR if n <= 10_000 else 1)
        runnable = [key for key in CHAINS if depths[key].deepest >= n]
        contenders: list[tuple[str, str | None]] = [("raw", None), ("raw", "ints"), *runnable]
        if n in table_sizes:
            contenders.append(FRESH)
        log(settings, f"plans: n={n:,} x{loops} loops, {reps} reps, {len(contenders)} contenders")
        build: dict[str, list[float]] = {label(*k): [] for k in contenders}
        run_: dict[str, list[float]] = {label(*k): [] for k in contenders}
        replay: list[float] = []

        async def once(
            key: tuple[str, str | None],
            record: bool,
            n: int = n,
            loops: int = loops,
            build: dict[str, list[float]] = build,
            run_: dict[str, list[float]] = run_,
            replay: list[float] = replay,
        ) -> None:
            b = r = 0.0
            for _ in range(loops):
                if key == ("raw", None):
                    bb, rr = await raw(n)
                elif key == ("raw", "ints"):
                    bb, rr = await raw_plain(n)
                elif key == ("library", "left"):
                    bb, rr = await library_left(n, replay if record else None)
                elif key == FRESH:
                    bb, rr = await library_left_fresh(n)
                else:
                    bb, rr = await CHAINS[key](n)  # type: ignore[index]
                b += bb
                r += rr
            if record:
                build[label(*key)].append(b)
                run_[label(*key)].append(r)

        if n <= 10_000:  # warm up: the first run of anything pays for imports and caches
            for who in contenders:
                await once(who, record=False)
        for rep in range(reps):
            for who in rotate(contenders, rep):
                clean_slate()
                await once(who, record=True)

        binds = n * loops
        raw_total = run_["raw"]
        rows: dict[str, Any] = {}
        for who in contenders:
            name = label(*who)
            totals = [b + r for b, r in zip(build[name], run_[name], strict=True)]
            row: dict[str, Any] = {
                "ns_per_bind": {k: v * 1e9 / binds for k, v in summary(totals).items() if k != "n"},
                "build_ns_per_bind": summary(build[name])["median"] * 1e9 / binds,
                "run_ns_per_bind": summary(run_[name])["median"] * 1e9 / binds,
                "ratio_to_raw": ratios(totals, raw_total),
            }
            if name == "library left" and replay:
                # replay[i] is the extra run of the plan built in repetition i
                per_rep = [sum(replay[i * loops : (i + 1) * loops]) for i in range(reps)]
                row["replay_ns_per_bind"] = summary(per_rep)["median"] * 1e9 / binds
                row["replay_ratio_to_raw"] = ratios(per_rep, raw_total)
            if who[0] == "library" and who != FRESH:
                row["target_ratio"] = target_ratio(name, n)
                row["target_met"] = row["ratio_to_raw"]["median"] <= row["target_ratio"]
            rows[name] = row
        for key in CHAINS:
            if key not in runnable:
                rows[label(*key)] = {"skipped": f"fails beyond {depths[key].deepest:,} binds"}
        by_size[str(n)] = {"loops": loops, "reps": reps, "rows": rows}

    log(settings, f"plans: building a left chain of {cap:,} with the GC on and off (diagnostic)")
    gc_share = gc_share_of_build(cap, 3)
    gc_share_fresh = gc_share_of_build(cap, 3, fresh=True)

    lib_depth_ok = all(depths[("library", s)].deepest >= min(TARGET_DEPTH, cap) for s in SHAPES)
    return {
        "what": "per-bind cost (build + run) of chains of n dependent steps; ratios to the raw await "
        "chain measured in the same repetition",
        "recursion_limit": sys.getrecursionlimit(),
        "sizes": list(sizes),
        "table_sizes": list(table_sizes),
        "deepest": {label(*k): d.as_json() for k, d in depths.items()},
        "deepest_target": TARGET_DEPTH,
        "deepest_target_met": lib_depth_ok if cap >= TARGET_DEPTH else None,
        "by_size": by_size,
        "left_build_gc_diagnostic": gc_share,
        "left_build_gc_diagnostic_fresh_closures": gc_share_fresh,
    }


def tables(result: dict[str, Any]) -> list[Any]:
    from bench.common import Table, fmt_ratio

    cost = Table(
        "Plan chains: cost per bind (build + run), ratio to the raw await chain in the same repetition",
        ["binds", "implementation", "ns/bind", "x raw: median [min-max]", "target"],
    )
    for n in result["table_sizes"]:
        rows = result["by_size"][str(n)]["rows"]
        for name, row in rows.items():
            if "skipped" in row:
                cost.add(
                    f"{n:,}", name, "-", row["skipped"], fmt_met(False) if name.startswith("library") else ""
                )
                continue
            met = row.get("target_met")
            cost.add(
                f"{n:,}",
                name,
                f"{row['ns_per_bind']['median']:.0f}",
                fmt_ratio(row["ratio_to_raw"]),
                f"<= {row.get('target_ratio', TARGET_RATIO):g}x: {fmt_met(met)}" if met is not None else "",
            )
            if "replay_ratio_to_raw" in row:
                rr = row["replay_ratio_to_raw"]
                cost.add(
                    f"{n:,}",
                    "library left, run only (replay)",
                    f"{row['replay_ns_per_bind']:.0f}",
                    fmt_ratio(rr),
                    fmt_met(rr["median"] <= TARGET_RATIO) + " (run only)",
                )
    cost.notes.append(
        "raw = `await step(v)` per step, each step a fresh coroutine returning Ok(v + 1); "
        "left = `p = bind(p, inc)` in a loop; right = a step that binds to itself."
    )
    cost.notes.append(
        "raw ints = the same raw chain with steps returning bare ints instead of Ok(...): context only, "
        "it shows how much of every figure is the Ok allocation (the library passes values between "
        "async_pure steps unwrapped and builds one Ok at the end)."
    )
    cost.notes.append(
        f"repetitions: {SHORT_CHAIN_REP_FACTOR}x the base count for chains of up to 10,000 binds, "
        "the base count (5 in a full run) above."
    )
    g = result.get("left_build_gc_diagnostic")
    if g:
        cost.notes.append(
            f"building a left chain of {g['n']:,} binds: {g['gc_on_ns_per_bind']:.0f} ns/bind with the "
            f"cyclic GC on, {g['gc_off_ns_per_bind']:.0f} with it off (diagnostic, same run)."
        )
    gf = result.get("left_build_gc_diagnostic_fresh_closures")
    if gf:
        cost.notes.append(
            f"the same with a fresh closure per bind: {gf['gc_on_ns_per_bind']:.0f} ns/bind with the GC on, "
            f"{gf['gc_off_ns_per_bind']:.0f} with it off. The closures stay alive with the plan and the GC "
            "rescans them as the chain grows; the raw chain keeps nothing alive. `library left, fresh "
            "closures` rows are that workload, for context (no target)."
        )
    cost.notes.append(
        "library left, run only = running an already built left-nested plan again (plans are replayable)."
    )
    depth = Table(
        f"Deepest chain completed (recursion limit {result['recursion_limit']})",
        ["implementation", "deepest chain", "target >= 1,000,000 (library)"],
    )
    for name, d in result["deepest"].items():
        deep_enough: bool | None = None
        if name.startswith("library") and d["largest_tried"] >= TARGET_DEPTH:
            deep_enough = d["deepest"] >= TARGET_DEPTH
        dd = Depth(d["deepest"], d["largest_tried"], d["failure"])
        depth.add(name, dd.text(), fmt_met(deep_enough) if name.startswith("library") else "")
    return [cost, depth]
