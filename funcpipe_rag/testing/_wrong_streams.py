"""Plausible wrong stream algebras, kept to prove that the stream laws and invariants can fail.

Each entry of :data:`WRONG_STREAMS` is the library's stream algebra with one
primitive replaced by a believable mistake (or, for "middle layers never
close", the chapter's nested generators), together with the law or
invariant (:data:`funcpipe_rag.testing.STREAM_LAWS`,
:data:`~funcpipe_rag.testing.STREAM_INVARIANTS`) that catches it. The
replacements are hand-written async generators over the library's streams;
except where closing is the mistake, each closes what it reads.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import replace
from typing import Any

from funcpipe_rag.infra.runtime import run_stream
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing._stream_specs import LIBRARY_STREAMS, NESTED, Stream, StreamAlgebra
from funcpipe_rag.testing._wrong import WrongImpl

LIB = LIBRARY_STREAMS
Items = AsyncIterator[Result[Any, ErrInfo]]


def _transform(
    s: Stream, step: Callable[[Result[Any, ErrInfo]], list[Result[Any, ErrInfo]] | None]
) -> Stream:
    """A hand-written stage: each item of ``s`` becomes ``step(item)``'s items; ``None`` ends the stream."""

    async def gen() -> Items:
        it = s()
        try:
            async for item in it:
                out = step(item)
                if out is None:
                    return
                for o in out:
                    yield o
        finally:
            await it.aclose()  # type: ignore[attr-defined]

    return gen


def and_then_drops_err(s: Any, f: Any) -> Any:
    """Skips ``Err`` items instead of passing them on."""
    return LIB.bind(_transform(s, lambda item: [item] if isinstance(item, Ok) else []), f)


def and_then_stops_at_err(s: Any, f: Any) -> Any:
    """Passes the first ``Err`` on, then ends the stream."""
    stopped: list[bool] = []

    def step(item: Result[Any, ErrInfo]) -> list[Result[Any, ErrInfo]] | None:
        if stopped:
            return None
        if isinstance(item, Err):
            stopped.append(True)
        return [item]

    def fresh() -> Items:
        stopped.clear()
        return _transform(s, step)()

    return LIB.bind(fresh, f)


def and_then_calls_f_on_err(s: Any, f: Any) -> Any:
    """Treats an ``Err`` item as ``Ok(None)`` and starts an inner stream for it."""
    return LIB.bind(_transform(s, lambda item: [item if isinstance(item, Ok) else Ok(None)]), f)


def and_then_builds_for_err(s: Any, f: Any) -> Any:
    """Calls ``f`` with an ``Err`` item's error too ("to warm it up"), ignores what that builds or raises,
    and passes the ``Err`` on: the items are right, only ``f``'s arguments show the mistake."""

    def step(item: Result[Any, ErrInfo]) -> list[Result[Any, ErrInfo]]:
        if isinstance(item, Err):
            with contextlib.suppress(Exception):
                f(item.error)
        return [item]

    return LIB.bind(_transform(s, step), f)


def and_then_reverses_inner(s: Any, f: Any) -> Any:
    """Emits the items of each inner stream in reverse order (it collects them first)."""

    def reversed_inner(x: Any) -> Stream:
        async def gen() -> Items:
            collected = [item async for item in f(x)()]
            for item in reversed(collected):
                yield item

        return gen

    return LIB.bind(s, reversed_inner)


class _Nested:
    """A stream built by :func:`and_then_reassociates` that remembers its parts."""

    def __init__(self, stream: Any, inner: Any, f: Any) -> None:
        self.stream, self.inner, self.f = stream, inner, f

    def __call__(self) -> Any:
        return self.stream()


def and_then_reassociates(s: Any, f: Any) -> Any:
    """Flattens ``and_then(and_then(m, f1), f2)`` into one step, but runs ``f2`` before ``f1``.

    The identities still hold (with ``ret`` on either side the order cannot
    show); only associativity sees it.
    """
    if isinstance(s, _Nested):
        m, first = s.inner, s.f
        return and_then_reassociates(m, lambda x: and_then_reassociates(f(x), first))
    return _Nested(LIB.bind(s, f), s, f)


def ret_wraps_twice(value: Any) -> Any:
    """Emits ``Ok(Ok(value))``."""
    return LIB.pure(Ok(value))


def map_runs_at_build(s: Any, f: Any) -> Any:
    """Runs its source while the stream is being built, then replays what it saw."""
    seen = run_stream(s)
    return LIB.listed([f(item.value) for item in seen if isinstance(item, Ok)])


def and_then_reads_ahead(s: Any, f: Any) -> Any:
    """Pulls the next source item before handing on the current one ("prefetch")."""

    def ahead() -> Items:
        async def gen() -> Items:
            it = s()
            try:
                previous: Any = None
                async for item in it:
                    if previous is not None:
                        yield previous
                    previous = item
                if previous is not None:
                    yield previous
            finally:
                await it.aclose()

        return gen()

    return LIB.bind(ahead, f)


def from_list_once(values: Iterable[Any]) -> Any:
    """Keeps one iterator over the values, so a second run finds it empty."""
    shared = iter(tuple(values))

    async def gen() -> Items:
        for v in shared:
            yield Ok(v)

    return gen


def map_action_calls_f_on_err(s: Any, f: Any) -> Any:
    """Builds and runs a plan for ``Err`` items too (with ``None``), keeping the ``Err``."""

    async def run_plan_anyway(item: Result[Any, ErrInfo]) -> Result[Any, ErrInfo]:
        if isinstance(item, Err):
            await f(None)()
            return item
        result: Result[Any, ErrInfo] = await f(item.value)()
        return result

    def gen() -> Items:
        async def run() -> Items:
            it = s()
            try:
                async for item in it:
                    yield await run_plan_anyway(item)
            finally:
                await it.aclose()

        return run()

    return gen


def map_calls_f_on_err(s: Any, f: Any) -> Any:
    """Calls ``f`` for ``Err`` items too (with ``None``, "to keep the stages in step"); keeps the ``Err``."""

    def step(item: Result[Any, ErrInfo]) -> list[Result[Any, ErrInfo]]:
        if isinstance(item, Ok):
            return [Ok(f(item.value))]
        f(None)
        return [item]

    return _transform(s, step)


def map_never_closes(s: Any, f: Any) -> Any:
    """Reads its source with a plain ``async for`` and never closes it when stopped early."""

    async def gen() -> Items:
        async for item in s():
            yield Ok(f(item.value)) if isinstance(item, Ok) else item

    return gen


def _with(name: str, **parts: Any) -> StreamAlgebra:
    return replace(LIB, name=name, **parts)


WRONG_STREAMS: dict[str, WrongImpl[StreamAlgebra]] = {
    "and_then drops Err": WrongImpl(
        _with("and_then drops Err", bind=and_then_drops_err),
        "an and_then that skips Err items",
        "right identity",
    ),
    "and_then stops at Err": WrongImpl(
        _with("and_then stops at Err", bind=and_then_stops_at_err),
        "an and_then that ends the stream at the first Err",
        "Err passes through",
    ),
    "and_then calls f on Err": WrongImpl(
        _with("and_then calls f on Err", bind=and_then_calls_f_on_err),
        "an and_then that starts an inner stream for an Err item",
        "Err passes through",
    ),
    "and_then builds for Err": WrongImpl(
        _with("and_then builds for Err", bind=and_then_builds_for_err),
        "an and_then that calls its function with an Err's error, ignoring what it builds or raises",
        "Err passes through",
    ),
    "and_then reverses inner": WrongImpl(
        _with("and_then reverses inner", bind=and_then_reverses_inner),
        "an and_then that emits each inner stream backwards",
        "left identity",
    ),
    "and_then reassociates": WrongImpl(
        _with("and_then reassociates", bind=and_then_reassociates),
        "an and_then that flattens nested and_thens but applies their functions in the wrong order",
        "associativity",
    ),
    "ret wraps twice": WrongImpl(
        _with("ret wraps twice", pure=ret_wraps_twice), "a ret that emits Ok(Ok(x))", "right identity"
    ),
    "map runs at build": WrongImpl(
        _with("map runs at build", map=map_runs_at_build),
        "a map that runs its source while the stream is built",
        "building does nothing",
    ),
    "and_then reads ahead": WrongImpl(
        _with("and_then reads ahead", bind=and_then_reads_ahead),
        "an and_then that pulls one source item ahead of its consumer",
        "lazy",
    ),
    "from_list runs once": WrongImpl(
        _with("from_list runs once", from_list=from_list_once),
        "a from_list that shares one iterator between runs",
        "replay",
    ),
    "map_action calls f on Err": WrongImpl(
        _with("map_action calls f on Err", map_action=map_action_calls_f_on_err),
        "a map_action that runs a plan for Err items too",
        "Err passes through",
    ),
    "map calls f on Err": WrongImpl(
        _with("map calls f on Err", map=map_calls_f_on_err),
        "a map that calls its function for Err items too",
        "Err passes through",
    ),
    "map never closes": WrongImpl(
        _with("map never closes", map=map_never_closes),
        "a map that leaves its source open when the consumer stops early",
        "resources released",
    ),
    "nested generators": WrongImpl(
        NESTED,
        "the chapter's one-generator-per-combinator streams: middle layers never close their source",
        "resources released",
    ),
}
"""Wrong stream algebras, each caught by the law or invariant named in ``caught_by``."""
