"""Scenarios, runs and properties of the bounded map (Core 3) and of the batcher (Core 9), in virtual time.

A scenario is data: the items a source gives and how slowly, what each
item's plan does and how long it takes, the policy, whether the consumer
stops early. :func:`run_bounded` and :func:`run_chunked` run one scenario
against any implementation (the library's, a learner's, a wrong one) on the
virtual-time loop and return the facts of the run: when each item was pulled
and received, how many plans were in flight and how many results were held,
what was left running after the run closed. Each property is a sentence and
a check of those facts (``AssertionError`` with the sentence when broken);
:func:`bounded_properties` and :func:`chunk_properties` turn them into
Hypothesis tests for one implementation, and the wrong implementations of
:mod:`._wrong_backpressure` show that each property can fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from funcpipe_rag.domain.effects.async_.concurrency import BackpressurePolicy, async_gen_bounded_map
from funcpipe_rag.domain.effects.async_.stream import ChunkPolicy, async_gen_chunk
from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing._profiles import reproducible
from funcpipe_rag.testing._virtual_time import run_virtual

TOLERANCE_S = 1e-6
"""Virtual clock readings are sums of floats: instants within a microsecond are the same instant."""

BoundedImpl = Callable[[Any, Callable[[Any], Any], BackpressurePolicy], Any]
"""``(source, f, policy) -> AsyncGen``: the shape of ``async_gen_bounded_map``."""
ChunkImpl = Callable[[Any, ChunkPolicy[Any]], Any]
"""``(source, policy) -> AsyncGen`` of batches: the shape of ``async_gen_chunk``."""


class Boom(Exception):
    """The bug a scenario plants in one plan (or the source), to see it cancel the rest and propagate."""


def _err(i: int) -> Err[ErrInfo]:
    return Err(ErrInfo(ErrorCode.VALIDATION, f"item {i} is invalid"))


# ---- the bounded map -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One source item: ``Err`` (``latency_ms is None``) or ``Ok(index)`` whose plan takes ``latency_ms``.

    ``pull_ms`` is how long the source takes to give it; ``fails`` makes the
    plan's result an ``Err``; ``raises`` makes the plan raise :class:`Boom`.
    """

    pull_ms: float
    latency_ms: float | None
    fails: bool = False
    raises: bool = False


@dataclass(frozen=True)
class BoundedScenario:
    jobs: tuple[Job, ...]
    max_concurrent: int
    ordered: bool
    stop_after: int | None = None

    @property
    def policy(self) -> BackpressurePolicy:
        return BackpressurePolicy(self.max_concurrent, self.ordered)

    @property
    def raises(self) -> bool:
        return any(j.raises for j in self.jobs)

    def expected(self, i: int) -> Result[Any, ErrInfo]:
        """What item ``i`` becomes: the source's ``Err`` passes, the plan gives ``Ok(10 i)`` or ``Err``."""
        job = self.jobs[i]
        if job.latency_ms is None or job.fails:
            return _err(i)
        return Ok(10 * i)


@dataclass
class BoundedFacts:
    """What one run of a bounded map did (times in virtual seconds)."""

    pulled_at: list[float] = field(default_factory=list)
    """When the source gave its k-th item."""
    ahead_at_pull: list[int] = field(default_factory=list)
    """Items given by the source minus items received by the consumer, at each pull."""
    calls: list[Any] = field(default_factory=list)
    """The arguments ``f`` was called with."""
    ready_at: dict[int, float] = field(default_factory=dict)
    """When the result of item ``i`` was ready (its plan finished, or the source gave its ``Err``)."""
    received: list[tuple[float, Result[Any, ErrInfo]]] = field(default_factory=list)
    running_max: int = 0
    held_max: int = 0
    """Most results held at once: plans running plus results finished and not yet received."""
    still_running: int = 0
    """Plans neither finished nor cancelled once the run was closed."""
    tasks_left: int = 0
    source_closed: bool = False
    """Whether the source had been closed when closing the run returned (not later, by the collector)."""
    raised: BaseException | None = None


def _source(jobs: Sequence[Job], facts: BoundedFacts, closed: list[bool]) -> Any:
    async def gen() -> AsyncIterator[Result[int, ErrInfo]]:
        loop = asyncio.get_running_loop()
        try:
            for i, job in enumerate(jobs):
                if job.pull_ms:
                    await asyncio.sleep(job.pull_ms / 1000)
                facts.pulled_at.append(loop.time())
                facts.ahead_at_pull.append(len(facts.pulled_at) - len(facts.received))
                if job.latency_ms is None:
                    facts.ready_at[i] = loop.time()
                    yield _err(i)
                else:
                    yield Ok(i)
        finally:
            closed[0] = True

    return gen


def run_bounded(impl: BoundedImpl, sc: BoundedScenario) -> BoundedFacts:
    """Run ``sc`` with ``impl`` on the virtual-time loop and return the facts."""
    facts = BoundedFacts()
    closed = [False]
    running = [0]
    unreceived: set[int] = set()

    def f(i: Any) -> Any:
        facts.calls.append(i)
        job = sc.jobs[i] if isinstance(i, int) and 0 <= i < len(sc.jobs) else None

        async def plan() -> Result[int, ErrInfo]:
            running[0] += 1
            facts.running_max = max(facts.running_max, running[0])
            facts.held_max = max(facts.held_max, running[0] + len(unreceived))
            try:
                assert job is not None and job.latency_ms is not None, f"f was called with {i!r}, not an Ok"
                await asyncio.sleep(job.latency_ms / 1000)
            finally:
                running[0] -= 1
            facts.ready_at[i] = asyncio.get_running_loop().time()
            if job.raises:
                raise Boom(f"plan {i} raised")
            unreceived.add(i)
            return _err(i) if job.fails else Ok(10 * i)

        return plan

    async def main() -> None:
        loop = asyncio.get_running_loop()
        me = asyncio.current_task()
        stream = impl(_source(sc.jobs, facts, closed), f, sc.policy)
        try:
            async with aclosing(stream()) as items:
                async for item in items:
                    facts.received.append((loop.time(), item))
                    unreceived.discard(_index_of(item))
                    if sc.stop_after is not None and len(facts.received) >= sc.stop_after:
                        break
        except Boom as exc:
            facts.raised = exc
        facts.still_running = running[0]
        facts.tasks_left = len([t for t in asyncio.all_tasks() if t is not me])
        facts.source_closed = closed[0]

    run_virtual(main)
    return facts


def _index_of(item: Result[Any, ErrInfo]) -> int:
    if isinstance(item, Ok):
        return int(item.value) // 10
    return int(item.error.msg.split()[1])


@dataclass(frozen=True)
class Property:
    """A sentence, the scenarios it quantifies over, and a check of one run's facts."""

    name: str
    sentence: str
    scenarios: st.SearchStrategy[Any]
    check: Callable[[Any, Any], None]


LATENCIES_MS = (0.0, 1.0, 5.0, 10.0, 40.0, 1_000.0)
PULLS_MS = (0.0, 0.0, 2.0, 50.0, 1_000.0)


@st.composite
def jobs(draw: st.DrawFn, *, err_share: bool = True, raises: bool = False) -> Job:
    latency = draw(st.sampled_from((*LATENCIES_MS, None) if err_share else LATENCIES_MS))
    fails = latency is not None and draw(st.integers(0, 4)) == 0
    return Job(draw(st.sampled_from(PULLS_MS)), latency, fails, raises)


@st.composite
def bounded_scenarios(
    draw: st.DrawFn,
    *,
    ordered: bool | None = None,
    stop: bool = False,
    raises: bool = False,
    covering: bool = False,
) -> BoundedScenario:
    """Scenarios of a bounded map: uneven plans and pulls, ``Err`` items, stragglers.

    ``stop`` makes the consumer close early; ``raises`` plants one plan that
    raises; ``covering`` makes the limit at least the stream's length.
    """
    js = draw(st.lists(jobs(), min_size=1 if (stop or raises) else 0, max_size=12))
    if raises:
        k = draw(st.integers(0, len(js) - 1))
        lat = js[k].latency_ms if js[k].latency_ms is not None else 5.0
        js[k] = Job(js[k].pull_ms, lat, False, True)
    n = draw(st.integers(max(1, len(js)), len(js) + 3)) if covering else draw(st.integers(1, 5))
    order = draw(st.booleans()) if ordered is None else ordered
    stop_after = draw(st.integers(1, len(js))) if stop else None
    return BoundedScenario(tuple(js), n, order, stop_after)


def _complete(sc: BoundedScenario, facts: BoundedFacts) -> None:
    assert facts.raised is None, f"the run raised {facts.raised!r}"


def _check_in_flight(sc: BoundedScenario, facts: BoundedFacts) -> None:
    assert facts.running_max <= sc.max_concurrent, (
        f"in-flight bound: {facts.running_max} plans ran at once with max_concurrent={sc.max_concurrent}"
    )


def _check_held(sc: BoundedScenario, facts: BoundedFacts) -> None:
    assert facts.held_max <= sc.max_concurrent, (
        f"memory bound: {facts.held_max} results were held at once (running, or finished and not yet "
        f"received) with max_concurrent={sc.max_concurrent}"
    )


def _check_pull_ahead(sc: BoundedScenario, facts: BoundedFacts) -> None:
    worst = max(facts.ahead_at_pull, default=0)
    assert worst <= sc.max_concurrent + 1, (
        f"backpressure: the source was pulled {worst} items ahead of the consumer with "
        f"max_concurrent={sc.max_concurrent} (at most the window + 1)"
    )


def _check_order(sc: BoundedScenario, facts: BoundedFacts) -> None:
    _complete(sc, facts)
    got = [item for _, item in facts.received]
    want = [sc.expected(i) for i in range(len(sc.jobs))]
    if sc.ordered:
        assert got == want, f"order: ordered mode gave {got}, the source order is {want}"
        return
    assert sorted(got, key=repr) == sorted(want, key=repr), (
        f"each item once: unordered mode gave {got}, expected the items {want}"
    )
    readies = [facts.ready_at[_index_of(item)] for item in got]
    late = [(a, b) for a, b in pairwise(readies) if b < a - TOLERANCE_S]
    assert not late, f"completion order: unordered mode gave {got}, ready at {readies}"


def _check_unbounded(sc: BoundedScenario, facts: BoundedFacts) -> None:
    _complete(sc, facts)
    got = [item for _, item in facts.received]
    want = [sc.expected(i) for i in range(len(sc.jobs))]
    assert got == want, f"same as unbounded: max_concurrent={sc.max_concurrent} gave {got}, not {want}"


def _check_err_skips_f(sc: BoundedScenario, facts: BoundedFacts) -> None:
    oks = [i for i, j in enumerate(sc.jobs) if j.latency_ms is not None]
    assert sorted(map(repr, facts.calls)) == sorted(map(repr, oks)), (
        f"Err skips f: f was called with {facts.calls}, expected exactly the Ok values {oks}"
    )


def _check_prompt(sc: BoundedScenario, facts: BoundedFacts) -> None:
    _complete(sc, facts)
    previous = 0.0
    for at, item in facts.received:
        ready = facts.ready_at[_index_of(item)]
        due = max(ready, previous) if sc.ordered else ready
        assert at <= due + TOLERANCE_S, (
            f"promptness: {item} was ready at {ready * 1000:g} ms but received at {at * 1000:g} ms"
        )
        previous = at


def _check_closed(sc: BoundedScenario, facts: BoundedFacts) -> None:
    assert facts.still_running == 0, f"closing: {facts.still_running} plans still ran after closing"
    assert facts.source_closed, "closing: the source was not closed when the run was"
    assert facts.tasks_left == 0, f"closing: {facts.tasks_left} tasks were left behind"


def _check_raises(sc: BoundedScenario, facts: BoundedFacts) -> None:
    if facts.raised is None:
        raised_plan = [i for i, j in enumerate(sc.jobs) if j.raises and i in facts.calls]
        assert not raised_plan, "bugs propagate: a plan raised and the run did not (turned into an Err?)"
    _check_closed(sc, facts)


BOUNDED_PROPERTIES: tuple[Property, ...] = (
    Property("in-flight bound", "never more than max_concurrent plans in flight",
             bounded_scenarios(), _check_in_flight),
    Property("memory bound", "running plus finished-but-unreceived results never exceed max_concurrent",
             bounded_scenarios(), _check_held),
    Property("backpressure", "the source is never pulled more than the window + 1 ahead of the consumer",
             bounded_scenarios(), _check_pull_ahead),
    Property("order", "ordered: source order; unordered: completion order; every item once",
             bounded_scenarios(), _check_order),
    Property("same as unbounded", "with max_concurrent >= the length, bounded equals the one-at-a-time map",
             bounded_scenarios(ordered=True, covering=True), _check_unbounded),
    Property("Err skips f", "f is called once for each Ok item and never for an Err item",
             bounded_scenarios(), _check_err_skips_f),
    Property("promptness", "each result is handed on as soon as it is ready, even when the source is slow",
             bounded_scenarios(), _check_prompt),
    Property("closing", "closing early cancels in-flight plans, closes the source and leaves no task",
             bounded_scenarios(stop=True), _check_closed),
    Property("bugs propagate", "an exception in a plan cancels the rest, closes the source and propagates",
             bounded_scenarios(raises=True), _check_raises),
)  # fmt: skip


# ---- batching ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    """One source item, given ``after_ms`` after the previous: ``Ok(index)`` of ``size`` units, or ``Err``."""

    after_ms: float
    size: int | None


@dataclass(frozen=True)
class ChunkScenario:
    arrivals: tuple[Arrival, ...]
    max_units: int
    max_delay_ms: float
    flush_on_err: bool
    stop_after: int | None = None

    @property
    def policy(self) -> ChunkPolicy[int]:
        sizes = {i: a.size or 0 for i, a in enumerate(self.arrivals)}
        return ChunkPolicy(self.max_units, self.max_delay_ms, self.flush_on_err, sizes.__getitem__)

    def item(self, i: int) -> Result[int, ErrInfo]:
        return _err(i) if self.arrivals[i].size is None else Ok(i)


@dataclass
class ChunkFacts:
    arrived_at: dict[int, float] = field(default_factory=dict)
    received: list[tuple[float, Result[Any, ErrInfo]]] = field(default_factory=list)
    ahead_at_batch: list[int] = field(default_factory=list)
    """Ok items given by the source and in no batch received yet, at each batch received."""
    tasks_left: int = 0
    source_closed: bool = False
    """Whether the source had been closed when closing the run returned (not later, by the collector)."""


def run_chunked(impl: ChunkImpl, sc: ChunkScenario) -> ChunkFacts:
    """Run ``sc`` with ``impl`` on the virtual-time loop and return the facts."""
    facts = ChunkFacts()
    closed = [False]

    async def source() -> AsyncIterator[Result[int, ErrInfo]]:
        loop = asyncio.get_running_loop()
        try:
            for i, a in enumerate(sc.arrivals):
                if a.after_ms:
                    await asyncio.sleep(a.after_ms / 1000)
                facts.arrived_at[i] = loop.time()
                yield sc.item(i)
        finally:
            closed[0] = True

    async def main() -> None:
        loop = asyncio.get_running_loop()
        me = asyncio.current_task()
        given_oks = 0
        async with aclosing(impl(source, sc.policy)()) as items:
            async for item in items:
                facts.received.append((loop.time(), item))
                if isinstance(item, Ok):
                    given_oks += len(item.value)
                    oks = sum(1 for i in facts.arrived_at if sc.arrivals[i].size is not None)
                    facts.ahead_at_batch.append(oks - given_oks)
                if sc.stop_after is not None and len(facts.received) >= sc.stop_after:
                    break
        facts.tasks_left = len([t for t in asyncio.all_tasks() if t is not me])
        facts.source_closed = closed[0]

    run_virtual(main)
    return facts


SIZES = (0, 1, 1, 1, 2, 3, 7)
GAPS_MS = (0.0, 0.0, 1.0, 5.0, 30.0, 120.0, 2_000.0)


@st.composite
def chunk_scenarios(draw: st.DrawFn, *, stop: bool = False, err_share: bool = True) -> ChunkScenario:
    """Scenarios of a batcher: bursts and stalls, uneven sizes (some over the limit), ``Err`` items."""
    sizes = st.sampled_from((*SIZES, None)) if err_share else st.sampled_from(SIZES)
    arrivals = draw(st.lists(st.builds(Arrival, st.sampled_from(GAPS_MS), sizes),
                             min_size=1 if stop else 0, max_size=14))
    max_units = draw(st.sampled_from((0, 1, 2, 3, 5)))
    max_delay = draw(st.sampled_from((0.0, 10.0, 50.0, 200.0)))
    stop_after = draw(st.integers(1, len(arrivals))) if stop else None
    return ChunkScenario(tuple(arrivals), max_units, max_delay, draw(st.booleans()), stop_after)


def _flat(sc: ChunkScenario, facts: ChunkFacts) -> list[Result[int, ErrInfo]]:
    out: list[Result[int, ErrInfo]] = []
    for _, item in facts.received:
        if isinstance(item, Ok):
            out.extend(Ok(v) for v in item.value)
        else:
            out.append(item)
    return out


def _check_chunk_order(sc: ChunkScenario, facts: ChunkFacts) -> None:
    got = _flat(sc, facts)
    want = [sc.item(i) for i in range(len(sc.arrivals))]
    if sc.flush_on_err:
        assert got == want, f"order: the batches and Errs spell {got}, the source gave {want}"
        return
    oks = [x for x in got if isinstance(x, Ok)]
    assert oks == [x for x in want if isinstance(x, Ok)], f"order: the batches hold {oks} out of source order"
    for pos, item in enumerate(got):
        if isinstance(item, Err):
            i = _index_of(item)
            before = {x.value for x in want[:i] if isinstance(x, Ok)}
            late = before - {x.value for x in got[:pos] if isinstance(x, Ok)}
            assert not late, f"order: {item} overtook the items {sorted(late)} that came before it"


def _check_exactly_once(sc: ChunkScenario, facts: ChunkFacts) -> None:
    got = _flat(sc, facts)
    want = [sc.item(i) for i in range(len(sc.arrivals))]
    assert sorted(got, key=repr) == sorted(want, key=repr), (
        f"exactly once: the output holds {got}, the source gave {want}"
    )
    empty = [item for _, item in facts.received if isinstance(item, Ok) and not item.value]
    assert not empty, "exactly once: an empty batch was emitted"


def _check_size(sc: ChunkScenario, facts: ChunkFacts) -> None:
    if not sc.max_units:
        return
    for _, item in facts.received:
        if isinstance(item, Ok) and len(item.value) > 1:
            units = sum(sc.arrivals[i].size or 0 for i in item.value)
            assert units <= sc.max_units, (
                f"size bound: the batch {item.value} holds {units} units, max_units={sc.max_units}"
            )


def _check_delay(sc: ChunkScenario, facts: ChunkFacts) -> None:
    if not sc.max_delay_ms:
        return
    for at, item in facts.received:
        if isinstance(item, Ok):
            first = facts.arrived_at[item.value[0]]
            age_ms = (at - first) * 1000
            assert age_ms <= sc.max_delay_ms + TOLERANCE_S * 1000, (
                f"delay bound: the batch {item.value} was {age_ms:g} ms old when emitted, "
                f"max_delay_ms={sc.max_delay_ms:g}"
            )


def _check_prefetch(sc: ChunkScenario, facts: ChunkFacts) -> None:
    worst = max(facts.ahead_at_batch, default=0)
    assert worst <= 1, f"prefetch: {worst} items were taken from the source beyond the batches handed on"


def _check_chunk_closed(sc: ChunkScenario, facts: ChunkFacts) -> None:
    assert facts.source_closed, "closing: the source was not closed when the run was"
    assert facts.tasks_left == 0, f"closing: {facts.tasks_left} tasks were left behind"


CHUNK_PROPERTIES: tuple[Property, ...] = (
    Property("order", "batches keep source order, and no Err overtakes the items before it",
             chunk_scenarios(), _check_chunk_order),
    Property("exactly once", "every item is in exactly one batch (the remainder too), no batch empty",
             chunk_scenarios(), _check_exactly_once),
    Property("size bound", "no batch holds more than max_units units, except an oversized item alone",
             chunk_scenarios(), _check_size),
    Property("delay bound", "no batch is older than max_delay_ms when emitted, even if the source stalls",
             chunk_scenarios(), _check_delay),
    Property("at most one prefetched", "at most one item is taken beyond the batches handed on",
             chunk_scenarios(), _check_prefetch),
    Property("closing", "closing early closes the source and leaves no task",
             chunk_scenarios(stop=True), _check_chunk_closed),
)  # fmt: skip


# ---- as tests ------------------------------------------------------------------------------------


def _as_tests(
    props: Sequence[Property], run: Callable[[Any, Any], Any], impl: Any, max_examples: int
) -> dict[str, Callable[[], None]]:
    tests: dict[str, Callable[[], None]] = {}
    for prop in props:

        def make(p: Property = prop) -> Callable[[], None]:
            @reproducible(max_examples=max_examples,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
            @given(p.scenarios)
            def test(sc: Any) -> None:
                p.check(sc, run(impl, sc))

            test.__name__ = f"test_{p.name.replace(' ', '_').replace('-', '_')}"
            return test

        tests[prop.name] = make()
    return tests


def bounded_properties(
    impl: BoundedImpl = async_gen_bounded_map, *, max_examples: int = 60
) -> dict[str, Callable[[], None]]:
    """Each property of :data:`BOUNDED_PROPERTIES` as a ready-to-call Hypothesis test of ``impl``."""
    return _as_tests(BOUNDED_PROPERTIES, run_bounded, impl, max_examples)


def chunk_properties(
    impl: ChunkImpl = async_gen_chunk, *, max_examples: int = 60
) -> dict[str, Callable[[], None]]:
    """Each property of :data:`CHUNK_PROPERTIES` as a ready-to-call Hypothesis test of ``impl``."""
    return _as_tests(CHUNK_PROPERTIES, run_chunked, impl, max_examples)
