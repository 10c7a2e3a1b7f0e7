"""The same three laws for the synchronous IOPlan of Module 7."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import Err, ErrInfo, ErrorCode, Ok, perform
from funcpipe_rag.domain.effects.io_plan import IOPlan, io_bind, io_delay, io_from_result, io_map, io_pure

ints = st.integers(-1000, 1000)
IntFn = Callable[[int], IOPlan[int]]


def _fn(kind: int, k: int) -> Callable[[int], IOPlan[int]]:
    if kind == 0:
        return lambda x: io_pure(x + k)
    if kind == 1:
        invalid = ErrorCode.VALIDATION
        return lambda x: io_from_result(Err(ErrInfo(invalid, str(x)))) if x % 2 == 0 else io_pure(x * k)
    return lambda x: io_delay(lambda: x - k)


fns = st.builds(_fn, st.integers(0, 2), ints)
plans = st.one_of(
    st.builds(io_pure, ints),
    st.builds(lambda c: io_from_result(Err(ErrInfo(c, "m"))), st.sampled_from(["TIMEOUT", "DB"])),
    st.builds(lambda v: io_delay(lambda: v), ints),
)


@given(x=ints, f=fns)
def test_left_identity(x: int, f: Callable[[int], IOPlan[int]]) -> None:
    assert perform(io_bind(io_pure(x), f)) == perform(f(x))


@given(m=plans)
def test_right_identity(m: IOPlan[int]) -> None:
    assert perform(io_bind(m, io_pure)) == perform(m)


@given(m=plans, f=fns, g=fns)
def test_associativity(m: IOPlan[int], f: IntFn, g: IntFn) -> None:
    assert perform(io_bind(io_bind(m, f), g)) == perform(io_bind(m, lambda x: io_bind(f(x), g)))


@given(m=plans, k=ints)
def test_map_is_bind_then_pure(m: IOPlan[int], k: int) -> None:
    assert perform(io_map(m, lambda x: x + k)) == perform(io_bind(m, lambda x: io_pure(x + k)))


def test_building_an_io_plan_performs_nothing() -> None:
    calls: list[int] = []
    plan = io_bind(io_delay(lambda: calls.append(1)), lambda _: io_delay(lambda: calls.append(2)))
    assert calls == []
    assert perform(plan) == Ok(None)
    assert calls == [1, 2]


def test_io_delay_turns_an_exception_into_err() -> None:
    result = perform(io_delay(lambda: 1 // 0, code=ErrorCode.VALIDATION))
    assert isinstance(result, Err)
    assert result.error.code == "VALIDATION"
    assert "ZeroDivisionError" in result.error.msg
