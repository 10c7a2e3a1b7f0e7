"""How deep and how fast chains of binds run: the closure encoding against plans as data."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from funcpipe_rag.infra.runtime import run_plan

if TYPE_CHECKING:
    from funcpipe_rag.testing import PlanAlgebra


def deepest_closure_chain(lengths: Sequence[int]) -> tuple[int | None, int | None]:
    """Run closure chains of the given lengths (ascending) until one overflows.

    Returns ``(longest that ran, first that raised RecursionError)``; either is
    ``None`` if there was no such length.
    """
    # Imported here: funcpipe_rag.testing builds its closure algebra from this package.
    from funcpipe_rag.testing import CLOSURE, chain

    ran: int | None = None
    for n in lengths:
        try:
            run_plan(chain(CLOSURE, n))
        except RecursionError:
            return ran, n
        ran = n
    return ran, None


async def time_chain(alg: PlanAlgebra, length: int, repeat: int = 3) -> float:
    """Best wall-clock seconds over ``repeat`` runs to build and run a chain of ``length``.

    Awaits the plan on the current loop, so it measures exactly what a shell would pay.
    """
    from funcpipe_rag.testing import chain

    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        await chain(alg, length)()
        best = min(best, time.perf_counter() - start)
    return best
