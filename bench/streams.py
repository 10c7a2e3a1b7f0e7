"""Item 3: streams (Core 2; the bounded map of Core 3 is item 4, ``bench/backpressure.py``).

Three measurements of ``AsyncGen``:

* **Per-item cost.** The same three-stage pipeline — a pure map (``x + 1``),
  an async step per item (a coroutine returning ``Ok(2x)``), and an expansion
  of each item into two (``x, x + 1``) — over a lazy source of *n* integers,
  written four ways and collected to a list:

  - ``library``: ``async_gen_map``, ``async_gen_map_action`` with plans built
    the way Core 1 teaches (``lambda x: async_lift(lambda: step(x))``),
    ``async_gen_and_then`` with ``async_gen_from_list``;
  - ``library (lift_async_item)``: the async step as
    ``async_gen_and_then(s, lift_async_item(step))``, the course's other idiom;
  - ``hand-written``: three async generators, each ``async for``-ing over the
    one before and awaiting ``step`` directly (the fastest plain code);
  - ``aiostream``: ``stream.iterate | pipe.map | pipe.map(async) | pipe.flatmap``.

  Every contender must give the same items. The figure is **CPU time of
  this process** per source item (``time.process_time``): the pipelines are
  single-threaded and CPU-bound, so CPU time is the work done and is far
  less disturbed by other load on a shared machine than wall time. As in
  ``timeit``, the cyclic garbage collector is paused while a contender runs
  (none of them makes cycles), so a collection that happens to land in one
  run is not charged to it. Ratios are taken per repetition, contenders in
  rotated order.
* **Memory.** Peak traced memory (``tracemalloc``) while the library
  pipeline runs over 10^4 and 10^6 items, consumed item by item: it should
  not grow with the length. A list of the same items is shown for scale.
* **Depth.** The deepest stacks run with the recursion limit at 200: 10^4
  stacked maps, 10^4 left-nested ``and_then`` (with non-trivial inner
  streams), a recursively defined stream of 10^5 elements — and the
  chapter's nested generators at the same shapes, which overflow.
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from bench.common import (
    Settings,
    Table,
    clean_slate,
    fmt_bytes,
    fmt_met,
    fmt_ratio,
    log,
    ratios,
    rotate,
    summary,
)
from funcpipe_rag import (
    AsyncGen,
    Ok,
    Result,
    async_gen_and_then,
    async_gen_from_iter,
    async_gen_from_list,
    async_gen_map,
    async_gen_map_action,
    async_gen_return,
    async_lift,
    collect_stream,
    lift_async_item,
    stream_items,
)
from funcpipe_rag.teaching import overflow_depth
from funcpipe_rag.testing import NESTED

TARGET_RATIO = 1.5
LIBRARY = "library"
HAND = "hand-written"
AIOSTREAM = "aiostream"


async def step(x: int) -> Result[int, Any]:
    return Ok(x * 2)


async def plain_step(x: int) -> int:
    return x * 2


def library_pipeline(n: int) -> AsyncGen[int]:
    s = async_gen_from_iter(lambda: range(n))
    s = async_gen_map(s, lambda x: x + 1)
    s = async_gen_map_action(s, lambda x: async_lift(lambda: step(x)))
    return async_gen_and_then(s, lambda x: async_gen_from_list((x, x + 1)))


def library_lift_item_pipeline(n: int) -> AsyncGen[int]:
    s = async_gen_from_iter(lambda: range(n))
    s = async_gen_map(s, lambda x: x + 1)
    s = async_gen_and_then(s, lift_async_item(step))
    return async_gen_and_then(s, lambda x: async_gen_from_list((x, x + 1)))


def hand_pipeline(n: int) -> Callable[[], AsyncIterator[Any]]:
    async def source() -> AsyncIterator[Any]:
        for i in range(n):
            yield Ok(i)

    async def add_one(up: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for r in up:
            yield Ok(r.value + 1) if type(r) is Ok else r

    async def call_step(up: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for r in up:
            yield (await step(r.value)) if type(r) is Ok else r

    async def expand(up: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for r in up:
            if type(r) is Ok:
                x = r.value
                yield Ok(x)
                yield Ok(x + 1)
            else:
                yield r

    return lambda: expand(call_step(add_one(source())))


async def _collect_library(s: AsyncGen[int]) -> list[Any]:
    return await collect_stream(s)


async def _collect_hand(make: Callable[[], AsyncIterator[Any]]) -> list[Any]:
    it = make()
    try:
        return [x async for x in it]
    finally:
        await it.aclose()  # type: ignore[attr-defined]


def aiostream_pipeline(n: int) -> Any:
    from aiostream import pipe, stream

    return lambda: (
        stream.iterate(range(n))
        | pipe.map(lambda x: x + 1)
        | pipe.map(plain_step)
        | pipe.flatmap(lambda x: stream.iterate((x, x + 1)))
    )


async def _collect_aiostream(make: Any) -> list[Any]:
    async with make().stream() as items:
        return [Ok(x) async for x in items]


CONTENDERS: dict[str, tuple[Callable[[int], Any], Callable[[Any], Awaitable[list[Any]]]]] = {
    LIBRARY: (library_pipeline, _collect_library),
    "library (lift_async_item)": (library_lift_item_pipeline, _collect_library),
    HAND: (hand_pipeline, _collect_hand),
    AIOSTREAM: (aiostream_pipeline, _collect_aiostream),
}


def expected(n: int) -> list[Any]:
    return [Ok(v) for i in range(n) for v in (2 * (i + 1), 2 * (i + 1) + 1)]


async def _cpu_seconds(name: str, n: int, check: list[Any] | None) -> float:
    make, collect = CONTENDERS[name]
    pipeline = make(n)
    clean_slate()
    gc.disable()  # as timeit does: a collection landing in one contender's run is not its cost
    try:
        t0 = time.process_time()
        got = await collect(pipeline)
        elapsed = time.process_time() - t0
    finally:
        gc.enable()
    if check is not None and got != check:
        raise AssertionError(f"{name} gave different items from the library")
    return elapsed


async def per_item(settings: Settings) -> dict[str, Any]:
    n = 10_000 if settings.quick else 100_000
    slow_n = max(200, n // 50)  # aiostream is far slower: fewer items, same per-item figure
    sizes = {name: (slow_n if name == AIOSTREAM else n) for name in CONTENDERS}
    checks = {size: expected(size) for size in set(sizes.values())}
    names = list(CONTENDERS)
    for name in names:  # warm up: imports, caches
        await _cpu_seconds(name, min(200, sizes[name]), None)
    per: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(settings.reps):
        for name in rotate(names, rep):
            seconds = await _cpu_seconds(name, sizes[name], checks[sizes[name]])
            per[name].append(seconds / sizes[name])
    rows: dict[str, Any] = {}
    for name in names:
        rows[name] = {
            "items": sizes[name],
            "cpu_s_per_item": summary(per[name]),
            "ratio_to_hand_written": ratios(per[name], per[HAND]),
        }
    lib = rows[LIBRARY]["ratio_to_hand_written"]["median"]
    return {
        "n": n,
        "rows": rows,
        "target": {
            "ratio_to_hand_written": TARGET_RATIO,
            "ratio_met": lib <= TARGET_RATIO,
            "ahead_of_aiostream": all(a < b for a, b in zip(per[LIBRARY], per[AIOSTREAM], strict=True)),
        },
    }


async def _peak(make: Callable[[], Awaitable[int]]) -> tuple[int, int]:
    clean_slate()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        count = await make()
        _, top = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, top - base


async def memory(settings: Settings) -> dict[str, Any]:
    sizes = (1_000, 10_000) if settings.quick else (10_000, 1_000_000)
    out: dict[str, Any] = {"sizes": list(sizes), "library": {}, "list": {}}
    for n in sizes:
        log(settings, f"streams: peak memory, {n:,} items")

        async def drain(n: int = n) -> int:
            count = 0
            async with stream_items(library_pipeline(n)) as items:
                async for _ in items:
                    count += 1
            return count

        async def as_list(n: int = n) -> int:
            return len([Ok(v) for i in range(n) for v in (2 * (i + 1), 2 * (i + 1) + 1)])

        count, peak = await _peak(drain)
        assert count == 2 * n
        out["library"][str(n)] = peak
        out["list"][str(n)] = (await _peak(as_list))[1]
    small, large = (out["library"][str(n)] for n in sizes)
    out["growth"] = large / small if small else None
    out["flat"] = large <= small * 1.5 + 64 * 1024
    return out


def _stack_of_maps(alg: Any, depth: int) -> Any:
    s = alg.listed([0, 1, 2])
    for _ in range(depth):
        s = alg.fmap(s, lambda x: x + 1)
    return s


def _left_nested(alg: Any, depth: int) -> Any:
    s = alg.listed([0, 1])
    for _ in range(depth):
        s = alg.bind(s, lambda x: alg.fmap(alg.pure(x), lambda y: y + 1))
    return s


def _recursive(n: int, stop: int) -> AsyncGen[int]:
    if n >= stop:
        return async_gen_from_list([])
    return async_gen_and_then(
        async_gen_from_list([0, 1]), lambda k: async_gen_return(n) if k == 0 else _recursive(n + 1, stop)
    )


def _nested_recursive(n: int, stop: int) -> Any:
    if n >= stop:
        return NESTED.listed([])
    return NESTED.bind(
        NESTED.listed([0, 1]), lambda k: NESTED.pure(n) if k == 0 else _nested_recursive(n + 1, stop)
    )


async def depth(settings: Settings) -> dict[str, Any]:
    from funcpipe_rag.testing import LIBRARY_STREAMS

    deep, long = (2_000, 5_000) if settings.quick else (10_000, 100_000)
    shapes = {
        "stacked maps": (deep, lambda alg, d: _stack_of_maps(alg, d)),
        "left-nested and_then": (deep, lambda alg, d: _left_nested(alg, d)),
        "recursive stream": (
            long,
            lambda alg, d: _recursive(0, d) if alg is LIBRARY_STREAMS else _nested_recursive(0, d),
        ),
    }
    out: dict[str, Any] = {}
    saved = sys.getrecursionlimit()
    for shape, (size, build) in shapes.items():
        out[shape] = {"size": size}
        for label, alg in (("library", LIBRARY_STREAMS), ("nested generators", NESTED)):
            log(settings, f"streams: {shape}, {size:,}, {label}")
            sys.setrecursionlimit(200)
            try:
                _, failed = overflow_depth(lambda d, alg=alg, build=build: build(alg, d), [size])
            finally:
                sys.setrecursionlimit(saved)
            out[shape][label] = {"failure": None if failed is None else "RecursionError"}
    return out


async def run(settings: Settings) -> dict[str, Any]:
    log(settings, f"streams: per-item cost, {settings.reps} reps")
    cost = await per_item(settings)
    mem = await memory(settings)
    deep = await depth(settings)
    return {
        "status": "ok",
        "per_item": cost,
        "memory": mem,
        "depth": deep,
    }


def tables(result: dict[str, Any]) -> list[Table]:
    if result.get("status") != "ok":
        t = Table("Streams", ["item", "status"])
        t.add("streams", result.get("status", "-"))
        return [t]
    cost = result["per_item"]
    t1 = Table(
        f"Streams: per-item cost, map -> async step -> expand x2 (CPU time, n={cost['n']:,})",
        ["contender", "items", "us per source item (median)", "ratio to hand-written"],
    )
    for name, row in cost["rows"].items():
        t1.add(
            name,
            f"{row['items']:,}",
            f"{row['cpu_s_per_item']['median'] * 1e6:.2f}",
            fmt_ratio(row["ratio_to_hand_written"]),
        )
    t1.notes.append("CPU time of this process (time.process_time), ratios per repetition in rotated order")
    mem = result["memory"]
    t2 = Table(
        "Streams: peak traced memory while consuming", ["items", "library pipeline", "a list of the items"]
    )
    for n in mem["sizes"]:
        t2.add(f"{n:,}", fmt_bytes(mem["library"][str(n)]), fmt_bytes(mem["list"][str(n)]))
    t3 = Table(
        "Streams: depth with the recursion limit at 200", ["shape", "size", "library", "nested generators"]
    )
    for shape, row in result["depth"].items():
        t3.add(
            shape,
            f"{row['size']:,}",
            row["library"]["failure"] or "ran",
            row["nested generators"]["failure"] or "ran",
        )
    return [t1, t2, t3]


def target_rows(result: dict[str, Any], t: Table) -> None:
    """The streams lines of the Targets table."""
    if result.get("status") != "ok":
        t.add("streams", "-", result.get("status", "-"), "n/a")
        return
    cost = result["per_item"]
    lib = cost["rows"][LIBRARY]
    t.add(
        "streams, per item vs hand-written generators",
        f"<= {TARGET_RATIO}x",
        fmt_ratio(lib["ratio_to_hand_written"]),
        fmt_met(cost["target"]["ratio_met"]),
    )
    t.add(
        "streams, per item vs aiostream",
        "faster in every repetition",
        fmt_ratio(cost["rows"][AIOSTREAM]["ratio_to_hand_written"]) + " of hand-written",
        fmt_met(cost["target"]["ahead_of_aiostream"]),
    )
    mem = result["memory"]
    small, large = mem["sizes"]
    t.add(
        f"streams, peak memory {small:,} -> {large:,} items",
        "flat",
        f"{fmt_bytes(mem['library'][str(small)])} -> {fmt_bytes(mem['library'][str(large)])}",
        fmt_met(mem["flat"]),
    )
    deep_ok = all(row["library"]["failure"] is None for row in result["depth"].values())
    t.add(
        "streams, 10^4 maps / 10^4 and_then / 10^5 recursive",
        "run at recursion limit 200",
        "all ran" if deep_ok else "failed",
        fmt_met(deep_ok),
    )
