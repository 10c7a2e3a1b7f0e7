"""Streams and stream functions described as data, for property tests.

As for plans (:mod:`._specs`), the properties generate small readable
*specifications* — ``items([1, 'TIMEOUT', 3])``, ``span(2)``,
``fail_if(x % 2 == 0, 'DB')`` — and build the actual streams from them with
any implementation of the stream algebra: :data:`LIBRARY_STREAMS` (nodes run
by one interpreter), the chapter's :data:`NESTED` (one async generator per
combinator), or a learner's. A failing example then reads as data.

Streams are compared by the list of items a run gives (``Ok`` and ``Err``).
:func:`funcpipe_rag.run_stream` runs one on a fresh event loop and always closes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing._specs import error

Stream = Callable[[], AsyncIterator[Result[Any, ErrInfo]]]


@dataclass(frozen=True)
class StreamAlgebra:
    """One implementation of the stream primitives, under a name.

    ``pure`` (``async_gen_return``) and ``bind`` (``async_gen_and_then``) are
    required — the laws are stated in them, as for every plan type
    (:mod:`funcpipe_rag.domain.effects.laws`); the others are optional and used
    by the invariants that exercise them. :meth:`run` gives a stream's items,
    which is what the laws compare.
    """

    name: str
    pure: Callable[[Any], Any]
    bind: Callable[[Any, Callable[[Any], Any]], Any]
    from_list: Callable[[Iterable[Any]], Any] | None = None
    map: Callable[[Any, Callable[[Any], Any]], Any] | None = None
    map_action: Callable[[Any, Callable[[Any], Any]], Any] | None = None
    lift_item: Callable[[Callable[[Any], Awaitable[Any]]], Callable[[Any], Any]] | None = None
    using: Callable[[Callable[[], AbstractAsyncContextManager[Any]], Callable[[Any], Any]], Any] | None = None

    def run(self, stream: Any) -> list[Result[Any, ErrInfo]]:
        """The items of one run of ``stream``, on a fresh event loop (the run is always closed)."""
        from funcpipe_rag.infra.runtime import run_stream

        return run_stream(stream)

    def listed(self, values: Iterable[Any]) -> Any:
        """``from_list(values)``; without one, ``bind`` of a hand-written source to ``pure``."""
        frozen = tuple(values)
        if self.from_list is not None:
            return self.from_list(frozen)
        return self.bind(items(*frozen), self.pure)

    def fmap(self, stream: Any, f: Callable[[Any], Any]) -> Any:
        if self.map is not None:
            return self.map(stream, f)
        return self.bind(stream, lambda x: self.pure(f(x)))


def _library() -> StreamAlgebra:
    from funcpipe_rag.domain.effects.async_ import stream as s

    return StreamAlgebra(
        "library",
        s.async_gen_return,
        s.async_gen_and_then,
        s.async_gen_from_list,
        s.async_gen_map,
        s.async_gen_map_action,
        s.lift_async_item,
        s.async_gen_using,
    )


def _nested() -> StreamAlgebra:
    from funcpipe_rag.teaching import _nested_streams as n

    return StreamAlgebra(
        "nested generators",
        n.nested_return,
        n.nested_and_then,
        n.nested_from_list,
        n.nested_map,
        n.nested_map_action,
        n.nested_lift_item,
        n.nested_using,
    )


LIBRARY_STREAMS = _library()
"""The library's streams (nodes, one interpreter)."""

NESTED = _nested()
"""The chapter's one-generator-per-combinator streams, kept for comparison."""


def value_or_code(v: int | str) -> Result[int, ErrInfo]:
    """``Ok(v)`` for an int, ``Err`` with code ``v`` for a string (the notation of :class:`Items`)."""
    return Err(error(v)) if isinstance(v, str) else Ok(v)


def items(*values: int | str) -> Stream:
    """A hand-written stream (an async generator no combinator built) of ``value_or_code`` of each value.

    It suspends once per item, as a real source would.
    """

    async def gen() -> AsyncIterator[Result[Any, ErrInfo]]:
        for v in values:
            await asyncio.sleep(0)
            yield value_or_code(v)

    return gen


# ---- streams of int ------------------------------------------------------------------


class StreamSpec(Protocol):
    """A stream of ``int`` described as data; ``build(alg)`` makes it with ``alg``."""

    def build(self, alg: StreamAlgebra = ...) -> Any: ...


class StreamFnSpec(Protocol):
    """A function ``int -> stream of int`` described as data."""

    def build(self, alg: StreamAlgebra = ...) -> Callable[[int], Any]: ...


@dataclass(frozen=True, repr=False)
class Items:
    """A hand-written source: ``Ok(n)`` for each int, ``Err(code)`` for each string."""

    values: tuple[int | str, ...]

    def __repr__(self) -> str:
        return f"items({list(self.values)!r})"

    def build(self, alg: StreamAlgebra = LIBRARY_STREAMS) -> Any:
        return items(*self.values)


@dataclass(frozen=True, repr=False)
class Listed:
    """``from_list(values)``."""

    values: tuple[int, ...]

    def __repr__(self) -> str:
        return f"from_list({list(self.values)!r})"

    def build(self, alg: StreamAlgebra = LIBRARY_STREAMS) -> Any:
        return alg.listed(self.values)


@dataclass(frozen=True, repr=False)
class Ret:
    """``pure(value)``: the one-item stream (``async_gen_return``)."""

    value: int

    def __repr__(self) -> str:
        return f"pure({self.value})"

    def build(self, alg: StreamAlgebra = LIBRARY_STREAMS) -> Any:
        return alg.pure(self.value)


@dataclass(frozen=True, repr=False)
class AndThen:
    """``bind(stream, fn)`` (``async_gen_and_then``)."""

    stream: StreamSpec
    fn: StreamFnSpec

    def __repr__(self) -> str:
        return f"and_then({self.stream!r}, {self.fn!r})"

    def build(self, alg: StreamAlgebra = LIBRARY_STREAMS) -> Any:
        return alg.bind(self.stream.build(alg), self.fn.build(alg))


@dataclass(frozen=True, repr=False)
class Shifted:
    """``map(stream, x -> x + k)``."""

    stream: StreamSpec
    k: int

    def __repr__(self) -> str:
        return f"map({self.stream!r}, +{self.k})"

    def build(self, alg: StreamAlgebra = LIBRARY_STREAMS) -> Any:
        return alg.fmap(self.stream.build(alg), lambda x: x + self.k)


class _Nothing(AbstractAsyncContextManager[None]):
    async def __aexit__(self, *exc: object) -> None:
        return None


@dataclass(frozen=True, repr=False)
class Held:
    """``using(a resource, _ -> stream)``: the stream run inside a (do-nothing) resource."""

    stream: StreamSpec

    def __repr__(self) -> str:
        return f"using(resource, {self.stream!r})"

    def build(self, alg: StreamAlgebra = LIBRARY_STREAMS) -> Any:
        inner = self.stream.build(alg)
        if alg.using is None:
            return inner
        return alg.using(_Nothing, lambda _r: inner)


# ---- functions int -> stream of int ------------------------------------------------------


@dataclass(frozen=True, repr=False)
class RetAdd:
    """``x ↦ pure(x + k)``"""

    k: int

    def __repr__(self) -> str:
        return f"pure_add({self.k})"

    def build(self, alg: StreamAlgebra = LIBRARY_STREAMS) -> Callable[[int], Any]:
        return lambda x: alg.pure(x + self.k)


@dataclass(frozen=True, repr=False)
class Span:
    """``x ↦ from_list([x, x+1, ..., x+n-1])`` — zero, one or several items."""

    n: int

    def __repr__(self) -> str:
        return f"span({self.n})"

    def build(self, alg: StreamAlgebra = LIBRARY_STREAMS) -> Callable[[int], Any]:
        return lambda x: alg.listed(range(x, x + self.n))


@dataclass(frozen=True, repr=False)
class FailIf:
    """``x ↦ items([code, x])`` (an ``Err`` item, then ``Ok(x)``) when ``x % m == r``, else ``pure(x)``."""

    m: int
    r: int
    code: str

    def __repr__(self) -> str:
        return f"fail_if(x % {self.m} == {self.r}, {self.code!r})"

    def build(self, alg: StreamAlgebra = LIBRARY_STREAMS) -> Callable[[int], Any]:
        return lambda x: items(self.code, x) if x % self.m == self.r else alg.pure(x)


@dataclass(frozen=True, repr=False)
class Hand:
    """``x ↦ items([x, x + k])``: a hand-written inner stream."""

    k: int

    def __repr__(self) -> str:
        return f"hand({self.k})"

    def build(self, alg: StreamAlgebra = LIBRARY_STREAMS) -> Callable[[int], Any]:
        return lambda x: items(x, x + self.k)


@dataclass(frozen=True, repr=False)
class LiftItemAdd:
    """``x ↦ lift_item(x -> coroutine of Ok(x + k))(x)`` (or ``pure`` when the algebra has no lift)."""

    k: int

    def __repr__(self) -> str:
        return f"lift_add({self.k})"

    def build(self, alg: StreamAlgebra = LIBRARY_STREAMS) -> Callable[[int], Any]:
        if alg.lift_item is None:
            return lambda x: alg.pure(x + self.k)

        async def step(x: int) -> Result[int, ErrInfo]:
            await asyncio.sleep(0)
            return Ok(x + self.k)

        return alg.lift_item(step)


@dataclass(frozen=True, repr=False)
class ThenFn:
    """``x ↦ bind(first(x), second)``: composite functions, for deeper examples."""

    first: StreamFnSpec
    second: StreamFnSpec

    def __repr__(self) -> str:
        return f"then({self.first!r}, {self.second!r})"

    def build(self, alg: StreamAlgebra = LIBRARY_STREAMS) -> Callable[[int], Any]:
        f, g = self.first.build(alg), self.second.build(alg)
        return lambda x: alg.bind(f(x), g)


# ---- recording sources and resources ------------------------------------------------------


@dataclass
class CountingSource:
    """A hand-written source of ``value_or_code`` items that counts pulls and records its closing.

    ``pulls`` is the number of items it has handed out, over every run;
    ``open_runs`` how many runs have started and not finished (returned,
    been closed, or failed); ``closed`` the runs that were closed before
    their last item.
    """

    values: tuple[int | str, ...]
    pulls: int = 0
    runs: int = 0
    open_runs: int = 0
    closed: int = 0
    log: list[str] = field(default_factory=list)

    def __call__(self) -> AsyncIterator[Result[Any, ErrInfo]]:
        return self._run()

    async def _run(self) -> AsyncIterator[Result[Any, ErrInfo]]:
        self.runs += 1
        self.open_runs += 1
        self.log.append("source: start")
        finished = False
        try:
            for v in self.values:
                await asyncio.sleep(0)
                self.pulls += 1
                yield value_or_code(v)
            finished = True
        finally:
            self.open_runs -= 1
            if not finished:
                self.closed += 1
            self.log.append("source: end" if finished else "source: closed early")


class RecordingResource(AbstractAsyncContextManager[str]):
    """An async context manager that records entering and leaving in ``log`` (and how it was left)."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def __aenter__(self) -> str:
        await asyncio.sleep(0)
        self.log.append(f"{self.name}: acquired")
        return self.name

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.log.append(f"{self.name}: released" + (f" ({exc_type.__name__})" if exc_type else ""))


def held(log: list[str], name: str) -> bool:
    """Whether the resource ``name`` has been acquired more often than released, per ``log``."""
    acquired = sum(1 for entry in log if entry == f"{name}: acquired")
    released = sum(1 for entry in log if entry.startswith(f"{name}: released"))
    return acquired > released
