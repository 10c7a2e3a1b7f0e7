"""Exercise 4 — write the stream properties yourself.

What to do
----------
Write five Hypothesis properties about *an* implementation of the stream
combinators, passed in as ``impl``: ``impl.pure(x)`` (a one-item stream,
``async_gen_return``), ``impl.bind(s, f)`` (``async_gen_and_then``),
``impl.map(s, f)`` (``async_gen_map``) and ``impl.from_list(xs)``
(``async_gen_from_list``). Each ``check_*`` function runs its property
against ``impl`` and raises ``AssertionError`` (Hypothesis does this for
you) when the property fails.

The contract
------------
* ``check_left_identity(impl)`` — ``bind(pure(x), f)`` gives the items of
  ``f(x)``.
* ``check_right_identity(impl)`` — ``bind(s, pure)`` gives the items of
  ``s``.
* ``check_associativity(impl)`` — ``bind(bind(s, f), g)`` gives the items of
  ``bind(s, lambda x: bind(f(x), g))``.
* ``check_err_passes_through(impl)`` — through ``map`` and ``bind``, an
  ``Err`` item comes out in its place, the function is never called with it,
  and the items after it still come.
* ``check_lazy(impl)`` — a consumer that takes ``k`` items of ``map(s, f)``,
  or of ``bind(s, pure)``, made the source ``s`` hand out exactly the first
  ``k`` of its items (or all of them, when it has fewer), nothing more.

"Gives the items of" means: running both streams gives equal lists of items
(use ``run`` below); stream objects themselves are never equal. Generate
streams that hold ``Err`` items among the ``Ok`` ones, empty streams, and
functions that return zero, one or several items.

How it is graded
----------------
Your checks must pass on correct implementations, on many generated
examples. Then they are run against wrong ones kept by the grader (an
``and_then`` that drops ``Err`` items, one that stops at the first ``Err``,
one that reads ahead, a ``pure`` that wraps twice, ...): each wrong
implementation one of your checks catches is a point.

Imports
-------
The standard library, ``hypothesis``, and ``Result``, ``Ok``, ``Err``,
``ErrInfo``, ``ErrorCode`` and ``assert_never`` from ``funcpipe_rag``.

Hints
-----
* ``run(stream)`` collects the items of one run; ``take(stream, k)`` the
  first ``k``, closing the run; ``Source(values)`` is a hand-written stream
  of ``Ok(v)`` for ints and ``Err`` for strings that counts in ``pulls``
  how many items it handed out.
* Describe streams and functions as data (tuples of ints and codes) so a
  failing example prints readably, and build them with ``impl``.
* Keep ``max_examples`` modest (30 to 60) and use ``derandomize=True``.
* Check yourself with ``funcpipe grade m08c02/ex04``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import aclosing
from typing import Any, Protocol

from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag import Err, ErrInfo, ErrorCode, Ok, Result

Stream = Callable[[], AsyncIterator[Result[Any, ErrInfo]]]


class Impl(Protocol):
    """The combinators under test."""

    def pure(self, value: Any) -> Stream: ...

    def bind(self, stream: Stream, f: Callable[[Any], Stream]) -> Stream: ...

    def map(self, stream: Stream, f: Callable[[Any], Any]) -> Stream: ...

    def from_list(self, values: Iterable[Any]) -> Stream: ...


def run(stream: Stream) -> list[Result[Any, ErrInfo]]:
    """The items of one run of ``stream`` (tests are shells: they may drive)."""

    async def main() -> list[Result[Any, ErrInfo]]:
        async with aclosing(stream()) as items:  # type: ignore[type-var]
            return [item async for item in items]

    return asyncio.run(main())


def take(stream: Stream, k: int) -> list[Result[Any, ErrInfo]]:
    """The first ``k`` items of one run of ``stream``; the run is closed after them."""

    async def main() -> list[Result[Any, ErrInfo]]:
        got: list[Result[Any, ErrInfo]] = []
        if k <= 0:
            return got
        async with aclosing(stream()) as items:  # type: ignore[type-var]
            async for item in items:
                got.append(item)
                if len(got) >= k:
                    break
        return got

    return asyncio.run(main())


def err(code: str) -> Err[ErrInfo]:
    """An ``Err`` item with taxonomy ``code``."""
    return Err(ErrInfo(code, f"generated failure {code}"))


class Source:
    """A hand-written stream: ``Ok(v)`` for each int, ``err(v)`` for each string; counts ``pulls``."""

    def __init__(self, values: Iterable[int | str]) -> None:
        self.values = tuple(values)
        self.pulls = 0

    def __call__(self) -> AsyncIterator[Result[Any, ErrInfo]]:
        return self._run()

    async def _run(self) -> AsyncIterator[Result[Any, ErrInfo]]:
        for v in self.values:
            await asyncio.sleep(0)
            self.pulls += 1
            yield err(v) if isinstance(v, str) else Ok(v)


# BEGIN HELPERS: your strategies for streams and functions (with Err items), and a settings object
CONFIG = settings(max_examples=40, derandomize=True, database=None, deadline=None)

ints = st.integers(min_value=-50, max_value=50)
item_values = st.one_of(ints, st.sampled_from([ErrorCode.TIMEOUT.value, ErrorCode.DB.value]))
# A stream is described as data: ("source", values) -> Source(values);  ("pure", n) -> pure(n)
stream_specs = st.one_of(
    st.tuples(st.just("source"), st.lists(item_values, max_size=5).map(tuple)),
    st.tuples(st.just("pure"), ints),
)
# A function int -> stream: ("span", n) -> from_list([x .. x+n-1]); ("fail_even", k) -> an Err item first
# for even x; ("nested", n) -> bind(pure(x), span n)
fn_specs = st.tuples(st.sampled_from(["span", "fail_even", "nested"]), st.integers(0, 3))


def build_stream(impl: Impl, spec: tuple[str, Any]) -> Stream:
    kind, data = spec
    if kind == "source":
        return Source(data)
    return impl.pure(data)


def build_fn(impl: Impl, spec: tuple[str, int]) -> Callable[[int], Stream]:
    kind, n = spec
    if kind == "span":
        return lambda x: impl.from_list(range(x, x + n))
    if kind == "fail_even":
        return lambda x: Source(("TIMEOUT", x + n)) if x % 2 == 0 else impl.pure(x + n)
    return lambda x: impl.bind(impl.pure(x), lambda y: impl.from_list(range(y, y + n)))
# END HELPERS


def check_left_identity(impl: Impl) -> None:
    # BEGIN SOLUTION: property: bind(pure(x), f) gives the items of f(x)
    @CONFIG
    @given(x=ints, f=fn_specs)
    def prop(x: int, f: tuple[str, int]) -> None:
        fn = build_fn(impl, f)
        assert run(impl.bind(impl.pure(x), fn)) == run(fn(x))

    prop()
    # END SOLUTION


def check_right_identity(impl: Impl) -> None:
    # BEGIN SOLUTION: property: bind(s, pure) gives the items of s, for streams with Err items
    @CONFIG
    @given(s=stream_specs)
    def prop(s: tuple[str, Any]) -> None:
        assert run(impl.bind(build_stream(impl, s), impl.pure)) == run(build_stream(impl, s))

    prop()
    # END SOLUTION


def check_associativity(impl: Impl) -> None:
    # BEGIN SOLUTION: property: bind(bind(s, f), g) gives the items of bind(s, x -> bind(f(x), g))
    @CONFIG
    @given(s=stream_specs, f=fn_specs, g=fn_specs)
    def prop(s: tuple[str, Any], f: tuple[str, int], g: tuple[str, int]) -> None:
        fn, gn = build_fn(impl, f), build_fn(impl, g)
        left = impl.bind(impl.bind(build_stream(impl, s), fn), gn)
        right = impl.bind(build_stream(impl, s), lambda x: impl.bind(fn(x), gn))
        assert run(left) == run(right)

    prop()
    # END SOLUTION


def check_err_passes_through(impl: Impl) -> None:
    # BEGIN SOLUTION: property: map and bind pass each Err in place, never call f with it, and go on
    @CONFIG
    @given(values=st.lists(item_values, max_size=6))
    def prop(values: list[int | str]) -> None:
        seen: list[object] = []

        def double(x: int) -> int:
            seen.append(x)
            return 2 * x

        def twice(x: int) -> Stream:
            seen.append(x)
            return impl.from_list([x, x])

        expected_map = [err(v) if isinstance(v, str) else Ok(2 * v) for v in values]
        assert run(impl.map(Source(values), double)) == expected_map
        expected_bind = []
        for v in values:
            expected_bind += [err(v)] if isinstance(v, str) else [Ok(v), Ok(v)]
        assert run(impl.bind(Source(values), twice)) == expected_bind
        oks = [v for v in values if not isinstance(v, str)]
        assert seen == oks + oks, f"the functions saw {seen}, but only the Ok values {oks} (twice)"

    prop()
    # END SOLUTION


def check_lazy(impl: Impl) -> None:
    # BEGIN SOLUTION: property: k items of map(s, f) or bind(s, pure) pull exactly min(k, len) items of s
    @CONFIG
    @given(values=st.lists(item_values, max_size=6), k=st.integers(0, 8))
    def prop(values: list[int | str], k: int) -> None:
        for build in (lambda s: impl.map(s, lambda x: x + 1), lambda s: impl.bind(s, impl.pure)):
            source = Source(values)
            got = take(build(source), k)
            assert len(got) == min(k, len(values))
            pulls = source.pulls
            assert pulls == min(k, len(values)), f"took {k} items, the source handed out {pulls}"

    prop()
    # END SOLUTION
