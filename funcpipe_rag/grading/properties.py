"""Grading properties the learner writes: run them, next to their code, against named algebras.

An exercise in which the learner writes Hypothesis properties (Core 1
exercise 4, and one exercise in each later core) is graded by running the
learner's properties against a correct implementation (they must pass, on
enough generated examples) and against wrong ones (each must be caught).
This module is the child's side of that:

* :func:`learner_profile` makes the learner's Hypothesis deterministic and
  quick (derandomized, no database, no shrinking: the first failing example
  found is the one reported);
* :func:`neutral_impl` does the same for an implementation that is one
  function returning a plan (``async_with_resilience`` and its wrong variants);
* :func:`neutral_plans` wraps an implementation of the plan algebra in fresh
  functions with neutral names (``pure``, ``bind``, ``map``, ``lift``) that
  count how many plans the property actually ran, so neither the object's
  identity nor its names say which implementation it is, and the count
  comes from the wrapper, not from Hypothesis; :func:`neutral_streams` does
  the same for a stream algebra (``pure``, ``bind``, ``map``, ``from_list``),
  and :func:`neutral_lifts` for a set of lifts;
* :func:`run_property` runs one property and reports, as plain data, whether
  it passed, how many plans it ran, the falsifying example and the failing
  assertion.

The grader (the graded-test file) names the implementations by random ids
that only it can map back, and judges the reports.
"""

from __future__ import annotations

import linecache
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypedDict

from funcpipe_rag.grading import harness
from funcpipe_rag.testing import PlanAlgebra


class PropertyRun(TypedDict):
    """What one learner property did against one implementation."""

    passed: bool
    runs: int
    falsifying: str
    assertion: str


def learner_profile() -> None:
    """Deterministic, quick Hypothesis defaults for the learner's own properties (child only)."""
    from funcpipe_rag.testing import use_profile

    use_profile("funcpipe-learner")


class RunCounter:
    """How many plans built by one wrapper were run from outside (nested runs are not counted)."""

    def __init__(self) -> None:
        self.runs = 0
        self.depth = 0


class Impl:
    """What a learner's property receives: four functions, nothing else to look at."""

    __slots__ = ("bind", "lift", "map", "pure")

    def __init__(self, pure: Callable[..., Any], bind: Callable[..., Any], map: Callable[..., Any],
                 lift: Callable[..., Any]) -> None:
        self.pure, self.bind, self.map, self.lift = pure, bind, map, lift

    def __repr__(self) -> str:
        return "impl"


def _counted(inner: Callable[[], Awaitable[Any]], counter: RunCounter) -> Callable[[], Awaitable[Any]]:
    """``inner`` as a fresh plan that counts its runs from outside in ``counter``."""

    async def plan() -> Any:
        if counter.depth == 0:
            counter.runs += 1
        counter.depth += 1
        try:
            return await inner()
        finally:
            counter.depth -= 1

    return plan


def neutral_plans(alg: PlanAlgebra) -> tuple[Impl, RunCounter]:
    """``alg`` behind fresh, neutrally named functions that count the plans run."""
    counter = RunCounter()

    def wrap(inner: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        return _counted(inner, counter)

    def pure(value: Any) -> Any:
        return wrap(alg.pure(value))

    def bind(plan: Any, f: Callable[[Any], Any]) -> Any:
        return wrap(alg.bind(plan, f))

    def map(plan: Any, f: Callable[[Any], Any]) -> Any:
        return wrap(alg.fmap(plan, f))

    def lift(make: Callable[[], Awaitable[Any]]) -> Any:
        return wrap(alg.lift(make))

    return Impl(pure, bind, map, lift), counter


def neutral_impl(impl: Callable[..., Any]) -> tuple[Callable[..., Any], RunCounter]:
    """A function-shaped implementation (``impl(...) -> plan``, such as ``async_with_resilience``) behind
    a fresh, neutrally named function whose plans count their runs (nested runs are not counted)."""
    counter = RunCounter()

    def implementation(*args: Any, **kwargs: Any) -> Callable[[], Awaitable[Any]]:
        return _counted(impl(*args, **kwargs), counter)

    return implementation, counter


def neutral_stream_impl(impl: Callable[..., Any]) -> tuple[Callable[..., Any], RunCounter]:
    """A function-shaped stream operator (``impl(...) -> stream``, such as ``async_gen_bounded_map``)
    behind a fresh, neutrally named function whose streams count their runs."""
    counter = RunCounter()

    def implementation(*args: Any, **kwargs: Any) -> Callable[[], Any]:
        stream = impl(*args, **kwargs)

        def run() -> Any:
            counter.runs += 1
            return stream()

        return run

    return implementation, counter


class StreamImpl:
    """What a learner's stream property receives: four functions, nothing else to look at."""

    __slots__ = ("bind", "from_list", "map", "pure")

    def __init__(self, pure: Callable[..., Any], bind: Callable[..., Any], map: Callable[..., Any],
                 from_list: Callable[..., Any]) -> None:
        self.pure, self.bind, self.map, self.from_list = pure, bind, map, from_list

    def __repr__(self) -> str:
        return "impl"


class _Neutral:
    """A stream of the wrapped algebra, behind a callable that counts the runs started from outside."""

    __slots__ = ("counter", "inner")

    def __init__(self, inner: Any, counter: RunCounter) -> None:
        self.inner, self.counter = inner, counter

    def __call__(self) -> Any:
        return self._run()

    async def _run(self) -> Any:
        from contextlib import aclosing

        counter = self.counter
        if counter.depth == 0:
            counter.runs += 1
        counter.depth += 1
        try:
            async with aclosing(self.inner()) as items:
                async for item in items:
                    yield item
        finally:
            counter.depth -= 1


def neutral_streams(alg: Any) -> tuple[StreamImpl, RunCounter]:
    """The stream algebra ``alg`` (a :class:`funcpipe_rag.testing.StreamAlgebra`) behind neutral functions.

    The algebra always receives its own streams (a stream the learner's code
    passes back is unwrapped first), so a wrong algebra that recognises its
    own values keeps its behaviour; the counter counts the top-level runs.
    """
    counter = RunCounter()

    def own(stream: Any) -> Any:
        return stream.inner if isinstance(stream, _Neutral) else stream

    def wrap(stream: Any) -> _Neutral:
        return _Neutral(stream, counter)

    def pure(value: Any) -> Any:
        return wrap(alg.pure(value))

    def bind(stream: Any, f: Callable[[Any], Any]) -> Any:
        return wrap(alg.bind(own(stream), lambda x: own(f(x))))

    def map(stream: Any, f: Callable[[Any], Any]) -> Any:
        return wrap(alg.fmap(own(stream), f))

    def from_list(values: Any) -> Any:
        return wrap(alg.listed(values))

    return StreamImpl(pure, bind, map, from_list), counter


class FairnessOps:
    """What a learner's rate-limit or merge property receives: the two operators, nothing else to look at."""

    __slots__ = ("fair_merge", "rate_limited")

    def __init__(self, rate_limited: Callable[..., Any], fair_merge: Callable[..., Any]) -> None:
        self.rate_limited, self.fair_merge = rate_limited, fair_merge

    def __repr__(self) -> str:
        return "impl"


def neutral_fairness(impl: Any) -> tuple[FairnessOps, RunCounter]:
    """Core 6's operators of ``impl`` (a :class:`funcpipe_rag.testing.FairnessImpl`) behind neutral functions.

    The streams they build count their top-level runs; a stream the learner
    passes back is unwrapped first, so the operators see their own values.
    """
    counter = RunCounter()

    def own(stream: Any) -> Any:
        return stream.inner if isinstance(stream, _Neutral) else stream

    def rate_limited(stream: Any, policy: Any, env: Any = None) -> _Neutral:
        return _Neutral(impl.rate_limited(own(stream), policy, env=env), counter)

    def fair_merge(streams: Any, policy: Any = None) -> _Neutral:
        return _Neutral(impl.fair_merge([own(s) for s in streams], policy), counter)

    return FairnessOps(rate_limited, fair_merge), counter


class LiftsImpl:
    """What a learner's lift property receives: the three lifts, nothing else to look at."""

    __slots__ = ("lift_sync", "lift_sync_gen_with_executor", "lift_sync_with_executor")

    def __init__(self, lift_sync: Callable[..., Any], lift_sync_with_executor: Callable[..., Any],
                 lift_sync_gen_with_executor: Callable[..., Any]) -> None:
        self.lift_sync = lift_sync
        self.lift_sync_with_executor = lift_sync_with_executor
        self.lift_sync_gen_with_executor = lift_sync_gen_with_executor

    def __repr__(self) -> str:
        return "lifts"


def neutral_lifts(lifts: Any) -> tuple[LiftsImpl, RunCounter]:
    """The lifts ``lifts`` (a :class:`funcpipe_rag.testing.LiftSet`) behind neutral functions.

    The counter counts the calls of lifted functions, the work the property
    actually ran.
    """
    counter = RunCounter()

    def counted(f: Callable[..., Any]) -> Callable[..., Any]:
        def g(*args: Any, **kwargs: Any) -> Any:
            counter.runs += 1
            return f(*args, **kwargs)

        return g

    def lift_sync(f: Callable[..., Any]) -> Any:
        return lifts.lift_sync(counted(f))

    def lift_sync_with_executor(f: Callable[..., Any], executor: Any) -> Any:
        return lifts.lift_sync_with_executor(counted(f), executor)

    def lift_sync_gen_with_executor(f: Callable[..., Any], executor: Any) -> Any:
        return lifts.lift_sync_gen_with_executor(counted(f), executor)

    return LiftsImpl(lift_sync, lift_sync_with_executor, lift_sync_gen_with_executor), counter


def _failing_assertion(exc: BaseException, folder: Path) -> str:
    """The failing assertion's message, or the learner's source line when it has none."""
    text = str(exc).strip()
    if text:
        return text.splitlines()[0][:400]
    line = ""
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if Path(filename).resolve().parent == folder:
            line = linecache.getline(filename, tb.tb_lineno).strip()
        tb = tb.tb_next
    return f"{type(exc).__name__}: {line}" if line else type(exc).__name__


def run_property(check: Callable[[Any], object], impl: object, counter: RunCounter) -> PropertyRun:
    """Run ``check(impl)``; report what happened as plain data (any exception but ``NotImplementedError``
    means it failed)."""
    before = counter.runs
    try:
        check(impl)
    except (NotImplementedError, harness.SubmissionError):
        raise  # not written yet: reported as such, not as a failing property
    except Exception as exc:
        notes = [n for n in getattr(exc, "__notes__", []) if isinstance(n, str)]
        example = "\n".join(n for n in notes if n.startswith(("Falsifying", "Failing test case")))
        return {"passed": False, "runs": counter.runs - before, "falsifying": example[:2000],
                "assertion": _failing_assertion(exc, harness.submission_folder())}
    return {"passed": True, "runs": counter.runs - before, "falsifying": "", "assertion": ""}


class LearnerChecks:
    """The grader's side of an exercise in which the learner writes ``check_*`` properties.

    ``run_check`` is the exercise's observer, called with ``{"check": name,
    "impl": id}``; ``correct`` and ``wrong`` map each implementation's kind
    to the noun phrase a learner reads (``"the library's loop"``, ``"a loop
    that retries any code"``). ``unit`` names what a run of a property counts
    (``"plans"``, ``"streams"``), for the message when a check runs too few.
    Ids are drawn afresh per grading (:meth:`neutral_ids` is what the
    ``@before_import`` function hands the child); each check's report is
    computed once per grading. A graded test calls :meth:`passes_on_correct`
    or :meth:`caught`.
    """

    def __init__(
        self,
        run_check: Callable[..., Any],
        checks: tuple[str, ...],
        correct: dict[str, str],
        wrong: dict[str, str],
        *,
        likely: dict[str, str] | None = None,
        min_runs: int = 20,
        unit: str = "times",
    ) -> None:
        self.run_check = run_check
        self.checks = checks
        self.correct = correct
        self.wrong = wrong
        self.likely = likely or {}
        self.min_runs = min_runs
        self.unit = unit

    def ids(self) -> dict[str, str]:
        import secrets

        kinds = (*self.correct, *self.wrong)
        return harness.remember("ids", lambda: {kind: secrets.token_hex(6) for kind in kinds})

    def neutral_ids(self) -> list[tuple[str, str]]:
        """``(id, kind)`` for every implementation, in an order that says nothing."""
        return sorted((ident, kind) for kind, ident in self.ids().items())

    def run(self, check: str, kind: str) -> PropertyRun:
        case = {"check": check, "impl": self.ids()[kind]}
        run: PropertyRun = harness.remember(f"{check}@{kind}", lambda: harness.observe(self.run_check, case))
        return run

    def passes_on_correct(self) -> None:
        """Every check passes on every correct implementation, each over ``min_runs`` runs or more."""
        for kind, label in self.correct.items():
            for check in self.checks:
                run = self.run(check, kind)
                if not run["passed"]:
                    error = AssertionError(
                        f"{check} fails on {label}, a correct implementation: {run['assertion']}")
                    if run["falsifying"]:
                        error.add_note(run["falsifying"])
                    raise error
                if run["runs"] < self.min_runs:
                    raise AssertionError(
                        f"{check} ran only {run['runs']} {self.unit} on {label}; a property runs many "
                        f"generated examples (at least {self.min_runs} {self.unit}): use @given with "
                        "Hypothesis strategies"
                    )

    def caught(self, kind: str, *, by: str | None = None) -> None:
        """Some check fails on the wrong implementation ``kind`` (after all pass on the correct ones).

        With ``by``, only that check counts: the wrong implementation breaks
        the law ``by`` states, and must be caught by it, not by another.
        """
        try:
            self.passes_on_correct()
        except AssertionError as exc:
            raise AssertionError(f"your checks must first pass on correct implementations ({exc})") from None
        if by is not None:
            if self.run(by, kind)["passed"]:
                raise AssertionError(
                    f"{by} did not fail on {self.wrong[kind]}, which breaks the law it checks")
            return
        first = self.likely.get(kind)
        for check in sorted(self.checks, key=lambda c: c != first):
            if not self.run(check, kind)["passed"]:
                return
        raise AssertionError(f"none of your checks failed on {self.wrong[kind]}")


__all__ = [
    "FairnessOps", "Impl", "LearnerChecks", "LiftsImpl", "PropertyRun", "RunCounter", "StreamImpl",
    "learner_profile", "neutral_fairness", "neutral_impl", "neutral_lifts", "neutral_plans",
    "neutral_stream_impl", "neutral_streams", "run_property",
]
