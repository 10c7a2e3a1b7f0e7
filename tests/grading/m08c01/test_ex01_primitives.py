"""Graded: exercise 1, the primitives (``ex01_primitives.py``).

Observers (``@observer``) run the learner's primitives next to their code
and report results and call counts; the graded tests (``@graded``) generate
the cases and judge the reports, comparing with the library's primitives.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import Err, ErrInfo, Ok, run_plan
from funcpipe_rag.grading.harness import drive, graded, load, observe, observer, require
from funcpipe_rag.testing import (
    LIBRARY,
    FnSpec,
    PlanAlgebra,
    PlanSpec,
    fn_specs,
    plan_specs,
    returning,
    small_ints,
)

EXERCISE = "ex01_primitives"
TITLE = "Build the primitives"
EXAMPLES = 30
codes = st.sampled_from(["NOT_FOUND", "TIMEOUT", "DB"])
values = st.integers() | st.sampled_from(["", "a", "xyz"]) | st.none()


# ---- next to the learner's code -------------------------------------------------------------


def _alg() -> PlanAlgebra:
    pure, bind, map_, lift = require(load(EXERCISE), "async_pure", "async_bind", "async_map", "async_lift")
    return PlanAlgebra("yours", pure, bind, lift, map_)


class Calls:
    """A capability that counts how often its coroutine is made."""

    def __init__(self, result: Any) -> None:
        self.result = result
        self.made = 0

    def make(self) -> Any:
        self.made += 1
        return returning(self.result)


class TwoRuns(TypedDict):
    first: object
    second: object


@observer
def pure_runs(x: object) -> TwoRuns:
    """Build async_pure(x) once, run it twice."""
    plan = _alg().pure(x)
    return {"first": drive(plan), "second": drive(plan)}


class LawCase(TypedDict, total=False):
    law: Literal["left", "right", "assoc"]
    x: int
    m: PlanSpec
    f: FnSpec
    g: FnSpec


class LawSides(TypedDict):
    left: object
    right: object


@observer
def law_sides(case: LawCase) -> LawSides:
    """Run both sides of one monad law with the learner's primitives."""
    alg = _alg()
    if case["law"] == "left":
        fn = case["f"].build(alg)
        return {"left": drive(alg.bind(alg.pure(case["x"]), fn)), "right": drive(fn(case["x"]))}
    if case["law"] == "right":
        return {"left": drive(alg.bind(case["m"].build(alg), alg.pure)), "right": drive(case["m"].build(alg))}
    fn, gn = case["f"].build(alg), case["g"].build(alg)
    left = drive(alg.bind(alg.bind(case["m"].build(alg), fn), gn))
    right = drive(alg.bind(case["m"].build(alg), lambda x: alg.bind(fn(x), gn)))
    return {"left": left, "right": right}


class ShortCircuit(TypedDict):
    bind_calls: list[object]
    bind_result: object
    map_calls: list[object]
    map_result: object


@observer
def err_through(err: object) -> ShortCircuit:
    """Bind and map a lifted plan that finishes with ``err``; record every call of f."""
    alg = _alg()
    bind_calls: list[object] = []
    map_calls: list[object] = []

    def f(x: object) -> Any:
        bind_calls.append(x)
        return alg.pure(x)

    bound = drive(alg.bind(alg.lift(lambda: returning(err)), f))
    mapped = drive(alg.fmap(alg.lift(lambda: returning(err)), lambda x: map_calls.append(x)))
    return {"bind_calls": bind_calls, "bind_result": bound, "map_calls": map_calls, "map_result": mapped}


class Mapped(TypedDict):
    result: object


@observer
def map_linear(case: tuple[int, int]) -> Mapped:
    """async_map(a lifted Ok(x), v -> v * k + 1)."""
    x, k = case
    alg = _alg()
    return {"result": drive(alg.fmap(alg.lift(lambda: returning(Ok(x))), lambda v: v * k + 1))}


class Purity(TypedDict):
    made_when_built: int
    touched_when_built: list[str]
    result: object
    made_after_run: int


@observer
def build_then_run(case: None) -> Purity:
    """Build a plan with lift, bind, map and bind, look at what ran, then run it once."""
    alg = _alg()
    cap = Calls(Ok(1))
    touched: list[str] = []
    plan = alg.lift(cap.make)
    plan = alg.bind(plan, lambda x: touched.append("f") or alg.pure(x + 1))
    plan = alg.fmap(plan, lambda x: touched.append("g") or x * 10)
    inner = plan
    plan = alg.bind(alg.pure(5), lambda x: touched.append("h") or inner)
    made, seen = cap.made, list(touched)
    result = drive(plan)
    return {"made_when_built": made, "touched_when_built": seen, "result": result, "made_after_run": cap.made}


class Replay(TypedDict):
    first: object
    second: object
    made: int


@observer
def run_twice(case: tuple[int, bool]) -> Replay:
    """map(bind(lift(cap), +1), *2), run twice."""
    x, fail = case
    alg = _alg()
    cap = Calls(Err(ErrInfo("TRANSIENT", "boom")) if fail else Ok(x))
    plan = alg.fmap(alg.bind(alg.lift(cap.make), lambda v: alg.pure(v + 1)), lambda v: v * 2)
    first = drive(plan)
    second = drive(plan)
    return {"first": first, "second": second, "made": cap.made}


# ---- the graded tests: cases in, facts judged ---------------------------------------------------


def _law(name: str, case: LawCase, want: object) -> None:
    seen = observe(law_sides, case)
    left, right = seen["left"], seen["right"]
    assert left == right, f"{name} fails: one side finished with {left!r}, the other with {right!r}"
    assert left == want, f"{name}: both sides finished with {left!r}, but they should finish with {want!r}"


@graded(
    points=1,
    hint="async_pure(x) returns an inner `async def` whose body is `return Ok(x)`.",
    examples=EXAMPLES,
)
@given(x=values)
def test_pure(x: Any) -> None:
    """async_pure(x) finishes with Ok(x), on every run."""
    seen = observe(pure_runs, x)
    assert seen["first"] == Ok(x), f"async_pure({x!r}) finished with {seen['first']!r}, expected Ok({x!r})"
    assert seen["second"] == Ok(x), f"the second run of async_pure({x!r}) finished with {seen['second']!r}"


@graded(
    points=2,
    hint="bind(pure(x), f) must give exactly what f(x) gives: call f(v) with the Ok value v.",
    examples=EXAMPLES,
)
@given(x=small_ints, f=fn_specs())
def test_left_identity(x: int, f: FnSpec) -> None:
    """Left identity: async_bind(async_pure(x), f) runs like f(x)."""
    _law("left identity", {"law": "left", "x": x, "f": f}, run_plan(f.build(LIBRARY)(x)))


@graded(
    points=2,
    hint="bind(m, pure) must finish with m's own result, Err included, unchanged.",
    examples=EXAMPLES,
)
@given(m=plan_specs())
def test_right_identity(m: PlanSpec) -> None:
    """Right identity: async_bind(m, async_pure) runs like m, for Ok and Err plans."""
    _law("right identity", {"law": "right", "m": m}, run_plan(m.build(LIBRARY)))


@graded(
    points=2,
    hint="Await the inner plan, then the plan f returns; do not reorder or skip steps.",
    examples=EXAMPLES,
)
@given(m=plan_specs(), f=fn_specs(), g=fn_specs())
def test_associativity(m: PlanSpec, f: FnSpec, g: FnSpec) -> None:
    """Associativity: bind(bind(m, f), g) runs like bind(m, x -> bind(f(x), g))."""
    want = run_plan(LIBRARY.bind(LIBRARY.bind(m.build(LIBRARY), f.build(LIBRARY)), g.build(LIBRARY)))
    _law("associativity", {"law": "assoc", "m": m, "f": f, "g": g}, want)


@graded(points=2, hint="In the Err case return the Err you got, and do not call f.", examples=EXAMPLES)
@given(code=codes, path=st.lists(st.sampled_from("ab"), max_size=2))
def test_err_short_circuit(code: str, path: list[str]) -> None:
    """An Err skips f in bind and map, and comes out unchanged."""
    err = Err(ErrInfo(code, "failed", path=tuple(path)))
    seen = observe(err_through, err)
    calls = seen["bind_calls"]
    assert not calls, f"async_bind called f({calls[0]!r}) although the plan finished with {err!r}"
    got = seen["bind_result"]
    assert got == err, f"async_bind turned {err!r} into {got!r}; an Err must pass through unchanged"
    assert not seen["map_calls"], "async_map called f although the plan finished with Err"
    mapped = seen["map_result"]
    assert mapped == err, f"async_map turned {err!r} into {mapped!r}; an Err must pass through unchanged"


@graded(
    points=1,
    hint="async_map wraps f's return value in Ok; f is a plain function, not a plan.",
    examples=EXAMPLES,
)
@given(x=st.integers(-1000, 1000), k=st.integers(-5, 5))
def test_map(x: int, k: int) -> None:
    """async_map(plan, f) finishes with Ok(f(v)) when plan finishes with Ok(v)."""
    got = observe(map_linear, (x, k))["result"]
    assert got == Ok(x * k + 1), f"async_map(plan of Ok({x}), v -> v*{k}+1) gave {got!r}"


@graded(points=2, hint="Do all the work inside the inner `async def`; building a plan must call nothing.")
def test_description_purity() -> None:
    """Building plans with async_lift, async_bind and async_map calls nothing."""
    seen = observe(build_then_run, None)
    assert seen["made_when_built"] == 0, "building the plan already called the lifted capability"
    touched = seen["touched_when_built"]
    assert not touched, f"building the plan already called {', '.join(map(str, touched))}"
    assert seen["result"] == Ok(20), f"the plan finished with {seen['result']!r}, expected Ok(20)"
    made = seen["made_after_run"]
    assert made == 1, f"running the plan once called the capability {made} times"


@graded(
    points=2,
    hint="Call make_coro() inside the plan on every run; never keep a coroutine between runs.",
    examples=EXAMPLES,
)
@given(x=st.integers(-1000, 1000), fail=st.booleans())
def test_replayability(x: int, fail: bool) -> None:
    """Running one plan twice runs its steps twice and gives equal results."""
    seen = observe(run_twice, (x, fail))
    first, second = seen["first"], seen["second"]
    assert first == second, f"the first run gave {first!r}, the second {second!r}"
    assert seen["made"] == 2, f"two runs called the lifted capability {seen['made']} times, expected 2"
    want = Err(ErrInfo("TRANSIENT", "boom")) if fail else Ok((x + 1) * 2)
    assert first == want, f"the plan finished with {first!r}, expected {want!r}"
