"""The monad laws of a plan algebra as runnable Hypothesis properties.

``bind_law_properties(alg)`` returns the three laws for the implementation
``alg`` as zero-argument test functions: call one and it either returns
(Hypothesis found no counterexample) or raises ``AssertionError`` describing
the smallest counterexample it found. "Equal" means: running both plans gives
equal results.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import Phase, given, settings

from funcpipe_rag.infra.runtime import run_plan
from funcpipe_rag.testing._specs import FnSpec, PlanAlgebra, PlanSpec
from funcpipe_rag.testing._strategies import fn_specs, plan_specs, small_ints


def _explain(law: str, left: object, right: object) -> str:
    return f"{law} fails: one side finished with {left!r}, the other with {right!r}"


def left_identity(alg: PlanAlgebra, x: int, f: FnSpec) -> None:
    """``bind(pure(x), f) == f(x)``"""
    fn = f.build(alg)
    left, right = run_plan(alg.bind(alg.pure(x), fn)), run_plan(fn(x))
    assert left == right, _explain("left identity", left, right)


def right_identity(alg: PlanAlgebra, m: PlanSpec) -> None:
    """``bind(m, pure) == m``"""
    left, right = run_plan(alg.bind(m.build(alg), alg.pure)), run_plan(m.build(alg))
    assert left == right, _explain("right identity", left, right)


def associativity(alg: PlanAlgebra, m: PlanSpec, f: FnSpec, g: FnSpec) -> None:
    """``bind(bind(m, f), g) == bind(m, x -> bind(f(x), g))``"""
    fn, gn = f.build(alg), g.build(alg)
    left = run_plan(alg.bind(alg.bind(m.build(alg), fn), gn))
    right = run_plan(alg.bind(m.build(alg), lambda x: alg.bind(fn(x), gn)))
    assert left == right, _explain("associativity", left, right)


def bind_law_properties(
    alg: PlanAlgebra, *, max_examples: int = 100
) -> dict[str, Callable[[], None]]:
    """The three laws for ``alg``, each a Hypothesis test ready to call."""
    config = settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        report_multiple_bugs=False,  # one clear counterexample, not an exception group
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),  # no slow "explain"
    )

    @config
    @given(x=small_ints, f=fn_specs())
    def left(x: int, f: FnSpec) -> None:
        left_identity(alg, x, f)

    @config
    @given(m=plan_specs())
    def right(m: PlanSpec) -> None:
        right_identity(alg, m)

    @config
    @given(m=plan_specs(), f=fn_specs(), g=fn_specs())
    def assoc(m: PlanSpec, f: FnSpec, g: FnSpec) -> None:
        associativity(alg, m, f, g)

    return {"left identity": left, "right identity": right, "associativity": assoc}
