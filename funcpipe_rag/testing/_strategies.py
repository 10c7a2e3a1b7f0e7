"""Hypothesis strategies for plan specifications (see :mod:`.specs`)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.testing._specs import (
    Add,
    Affine,
    Bound,
    Fail,
    FailWhen,
    FnSpec,
    Lift,
    LiftAdd,
    Mapped,
    Mul,
    PlanSpec,
    Pure,
    RawLambda,
    Then,
)

small_ints = st.integers(min_value=-1000, max_value=1000)
codes = st.sampled_from([ErrorCode.TIMEOUT.value, ErrorCode.NOT_FOUND.value, ErrorCode.DB.value])

_simple_fns: st.SearchStrategy[Any] = st.one_of(
    st.builds(Add, small_ints),
    st.builds(Mul, st.integers(-5, 5)),
    st.builds(LiftAdd, small_ints),
    st.builds(RawLambda, small_ints),
    st.builds(FailWhen, st.integers(2, 4), st.integers(0, 1), codes),
)


# The recursive steps are named functions, not lambdas: to describe a strategy (which it does while
# retrying a filter, say) Hypothesis reads a lambda's source with `ast`, which is not thread-safe on
# Python 3.11, and the grader runs properties in several threads at once.


def _composite_fns(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.builds(Then, inner, inner)


def fn_specs() -> st.SearchStrategy[FnSpec]:
    """Functions ``int -> plan``: pure, lifted, hand-written, failing, and composites."""
    strategy: st.SearchStrategy[FnSpec] = st.recursive(_simple_fns, _composite_fns, max_leaves=4)
    return strategy


def _composite_plans(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.builds(Bound, inner, fn_specs()), st.builds(Mapped, inner, small_ints))


def plan_specs(max_leaves: int = 5) -> st.SearchStrategy[PlanSpec]:
    """Plans of ``int``: ``Ok`` and ``Err``, immediate and lifted, bound and mapped."""
    leaves: st.SearchStrategy[Any] = st.one_of(
        st.builds(Pure, small_ints), st.builds(Lift, small_ints), st.builds(Fail, codes)
    )
    strategy: st.SearchStrategy[PlanSpec] = st.recursive(leaves, _composite_plans, max_leaves=max_leaves)
    return strategy


def pure_fns() -> st.SearchStrategy[Affine]:
    """Plain functions ``int -> int`` (``x*a+b``), for the laws of ``map``."""
    return st.builds(Affine, st.integers(-3, 3), st.integers(-5, 5))
