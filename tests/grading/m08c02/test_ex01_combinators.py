"""Graded: exercise 1, the stream combinators (``ex01_combinators.py``).

Observers run the learner's combinators next to their code on generated
streams (described as data) and report the items, the calls and the log of
the resources held; the graded tests judge the reports, comparing with the
library's streams.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any, Literal, TypedDict

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import Err, Ok, run_stream, run_sync
from funcpipe_rag.domain.effects.async_.stream import LAWS
from funcpipe_rag.grading.codec import register
from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.testing import (
    LIBRARY_STREAMS,
    RecordingResource,
    StreamAlgebra,
    item_lists,
    small_ints,
    stream_fn_specs,
    stream_specs,
    value_or_code,
)

EXERCISE = "ex01_combinators"
TITLE = "Build the stream combinators"
EXAMPLES = 30
FALSY: tuple[object, ...] = (None, 0, "", [], False)

for _name in (
    "Items",
    "Listed",
    "Ret",
    "AndThen",
    "Shifted",
    "Held",
    "RetAdd",
    "Span",
    "FailIf",
    "Hand",
    "LiftItemAdd",
    "ThenFn",
    "Affine",
):
    register(_name, f"funcpipe_rag.testing:{_name}")


# ---- next to the learner's code -------------------------------------------------------------


def _alg() -> StreamAlgebra:
    module = load(EXERCISE)
    ret, from_list, map_, map_action, and_then = require(
        module,
        "async_gen_return",
        "async_gen_from_list",
        "async_gen_map",
        "async_gen_map_action",
        "async_gen_and_then",
    )
    return StreamAlgebra("yours", ret, and_then, from_list, map_, map_action)


def _items(stream: Any) -> list[object]:
    if not callable(stream):
        raise AssertionError(
            f"expected a stream (a zero-argument callable), got {type(stream).__name__}; "
            "return the inner async generator function itself, not a call of it"
        )
    return run_stream(stream)


async def _after(result: object) -> object:
    await asyncio.sleep(0)
    return result


def _plan(k: int) -> Callable[[object], Any]:
    """x -> a hand-written plan finishing with Ok(x * k) (x itself when it is not a number)."""

    def f(x: object) -> Any:
        value = x * k if isinstance(x, int) and not isinstance(x, bool) else x
        return lambda: _after(Ok(value))

    return f


class LawCase(TypedDict):
    law: str
    inputs: dict[str, Any]


class Sides(TypedDict):
    left: list[object]
    right: list[object]


@observer
def law_sides(case: LawCase) -> Sides:
    """Both sides of one law of LAWS, built with the learner's combinators and run."""
    alg = _alg()
    law = LAWS.law(case["law"])
    kinds = dict(law.inputs)
    prims = _Prims(alg)
    built = {n: (v.build(alg) if kinds[n] in ("plan", "fn") else v) for n, v in case["inputs"].items()}
    left = _items(law.left(prims, **built))
    built = {n: (v.build(alg) if kinds[n] in ("plan", "fn") else v) for n, v in case["inputs"].items()}
    return {"left": left, "right": _items(law.right(prims, **built))}


class _Prims:
    def __init__(self, alg: StreamAlgebra) -> None:
        self.pure, self.bind, self.map = alg.pure, alg.bind, alg.fmap


class Basics(TypedDict):
    ret: list[object]
    listed: list[object]
    listed_again: list[object]
    from_generator: list[object]
    from_generator_again: list[object]


@observer
def basics(values: list[int]) -> Basics:
    """return(first), from_list(values) run twice, from_list(a generator) run twice."""
    alg = _alg()
    listed = alg.listed(values)
    generated = alg.from_list(v for v in values)  # type: ignore[misc]
    return {
        "ret": _items(alg.pure(values[0] if values else 0)),
        "listed": _items(listed),
        "listed_again": _items(listed),
        "from_generator": _items(generated),
        "from_generator_again": _items(generated),
    }


class Through(TypedDict):
    mapped: list[object]
    mapped_calls: list[object]
    acted: list[object]
    acted_calls: list[object]
    expanded: list[object]
    expanded_calls: list[object]


@observer
def through_each(values: list[int | str]) -> Through:
    """map(+1), map_action(plan of x*3) and and_then(x -> [x, -x]) over a source with Err items."""
    alg = _alg()
    assert alg.map_action is not None
    mapped_calls: list[object] = []
    acted_calls: list[object] = []
    expanded_calls: list[object] = []

    def source() -> AsyncIterator[Any]:
        async def gen() -> AsyncIterator[Any]:
            for v in values:
                await asyncio.sleep(0)
                yield value_or_code(v)

        return gen()

    def add_one(x: int) -> int:
        mapped_calls.append(x)
        return x + 1

    def times_three(x: int) -> Any:
        acted_calls.append(x)
        return _plan(3)(x)

    def both_signs(x: int) -> Any:
        expanded_calls.append(x)
        return alg.listed([x, -x])

    return {
        "mapped": _items(alg.fmap(source, add_one)),
        "mapped_calls": mapped_calls,
        "acted": _items(alg.map_action(source, times_three)),
        "acted_calls": acted_calls,
        "expanded": _items(alg.bind(source, both_signs)),
        "expanded_calls": expanded_calls,
    }


class Laziness(TypedDict):
    got: list[object]
    pulls: int
    open_after: bool


@observer
def take_k(case: tuple[list[int | str], int, int]) -> Laziness:
    """Take k items of map(and_then(map(source, +1), span), id) and close; count the source's items."""
    values, span, k = case
    alg = _alg()
    counter = {"pulls": 0, "open": False}

    def source() -> AsyncIterator[Any]:
        async def gen() -> AsyncIterator[Any]:
            counter["open"] = True
            try:
                for v in values:
                    await asyncio.sleep(0)
                    counter["pulls"] += 1
                    yield value_or_code(v)
            finally:
                counter["open"] = False

        return gen()

    stream = alg.fmap(
        alg.bind(alg.fmap(source, lambda x: x + 1), lambda x: alg.listed([x] * span)), lambda x: x
    )
    got = run_stream(stream, limit=k)
    return {"got": got, "pulls": int(counter["pulls"]), "open_after": bool(counter["open"])}


class Purity(TypedDict):
    started: int
    calls: list[object]


@observer
def build_only(values: list[int | str]) -> Purity:
    """Build map, map_action and and_then over a counting source, and call the stream: record what ran."""
    alg = _alg()
    assert alg.map_action is not None
    started = {"n": 0}
    calls: list[object] = []

    def source() -> AsyncIterator[Any]:
        started["n"] += 1

        async def gen() -> AsyncIterator[Any]:
            for v in values:
                yield value_or_code(v)

        return gen()

    stream = alg.bind(
        alg.map_action(alg.fmap(source, lambda x: calls.append(("map", x)) or x), lambda x: _plan(1)(x)),
        lambda x: calls.append(("and_then", x)) or alg.pure(x),
    )
    run = stream()
    started_when_built, calls_when_built = started["n"], list(calls)
    closer = getattr(run, "aclose", None)
    if closer is not None:
        run_sync(closer)  # a run that never started closes without doing anything
    return {"started": started_when_built, "calls": calls_when_built}


class Release(TypedDict):
    outcome: str
    log: list[str]


class _Boom(Exception):
    pass


@observer
def release(case: tuple[list[int], int, str]) -> Release:
    """A source and each inner stream hold a resource; stop early / end / raise; read the log at once."""
    values, k, how = case
    alg = _alg()
    log: list[str] = []

    def holding(name: str, vals: list[Any]) -> Callable[[], AsyncIterator[Any]]:
        def stream() -> AsyncIterator[Any]:
            async def gen() -> AsyncIterator[Any]:
                async with RecordingResource(name, log):
                    for v in vals:
                        await asyncio.sleep(0)
                        yield Ok(v)

            return gen()

        return stream

    def stage(x: int) -> int:
        if how == "exception" and x == values[min(k, len(values)) - 1]:
            raise _Boom(f"stage failed at {x}")
        return x

    stream = alg.fmap(alg.bind(holding("source", values), lambda x: holding(f"inner {x}", [x, x])), stage)

    async def main() -> Release:
        outcome = "ended"
        try:
            async with aclosing(stream()) as run:  # type: ignore[type-var]
                got = 0
                async for _ in run:
                    got += 1
                    if how == "early stop" and got >= k:
                        outcome = "closed early"
                        break
        except _Boom:
            outcome = "failed"
        return {"outcome": outcome, "log": list(log)}  # read before anything else can run

    was = gc.isenabled()
    gc.disable()
    try:
        return run_sync(main)
    finally:
        if was:
            gc.enable()


class Replay(TypedDict):
    first: list[object]
    second: list[object]


@observer
def twice(spec: Any) -> Replay:
    """Build a generated stream once and run it twice."""
    built = spec.build(_alg())
    return {"first": _items(built), "second": _items(built)}


class Falsy(TypedDict):
    items: list[object]


@observer
def falsy_through(value: object) -> Falsy:
    """A falsy value through from_list, map, and_then(return) and map_action."""
    alg = _alg()
    assert alg.map_action is not None
    stream = alg.map_action(alg.bind(alg.fmap(alg.listed([value]), lambda v: v), alg.pure), _plan(1))
    return {"items": _items(stream)}


# ---- the graded tests: cases in, facts judged ---------------------------------------------------

LawName = Literal["left identity", "right identity", "associativity"]


def _law(name: str, inputs: dict[str, Any]) -> None:
    seen = observe(law_sides, {"law": name, "inputs": inputs})
    left, right = seen["left"], seen["right"]
    assert left == right, f"{name} fails: one side gave {left!r}, the other {right!r}"
    law = LAWS.law(name)
    kinds = dict(law.inputs)
    prims = _Prims(LIBRARY_STREAMS)
    built = {n: (v.build(LIBRARY_STREAMS) if kinds[n] in ("plan", "fn") else v) for n, v in inputs.items()}
    want = run_stream(law.left(prims, **built))
    assert left == want, f"{name}: both sides gave {left!r}, but the items should be {want!r}"


@graded(
    points=1,
    hint="async_gen_return(x) yields Ok(x) once; from_list reads its values into a tuple first.",
    examples=EXAMPLES,
)
@given(values=st.lists(small_ints, max_size=5))
def test_return_and_from_list(values: list[int]) -> None:
    """async_gen_return gives one Ok; async_gen_from_list gives Ok of each value, on every run."""
    seen = observe(basics, values)
    first = values[0] if values else 0
    assert seen["ret"] == [Ok(first)], f"async_gen_return({first}) gave {seen['ret']!r}"
    want = [Ok(v) for v in values]
    assert seen["listed"] == want, f"async_gen_from_list({values}) gave {seen['listed']!r}"
    assert seen["listed_again"] == want, (
        f"the second run of from_list({values}) gave {seen['listed_again']!r}"
    )
    assert seen["from_generator"] == want, (
        f"from_list of a generator of {values} gave {seen['from_generator']!r}"
    )
    assert seen["from_generator_again"] == want, (
        f"from_list of a generator gave {seen['from_generator_again']!r} on its second run: read the "
        "values once, when the stream is built"
    )


def _through_expected(values: list[int | str]) -> dict[str, list[object]]:
    oks = [v for v in values if not isinstance(v, str)]
    mapped, acted, expanded = [], [], []
    for v in values:
        item = value_or_code(v)
        if isinstance(item, Err):
            mapped.append(item)
            acted.append(item)
            expanded.append(item)
        else:
            mapped.append(Ok(v + 1))  # type: ignore[operator]
            acted.append(Ok(v * 3))  # type: ignore[operator]
            expanded += [Ok(v), Ok(-v)]  # type: ignore[operator]
    return {"mapped": mapped, "acted": acted, "expanded": expanded, "oks": oks}


@graded(
    points=1,
    hint="async_gen_map: yield Ok(f(v)) for an Ok(v) item and the Err item itself otherwise.",
    examples=EXAMPLES,
)
@given(values=item_lists())
def test_map(values: list[int | str]) -> None:
    """async_gen_map applies f to Ok items, in order."""
    seen = observe(through_each, list(values))
    want = _through_expected(list(values))
    assert seen["mapped"] == want["mapped"], f"map(+1) over {list(values)} gave {seen['mapped']!r}"


@graded(
    points=2,
    hint="async_gen_map_action: for an Ok(v) item, `yield await f(v)()`; an Err item as it is.",
    examples=EXAMPLES,
)
@given(values=item_lists())
def test_map_action(values: list[int | str]) -> None:
    """async_gen_map_action runs the plan of each Ok item, in order, and emits its result."""
    seen = observe(through_each, list(values))
    want = _through_expected(list(values))
    assert seen["acted"] == want["acted"], (
        f"map_action(plan of x*3) over {list(values)} gave {seen['acted']!r}"
    )
    assert seen["acted_calls"] == want["oks"], f"map_action built plans for {seen['acted_calls']}"


@graded(
    points=2,
    hint="An Err item must come out in its place: yield it, and do not call f for it.",
    examples=EXAMPLES,
)
@given(values=item_lists())
def test_err_passes_through(values: list[int | str]) -> None:
    """Through map, map_action and and_then an Err item passes in place, f never sees it, the rest goes on."""
    seen = observe(through_each, list(values))
    want = _through_expected(list(values))
    for key in ("mapped", "acted", "expanded"):
        assert seen[key] == want[key], f"over {list(values)} the items came out as {seen[key]!r}"  # type: ignore[literal-required]
    for key in ("mapped_calls", "acted_calls", "expanded_calls"):
        assert seen[key] == want["oks"], (  # type: ignore[literal-required]
            f"a function was called with {seen[key]!r}; only the Ok values {want['oks']} should reach it"  # type: ignore[literal-required]
        )


@graded(points=2, hint="and_then(return(x), f) must give exactly the items of f(x).", examples=EXAMPLES)
@given(x=small_ints, f=stream_fn_specs())
def test_left_identity(x: int, f: Any) -> None:
    """Left identity: async_gen_and_then(async_gen_return(x), f) gives the items of f(x)."""
    _law("left identity", {"x": x, "f": f})


@graded(
    points=2, hint="and_then(s, return) must give s's items, Err items included, in place.", examples=EXAMPLES
)
@given(m=stream_specs())
def test_right_identity(m: Any) -> None:
    """Right identity: async_gen_and_then(s, async_gen_return) gives the items of s."""
    _law("right identity", {"m": m})


@graded(
    points=2,
    hint="Yield every item of f(v)'s stream in order, before pulling the next item of gen.",
    examples=EXAMPLES,
)
@given(m=stream_specs(max_leaves=3), f=stream_fn_specs(), g=stream_fn_specs())
def test_associativity(m: Any, f: Any, g: Any) -> None:
    """Associativity: and_then(and_then(s, f), g) gives the items of and_then(s, x -> and_then(f(x), g))."""
    _law("associativity", {"m": m, "f": f, "g": g})


@graded(points=1, hint="Do all the work inside the inner async generator: building a stream calls nothing.")
def test_building_does_nothing() -> None:
    """Building map, map_action and and_then, and calling the stream, starts no source, calls no function."""
    seen = observe(build_only, [1, "DB", 2])
    assert seen["started"] == 0, (
        f"building the stream (and calling it) started the source {seen['started']} times"
    )
    assert seen["calls"] == [], f"building the stream (and calling it) already called {seen['calls']}"


@graded(
    points=2,
    hint="Pull the next item only when your consumer asks for one: never read ahead.",
    examples=EXAMPLES,
)
@given(values=item_lists(), span=st.integers(0, 3), k=st.integers(0, 8))
def test_lazy(values: list[int | str], span: int, k: int) -> None:
    """Taking k items pulls exactly the source items needed for them; nothing more."""
    seen = observe(take_k, (list(values), span, k))
    per_item = [1 if isinstance(v, str) else span for v in values]
    produced = needed = 0
    for n in per_item:
        if produced >= k:
            break
        needed += 1
        produced += n
    assert len(seen["got"]) == min(k, sum(per_item)), f"asked for {k} items, got {len(seen['got'])}"
    assert seen["pulls"] == needed, (
        f"{k} item(s) needed {needed} item(s) of the source {list(values)}, but it handed out {seen['pulls']}"
    )
    assert not seen["open_after"], "the source's run was still open after the consumer closed"


@graded(
    points=3,
    hint="Read each stream inside `async with aclosing(gen()) as items:` so closing your stage "
    "closes it too.",
    examples=EXAMPLES,
)
@given(
    values=st.lists(small_ints, min_size=1, max_size=5, unique=True),
    k=st.integers(1, 4),
    how=st.sampled_from(["normal end", "early stop", "exception"]),
)
def test_closes_what_it_reads(values: list[int], k: int, how: str) -> None:
    """When the run ends, fails or is closed early, every resource is released by the time closing returns."""
    seen = observe(release, (values, k, how))
    log = seen["log"]
    held = sorted(
        {e.split(":")[0] for e in log if e.endswith("acquired")}
        - {e.split(":")[0] for e in log if ": released" in e}
    )
    assert not held, (
        f"the run {seen['outcome']} ({how}), but {', '.join(held)} was still held when closing returned — "
        f"with no garbage collection in between. What happened: {log}"
    )


@graded(
    points=1,
    hint="Never keep a run between calls: every call of the stream starts a fresh run.",
    examples=EXAMPLES,
)
@given(m=stream_specs(max_leaves=3))
def test_replay(m: Any) -> None:
    """Running one stream twice gives equal items."""
    seen = observe(twice, m)
    want = run_stream(m.build(LIBRARY_STREAMS))
    assert seen["first"] == want, f"{m!r} gave {seen['first']!r}, expected {want!r}"
    assert seen["second"] == seen["first"], (
        f"the first run gave {seen['first']!r}, the second {seen['second']!r}"
    )


@graded(
    points=1, hint="Test `isinstance(item, Ok)`, never the truth of a value: Ok(0) and Ok(None) are items."
)
def test_falsy_values_are_items() -> None:
    """None, 0, "", [] and False flow through from_list, map, and_then and map_action like any other value."""
    for value in FALSY:
        seen = observe(falsy_through, value)
        assert seen["items"] == [Ok(value)], f"the value {value!r} came out as {seen['items']!r}"
