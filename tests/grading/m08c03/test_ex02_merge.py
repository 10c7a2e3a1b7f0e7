"""Graded: exercise 2, merging streams by hand (``ex02_merge.py``).

The observer runs the learner's ``merge`` on one scenario — a few streams
whose items come after uneven gaps (``Ok`` of ``None``, ``0``, ``""``,
``[]``, ``False`` among others, ``Err`` items, an item that raises), a
buffer limit, a consumer that is quick or slow and may stop early — on the
virtual-time loop, and reports when each item was given by its stream and
received by the consumer, how far the streams ran ahead, which streams were
closed and what was left. The judges compare those facts with the contract.
Scenarios are drawn path by path: all ``Ok``, with ``Err`` items, with a
bug, closed early.
"""

from __future__ import annotations

from typing import Any, TypedDict

from funcpipe_rag import Err, ErrInfo, Ok
from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.testing import Boom, run_virtual

EXERCISE = "ex02_merge"
TITLE = "Merge streams, by hand"
EXAMPLES = 32
TOLERANCE_MS = 1e-3
VALUES: tuple[object, ...] = (None, 0, "", (), False, "a", 7, "ids/with spaces & 'quotes'")
"""Ok values of the items (a tuple stands for [] so that cases stay hashable data)."""


class Case(TypedDict):
    streams: list[list[tuple[float, str, int]]]
    """Per stream, its items: (gap before it in ms, "ok" | "err" | "raise", index into VALUES)."""
    max_buffer: int
    consume_ms: float
    stop_after: int | None


# ---- next to the learner's code -------------------------------------------------------------


class Facts(TypedDict):
    arrived_at: list[list[float]]
    received: list[tuple[float, int, int]]
    values: list[object]
    most_ahead: int
    closed: list[bool]
    tasks_left: int
    raised: str


def _value(i: int) -> object:
    v = VALUES[i]
    return [] if v == () else v


@observer
def run_case(case: Case) -> Facts:
    """Run the learner's merge on one scenario, in virtual time."""
    import asyncio
    from contextlib import aclosing

    merge = require(load(EXERCISE), "merge")
    n = len(case["streams"])
    arrived: list[list[float]] = [[] for _ in range(n)]
    closed = [False] * n
    who: dict[int, tuple[int, int]] = {}
    keep: list[object] = []
    facts: Facts = {"arrived_at": arrived, "received": [], "values": [], "most_ahead": 0, "closed": closed,
                    "tasks_left": 0, "raised": ""}

    def stream(j: int) -> Any:
        async def gen() -> Any:
            loop = asyncio.get_running_loop()
            try:
                for k, (gap, kind, v) in enumerate(case["streams"][j]):
                    if gap:
                        await asyncio.sleep(gap / 1000)
                    if kind == "raise":
                        raise Boom(f"stream {j} raised at item {k}")
                    bad = Err(ErrInfo("VALIDATION", f"stream {j} item {k}"))
                    item = Ok(_value(v)) if kind == "ok" else bad
                    who[id(item)] = (j, k)
                    keep.append(item)
                    arrived[j].append(loop.time() * 1000)
                    taken = sum(len(a) for a in arrived)
                    facts["most_ahead"] = max(facts["most_ahead"], taken - len(facts["received"]))
                    yield item
            finally:
                closed[j] = True

        return gen

    async def main() -> None:
        loop = asyncio.get_running_loop()
        me = asyncio.current_task()
        try:
            async with aclosing(merge([stream(j) for j in range(n)], case["max_buffer"])()) as items:
                async for item in items:
                    j, k = who.get(id(item), (-1, -1))
                    facts["received"].append((loop.time() * 1000, j, k))
                    facts["values"].append(item)
                    if case["stop_after"] is not None and len(facts["received"]) >= case["stop_after"]:
                        break
                    if case["consume_ms"]:
                        await asyncio.sleep(case["consume_ms"] / 1000)
        except Boom as exc:
            facts["raised"] = repr(exc)
        facts["tasks_left"] = len([t for t in asyncio.all_tasks() if t is not me])

    run_virtual(main)
    return facts


# ---- the grader's side ------------------------------------------------------------------------

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)
from hypothesis import strategies as st  # noqa: E402

from funcpipe_rag.testing import Strata  # noqa: E402

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}

_gap = st.sampled_from((0.0, 0.0, 1.0, 5.0, 20.0, 300.0))
_value_index = st.integers(0, len(VALUES) - 1)
_ok = st.tuples(_gap, st.just("ok"), _value_index)
_err = st.tuples(_gap, st.just("err"), st.just(0))
_item = st.one_of(_ok, _ok, _err)


@st.composite
def _case(draw: st.DrawFn, path: str) -> Case:
    kinds = _ok if path == "success" else _item
    streams = draw(st.lists(st.lists(kinds, max_size=6), min_size=1, max_size=4))
    if path == "Err items":
        j = draw(st.integers(0, len(streams) - 1))
        streams[j].insert(draw(st.integers(0, len(streams[j]))), draw(_err))
    if path == "a bug":
        j = draw(st.integers(0, len(streams) - 1))
        streams[j].insert(draw(st.integers(0, len(streams[j]))), (draw(_gap), "raise", 0))
    total = sum(len(s) for s in streams)
    stop = None
    if path == "closed early":
        if total < 2:
            streams[0].extend([(0.0, "ok", 1), (5.0, "ok", 2)])
            total += 2
        stop = draw(st.integers(1, total - 1))
    return {"streams": [list(s) for s in streams], "max_buffer": draw(st.integers(1, 3)),
            "consume_ms": draw(st.sampled_from((0.0, 0.0, 2.0, 50.0))), "stop_after": stop}


PATH_NAMES = ("success", "Err items", "a bug", "closed early")
EVERY_PATH = Strata({p: _case(p) for p in PATH_NAMES})
COMPLETE_RUNS = Strata({p: _case(p) for p in PATH_NAMES[:2]})
CLOSING = Strata({p: _case(p) for p in PATH_NAMES[2:]})
BUGS = Strata({"a bug": _case("a bug")})


def path_of(case: Case) -> str:
    kinds = [kind for s in case["streams"] for _, kind, _ in s]
    if "raise" in kinds:
        return "a bug"
    if case["stop_after"] is not None:
        return "closed early"
    return "Err items" if "err" in kinds else "success"


PATHS = {
    "test_arrival_order": (COMPLETE_RUNS, path_of, EXAMPLES),
    "test_promptness": (COMPLETE_RUNS, path_of, EXAMPLES),
    "test_one_pull_per_stream": (EVERY_PATH, path_of, EXAMPLES),
    "test_closing": (CLOSING, path_of, EXAMPLES),
}
"""For the grader's own tests: the scenarios reach every path in fair shares."""


def _expected(case: Case) -> list[tuple[int, int]]:
    return sorted((j, k) for j, s in enumerate(case["streams"]) for k, (_, kind, _) in enumerate(s)
                  if kind != "raise")


def _complete(case: Case, seen: Facts) -> None:
    assert not seen["raised"], f"the run raised {seen['raised']} though no stream raised (on {case!r})"


def _check_order(case: Case, seen: Facts) -> None:
    _complete(case, seen)
    got = [(j, k) for _, j, k in seen["received"]]
    assert sorted(got) == _expected(case), \
        f"every item once: received (stream, item) {got}, the streams gave {_expected(case)} (on {case!r})"
    arrivals = [seen["arrived_at"][j][k] for j, k in got]
    late = [i for i in range(1, len(arrivals)) if arrivals[i] < arrivals[i - 1] - TOLERANCE_MS]
    assert not late, (f"arrival order: the items came out as {got}, but they arrived at {arrivals} ms "
                      f"(on {case!r})")


def _check_prompt(case: Case, seen: Facts) -> None:
    _complete(case, seen)
    previous = None
    for at, j, k in seen["received"]:
        arrival = seen["arrived_at"][j][k]
        due = arrival if previous is None else max(arrival, previous + case["consume_ms"])
        assert at <= due + TOLERANCE_MS, (f"promptness: stream {j}'s item {k} arrived at {arrival:g} ms but "
                                          f"was received at {at:g} ms (on {case!r})")
        previous = at


def _check_ahead(case: Case, seen: Facts) -> None:
    bound = case["max_buffer"] + len(case["streams"])
    assert seen["most_ahead"] <= bound, (
        f"bounded buffer: {seen['most_ahead']} items were taken from the streams and not yet received, "
        f"with max_buffer={case['max_buffer']} and {len(case['streams'])} streams (at most {bound}) "
        f"(on {case!r})")


def _check_closed(case: Case, seen: Facts) -> None:
    open_ = [j for j, c in enumerate(seen["closed"]) if not c]
    assert not open_, f"closing: the streams {open_} were not closed when the run was (on {case!r})"
    assert seen["tasks_left"] == 0, f"closing: {seen['tasks_left']} tasks were left behind (on {case!r})"


def _check_bug(case: Case, seen: Facts) -> None:
    assert seen["raised"], f"bugs propagate: a stream raised and the run did not (on {case!r})"
    _check_closed(case, seen)


def _holds(strata: Strata[Case], *checks: Any) -> None:
    def body(_path: str, case: Case) -> None:
        seen = observe(run_case, case)
        for check in checks:
            check(case, seen)

    strata.run(body, max_examples=EXAMPLES, **SETTINGS)


@graded(points=3, hint=(
    "Wait on every stream's pending pull at once and hand on whichever finishes first.",
    "asyncio.wait(pending, return_when=FIRST_COMPLETED); several done at once: in the streams' order.",
))
def test_arrival_order() -> None:
    """Items come out in the order they arrived, each stream's in its own order, each exactly once."""
    _holds(COMPLETE_RUNS, _check_order)


@graded(points=2, hint=(
    "Do not pull the streams in turn (round robin): a slow stream would hold back a quick one.",
))
def test_promptness() -> None:
    """An item is handed to a waiting consumer the moment its stream gives it."""
    _holds(COMPLETE_RUNS, _check_prompt)


@graded(points=2, hint=(
    "Start a stream's next pull only when fewer than max_buffer items wait for the consumer.",
    "A stream whose item filled the buffer waits (no pull) until the consumer takes an item.",
))
def test_one_pull_per_stream() -> None:
    """At most max_buffer items plus one per stream are taken and not yet received."""
    burst: Case = {"streams": [[(0.0, "ok", 5)] * 4 for _ in range(4)], "max_buffer": 1, "consume_ms": 10.0,
                   "stop_after": None}  # four streams that give everything at once, a slow consumer
    _check_ahead(burst, observe(run_case, burst))
    _holds(EVERY_PATH, _check_ahead)


@graded(points=1, hint=(
    "An Err item is an item: pass it on and pull its stream again.",
))
def test_err_items() -> None:
    """An Err item passes through and its stream goes on."""
    case: Case = {"streams": [[(0.0, "err", 0), (10.0, "ok", 5)], [(5.0, "ok", 0), (0.0, "err", 0)]],
                  "max_buffer": 2, "consume_ms": 0.0, "stop_after": None}
    seen = observe(run_case, case)
    want = [Err(ErrInfo("VALIDATION", "stream 0 item 0")), Ok(None),
            Err(ErrInfo("VALIDATION", "stream 1 item 1")), Ok("a")]
    assert seen["values"] == want, f"two streams with Err items gave {seen['values']!r}, expected {want!r}"


@graded(points=1, hint=(
    "Test isinstance(item, Ok) or nothing at all: None, 0, '', [] and False are items.",
))
def test_falsy_values() -> None:
    """None, 0, "", [] and False are items like any other."""
    streams = [[(1.0, "ok", 0), (1.0, "ok", 2), (1.0, "ok", 4)], [(1.5, "ok", 1), (1.0, "ok", 3)]]
    case: Case = {"streams": streams, "max_buffer": 1, "consume_ms": 0.0, "stop_after": None}
    seen = observe(run_case, case)
    want = [Ok(None), Ok(0), Ok(""), Ok([]), Ok(False)]
    assert seen["values"] == want, f"falsy values gave {seen['values']!r}, expected {want!r}"


@graded(points=2, hint=(
    "Clean up in a finally around the loop: cancel the pending pulls, await them, aclose() every stream.",
))
def test_closing() -> None:
    """Closing early (or a bug) cancels the pending pulls, closes every stream and leaves no task."""
    _holds(CLOSING, _check_closed)


@graded(points=2, hint=(
    "Do not catch a stream's exception: let it leave the generator after the clean-up.",
))
def test_bugs_propagate() -> None:
    """An exception raised by a stream propagates, after every stream is closed."""
    _holds(BUGS, _check_bug)
