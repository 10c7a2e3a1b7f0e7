"""The properties of the lifts (``lift_sync`` and friends), and plausible wrong lifts they catch.

:class:`LiftSet` names one implementation of the three lifts
(:data:`LIBRARY_LIFTS`, or a learner's). ``lift_properties(lifts)`` returns
the properties as zero-argument Hypothesis tests:

* **equals from_result** — for a pure function ``f`` returning ``Ok``/``Err``,
  ``lift_sync(f)(x)`` and ``lift_sync_with_executor(f, ex)(x)`` run like
  ``async_from_result(f(x))``;
* **exception becomes Err** — when ``f`` raises, the plan's result is
  ``Err`` with code ``UNEXPECTED`` whose message names the exception;
* **building calls nothing** — building the lifted plans and streams calls
  ``f`` zero times; each run calls it once;
* **stream in order** — ``lift_sync_gen_with_executor(f, ex)(x)`` yields
  ``Ok`` of every item ``f(x)`` returns (a list or a generator), in order, or
  ``f``'s ``Err``;
* **stream closes its generator** — stopped after *k* items, the stream has
  closed the generator ``f`` returned (its ``finally`` ran) by the time the
  driver returns.

Functions are described as data (:mod:`._lift_specs`) so a failing example
reads well; :data:`~._lift_specs.WRONG_LIFTS` holds the wrong lifts each
property catches.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.infra.runtime import run_plan, run_stream
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing._lift_specs import Counted, FailOn, LiftSet, Oops, RaiseOn, Scale, Upto
from funcpipe_rag.testing._profiles import reproducible
from funcpipe_rag.testing._strategies import codes, small_ints

result_fns: st.SearchStrategy[Any] = st.one_of(
    st.builds(Scale, st.integers(-5, 5)), st.builds(FailOn, st.integers(2, 4), st.integers(0, 1), codes)
)


# ---- the properties -------------------------------------------------------------------------


def equals_from_result(
    lifts: LiftSet, f: Callable[[int], Result[int, ErrInfo]], x: int, ex: Executor
) -> None:
    from funcpipe_rag.domain.effects.async_.plan import async_from_result

    expected = run_plan(async_from_result(f(x)))
    for name, lifted in (
        ("lift_sync", lifts.lift_sync(f)),
        ("lift_sync_with_executor", lifts.lift_sync_with_executor(f, ex)),
    ):
        got = run_plan(lifted(x))
        assert got == expected, f"{name}({f!r})({x}) finished with {got!r}; f({x}) is {expected!r}"


def exception_becomes_err(lifts: LiftSet, f: RaiseOn, x: int, ex: Executor) -> None:
    for name, lifted in (
        ("lift_sync", lifts.lift_sync(f)),
        ("lift_sync_with_executor", lifts.lift_sync_with_executor(f, ex)),
    ):
        try:
            got = run_plan(lifted(x))
        except Oops as exc:
            raise AssertionError(
                f"{name}: the exception escaped the plan ({exc!r}); it must become Err"
            ) from None
        if x % f.m == f.r:
            assert isinstance(got, Err), f"{name}({f!r})({x}) raised inside, but the plan gave {got!r}"
            assert got.error.code == ErrorCode.UNEXPECTED, (
                f"{name}: code {got.error.code!r}, expected 'UNEXPECTED'"
            )
            assert "Oops" in got.error.msg, (
                f"{name}: the message {got.error.msg!r} does not name the exception"
            )
        else:
            assert got == Ok(x), f"{name}({f!r})({x}) gave {got!r}, expected Ok({x})"


def building_calls_nothing(lifts: LiftSet, x: int, ex: Executor) -> None:
    f = Counted(Scale(2))
    lists: Any = Counted(lambda n: Ok(list(range(abs(n) % 4))))  # type: ignore[arg-type]
    plans = [lifts.lift_sync(f)(x), lifts.lift_sync_with_executor(f, ex)(x)]
    stream = lifts.lift_sync_gen_with_executor(lists, ex)(x)
    assert f.calls == 0 and lists.calls == 0, "building a lifted plan or stream already called the function"
    for plan in plans:
        run_plan(plan)
        run_plan(plan)
    run_stream(stream)
    run_stream(stream)
    assert f.calls == 4, f"two runs of two lifted plans called the function {f.calls} times, expected 4"
    assert lists.calls == 2, (
        f"two runs of the lifted stream called the function {lists.calls} times, expected 2"
    )


def stream_in_order(lifts: LiftSet, n: int, lazy: bool, ex: Executor) -> None:
    f = Upto(lazy)
    got = run_stream(lifts.lift_sync_gen_with_executor(f, ex)(n))
    expected = [f(n)] if n < 0 else [Ok(i) for i in range(n)]
    assert got == expected, f"the stream of {f!r}({n}) gave {got!r}, expected {expected!r}"


def stream_closes_generator(lifts: LiftSet, n: int, k: int, ex: Executor) -> None:
    f = Upto(lazy=True)
    got = run_stream(lifts.lift_sync_gen_with_executor(f, ex)(n), limit=k)
    assert got == [Ok(i) for i in range(min(n, k))], f"the first {k} items of range({n}) came out as {got!r}"
    assert f.closed == [n], f"stopped after {k} of {n} items, but the generator was not closed: {f.closed}"


LIFT_PROPERTIES = (
    "equals from_result",
    "exception becomes Err",
    "building calls nothing",
    "stream in order",
    "stream closes its generator",
)


def lift_properties(lifts: LiftSet, *, max_examples: int = 40) -> dict[str, Callable[[], None]]:
    """The lift properties for ``lifts``, each a Hypothesis test ready to call (threads as the executor)."""
    config = reproducible(max_examples=max_examples)

    def with_executor(body: Callable[[Executor], None]) -> None:
        with ThreadPoolExecutor(max_workers=2) as ex:
            body(ex)

    @config
    @given(f=result_fns, x=small_ints)
    def equal(f: Callable[[int], Result[int, ErrInfo]], x: int) -> None:
        with_executor(lambda ex: equals_from_result(lifts, f, x, ex))

    @config
    @given(f=st.builds(RaiseOn, st.integers(1, 3), st.integers(0, 0)), x=small_ints)
    def raises(f: RaiseOn, x: int) -> None:
        with_executor(lambda ex: exception_becomes_err(lifts, f, x, ex))

    @config
    @given(x=small_ints)
    def pure(x: int) -> None:
        with_executor(lambda ex: building_calls_nothing(lifts, x, ex))

    @config
    @given(n=st.integers(-1, 8), lazy=st.booleans())
    def ordered(n: int, lazy: bool) -> None:
        with_executor(lambda ex: stream_in_order(lifts, n, lazy, ex))

    @config
    @given(n=st.integers(2, 8), k=st.integers(1, 7))
    def closes(n: int, k: int) -> None:
        if k < n:
            with_executor(lambda ex: stream_closes_generator(lifts, n, k, ex))

    return dict(zip(LIFT_PROPERTIES, (equal, raises, pure, ordered, closes), strict=True))
