"""Graded: exercise 1, a stream cut into batches by size and by age, by hand (``ex01_chunker.py``).

The observer runs the learner's ``batches`` on one scenario — items that
come in bursts or after long stalls, of uneven sizes (some over the limit),
``Err`` items, a consumer that may stop early — on the virtual-time loop,
through the library's :func:`run_chunked`, and reports the facts of the run
(and when the source ended). The judges are the library's own properties of
the batcher (:data:`CHUNK_PROPERTIES`), and one more written here: each
batch goes exactly when it is due. Scenarios are drawn path by path: batches
closed by size, a batch closed at its deadline while the source stalls,
``Err`` items, closed early.
"""

from __future__ import annotations

from typing import Any, TypedDict

from funcpipe_rag import ChunkPolicy, Err, ErrInfo, Ok
from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.testing import Arrival, ChunkFacts, ChunkScenario, run_chunked, run_virtual

EXERCISE = "ex01_chunker"
TITLE = "Batches by size and by age, by hand"
EXAMPLES = 36


class Case(TypedDict):
    arrivals: list[tuple[float, int | None]]
    max_units: int
    max_delay_ms: float
    flush_on_err: bool
    stop_after: int | None


def to_case(sc: ChunkScenario) -> Case:
    return {"arrivals": [(a.after_ms, a.size) for a in sc.arrivals], "max_units": sc.max_units,
            "max_delay_ms": sc.max_delay_ms, "flush_on_err": sc.flush_on_err, "stop_after": sc.stop_after}


def from_case(case: Case) -> ChunkScenario:
    arrivals = tuple(Arrival(*a) for a in case["arrivals"])
    policy = (case["max_units"], case["max_delay_ms"], case["flush_on_err"])
    return ChunkScenario(arrivals, *policy, case["stop_after"])


# ---- next to the learner's code -------------------------------------------------------------


class Facts(TypedDict):
    arrived_at: list[tuple[int, float]]
    received: list[tuple[float, object]]
    ahead_at_batch: list[int]
    tasks_left: int
    source_closed: bool
    ended_at: float | None
    closed_at: float | None


def _impl() -> Any:
    return require(load(EXERCISE), "batches")


@observer
def run_case(case: Case) -> Facts:
    """Run the learner's batches on one scenario, in virtual time; note when the source ended, was closed."""
    import asyncio
    from contextlib import aclosing

    mine = _impl()
    ended: list[float] = []
    closed: list[float] = []

    def impl(source: Any, policy: ChunkPolicy[Any]) -> Any:
        async def watched() -> Any:
            try:
                async with aclosing(source()) as items:
                    async for item in items:
                        yield item
                ended.append(asyncio.get_running_loop().time())
            finally:
                closed.append(asyncio.get_running_loop().time())

        return mine(watched, policy)

    facts = run_chunked(impl, from_case(case))
    return {"arrived_at": sorted(facts.arrived_at.items()), "received": facts.received,
            "ahead_at_batch": facts.ahead_at_batch, "tasks_left": facts.tasks_left,
            "source_closed": facts.source_closed, "ended_at": ended[0] if ended else None,
            "closed_at": closed[0] if closed else None}


class BugCase(TypedDict):
    where: str  # "source" or "size_fn"
    at: int
    gaps_ms: list[float]
    max_units: int
    max_delay_ms: float


class BugFacts(TypedDict):
    raised: str
    received: list[object]
    source_closed: bool
    tasks_left: int


@observer
def bug_run(case: BugCase) -> BugFacts:
    """The learner's batches over a source (or a size_fn) that raises at item ``at``."""
    import asyncio

    closed: list[bool] = []
    received: list[object] = []
    raised = ""

    class Planted(Exception):
        pass

    async def source() -> Any:
        try:
            for i, gap in enumerate(case["gaps_ms"]):
                await asyncio.sleep(gap / 1000)
                if case["where"] == "source" and i == case["at"]:
                    raise Planted(f"the source failed at item {i}")
                yield Ok(i)
        finally:
            closed.append(True)

    def size_fn(i: int) -> int:
        if case["where"] == "size_fn" and i == case["at"]:
            raise Planted(f"size_fn failed on item {i}")
        return 1

    async def main() -> tuple[bool, int]:
        nonlocal raised
        me = asyncio.current_task()
        run = _impl()(source, ChunkPolicy(case["max_units"], case["max_delay_ms"], True, size_fn))()
        try:
            async for item in run:
                received.append(item)
        except Planted as exc:
            raised = str(exc)
        return bool(closed), sum(1 for t in asyncio.all_tasks() if t is not me)

    (was_closed, left), _ = run_virtual(main)
    return {"raised": raised, "received": received, "source_closed": was_closed, "tasks_left": left}


FALSY: list[tuple[object, float]] = [
    (None, 0.0), (0, 4.0), ("", 0.0), ([], 30.0), (False, 0.0), ('id "7", \\ and\nnewline', 2.0),
    ("ünï", 0.0),
]
"""Values, each given this many ms after the one before; an Err comes after the third."""
FALSY_POLICY = (2, 25.0)


def through_falsy_values(impl: Any, flush_on_err: bool) -> list[object]:
    """The items ``impl(source, policy)`` gives over a source of the FALSY values, an Err after the third."""
    import asyncio

    from funcpipe_rag import collect_stream

    async def source() -> Any:
        for k, (v, gap) in enumerate(FALSY):
            await asyncio.sleep(gap / 1000)
            yield Ok(v)
            if k == 2:
                yield Err(ErrInfo("VALIDATION", "in the middle"))

    units, delay = FALSY_POLICY
    stream = impl(source, ChunkPolicy(units, delay, flush_on_err))
    got, _ = run_virtual(lambda: collect_stream(stream))
    return list(got)


@observer
def falsy_values(flush_on_err: bool) -> list[object]:
    """None, 0, "", [], False and strings needing escaping through the learner's batches."""
    return through_falsy_values(_impl(), flush_on_err)


# ---- the grader's side ------------------------------------------------------------------------

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)
from hypothesis import strategies as st  # noqa: E402

from funcpipe_rag import async_gen_chunk  # noqa: E402
from funcpipe_rag.testing import CHUNK_PROPERTIES, Strata  # noqa: E402

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}
CHECKS = {p.name: p.check for p in CHUNK_PROPERTIES}
TOLERANCE_S = 1e-6

_quick = st.sampled_from((0.0, 0.0, 1.0, 5.0))
_stall = st.sampled_from((120.0, 700.0, 2_000.0))
_sizes = st.sampled_from((0, 1, 1, 1, 2, 3, 7))


@st.composite
def _scenario(draw: st.DrawFn, path: str) -> ChunkScenario:
    flush = draw(st.booleans())
    if path == "by size":
        arrivals = draw(st.lists(st.builds(Arrival, _quick, _sizes), min_size=1, max_size=12))
        units, delay = draw(st.sampled_from((1, 2, 3, 5))), draw(st.sampled_from((0.0, 250.0)))
    elif path == "deadline while stalled":
        small = st.builds(Arrival, _quick, st.sampled_from((0, 1, 1)))
        arrivals = draw(st.lists(small, min_size=2, max_size=10))
        k = draw(st.integers(1, len(arrivals) - 1))
        arrivals[k] = Arrival(draw(_stall), arrivals[k].size)
        units, delay = draw(st.sampled_from((0, 4, 6))), draw(st.sampled_from((10.0, 50.0)))
    else:  # "Err items" and "closed early": anything, an Err somewhere
        gaps = st.one_of(_quick, _quick, _stall)
        some = st.builds(Arrival, gaps, st.one_of(_sizes, st.none()))
        arrivals = draw(st.lists(some, min_size=1, max_size=12))
        if path == "Err items":  # one Err soon after a value, while its batch is likely still open
            arrivals.insert(draw(st.integers(1, len(arrivals))), Arrival(draw(_quick), None))
        units, delay = draw(st.sampled_from((0, 2, 3, 5, 1))), draw(st.sampled_from((0.0, 50.0, 200.0, 10.0)))
    stop = draw(st.integers(1, len(arrivals))) if path == "closed early" else None
    return ChunkScenario(tuple(arrivals), units, delay, flush, stop)


COMPLETE = ("by size", "deadline while stalled", "Err items")
EVERY_PATH = Strata({p: _scenario(p) for p in (*COMPLETE, "closed early")})
COMPLETE_RUNS = Strata({p: _scenario(p) for p in COMPLETE})
TIMED = Strata({p: _scenario(p) for p in COMPLETE[1:]})
CLOSING = Strata({"closed early": _scenario("closed early")})


def path_of(sc: ChunkScenario) -> str:
    """The path the library's batcher takes on ``sc``."""
    if sc.stop_after is not None:
        return "closed early"
    if any(a.size is None for a in sc.arrivals):
        return "Err items"
    facts = run_chunked(async_gen_chunk, sc)
    arrivals = set(facts.arrived_at.values())
    if any(all(abs(at - t) > TOLERANCE_S for t in arrivals) for at, _ in facts.received):
        return "deadline while stalled"
    return "by size"


PATHS = {
    "test_order": (COMPLETE_RUNS, path_of, EXAMPLES),
    "test_exactly_once": (COMPLETE_RUNS, path_of, EXAMPLES),
    "test_size": (COMPLETE_RUNS, path_of, EXAMPLES),
    "test_age": (TIMED, path_of, EXAMPLES),
    "test_closes_when_due": (COMPLETE_RUNS, path_of, EXAMPLES),
    "test_lazy": (EVERY_PATH, path_of, EXAMPLES),
}
"""For the grader's own tests: the scenarios reach every path in fair shares."""


def facts_of(sc: ChunkScenario) -> tuple[ChunkFacts, float | None]:
    facts, ended_at, _ = _seen(sc)
    return facts, ended_at


def _seen(sc: ChunkScenario) -> tuple[ChunkFacts, float | None, float | None]:
    seen = observe(run_case, to_case(sc))
    facts = ChunkFacts(arrived_at=dict(seen["arrived_at"]), received=seen["received"],
                       ahead_at_batch=seen["ahead_at_batch"], tasks_left=seen["tasks_left"],
                       source_closed=seen["source_closed"])
    return facts, seen["ended_at"], seen["closed_at"]


def _describe(sc: ChunkScenario) -> str:
    items = ", ".join(
        "Err" if a.size is None else f"{a.size}u" + (f"@+{a.after_ms:g}ms" if a.after_ms else "")
        for a in sc.arrivals
    )
    return (f"ChunkPolicy(max_units={sc.max_units}, max_delay_ms={sc.max_delay_ms:g}, "
            f"flush_on_err={sc.flush_on_err}) over [{items}]"
            + (f", the consumer stopping after {sc.stop_after}" if sc.stop_after is not None else ""))


def _holds(strata: Strata[ChunkScenario], *names: str) -> None:
    checks = [CHECKS[n] for n in names]

    def body(_path: str, sc: ChunkScenario) -> None:
        facts, _ = facts_of(sc)
        for check in checks:
            try:
                check(sc, facts)
            except AssertionError as exc:
                raise AssertionError(f"{exc} (on {_describe(sc)})") from None

    strata.run(body, max_examples=EXAMPLES, **SETTINGS)


def _due_at(sc: ChunkScenario, facts: ChunkFacts, ended_at: float | None, batch: list[int]) -> float | None:
    """The first moment ``batch`` is due: full, the next item does not fit, its deadline, an Err, the end."""
    sizes = [a.size for a in sc.arrivals]
    units = sum(sizes[i] or 0 for i in batch)
    arrived = facts.arrived_at
    moments = []
    if sc.max_delay_ms:
        moments.append(arrived[batch[0]] + sc.max_delay_ms / 1000)
    if sc.max_units and units >= sc.max_units:
        moments.append(arrived[batch[-1]])
    after = range(batch[-1] + 1, len(sizes))
    if sc.flush_on_err and after and sizes[after[0]] is None and after[0] in arrived:
        moments.append(arrived[after[0]])
    else:
        nxt = next((i for i in after if sizes[i] is not None), None)
        if nxt is None:
            if ended_at is not None:
                moments.append(ended_at)
        elif sc.max_units and units + (sizes[nxt] or 0) > sc.max_units and nxt in arrived:
            moments.append(arrived[nxt])
    return min(moments, default=None)


def _judge_due(_path: str, sc: ChunkScenario) -> None:
    facts, ended_at = facts_of(sc)
    for at, item in facts.received:
        if not isinstance(item, Ok) or not item.value:
            continue
        due = _due_at(sc, facts, ended_at, item.value)
        assert due is not None, (
            f"{_describe(sc)}: the batch {item.value} was emitted at {at * 1000:g} ms, when nothing made it "
            "due: not full, the next item would fit, no deadline, no Err, the source not ended")
        assert abs(at - due) <= TOLERANCE_S, (
            f"{_describe(sc)}: the batch {item.value} was due at {due * 1000:g} ms and emitted at "
            f"{at * 1000:g} ms" + (" (too early)" if at < due else " (late)"))


@graded(points=2, hint=(
    "Number nothing, reorder nothing: append each Ok value to the open batch as it comes.",
    "With flush_on_err, emit the open batch and then the Err; without it, keep the Err in a list and emit it "
    "right after the batch.",
))
def test_order() -> None:
    """The batches keep source order, and no Err overtakes a value that came before it."""
    _holds(COMPLETE_RUNS, "order")


@graded(points=2, hint=(
    "Emit a batch only when it holds something; emit every Err you were given exactly once.",
))
def test_exactly_once() -> None:
    """Every value in exactly one batch, every Err once, no empty batch."""
    _holds(COMPLETE_RUNS, "exactly once")


@graded(points=2, hint=(
    "Before adding a value, ask whether it fits: units + size_fn(value) > max_units closes the batch first.",
    "A value larger than max_units then starts an empty batch, fills it, and goes alone.",
))
def test_size() -> None:
    """No batch over max_units units, except an oversized item alone."""
    _holds(COMPLETE_RUNS, "size bound")


@graded(points=3, hint=(
    "Do not wait for the next item alone: asyncio.wait({pull}, timeout=deadline - now), and emit the batch "
    "when the timeout comes first.",
    "The deadline is set when a batch gets its first value: now + max_delay_ms / 1000.",
))
def test_age() -> None:
    """No batch is older than max_delay_ms when emitted, even while the source stalls."""
    _holds(TIMED, "delay bound")


@graded(points=3, hint=(
    "A batch goes at the first moment it is due, and not before: full, the next item does not fit, its "
    "deadline, an Err (flush_on_err), the end of the source.",
    "Close a full batch at once, without waiting for the next item.",
))
def test_closes_when_due() -> None:
    """Each batch is emitted exactly when it is first due: not earlier, not later."""
    COMPLETE_RUNS.run(_judge_due, max_examples=EXAMPLES, **SETTINGS)


@graded(points=1, hint=(
    "When the source ends (StopAsyncIteration), emit the open batch before you return.",
))
def test_remainder() -> None:
    """When the source ends, the open batch (and any Err behind it) is emitted."""
    def no_deadline(units: int) -> Any:
        return lambda s: ChunkScenario(s.arrivals, units, 0.0, s.flush_on_err)

    remainders = Strata({
        "no limits": _scenario("Err items").map(no_deadline(0)),
        "a partial batch": _scenario("by size").map(no_deadline(9)),
    })

    def body(_path: str, sc: ChunkScenario) -> None:
        facts, _ = facts_of(sc)
        try:
            CHECKS["exactly once"](sc, facts)
        except AssertionError as exc:
            raise AssertionError(f"{exc} (on {_describe(sc)})") from None

    remainders.run(body, max_examples=16, **SETTINGS)


@graded(points=2, hint=(
    "Keep exactly one pull of the source outstanding, and start the next only once that one has given "
    "its item.",
))
def test_lazy() -> None:
    """At most one item is taken from the source beyond the batches handed on."""
    _holds(EVERY_PATH, "at most one prefetched")


@graded(points=2, hint=(
    "Put the clean-up in a finally around the generator's loop: it runs when the consumer closes it.",
    "In that finally: cancel the pending pull, await it, then aclose() the source.",
))
def test_closing() -> None:
    """Closing the run early cancels the pull, closes the source and leaves no task, at once."""
    _holds(CLOSING, "closing")

    def at_once(_path: str, sc: ChunkScenario) -> None:
        facts, _, closed_at = _seen(sc)
        stopped = facts.received[-1][0]
        assert closed_at is not None and closed_at - stopped <= TOLERANCE_S, (
            f"{_describe(sc)}: the consumer stopped at {stopped * 1000:g} ms, the source was closed at "
            f"{'never' if closed_at is None else f'{closed_at * 1000:g} ms'}: cancel the pending pull, "
            "do not wait for its item")

    CLOSING.run(at_once, max_examples=EXAMPLES, **SETTINGS)


@graded(points=1, hint=(
    "Do not catch the exceptions of the source or of size_fn: let them leave the generator, after the "
    "clean-up in your finally.",
))
def test_bugs_propagate() -> None:
    """An exception of the source or of size_fn reaches the consumer; the source is closed, no task left."""
    cases: list[BugCase] = [
        {"where": where, "at": at, "gaps_ms": [0.0, 5.0, 0.0, 300.0, 1.0], "max_units": units,
         "max_delay_ms": 20.0}
        for where in ("source", "size_fn") for at, units in ((0, 2), (3, 3), (4, 0))
    ]
    for case in cases:
        seen = observe(bug_run, case)
        what = f"{case['where']} raising at item {case['at']} (max_units={case['max_units']})"
        assert seen["raised"], f"{what}: the consumer never saw the exception; it got {seen['received']!r}"
        assert seen["source_closed"], f"{what}: the source was left open"
        assert seen["tasks_left"] == 0, f"{what}: {seen['tasks_left']} tasks were left behind"


@graded(points=1, hint=(
    "Test `isinstance(item, Ok)` and `if batch:` on your list, never the truth of a value: None, 0, '', [] "
    "and False are values.",
))
def test_falsy_values() -> None:
    """None, 0, "", [], False and strings needing escaping are batched like any other value."""
    for flush in (True, False):
        got, want = observe(falsy_values, flush), through_falsy_values(async_gen_chunk, flush)
        assert got == want, f"flush_on_err={flush}: the batches were {got!r}, expected {want!r}"
