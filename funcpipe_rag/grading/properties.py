"""Grading properties the learner writes: run them, next to their code, against named algebras.

An exercise in which the learner writes Hypothesis properties (Core 1
exercise 4, and one exercise in each later core) is graded by running the
learner's properties against a correct implementation (they must pass, on
enough generated examples) and against wrong ones (each must be caught).
This module is the child's side of that:

* :func:`learner_profile` makes the learner's Hypothesis deterministic and
  quick (derandomized, no database, no shrinking: the first failing example
  found is the one reported);
* :func:`neutral_plans` wraps an implementation of the plan algebra in fresh
  functions with neutral names (``pure``, ``bind``, ``map``, ``lift``) that
  count how many plans the property actually ran, so neither the object's
  identity nor its names say which implementation it is, and the count
  comes from the wrapper, not from Hypothesis;
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


def neutral_plans(alg: PlanAlgebra) -> tuple[Impl, RunCounter]:
    """``alg`` behind fresh, neutrally named functions that count the plans run."""
    counter = RunCounter()

    def wrap(inner: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        async def plan() -> Any:
            if counter.depth == 0:
                counter.runs += 1
            counter.depth += 1
            try:
                return await inner()
            finally:
                counter.depth -= 1

        return plan

    def pure(value: Any) -> Any:
        return wrap(alg.pure(value))

    def bind(plan: Any, f: Callable[[Any], Any]) -> Any:
        return wrap(alg.bind(plan, f))

    def map(plan: Any, f: Callable[[Any], Any]) -> Any:
        return wrap(alg.fmap(plan, f))

    def lift(make: Callable[[], Awaitable[Any]]) -> Any:
        return wrap(alg.lift(make))

    return Impl(pure, bind, map, lift), counter


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


def run_property(check: Callable[[Any], object], impl: Impl, counter: RunCounter) -> PropertyRun:
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


__all__ = ["Impl", "PropertyRun", "RunCounter", "learner_profile", "neutral_plans", "run_property"]
