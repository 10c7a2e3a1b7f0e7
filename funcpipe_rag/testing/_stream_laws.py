"""The laws and invariants of a stream algebra as runnable Hypothesis properties.

``stream_law_properties(alg)`` returns the laws ``AsyncGen`` keeps (the
monad laws of ``and_then`` and the laws of ``map``, written once as data in
:data:`funcpipe_rag.domain.effects.async_.stream.LAWS`), checked by the same
checker as every plan type's (:func:`funcpipe_rag.testing.law_property`)
over generated streams with ``Err`` items among the ``Ok`` ones;
``stream_invariant_properties(alg)`` returns the five invariants. Each is a
zero-argument test function that either returns or raises
``AssertionError`` (or whatever the broken code raised) with the smallest
counterexample. "Equal" means: the runs give equal lists of items, ``Ok``
and ``Err`` alike.

The invariants:

* **building does nothing** — building ``map``, ``map_action``, ``and_then``
  and ``using`` pipelines (and calling the stream to get a run) calls no
  source, no function, no resource;
* **lazy** — a consumer that takes *k* items and closes has pulled exactly
  the source items needed for them, and nothing more is pulled afterwards;
* **Err passes through** — an ``Err`` item comes out in its place, no
  function sees it, no inner stream starts for it, and the items after it
  still come;
* **replay** — running the same stream twice gives equal items, and the
  source runs twice;
* **resources released** — when the run ends, fails (a function raises) or
  the consumer closes early, every resource is released and every source
  closed by the time closing returns, without the garbage collector
  (disabled meanwhile).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator
from contextlib import aclosing, contextmanager
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag.domain.effects.async_.stream import LAWS as STREAM_LAWS_DATA
from funcpipe_rag.infra.runtime import run_stream, run_sync
from funcpipe_rag.result import Err, Ok
from funcpipe_rag.testing._laws import law_property
from funcpipe_rag.testing._profiles import reproducible
from funcpipe_rag.testing._stream_specs import (
    CountingSource,
    RecordingResource,
    StreamAlgebra,
    StreamSpec,
    held,
    value_or_code,
)
from funcpipe_rag.testing._stream_strategies import item_lists, stream_inputs, stream_specs

STREAM_LAWS = tuple(law.name for law in STREAM_LAWS_DATA.laws)
"""The names of the laws ``AsyncGen`` keeps."""

STREAM_INVARIANTS = (
    "building does nothing",
    "lazy",
    "Err passes through",
    "replay",
    "resources released",
)
"""The names of the stream invariants, as :func:`stream_invariant_properties` returns them."""


# ---- invariants -----------------------------------------------------------------------------


def _need(alg: StreamAlgebra, *parts: str) -> None:
    missing = [p for p in parts if getattr(alg, p) is None]
    if missing:
        raise AssertionError(f"the algebra {alg.name!r} has no {', '.join(missing)}")


class Calls:
    """Counts calls of the pure functions and plans of a pipeline."""

    def __init__(self) -> None:
        self.seen: list[object] = []

    def add(self, k: int) -> Callable[[int], int]:
        def f(x: int) -> int:
            self.seen.append(x)
            return x + k if isinstance(x, int) else x

        return f

    def plan(self, k: int) -> Callable[[int], Any]:
        def f(x: int) -> Any:
            self.seen.append(x)

            async def run() -> Any:
                await asyncio.sleep(0)
                return Ok(x * k if isinstance(x, int) else x)  # a wrong caller may pass None

            return run

        return f


def building_does_nothing(alg: StreamAlgebra, values: tuple[int | str, ...], span: int) -> None:
    """Building a pipeline of every combinator, and calling it, calls nothing."""
    _need(alg, "map", "map_action", "using")
    assert alg.map is not None and alg.map_action is not None and alg.using is not None
    source = CountingSource(values)
    calls = Calls()
    log: list[str] = []
    inner = alg.map_action(alg.map(source, calls.add(1)), calls.plan(2))
    s = alg.using(
        lambda: RecordingResource("r", log), lambda _r: alg.bind(inner, lambda x: alg.listed([x] * span))
    )
    run = s()
    problems = []
    if source.runs:
        problems.append(f"the source was started {source.runs} time(s)")
    if calls.seen:
        problems.append(f"functions were called with {calls.seen}")
    if log:
        problems.append(f"the resource was touched: {log}")
    closer = getattr(run, "aclose", None)
    if closer is not None:
        run_sync(closer)  # a run that never started closes without doing anything
    assert not problems, "building the stream (and calling it) already did work: " + "; ".join(problems)


def _outputs_per_item(values: tuple[int | str, ...], span: int) -> list[int]:
    """How many items ``and_then(source, x -> span items)`` emits for each source item."""
    return [1 if isinstance(v, str) else span for v in values]


def lazy(alg: StreamAlgebra, values: tuple[int | str, ...], span: int, k: int) -> None:
    """Taking ``k`` items pulls exactly the source items needed for them; nothing after closing."""
    _need(alg, "map")
    assert alg.map is not None
    source = CountingSource(values)
    s = alg.map(alg.bind(alg.map(source, lambda x: x + 1), lambda x: alg.listed([x] * span)), lambda x: x)
    got = run_stream(s, limit=k)
    produced, needed = 0, 0
    for n in _outputs_per_item(values, span):
        if produced >= k:
            break
        needed += 1
        produced += n
    assert len(got) == min(k, sum(_outputs_per_item(values, span))), f"took {k} items but got {len(got)}"
    assert source.pulls == needed, (
        f"{k} item(s) needed {needed} source item(s), but the pipeline pulled {source.pulls}"
    )
    assert source.open_runs == 0, "the source run is still open after the consumer closed"


def err_passes_through(alg: StreamAlgebra, values: tuple[int | str, ...]) -> None:
    """Each ``Err`` comes out in place through map, map_action and and_then; no function sees it."""
    _need(alg, "map", "map_action")
    assert alg.map is not None and alg.map_action is not None
    calls = Calls()
    inner_starts: list[int] = []

    def twice(x: int) -> Any:
        inner_starts.append(x)
        return alg.listed([x, x])

    s = alg.bind(alg.map_action(alg.map(CountingSource(values), calls.add(1)), calls.plan(3)), twice)
    got = run_stream(s)
    expected: list[Any] = []
    for v in values:
        item = value_or_code(v)
        expected += [item] if isinstance(item, Err) else [Ok((item.value + 1) * 3)] * 2
    oks = [v for v in values if not isinstance(v, str)]
    assert got == expected, f"from {list(values)} expected {expected!r}, got {got!r}"
    assert len(calls.seen) == 2 * len(oks), (
        f"map and map_action functions saw {calls.seen} for Ok items {oks}"
    )
    assert len(inner_starts) == len(oks), (
        f"and_then started {len(inner_starts)} inner streams for {len(oks)} Ok"
    )


def replay(alg: StreamAlgebra, s: StreamSpec, values: tuple[int | str, ...]) -> None:
    """Running one stream twice gives equal items and runs its source twice."""
    source = CountingSource(values)
    built = s.build(alg)  # built once, run twice: nothing may be used up by the first run
    stream = alg.bind(alg.listed([0, 1]), lambda i: source if i == 0 else built)
    first, second = run_stream(stream), run_stream(stream)
    assert first == second, f"the first run gave {first!r}, the second {second!r}"
    assert source.runs == 2, f"two runs started the source {source.runs} time(s)"


@contextmanager
def _no_collector() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class _Boom(Exception):
    """Raised on purpose by a stage, to end a run with an exception."""


def resources_released(alg: StreamAlgebra, values: tuple[int | str, ...], k: int, how: str) -> None:
    """Every resource released and source closed when closing returns: normal end, early stop, exception."""
    _need(alg, "map", "using")
    assert alg.map is not None and alg.using is not None
    log: list[str] = []
    source = CountingSource(values, log=log)
    oks = [v for v in values if not isinstance(v, str)]

    def per_item(x: int) -> Any:
        assert alg.using is not None
        return alg.using(lambda: RecordingResource("inner", log), lambda _r: alg.listed([x, x]))

    def stage(x: int) -> int:
        if how == "exception" and oks and x == oks[min(k, len(oks)) - 1]:
            raise _Boom(f"stage failed at {x}")
        return x

    s = alg.map(
        alg.using(lambda: RecordingResource("outer", log), lambda _r: alg.bind(source, per_item)), stage
    )

    async def main() -> tuple[list[str], str, list[str]]:
        outcome = "ended"
        async with aclosing(s()) as it:
            got = 0
            try:
                async for _ in it:
                    got += 1
                    if how == "early stop" and got >= k:
                        outcome = "closed early"
                        break
            except _Boom:
                outcome = "failed"
        # Checked at once, before anything else can run: not on a later turn of the loop.
        still = [name for name in ("outer", "inner") if held(log, name)]
        return still + (["the source"] if source.open_runs else []), outcome, list(log)

    with _no_collector():
        still_held, outcome, seen = run_sync(main)
    assert not still_held, (
        f"the run {outcome} ({how}), but {', '.join(still_held)} still held when closing returned; "
        f"what happened: {seen}"
    )


# ---- as ready-to-run properties ---------------------------------------------------------------


def stream_law_properties(alg: StreamAlgebra, *, max_examples: int = 100) -> dict[str, Callable[[], None]]:
    """The laws of ``AsyncGen`` for ``alg``, by name, each a Hypothesis test ready to call."""
    inputs = stream_inputs()
    return {
        law.name: law_property(alg, law, max_examples=max_examples, inputs=inputs)
        for law in STREAM_LAWS_DATA.laws
    }


def stream_invariant_properties(
    alg: StreamAlgebra, *, max_examples: int = 50
) -> dict[str, Callable[[], None]]:
    """The five invariants for ``alg``, each a Hypothesis test ready to call."""
    config = reproducible(max_examples=max_examples)
    spans = st.integers(0, 3)

    @config
    @given(values=item_lists(), span=spans)
    def pure(values: tuple[int | str, ...], span: int) -> None:
        building_does_nothing(alg, values, span)

    @config
    @given(values=item_lists(), span=spans, k=st.integers(0, 8))
    def lazy_pulls(values: tuple[int | str, ...], span: int, k: int) -> None:
        lazy(alg, values, span, k)

    @config
    @given(values=item_lists())
    def errs(values: tuple[int | str, ...]) -> None:
        err_passes_through(alg, values)

    @config
    @given(s=stream_specs(max_leaves=3), values=item_lists(max_size=3))
    def again(s: StreamSpec, values: tuple[int | str, ...]) -> None:
        replay(alg, s, values)

    @config
    @given(
        values=item_lists().filter(lambda vs: any(not isinstance(v, str) for v in vs)),
        k=st.integers(1, 4),
        how=st.sampled_from(["normal end", "early stop", "exception"]),
    )
    def released(values: tuple[int | str, ...], k: int, how: str) -> None:
        resources_released(alg, values, k, how)

    return {
        "building does nothing": pure,
        "lazy": lazy_pulls,
        "Err passes through": errs,
        "replay": again,
        "resources released": released,
    }
