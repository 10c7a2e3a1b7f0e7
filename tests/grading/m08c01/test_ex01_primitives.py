"""Graded: exercise 1, the primitives (``ex01_primitives.py``).

Observers (``@observer``) run the learner's primitives next to their code
and report results and call counts; the graded tests (``@graded``) generate
the cases and judge the reports, comparing with the library's primitives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypedDict

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import Err, ErrInfo, Ok, run_plan
from funcpipe_rag.grading.harness import drive, graded, grading_settings, load, observe, observer, require
from funcpipe_rag.testing import (
    LIBRARY,
    FnSpec,
    PlanAlgebra,
    PlanSpec,
    Strata,
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
    """The law itself: both sides finish alike. (Whether they finish *right* is other clauses' business,
    so that a law test fails exactly when its law does; ``want`` only names the case's path.)"""
    seen = observe(law_sides, case)
    left, right = seen["left"], seen["right"]
    assert left == right, f"{name} fails: one side finished with {left!r}, the other with {right!r}"


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


def _ok(result: object) -> str:
    return "Ok" if isinstance(result, Ok) else "Err"


def _left_want(case: tuple[int, FnSpec]) -> object:
    x, f = case
    return run_plan(f.build(LIBRARY)(x))


def _right_want(m: PlanSpec) -> object:
    return run_plan(m.build(LIBRARY))


def _assoc_want(case: tuple[PlanSpec, FnSpec, FnSpec]) -> object:
    m, f, g = case
    return run_plan(LIBRARY.bind(LIBRARY.bind(m.build(LIBRARY), f.build(LIBRARY)), g.build(LIBRARY)))


def _strata(cases: Any, want: Callable[[Any], object]) -> tuple[Strata[Any], Callable[[Any], str]]:
    """Cases split by how the library's run of them ends, Ok or Err (half the examples each), and the
    function naming a case's path. Named functions, not lambdas: Hypothesis reads a lambda's source
    (with ``ast``, not thread-safe) to describe it, and gradings run side by side."""

    def path_of(case: Any) -> str:
        return _ok(want(case))

    def ends_ok(case: Any) -> bool:
        return path_of(case) == "Ok"

    def ends_err(case: Any) -> bool:
        return path_of(case) == "Err"

    return Strata({"Ok": cases.filter(ends_ok), "Err": cases.filter(ends_err)}), path_of


LEFT, _left_path = _strata(st.tuples(small_ints, fn_specs()), _left_want)
RIGHT, _right_path = _strata(plan_specs(), _right_want)
ASSOC, _assoc_path = _strata(st.tuples(plan_specs(), fn_specs(), fn_specs()), _assoc_want)
PATHS = {
    "test_left_identity": (LEFT, _left_path, EXAMPLES),
    "test_right_identity": (RIGHT, _right_path, EXAMPLES),
    "test_associativity": (ASSOC, _assoc_path, EXAMPLES),
}
"""For the grader's own tests: the laws reach Ok and Err results in equal shares, measurably."""


@graded(
    points=2,
    hint="bind(pure(x), f) must give exactly what f(x) gives, Ok or Err: call f(v) with the Ok value v.",
)
def test_left_identity() -> None:
    """Left identity: async_bind(async_pure(x), f) runs like f(x), for f that succeed and f that fail."""
    def law(_path: str, case: tuple[int, FnSpec]) -> None:
        _law("left identity", {"law": "left", "x": case[0], "f": case[1]}, _left_want(case))

    LEFT.run(law, max_examples=EXAMPLES, config=grading_settings(EXAMPLES))


@graded(
    points=2,
    hint="bind(m, pure) must finish with m's own result, Err included, unchanged.",
)
def test_right_identity() -> None:
    """Right identity: async_bind(m, async_pure) runs like m, for Ok and Err plans."""
    def law(_path: str, m: PlanSpec) -> None:
        _law("right identity", {"law": "right", "m": m}, _right_want(m))

    RIGHT.run(law, max_examples=EXAMPLES, config=grading_settings(EXAMPLES))


@graded(
    points=2,
    hint="Await the inner plan, then the plan f returns; do not reorder, repeat or skip steps.",
)
def test_associativity() -> None:
    """Associativity: bind(bind(m, f), g) runs like bind(m, x -> bind(f(x), g)), over Ok and Err runs."""
    def law(_path: str, case: tuple[PlanSpec, FnSpec, FnSpec]) -> None:
        m, f, g = case
        _law("associativity", {"law": "assoc", "m": m, "f": f, "g": g}, _assoc_want(case))

    ASSOC.run(law, max_examples=EXAMPLES, config=grading_settings(EXAMPLES))


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


# ---- more clauses: values that look like failures, Err from f, lift, one call per step -----------


class Falsy(TypedDict):
    pure: object
    bind_pure: object
    bind_lift: object
    f_saw: list[object]
    mapped: object
    g_saw: list[object]
    lifted: object


@observer
def falsy_through(value: object) -> Falsy:
    """Push one value through pure, bind (after pure and after lift), map and lift; log what f and g saw."""
    alg = _alg()
    f_saw: list[object] = []
    g_saw: list[object] = []

    def f(v: object) -> Any:
        f_saw.append(v)
        return alg.pure(["after f", v])

    def g(v: object) -> object:
        g_saw.append(v)
        return ["after g", v]

    return {
        "pure": drive(alg.pure(value)),
        "bind_pure": drive(alg.bind(alg.pure(value), f)),
        "bind_lift": drive(alg.bind(alg.lift(lambda: returning(Ok(value))), f)),
        "f_saw": f_saw,
        "mapped": drive(alg.fmap(alg.lift(lambda: returning(Ok(value))), g)),
        "g_saw": g_saw,
        "lifted": drive(alg.lift(lambda: returning(Ok(value)))),
    }


class FromF(TypedDict):
    after_pure: object
    after_lift: object
    nested: object
    g_calls: int


@observer
def err_from_f(case: tuple[int, object]) -> FromF:
    """f's plan finishes with ``err``: bind(pure(x), f), bind(lift(x), f), bind(bind(lift(x), f), g)."""
    x, err = case
    alg = _alg()
    g_calls: list[object] = []

    def f(v: object) -> Any:
        return alg.lift(lambda: returning(err))

    def g(v: object) -> Any:
        g_calls.append(v)
        return alg.pure(v)

    return {
        "after_pure": drive(alg.bind(alg.pure(x), f)),
        "after_lift": drive(alg.bind(alg.lift(lambda: returning(Ok(x))), f)),
        "nested": drive(alg.bind(alg.bind(alg.lift(lambda: returning(Ok(x))), f), g)),
        "g_calls": len(g_calls),
    }


class Lifted(TypedDict):
    made_when_built: int
    first: object
    second: object
    made: int


@observer
def lift_runs(result: object) -> Lifted:
    """async_lift of a capability finishing with ``result``: built, then run twice."""
    alg = _alg()
    cap = Calls(result)
    plan = alg.lift(cap.make)
    built = cap.made
    first, second = drive(plan), drive(plan)
    return {"made_when_built": built, "first": first, "second": second, "made": cap.made}


class Counts(TypedDict):
    result: object
    lifted: int
    bound: int
    mapped: int


@observer
def one_run_counts(case: tuple[int, bool]) -> Counts:
    """map(bind(lift(cap), f), g) run once; how many times did each step run?"""
    x, fail = case
    alg = _alg()
    cap = Calls(Err(ErrInfo("TRANSIENT", "boom")) if fail else Ok(x))
    bound: list[object] = []
    mapped: list[object] = []

    def f(v: int) -> Any:
        bound.append(v)
        return alg.pure(v + 1)

    def g(v: int) -> int:
        mapped.append(v)
        return v * 2

    result = drive(alg.fmap(alg.bind(alg.lift(cap.make), f), g))
    return {"result": result, "lifted": cap.made, "bound": len(bound), "mapped": len(mapped)}


FALSY: list[object] = [None, 0, "", [], False, 0.0, (), {}]
def _err(code: str, msg: str, path: list[str]) -> Any:
    return Err(ErrInfo(code, msg, path=tuple(path)))


errors = st.builds(
    _err,
    st.sampled_from(["NOT_FOUND", "TIMEOUT", "VALIDATION", "DB"]),
    st.sampled_from(["failed", "", "no such user"]),
    st.lists(st.sampled_from(["users", "7", "email"]), max_size=2),
)


@graded(
    points=2,
    hint="Only the kind of result decides: match Ok(value=v) for any v (None, 0, '' included), never `if v`.",
    examples=16,
)
@given(value=st.sampled_from(FALSY) | values)
def test_falsy_values_flow_through(value: Any) -> None:
    """None, 0, "", [], False are values like any other: pure, bind, map and lift pass them on."""
    seen = observe(falsy_through, value)
    assert seen["pure"] == Ok(value), f"async_pure({value!r}) finished with {seen['pure']!r}"
    want = Ok(["after f", value])
    assert seen["bind_pure"] == want, \
        f"async_bind(async_pure({value!r}), f) finished with {seen['bind_pure']!r}, not f's result {want!r}"
    assert seen["bind_lift"] == want, \
        f"async_bind of a plan finishing with Ok({value!r}) finished with {seen['bind_lift']!r}, not {want!r}"
    assert seen["f_saw"] == [value, value], f"f should have been called with {value!r}, saw {seen['f_saw']}"
    assert seen["mapped"] == Ok(["after g", value]), \
        f"async_map over Ok({value!r}) finished with {seen['mapped']!r}; map must call f with any value"
    assert seen["g_saw"] == [value], f"map's f should be called once with {value!r}, saw {seen['g_saw']}"
    assert seen["lifted"] == Ok(value), f"a lifted step finishing with Ok({value!r}) gave {seen['lifted']!r}"


@graded(
    points=2,
    hint="After Ok(v), finish with whatever f(v)'s plan finishes with, an Err unchanged; skip later steps.",
    examples=EXAMPLES,
)
@given(x=small_ints, err=errors)
def test_err_from_f(x: int, err: Any) -> None:
    """An Err returned by f's plan is the result, unchanged, and skips the steps after it."""
    seen = observe(err_from_f, (x, err))
    for key, where in (("after_pure", "async_bind(async_pure(x), f)"), ("after_lift", "async_bind(lift, f)")):
        assert seen[key] == err, f"{where} finished with {seen[key]!r}; f's plan failed with {err!r}"
    assert seen["nested"] == err, \
        f"bind(bind(m, f), g) finished with {seen['nested']!r} although f's plan failed with {err!r}"
    assert seen["g_calls"] == 0, "the step after a failed f still ran"


@graded(
    points=1,
    hint="async_lift returns an `async def` that calls make_coro() and awaits it, on every run.",
    examples=12,
)
@given(result=st.builds(Ok, small_ints) | errors)
def test_lift(result: Any) -> None:
    """async_lift(make) calls make() on each run, never when built, and finishes with what it gives."""
    seen = observe(lift_runs, result)
    assert seen["made_when_built"] == 0, "async_lift called make_coro while the plan was being built"
    assert seen["first"] == result, f"the lifted plan finished with {seen['first']!r}, expected {result!r}"
    assert seen["second"] == result, f"its second run finished with {seen['second']!r}, expected {result!r}"
    assert seen["made"] == 2, f"two runs called make_coro {seen['made']} times, expected 2"


@graded(
    points=2,
    hint="A running problem: each run awaits the plan once and calls f once; never run a step to 'check' it.",
    examples=12,
)
@given(x=small_ints)
def test_each_step_runs_once(x: int) -> None:
    """One run of map(bind(lift(cap), f), g) runs the lifted call, f and g exactly once each."""
    seen = observe(one_run_counts, (x, False))
    got = (seen["lifted"], seen["bound"], seen["mapped"])
    assert got == (1, 1, 1), f"one run called (the lifted step, bind's f, map's f) {got} times, not once each"
    assert seen["result"] == Ok((x + 1) * 2), \
        f"map(bind(lift of Ok({x}), v -> pure(v + 1)), v -> v * 2) finished with {seen['result']!r}"
