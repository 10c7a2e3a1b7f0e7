"""Graded: exercise 1, a bounded map over a stream by hand (``ex01_bounded_map.py``).

The observer runs the learner's ``bounded_map`` on one scenario — a source
whose items come quickly or slowly, plans of uneven latency, ``Err`` items,
a plan or ``f`` itself raising, a consumer that stops early — on the
virtual-time loop, through the library's :func:`run_bounded`, and reports the
facts of the run. The judges are the library's own properties of the bounded
map (:data:`BOUNDED_PROPERTIES`). Scenarios are drawn path by path: all
``Ok``, with ``Err`` items, with a bug, closed early.
"""

from __future__ import annotations

from typing import Any, TypedDict

from funcpipe_rag import BackpressurePolicy, Err, ErrInfo, Ok
from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.testing import BoundedFacts, BoundedScenario, Job, run_bounded, run_virtual

EXERCISE = "ex01_bounded_map"
TITLE = "A bounded map over a stream, by hand"
EXAMPLES = 32


class Case(TypedDict):
    jobs: list[tuple[float, float | None, bool, bool]]
    max_concurrent: int
    ordered: bool
    stop_after: int | None
    raise_in_f: bool


def to_case(example: tuple[BoundedScenario, bool]) -> Case:
    sc, raise_in_f = example
    return {"jobs": [(j.pull_ms, j.latency_ms, j.fails, j.raises) for j in sc.jobs],
            "max_concurrent": sc.max_concurrent, "ordered": sc.ordered, "stop_after": sc.stop_after,
            "raise_in_f": raise_in_f}


def from_case(case: Case) -> BoundedScenario:
    return BoundedScenario(tuple(Job(*j) for j in case["jobs"]), case["max_concurrent"], case["ordered"],
                           case["stop_after"])


# ---- next to the learner's code -------------------------------------------------------------


class Facts(TypedDict):
    pulled_at: list[float]
    ahead_at_pull: list[int]
    calls: list[object]
    ready_at: list[tuple[int, float]]
    received: list[tuple[float, object]]
    running_max: int
    held_max: int
    still_running: int
    tasks_left: int
    source_closed: bool
    raised: str


def _impl() -> Any:
    return require(load(EXERCISE), "bounded_map")


@observer
def run_case(case: Case) -> Facts:
    """Run the learner's bounded_map on one scenario, in virtual time."""
    mine = _impl()
    sc = from_case(case)

    def impl(source: Any, f: Any, policy: BackpressurePolicy) -> Any:
        if not case["raise_in_f"]:
            return mine(source, f, policy)

        def f_that_raises(v: Any) -> Any:
            plan = f(v)  # recorded as a call first, so a swallowed bug is seen
            if sc.jobs[v].raises:
                from funcpipe_rag.testing import Boom

                raise Boom(f"f raised on item {v}")
            return plan

        return mine(source, f_that_raises, policy)

    facts = run_bounded(impl, sc)
    return {
        "pulled_at": facts.pulled_at, "ahead_at_pull": facts.ahead_at_pull, "calls": facts.calls,
        "ready_at": sorted(facts.ready_at.items()), "received": facts.received,
        "running_max": facts.running_max, "held_max": facts.held_max, "still_running": facts.still_running,
        "tasks_left": facts.tasks_left, "source_closed": facts.source_closed,
        "raised": "" if facts.raised is None else repr(facts.raised),
    }


class Falsy(TypedDict):
    ordered: list[object]
    unordered: list[object]
    calls: list[object]


FALSY: list[tuple[object, float]] = [(None, 30.0), (0, 5.0), ("", 20.0), ([], 0.0), (False, 10.0), ("x", 1.0)]


@observer
def falsy_values(case: None) -> Falsy:
    """None, 0, "", [] and False as items of the source, with uneven latencies, both orders."""
    import asyncio

    from funcpipe_rag import collect_stream

    latency = {repr(v): ms for v, ms in FALSY}
    calls: list[object] = []

    async def source() -> Any:
        for v, _ in FALSY[:3]:
            yield Ok(v)
        yield Err(ErrInfo("VALIDATION", "in the middle"))
        for v, _ in FALSY[3:]:
            yield Ok(v)

    def f(v: Any) -> Any:
        calls.append(v)

        async def plan() -> Any:
            await asyncio.sleep(latency[repr(v)] / 1000)
            return Ok(("got", v))

        return plan

    runs = {}
    for ordered in (True, False):
        stream = _impl()(source, f, BackpressurePolicy(2, ordered))
        runs[ordered], _ = run_virtual(lambda s=stream: collect_stream(s))
    return {"ordered": runs[True], "unordered": runs[False], "calls": calls}


# ---- the grader's side ------------------------------------------------------------------------

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)
from hypothesis import strategies as st  # noqa: E402

from funcpipe_rag.testing import BOUNDED_PROPERTIES, Boom, Strata  # noqa: E402
from funcpipe_rag.testing._backpressure import LATENCIES_MS, PULLS_MS  # noqa: E402

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}
CHECKS = {p.name: p.check for p in BOUNDED_PROPERTIES}

_pulls = st.sampled_from(PULLS_MS)
_ok = st.builds(Job, _pulls, st.sampled_from(LATENCIES_MS))
_err = st.one_of(st.builds(Job, _pulls, st.none()),  # an Err of the source, or a plan whose result is an Err
                 st.builds(Job, _pulls, st.sampled_from(LATENCIES_MS), st.just(True)))
_any = st.one_of(_ok, _ok, _err)


@st.composite
def _example(draw: st.DrawFn, path: str, covering: bool = False) -> tuple[BoundedScenario, bool]:
    stop, raise_in_f = None, False
    if path == "success":
        js = draw(st.lists(_ok, min_size=1, max_size=10))
    elif path == "Err items":
        js = draw(st.lists(_any, max_size=9))
        js.insert(draw(st.integers(0, len(js))), draw(_err))
    elif path == "a bug":
        js = draw(st.lists(_any, min_size=1, max_size=10))
        k = draw(st.integers(0, len(js) - 1))
        js[k] = Job(js[k].pull_ms, js[k].latency_ms if js[k].latency_ms is not None else 5.0, False, True)
        raise_in_f = draw(st.booleans())
    else:  # closed early
        js = draw(st.lists(_any, min_size=2, max_size=10))
        stop = draw(st.integers(1, len(js) - 1))
    n = draw(st.integers(len(js), len(js) + 3)) if covering else draw(st.integers(1, 4))
    ordered = True if covering else draw(st.booleans())
    return BoundedScenario(tuple(js), n, ordered, stop), raise_in_f


PATH_NAMES = ("success", "Err items", "a bug", "closed early")
EVERY_PATH = Strata({p: _example(p) for p in PATH_NAMES})
COMPLETE_RUNS = Strata({p: _example(p) for p in PATH_NAMES[:2]})
COVERING = Strata({p: _example(p, covering=True) for p in PATH_NAMES[:2]})
BUGS = Strata({"a bug in a plan": _example("a bug").filter(lambda e: not e[1]),
               "a bug in f": _example("a bug").filter(lambda e: e[1])})
CLOSING = Strata({p: _example(p) for p in PATH_NAMES[2:]})


def path_of(example: tuple[BoundedScenario, bool]) -> str:
    sc = example[0]
    if sc.raises:
        return "a bug"
    if sc.stop_after is not None:
        return "closed early"
    if any(j.latency_ms is None or j.fails for j in sc.jobs):
        return "Err items"
    return "success"


def bug_path(example: tuple[BoundedScenario, bool]) -> str:
    return "a bug in f" if example[1] else "a bug in a plan"


PATHS = {
    "test_in_flight": (EVERY_PATH, path_of, EXAMPLES),
    "test_held": (EVERY_PATH, path_of, EXAMPLES),
    "test_backpressure": (EVERY_PATH, path_of, EXAMPLES),
    "test_order": (COMPLETE_RUNS, path_of, EXAMPLES),
    "test_promptness": (COMPLETE_RUNS, path_of, EXAMPLES),
    "test_err_items": (COMPLETE_RUNS, path_of, EXAMPLES),
    "test_same_as_one_at_a_time": (COVERING, path_of, EXAMPLES),
    "test_closing": (CLOSING, path_of, EXAMPLES),
    "test_bugs_propagate": (BUGS, bug_path, EXAMPLES),
}
"""For the grader's own tests: the scenarios reach every path in fair shares."""


def facts_of(example: tuple[BoundedScenario, bool]) -> BoundedFacts:
    seen = observe(run_case, to_case(example))
    return BoundedFacts(
        pulled_at=seen["pulled_at"], ahead_at_pull=seen["ahead_at_pull"], calls=seen["calls"],
        ready_at=dict(seen["ready_at"]), received=seen["received"], running_max=seen["running_max"],
        held_max=seen["held_max"], still_running=seen["still_running"], tasks_left=seen["tasks_left"],
        source_closed=seen["source_closed"], raised=Boom(seen["raised"]) if seen["raised"] else None,
    )


def _holds(strata: Strata[Any], *names: str) -> None:
    checks = [CHECKS[n] for n in names]

    def body(_path: str, example: tuple[BoundedScenario, bool]) -> None:
        facts = facts_of(example)
        for check in checks:
            try:
                check(example[0], facts)
            except AssertionError as exc:
                raise AssertionError(f"{exc} (on {example[0]!r})") from None

    strata.run(body, max_examples=EXAMPLES, **SETTINGS)


@graded(points=2, hint=(
    "Start a plan only while fewer than policy.max_concurrent are running.",
    "Count the plans you started and have not seen finish; pull the source only when there is room.",
))
def test_in_flight() -> None:
    """Never more than max_concurrent plans in flight, on every path."""
    _holds(EVERY_PATH, "in-flight bound")


@graded(points=2, hint=(
    "A finished result waiting for its turn still takes a place in the window.",
    "Pull the source only when running plans plus finished, not-yet-handed-on results are fewer than n.",
))
def test_held() -> None:
    """Running plans plus finished results not yet received never exceed max_concurrent."""
    _holds(EVERY_PATH, "memory bound")


@graded(points=2, hint=(
    "Never read the source into a list: take one item at a time, when there is room for it.",
))
def test_backpressure() -> None:
    """The source is never pulled more than the window + 1 ahead of the consumer."""
    _holds(EVERY_PATH, "backpressure")


@graded(points=2, hint=(
    "Ordered: hand on result k only after results 0..k-1; unordered: in the order plans finished.",
    "Number the items as you take them, and keep finished results by number until their turn.",
))
def test_order() -> None:
    """Ordered mode keeps source order; unordered mode gives completion order; every item exactly once."""
    _holds(COMPLETE_RUNS, "order")


@graded(points=2, hint=(
    "Do not wait for the next source item alone: wait for it *or* a running plan, whichever comes first.",
    "Keep one pull as a task and pass it to asyncio.wait together with the running plans.",
))
def test_promptness() -> None:
    """A result is handed on as soon as it may be, even while the source is slow."""
    _holds(COMPLETE_RUNS, "promptness")


@graded(points=2, hint=(
    "An Err item from the source is a result already: keep its place, do not call f.",
))
def test_err_items() -> None:
    """f is called once for each Ok item and never for an Err item."""
    _holds(COMPLETE_RUNS, "Err skips f", "order")


@graded(points=1, hint=(
    "With a window as long as the stream, the result is the same as mapping one item at a time.",
))
def test_same_as_one_at_a_time() -> None:
    """With max_concurrent at least the length, the ordered result equals running the plans in turn."""
    _holds(COVERING, "same as unbounded")


@graded(points=2, hint=(
    "Put the clean-up in a finally around the generator's loop: it runs when the consumer closes it.",
    "In that finally: cancel every running plan and the pending pull, await them, then aclose() the source.",
))
def test_closing() -> None:
    """Closing the run early cancels the plans in flight, closes the source and leaves no task."""
    _holds(CLOSING, "closing")


@graded(points=2, hint=(
    "Do not catch the exceptions of f or of a plan; let them leave the generator (after clean-up).",
))
def test_bugs_propagate() -> None:
    """An exception in f or in a plan cancels the rest, closes the source and propagates."""
    _holds(BUGS, "bugs propagate")


@graded(points=1, hint=(
    "Test `isinstance(item, Ok)`, never the truth of a value: None, 0, '', [] and False are values.",
))
def test_falsy_values() -> None:
    """None, 0, "", [] and False are items like any other, in both orders."""
    seen = observe(falsy_values, None)
    values = [v for v, _ in FALSY]
    err = Err(ErrInfo("VALIDATION", "in the middle"))
    want = [Ok(("got", v)) for v in values[:3]] + [err] + [Ok(("got", v)) for v in values[3:]]
    assert seen["ordered"] == want, f"ordered mode gave {seen['ordered']!r}, expected {want!r}"
    assert sorted(map(repr, seen["unordered"])) == sorted(map(repr, want)), \
        f"unordered mode gave {seen['unordered']!r}, expected the items {want!r} in some order"
    assert sorted(map(repr, seen["calls"])) == sorted(map(repr, values * 2)), \
        f"f was called with {seen['calls']!r}, expected each of {values!r} once per run"
