"""Core 6's laws as runnable properties on the virtual-time loop, for any implementation of its two operators.

``fairness_properties(impl)`` returns, by name (:data:`FAIRNESS_PROPERTIES`),
zero-argument test functions that either return or raise ``AssertionError``
with the smallest counterexample Hypothesis found:

* **envelope** — in every window of the calls a rate-limited stream makes,
  calls ≤ ``rate x window + burst`` (calls are pulls of its upstream; the
  consumer pauses between pulls by generated amounts, so tokens pile up and
  must stop at the cap);
* **exact** — each call starts at the moment the token bucket allows
  (:meth:`RateLimitPolicy.earliest_starts` of the moments the consumer asked),
  never later, and the upstream is pulled only when the consumer asks;
* **limiter closes** — closing early, or cancelling the consumer while it
  waits for a token, closes the upstream and leaves no task;
* **weighted shares** — with every stream ready, after every emission
  ``|a_i/w_i - a_j/w_j| ≤ 1``;
* **no stall** — with tenants producing on generated schedules (``Ok`` and
  ``Err`` items, some ending early, one never answering), every item is
  emitted at the very moment it is due (its tenant's delays so far, when
  pulled as soon as it answers), each tenant's items in order,
  none lost or repeated: no stream waits for another;
* **bounded buffers** — a consumer that stops pulling leaves at most
  ``max_buffer_per_stream`` items of each stream produced and not emitted;
* **merge closes** — closing the merge early, or cancelling its consumer,
  closes every stream it started and leaves no task.

Every property runs its examples on :func:`run_virtual`, so seconds of
limiting cost no real time and timings are exact. An implementation is a
:class:`FairnessImpl`; :data:`LIBRARY_FAIRNESS` is the library's, and
:data:`funcpipe_rag.testing.WRONG_FAIRNESS` the broken ones each property
must catch.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag.domain.effects.async_.rate_limit import (
    FairnessPolicy,
    RateLimitPolicy,
    async_gen_fair_merge,
    async_gen_rate_limited,
)
from funcpipe_rag.domain.effects.async_.stream import AsyncGen, async_gen_from_list, async_gen_map
from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing._profiles import reproducible
from funcpipe_rag.testing._virtual_time import run_virtual

T = TypeVar("T")

EPS = 1e-6
"""Slack for float times: the loop's clock is a float, and a timer may fire a clock resolution early."""


@dataclass(frozen=True)
class FairnessImpl:
    """One implementation of Core 6's operators, called as the library's are.

    ``rate_limited(stream, policy, env=None)`` and ``fair_merge(streams,
    policy)``; the properties build streams with them and run them.
    """

    name: str
    rate_limited: Callable[..., AsyncGen[Any]]
    fair_merge: Callable[..., AsyncGen[Any]]


LIBRARY_FAIRNESS = FairnessImpl("library", async_gen_rate_limited, async_gen_fair_merge)
"""The library's ``async_gen_rate_limited`` and ``async_gen_fair_merge``."""

FAIRNESS_PROPERTIES = (
    "envelope",
    "exact",
    "limiter closes",
    "weighted shares",
    "no stall",
    "bounded buffers",
    "merge closes",
)
"""The names of the properties :func:`fairness_properties` returns."""


# ---- sources that record ----------------------------------------------------------------


@dataclass
class Tenant:
    """A source that produces ``items[k]`` after waiting ``delays[k]`` seconds (``None``: never answers).

    Its run records in ``log`` what happened, as ``(event, tenant, k, time)``:
    ``"made"`` when item ``k`` is produced, ``"closed"`` when the run's
    ``finally`` ran (``k`` is how many it made).
    """

    name: str
    delays: Sequence[float | None]
    items: Sequence[Result[Any, ErrInfo]]
    log: list[tuple[str, str, int, float]]

    def stream(self) -> AsyncGen[Any]:
        return lambda: self._run()

    async def _run(self) -> AsyncIterator[Result[Any, ErrInfo]]:
        loop = asyncio.get_running_loop()
        made = 0
        try:
            for delay, item in zip(self.delays, self.items, strict=True):
                if delay is None:
                    await loop.create_future()  # never answers
                if delay:
                    await asyncio.sleep(delay)
                self.log.append(("made", self.name, made, loop.time()))
                made += 1
                yield item
        finally:
            self.log.append(("closed", self.name, made, loop.time()))

    def made(self) -> int:
        return sum(1 for e in self.log if e[0] == "made" and e[1] == self.name)

    def closed(self) -> bool:
        return any(e[0] == "closed" and e[1] == self.name for e in self.log)

    def started(self) -> bool:
        return self.made() > 0 or self.closed()


def _item(tenant: str, k: int, err: bool) -> Result[Any, ErrInfo]:
    if err:
        return Err(ErrInfo(ErrorCode.TRANSIENT, f"{tenant}{k} failed", ctx={"tenant": tenant, "k": k}))
    return Ok((tenant, k))


def _tenants(plan: list[list[tuple[float, bool]]], log: list[Any], then_silent: bool = False) -> list[Tenant]:
    """A tenant per schedule of ``(delay, is_err)`` pairs; with ``then_silent``, each then never answers."""
    tenants = []
    for i, sched in enumerate(plan):
        name = f"t{i}"
        delays: list[float | None] = [d for d, _ in sched]
        items = [_item(name, k, err) for k, (_, err) in enumerate(sched)]
        if then_silent:
            delays.append(None)
            items.append(Ok((name, len(sched))))
        tenants.append(Tenant(name, delays, items, log))
    return tenants


def _tenant_key(item: Result[Any, ErrInfo]) -> tuple[str, int]:
    if isinstance(item, Ok):
        return item.value  # type: ignore[no-any-return]
    ctx = item.error.ctx or {}
    return ctx["tenant"], ctx["k"]


def _no_other_task() -> None:
    others = asyncio.all_tasks() - {asyncio.current_task()}
    assert not others, f"tasks left running after the stream was closed: {sorted(map(repr, others))[:3]}"


async def _close(run: Any) -> None:
    await run.aclose()


DEADLINE_S = 1_000.0
"""Virtual seconds an example may take: a merge waiting forever would otherwise block the loop for good."""


def _run(main: Callable[[], Awaitable[T]]) -> T:
    """``main()`` on the virtual-time loop; ``AssertionError`` if not finished by :data:`DEADLINE_S`."""

    async def bounded() -> T:
        try:
            async with asyncio.timeout(DEADLINE_S):
                return await main()
        except TimeoutError:
            raise AssertionError(
                f"the example did not finish within {DEADLINE_S:g} virtual seconds"
            ) from None

    value, _ = run_virtual(bounded)
    return value


# ---- strategies -----------------------------------------------------------------------

policies = st.builds(
    RateLimitPolicy,
    tokens_per_second=st.sampled_from([0.5, 1, 2, 3, 5, 10]),
    burst_tokens=st.integers(1, 4),
)
gaps = st.lists(st.sampled_from([0.0, 0.0, 0.1, 0.25, 0.5, 1.0, 3.0]), min_size=1, max_size=25)
weights = st.lists(st.integers(1, 4), min_size=2, max_size=4)
schedules = st.lists(
    st.lists(st.tuples(st.sampled_from([0.0, 0.25, 0.5, 1.0]), st.booleans()), max_size=6),
    min_size=1,
    max_size=4,
)


def fairness_properties(impl: FairnessImpl, max_examples: int = 60) -> dict[str, Callable[[], None]]:
    """The properties of :data:`FAIRNESS_PROPERTIES` for ``impl``, each a zero-argument test function."""
    settings = reproducible(max_examples=max_examples)

    async def calls_of(policy: RateLimitPolicy, pauses: list[float]) -> tuple[list[float], list[float], int]:
        """Pull len(pauses) items through the limiter, pausing before each; (asked, calls, pulls made)."""
        loop = asyncio.get_running_loop()
        calls: list[float] = []

        def call(k: int) -> int:
            calls.append(loop.time())  # the source answers at once: this is when it was pulled
            return k

        upstream = async_gen_map(async_gen_from_list(range(len(pauses) + 5)), call)
        run = impl.rate_limited(upstream, policy)()
        asked: list[float] = []
        try:
            for pause in pauses:
                await asyncio.sleep(pause)
                asked.append(loop.time())
                await run.__anext__()
            await asyncio.sleep(10)  # nothing more is asked: nothing more may be pulled
        finally:
            await _close(run)
        return asked, calls, len(calls)

    @settings
    @given(policy=policies, pauses=gaps)
    def envelope(policy: RateLimitPolicy, pauses: list[float]) -> None:
        _, calls, _ = _run(lambda: calls_of(policy, pauses))
        for i in range(len(calls)):
            for j in range(i, len(calls)):
                window = calls[j] - calls[i]
                assert j - i + 1 <= policy.envelope(window) + EPS, (
                    f"{j - i + 1} calls within {window:g} s, more than the envelope "
                    f"{policy.envelope(window):g} of {policy!r}; calls at {calls}"
                )

    @settings
    @given(policy=policies, pauses=gaps)
    def exact(policy: RateLimitPolicy, pauses: list[float]) -> None:
        asked, calls, pulled = _run(lambda: calls_of(policy, pauses))
        assert pulled == len(asked), (
            f"the consumer asked for {len(asked)} items, the upstream was pulled {pulled}"
        )
        expected = policy.earliest_starts(asked)
        for k, (got, want) in enumerate(zip(calls, expected, strict=True)):
            assert abs(got - want) <= EPS, (
                f"call {k} started at {got:g} s, but the bucket of {policy!r} allowed it at {want:g} s "
                f"(asked at {asked}); calls at {calls}"
            )

    @settings
    @given(policy=policies, take=st.integers(0, 6), cancel=st.booleans())
    def limiter_closes(policy: RateLimitPolicy, take: int, cancel: bool) -> None:
        async def main() -> None:
            source = Tenant("src", [0.0] * 10, [Ok(k) for k in range(10)], [])
            run = impl.rate_limited(source.stream(), policy)()
            if cancel:
                # The consumer is cancelled while waiting for the token after `take` items.
                async def consume() -> None:
                    for _ in range(take + policy.burst_tokens + 1):
                        await run.__anext__()

                task = asyncio.ensure_future(consume())
                await asyncio.sleep((take + 0.5) / policy.tokens_per_second)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await _close(run)
            else:
                for _ in range(take):
                    await run.__anext__()
                await _close(run)
            assert not source.started() or source.closed(), "the upstream was not closed when the run was"
            _no_other_task()

        _run(main)

    @settings
    @given(ws=weights, n=st.integers(1, 40))
    def weighted_shares(ws: list[int], n: int) -> None:
        async def main() -> list[Result[Any, ErrInfo]]:
            tenants = [
                Tenant(f"t{i}", [0.0] * n, [Ok((f"t{i}", k)) for k in range(n)], []) for i in range(len(ws))
            ]
            run = impl.fair_merge([t.stream() for t in tenants], FairnessPolicy(tuple(ws)))()
            try:
                return [await run.__anext__() for _ in range(n)]
            finally:
                await _close(run)

        items = _run(main)
        counts = [0] * len(ws)
        order = [int(_tenant_key(item)[0][1:]) for item in items]
        for step, i in enumerate(order):
            counts[i] += 1
            shares = [c / w for c, w in zip(counts, ws, strict=True)]
            assert max(shares) - min(shares) <= 1 + EPS, (
                f"after {step + 1} items, counts {counts} under weights {ws} are out of balance "
                f"(count/weight {[round(s, 3) for s in shares]}); order {order[: step + 1]}"
            )

    @settings
    @given(plan=schedules, silent=st.booleans())
    def no_stall(plan: list[list[tuple[float, bool]]], silent: bool) -> None:
        log: list[tuple[str, str, int, float]] = []
        tenants = _tenants(plan, log)
        if silent:
            tenants.append(Tenant("quiet", [None], [Ok(("quiet", 0))], log))
        total = sum(len(s) for s in plan)

        async def main() -> list[tuple[tuple[str, int], float]]:
            loop = asyncio.get_running_loop()
            run = impl.fair_merge([t.stream() for t in tenants], FairnessPolicy())()
            got: list[tuple[tuple[str, int], float]] = []
            try:
                for _ in range(total):
                    item = await run.__anext__()
                    got.append((_tenant_key(item), loop.time()))
            finally:
                await _close(run)
            return got

        got = _run(main)
        # When each item is due: a tenant pulled as soon as it has answered has item k after the sum
        # of its first k + 1 delays.
        due = {
            (f"t{i}", k): sum(d for d, _ in sched[: k + 1])
            for i, sched in enumerate(plan)
            for k in range(len(sched))
        }
        keys = [key for key, _ in got]
        assert sorted(keys) == sorted(due), f"emitted {sorted(keys)}, expected {sorted(due)}"
        for t in tenants:
            mine = [k for name, k in keys if name == t.name]
            assert mine == sorted(mine), f"{t.name}'s items came out of order: {mine}"
        for key, when in got:
            assert abs(when - due[key]) <= EPS, (
                f"item {key} was due at {due[key]:g} s but emitted at {when:g} s: "
                f"it waited for another stream (emissions {got})"
            )

    @settings
    @given(n_streams=st.integers(1, 4), size=st.integers(1, 5), take=st.integers(0, 12))
    def bounded_buffers(n_streams: int, size: int, take: int) -> None:
        log: list[tuple[str, str, int, float]] = []
        tenants = [
            Tenant(f"t{i}", [0.0] * 40, [Ok((f"t{i}", k)) for k in range(40)], log) for i in range(n_streams)
        ]

        async def main() -> None:
            run = impl.fair_merge([t.stream() for t in tenants], FairnessPolicy(max_buffer_per_stream=size))()
            emitted = {t.name: 0 for t in tenants}
            try:
                for _ in range(take):
                    emitted[_tenant_key(await run.__anext__())[0]] += 1
                await asyncio.sleep(5)  # the consumer stops pulling; the merge must stop too
                for t in tenants:
                    ahead = t.made() - emitted[t.name]
                    assert ahead <= size, (
                        f"{t.name} produced {t.made()} items, {emitted[t.name]} emitted: {ahead} held, "
                        f"more than max_buffer_per_stream={size}"
                    )
            finally:
                await _close(run)

        _run(main)

    @settings
    @given(plan=schedules, take=st.integers(0, 6), cancel=st.booleans())
    def merge_closes(plan: list[list[tuple[float, bool]]], take: int, cancel: bool) -> None:
        log: list[tuple[str, str, int, float]] = []
        tenants = _tenants(plan, log, then_silent=True)

        async def main() -> None:
            run = impl.fair_merge([t.stream() for t in tenants], FairnessPolicy(max_buffer_per_stream=2))()
            total = sum(len(s) for s in plan)

            async def consume() -> None:
                for _ in range(min(take, total)):
                    await run.__anext__()
                if cancel:
                    await run.__anext__()  # every tenant ends up silent: this waits until cancelled

            task = asyncio.ensure_future(consume())
            await asyncio.sleep(30)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await _close(run)
            for t in tenants:
                assert not t.started() or t.closed(), f"{t.name} was started and not closed"
            _no_other_task()

        _run(main)

    return {
        "envelope": envelope,
        "exact": exact,
        "limiter closes": limiter_closes,
        "weighted shares": weighted_shares,
        "no stall": no_stall,
        "bounded buffers": bounded_buffers,
        "merge closes": merge_closes,
    }
