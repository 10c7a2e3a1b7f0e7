"""Left-nested binds and maps are flattened into one shared list; plans stay independent values.

``p = async_bind(p, f)`` in a loop appends to one list instead of nesting one
node per bind. The list is shared between the plans of one chain, so these
properties check that sharing never leaks: a plan built by extending any
earlier plan, in any order, means what the chapter's closure encoding says it
means, and the plans it was built from keep their meaning. A deliberately
broken extension (one that appends without checking who owns the list) is
shown to fail the same property.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import async_bind, async_map, async_pure, run_plan
from funcpipe_rag.domain.effects.async_._nodes import Chain
from funcpipe_rag.result import Err, ErrInfo, Ok
from funcpipe_rag.testing import CLOSURE, LIBRARY, PlanAlgebra, returning

# One build step: extend plan number `base` (mod the plans so far) with a bind or a map by `k`.
Step = tuple[int, str, int]
kinds = st.sampled_from(["bind", "map", "lift", "fail"])
steps = st.lists(st.tuples(st.integers(0, 30), kinds, st.integers(-5, 5)), max_size=25)


def build_all(alg: PlanAlgebra, plan_steps: list[Step]) -> list[Any]:
    """Every plan of a history in which each new plan extends one earlier plan."""
    plans = [alg.pure(0)]
    for base, kind, k in plan_steps:
        earlier = plans[base % len(plans)]
        if kind == "bind":
            plans.append(alg.bind(earlier, lambda x, k=k: alg.pure(x + k)))
        elif kind == "map":
            plans.append(alg.fmap(earlier, lambda x, k=k: x * 2 + k))
        elif kind == "lift":
            plans.append(alg.bind(earlier, lambda x, k=k: alg.lift(lambda: returning(Ok(x - k)))))
        else:
            plans.append(alg.bind(earlier, lambda x, k=k: alg.lift(
                lambda: returning(Err(ErrInfo("TIMEOUT", f"at {x}"))) if x % 3 == 0 else returning(Ok(x + k))
            )))  # fmt: skip
    return plans


def results(alg: PlanAlgebra, plan_steps: list[Step]) -> list[Any]:
    plans = build_all(alg, plan_steps)
    return [run_plan(p) for p in plans]


@given(plan_steps=steps)
def test_plans_sharing_a_chain_stay_independent(plan_steps: list[Step]) -> None:
    assert results(LIBRARY, plan_steps) == results(CLOSURE, plan_steps)


def test_a_loop_of_binds_keeps_one_list_and_one_live_node() -> None:
    plan: Any = async_pure(0)
    for _ in range(1000):
        plan = async_bind(plan, lambda x: async_pure(x + 1))
    assert type(plan) is Chain and plan.n == len(plan.ops) == 1000
    shorter = plan
    longer = async_map(plan, str)
    other = async_bind(plan, lambda x: async_pure(-x))
    assert longer.ops is plan.ops and other.ops is not plan.ops  # the second extension copies
    assert run_plan(shorter) == Ok(1000) and run_plan(longer) == Ok("1000") and run_plan(other) == Ok(-1000)


def _bind_sharing_blindly(plan: Any, f: Any) -> Any:
    """A wrong flattening: appends to the shared list without checking who else extended it."""
    if type(plan) is not Chain:
        return async_bind(plan, f)
    plan.ops.append(f)
    node = Chain()
    node.source, node.ops, node.n = plan.source, plan.ops, plan.n + 1
    return node


def test_the_property_catches_an_extension_that_ignores_ownership() -> None:
    wrong = PlanAlgebra("blind sharing", async_pure, _bind_sharing_blindly, LIBRARY.lift, LIBRARY.map)
    history: list[Step] = [(0, "bind", 1), (1, "bind", 1), (2, "bind", 1), (2, "bind", 5)]
    assert results(wrong, history) != results(CLOSURE, history)
    assert results(LIBRARY, history) == results(CLOSURE, history)
