"""Laws as runnable Hypothesis properties: one checker for every law of every plan type.

The laws themselves are data next to each type (``LAWS`` in
:mod:`funcpipe_rag.domain.effects.io_plan` and
:mod:`funcpipe_rag.domain.effects.async_.plan`, built from
:mod:`funcpipe_rag.domain.effects.laws`). :func:`law_property` turns one
law, for one implementation, into a zero-argument test: call it and it
returns (Hypothesis found no counterexample) or raises ``AssertionError``
describing the smallest counterexample it found. :data:`LAW_SUBJECTS` lists
the plan types whose laws the test suite checks; a new type is one entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Protocol

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag.domain.effects import io_plan
from funcpipe_rag.domain.effects.async_ import plan as async_plan
from funcpipe_rag.domain.effects.async_ import stream
from funcpipe_rag.domain.effects.laws import MONAD_LAWS, Law, Laws
from funcpipe_rag.result import ErrInfo, Result
from funcpipe_rag.testing._profiles import reproducible
from funcpipe_rag.testing._specs import LIBRARY, PlanAlgebra
from funcpipe_rag.testing._strategies import fn_specs, plan_specs, pure_fns, small_ints
from funcpipe_rag.testing._stream_specs import LIBRARY_STREAMS
from funcpipe_rag.testing._stream_strategies import stream_inputs
from funcpipe_rag.testing._wrong import WRONG
from funcpipe_rag.testing._wrong_streams import WRONG_STREAMS


def _explain(law: str, left: object, right: object) -> str:
    return f"{law} fails: one side finished with {left!r}, the other with {right!r}"


def _inputs() -> dict[str, st.SearchStrategy[Any]]:
    return {"value": small_ints, "plan": plan_specs(), "fn": fn_specs(), "pure_fn": pure_fns()}


def _built(alg: LawAlgebra, kinds: Mapping[str, str], drawn: Mapping[str, Any]) -> dict[str, Any]:
    # Plans and functions are drawn as specifications and built afresh for each side of a law.
    return {name: drawn[name].build(alg) if kinds[name] in ("plan", "fn") else drawn[name] for name in drawn}


class LawAlgebra(Protocol):
    """What the checker needs of an implementation: the primitives, and a way to run what they build."""

    @property
    def pure(self) -> Callable[[Any], Any]: ...

    @property
    def bind(self) -> Callable[[Any, Callable[[Any], Any]], Any]: ...

    def fmap(self, plan: Any, f: Callable[[Any], Any]) -> Any: ...

    def run(self, plan: Any) -> Any: ...


def law_property(
    alg: LawAlgebra,
    law: Law,
    *,
    max_examples: int = 100,
    inputs: Mapping[str, st.SearchStrategy[Any]] | None = None,
) -> Callable[[], None]:
    """``law`` for the implementation ``alg``, as a Hypothesis test ready to call.

    ``inputs`` gives the strategy for each kind of input (plans by default;
    streams give stream specifications, see ``LawSubject.inputs``).
    """
    kinds = dict(law.inputs)
    strategies = {**_inputs(), **(inputs or {})}
    prims = SimpleNamespace(pure=alg.pure, bind=alg.bind, map=alg.fmap)

    def check(**drawn: Any) -> None:
        left = alg.run(law.left(prims, **_built(alg, kinds, drawn)))
        right = alg.run(law.right(prims, **_built(alg, kinds, drawn)))
        assert left == right, _explain(law.name, left, right)

    # Named before Hypothesis wraps it: a counterexample then reads `left_identity(x=0, f=...)`.
    check.__name__ = check.__qualname__ = law.name.replace(" ", "_")
    prop: Callable[[], None] = reproducible(max_examples=max_examples)(
        given(**{name: strategies[kind] for name, kind in law.inputs})(check)
    )
    return prop


def bind_law_properties(alg: PlanAlgebra, *, max_examples: int = 100) -> dict[str, Callable[[], None]]:
    """The three monad laws for ``alg``, by name (``"left identity"`` ...), each ready to call."""
    return {law.name: law_property(alg, law, max_examples=max_examples) for law in MONAD_LAWS}


def _io_step(result: Result[Any, ErrInfo]) -> Any:
    return lambda: result


@dataclass(frozen=True)
class LawSubject:
    """A plan type whose laws the test suite checks: its laws, and an algebra to check them on."""

    laws: Laws
    algebra: LawAlgebra
    wrong: Mapping[str, tuple[LawAlgebra, str]] = field(default_factory=dict)
    """Broken variants of the type, each with the name of a law that must catch it."""
    inputs: Mapping[str, st.SearchStrategy[Any]] | None = None
    """The strategies its laws draw inputs from, where they are not plans (streams draw streams)."""


def _io_bind_drops_err(plan: Any, f: Callable[[Any], Any]) -> Any:
    """A broken ``io_bind``: an ``Err`` of the first plan becomes ``f(0)``."""

    def run() -> Any:
        res = plan()
        return f(res.value if res.is_ok() else 0)()

    return run


_IO = PlanAlgebra(
    "IOPlan",
    io_plan.io_pure,
    io_plan.io_bind,
    lambda make: make,  # an IOPlan already is a zero-argument callable returning a Result
    io_plan.io_map,
    run=lambda plan: plan(),
    effect=_io_step,
    handmade=_io_step,
)

_BROKEN_IO = PlanAlgebra(
    "IOPlan whose bind drops Err",
    io_plan.io_pure,
    _io_bind_drops_err,
    _IO.lift,
    run=_IO.run,
    effect=_io_step,
    handmade=_io_step,
)

# Each wrong primitive that breaks a law, and the law that catches it. (The others give equal results
# and are caught by the purity and replay tests instead: an eager bind, a lift that reuses or caches.)
_LAW_NAMES = {law.name for law in stream.LAWS.laws}

_ASYNC_WRONG = {
    "bind drops Err": "right identity",
    "bind ignores f": "left identity",
    "bind rewrites Err": "right identity",
    "pure wraps twice": "right identity",
    "bind drops Err of f": "left identity",
    "bind rewrites Err of f": "left identity",
    "bind loses Err details": "right identity",
    "bind reassociates": "associativity",
}

LAW_SUBJECTS: tuple[LawSubject, ...] = (
    LawSubject(io_plan.LAWS, _IO, {"bind drops Err": (_BROKEN_IO, "right identity")}),
    LawSubject(async_plan.LAWS, LIBRARY, {n: (WRONG[n].algebra, law) for n, law in _ASYNC_WRONG.items()}),
    LawSubject(
        stream.LAWS,
        LIBRARY_STREAMS,
        {n: (w.impl, w.caught_by) for n, w in WRONG_STREAMS.items() if w.caught_by in _LAW_NAMES},
        stream_inputs(),
    ),
)
"""Every plan type with laws, and how to check them: one entry per type."""
