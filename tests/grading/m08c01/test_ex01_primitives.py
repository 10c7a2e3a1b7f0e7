"""Graded: exercise 1, the primitives (``ex01_primitives.py``)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag.grading.harness import drive, load, points, require
from funcpipe_rag.result import Err, ErrInfo, Ok
from funcpipe_rag.testing import PlanAlgebra, bind_law_properties, returning

EXERCISE = "ex01_primitives"
TITLE = "Build the primitives"
EXAMPLES = 30
codes = st.sampled_from(["NOT_FOUND", "TIMEOUT", "DB"])
values = st.integers() | st.sampled_from(["", "a", "xyz"]) | st.none()


def _alg() -> PlanAlgebra:
    pure, bind, map_, lift = require(load(EXERCISE), "async_pure", "async_bind", "async_map", "async_lift")
    return PlanAlgebra("yours", pure, bind, lift, map_)


class Calls:
    """A capability that counts how often its coroutine is made and awaited."""

    def __init__(self, result: Any) -> None:
        self.result = result
        self.made = 0

    def make(self) -> Any:
        self.made += 1
        return returning(self.result)


@points(1, hint="async_pure(x) returns an inner `async def` whose body is `return Ok(x)`.")
def test_pure() -> None:
    """async_pure(x) finishes with Ok(x), on every run."""
    alg = _alg()

    @settings(max_examples=EXAMPLES)
    @given(x=values)
    def prop(x: Any) -> None:
        plan = alg.pure(x)
        first, second = drive(plan), drive(plan)
        assert first == Ok(x), f"async_pure({x!r}) finished with {first!r}, expected Ok({x!r})"
        assert second == Ok(x), f"the second run of async_pure({x!r}) finished with {second!r}"

    prop()


@points(2, hint="bind(pure(x), f) must give exactly what f(x) gives: call f(v) with the Ok value v.")
def test_left_identity() -> None:
    """Left identity: async_bind(async_pure(x), f) runs like f(x)."""
    bind_law_properties(_alg(), max_examples=EXAMPLES)["left identity"]()


@points(2, hint="bind(m, pure) must finish with m's own result, Err included, unchanged.")
def test_right_identity() -> None:
    """Right identity: async_bind(m, async_pure) runs like m, for Ok and Err plans."""
    bind_law_properties(_alg(), max_examples=EXAMPLES)["right identity"]()


@points(2, hint="Await the inner plan, then the plan f returns; do not reorder or skip steps.")
def test_associativity() -> None:
    """Associativity: bind(bind(m, f), g) runs like bind(m, x -> bind(f(x), g))."""
    bind_law_properties(_alg(), max_examples=EXAMPLES)["associativity"]()


@points(2, hint="In the Err case return the Err you got, and do not call f.")
def test_err_short_circuit() -> None:
    """An Err skips f in bind and map, and comes out unchanged."""
    alg = _alg()

    @settings(max_examples=EXAMPLES)
    @given(code=codes, path=st.lists(st.sampled_from("ab"), max_size=2))
    def prop(code: str, path: list[str]) -> None:
        err = Err(ErrInfo(code, "failed", path=tuple(path)))
        called: list[object] = []

        def f(x: object) -> Any:
            called.append(x)
            return alg.pure(x)

        got = drive(alg.bind(alg.lift(lambda: returning(err)), f))
        assert not called, f"async_bind called f({called[0]!r}) although the plan finished with {err!r}"
        assert got == err, f"async_bind turned {err!r} into {got!r}; an Err must pass through unchanged"
        mapped = drive(alg.fmap(alg.lift(lambda: returning(err)), lambda x: called.append(x)))
        assert not called, "async_map called f although the plan finished with Err"
        assert mapped == err, f"async_map turned {err!r} into {mapped!r}; an Err must pass through unchanged"

    prop()


@points(1, hint="async_map wraps f's return value in Ok; f is a plain function, not a plan.")
def test_map() -> None:
    """async_map(plan, f) finishes with Ok(f(v)) when plan finishes with Ok(v)."""
    if _alg().map is None:
        raise AssertionError("async_map is missing")
    alg = _alg()

    @settings(max_examples=EXAMPLES)
    @given(x=st.integers(-1000, 1000), k=st.integers(-5, 5))
    def prop(x: int, k: int) -> None:
        got = drive(alg.fmap(alg.lift(lambda: returning(Ok(x))), lambda v: v * k + 1))
        assert got == Ok(x * k + 1), f"async_map(plan of Ok({x}), v -> v*{k}+1) gave {got!r}"

    prop()


@points(2, hint="Do all the work inside the inner `async def`; building a plan must call nothing.")
def test_description_purity() -> None:
    """Building plans with async_lift, async_bind and async_map calls nothing."""
    alg = _alg()
    cap = Calls(Ok(1))
    touched: list[str] = []
    plan = alg.lift(cap.make)
    plan = alg.bind(plan, lambda x: touched.append("f") or alg.pure(x + 1))
    plan = alg.fmap(plan, lambda x: touched.append("g") or x * 10)
    inner = plan
    plan = alg.bind(alg.pure(5), lambda x: touched.append("h") or inner)
    assert cap.made == 0, "building the plan already called the lifted capability"
    assert not touched, f"building the plan already called {', '.join(touched)}"
    got = drive(plan)
    assert got == Ok(20), f"the plan finished with {got!r}, expected Ok(20)"
    assert cap.made == 1, f"running the plan once called the capability {cap.made} times"


@points(2, hint="Call make_coro() inside the plan on every run; never keep a coroutine between runs.")
def test_replayability() -> None:
    """Running one plan twice runs its steps twice and gives equal results."""
    alg = _alg()

    @settings(max_examples=EXAMPLES)
    @given(x=st.integers(-1000, 1000), fail=st.booleans())
    def prop(x: int, fail: bool) -> None:
        cap = Calls(Err(ErrInfo("TRANSIENT", "boom")) if fail else Ok(x))
        plan = alg.fmap(alg.bind(alg.lift(cap.make), lambda v: alg.pure(v + 1)), lambda v: v * 2)
        first = drive(plan)
        second = drive(plan)
        assert first == second, f"the first run gave {first!r}, the second {second!r}"
        assert cap.made == 2, f"two runs called the lifted capability {cap.made} times, expected 2"

    prop()
