"""The wrong algebras that laws cannot see are caught by purity and replay checks."""

from __future__ import annotations

from typing import Any

from funcpipe_rag import run_plan
from funcpipe_rag.result import ErrInfo, Ok, Result
from funcpipe_rag.testing import LIBRARY, WRONG, PlanAlgebra


class Counter:
    def __init__(self) -> None:
        self.calls = 0
        self.mapped = 0

    async def tick(self) -> Result[int, ErrInfo]:
        self.calls += 1
        return Ok(self.calls)

    def note(self, n: int) -> int:
        self.mapped += 1
        return n


def purity_and_replay(alg: PlanAlgebra) -> tuple[int, list[Any], int]:
    """Calls after building, results of two runs, calls after two runs (of the capability and of map's f)."""
    cap = Counter()
    plan = alg.bind(alg.lift(cap.tick), lambda n: alg.pure(n * 10))
    plan = alg.fmap(plan, lambda n: cap.note(n))
    built = cap.calls
    results = []
    for _ in range(2):
        try:
            results.append(run_plan(plan))
        except RuntimeError as exc:  # "cannot reuse already awaited coroutine"
            results.append(type(exc).__name__)
    return built, results, cap.calls + 100 * cap.mapped


def test_the_library_is_pure_and_replayable() -> None:
    assert purity_and_replay(LIBRARY) == (0, [Ok(10), Ok(20)], 202)


def test_each_non_law_mistake_is_visible() -> None:
    assert purity_and_replay(WRONG["eager bind"].algebra)[0] == 1  # ran while being built
    assert purity_and_replay(WRONG["lift reuses its coroutine"].algebra)[1][1] == "RuntimeError"
    assert purity_and_replay(WRONG["lift caches its result"].algebra)[1:] == ([Ok(10), Ok(10)], 201)
    # map is derived from the wrong bind too: four capability calls a run
    assert purity_and_replay(WRONG["bind runs its plan twice"].algebra)[1:] == ([Ok(40), Ok(80)], 208)
    assert purity_and_replay(WRONG["map calls f twice"].algebra)[1:] == ([Ok(10), Ok(20)], 402)
