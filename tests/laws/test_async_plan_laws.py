"""The monad laws of AsyncPlan, over Ok and Err, with generated values and functions.

Each law is also run against deliberately broken primitives, to show that the
property would catch the bug: a law test that cannot fail proves nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from funcpipe_rag.result import Err, ErrInfo, Ok
from funcpipe_rag.testing.laws import bind_law_properties, closure_algebra, library_algebra
from funcpipe_rag.testing.specs import PlanAlgebra

LAWS = ["left identity", "right identity", "associativity"]


@pytest.mark.parametrize("law", LAWS)
def test_library_satisfies_law(law: str) -> None:
    bind_law_properties(library_algebra())[law]()


@pytest.mark.parametrize("law", LAWS)
def test_closure_version_satisfies_law(law: str) -> None:
    bind_law_properties(closure_algebra(), max_examples=50)[law]()


# ---- broken primitives: each must be caught by at least one law ----------------------

LIB = library_algebra()


def _bind_err_becomes_ok(plan: Any, f: Any) -> Any:
    """Turns an Err into Ok(0) and carries on: drops the failure."""

    async def run() -> Any:
        res = await plan()
        value = res.value if isinstance(res, Ok) else 0
        return await f(value)()

    return run


def _bind_skips_f(plan: Any, f: Any) -> Any:
    """Forgets to call f at all."""
    return plan


def _bind_recodes_err(plan: Any, f: Any) -> Any:
    """Rewrites the error it passes on (so errors are no longer preserved)."""

    async def run() -> Any:
        res = await plan()
        if isinstance(res, Err):
            return Err(ErrInfo("WRAPPED", res.error.message))
        return await f(res.value)()

    return run


def _pure_off_by_one(value: Any) -> Any:
    return LIB.pure(value + 1)


BROKEN = {
    "bind drops Err": PlanAlgebra("err→ok", LIB.pure, _bind_err_becomes_ok, LIB.lift),
    "bind ignores f": PlanAlgebra("skip f", LIB.pure, _bind_skips_f, LIB.lift),
    "bind rewrites Err": PlanAlgebra("recode", LIB.pure, _bind_recodes_err, LIB.lift),
    "pure changes value": PlanAlgebra("pure+1", _pure_off_by_one, LIB.bind, LIB.lift),
}


@pytest.mark.parametrize(
    ("broken", "law"),
    [
        ("bind drops Err", "right identity"),
        ("bind ignores f", "left identity"),
        ("bind rewrites Err", "right identity"),
        ("pure changes value", "right identity"),
    ],
)
def test_law_catches_broken_primitive(broken: str, law: str) -> None:
    with pytest.raises(AssertionError, match=law):
        bind_law_properties(BROKEN[broken], max_examples=200)[law]()
