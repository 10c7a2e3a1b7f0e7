"""``perform_async``: the one interpreter that drives an ``AsyncPlan``.

Only shells (command-line entry points, notebooks, tests, servers) import
this module; ``funcpipe_rag.domain`` never does, and the interpreter-isolation
check (:mod:`funcpipe_rag.isolation`) fails the build if it starts to.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TypeVar

from funcpipe_rag.domain.effects.async_.plan import AsyncPlan
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

A = TypeVar("A")


async def perform_async(plan: AsyncPlan[A]) -> Result[A, ErrInfo]:
    """Run ``plan`` on the current event loop and return its ``Result``.

    Each call starts a fresh run: performing the same plan twice performs its
    effects twice. Exceptions raised inside the plan propagate (they are bugs);
    cancellation propagates too.
    """
    if not callable(plan):
        if inspect.iscoroutine(plan):
            plan.close()  # spare the learner a second, confusing "never awaited" warning
        raise TypeError(
            f"perform_async expects an AsyncPlan (a zero-argument callable), got "
            f"{type(plan).__name__}; pass the plan itself, not plan()"
        )
    result = await plan()
    if not isinstance(result, Ok | Err):
        raise TypeError(
            f"the plan finished with {type(result).__name__}, not Ok(...) or Err(...)"
        )
    return result


def run_plan(plan: AsyncPlan[A]) -> Result[A, ErrInfo]:
    """Drive ``plan`` from synchronous code: ``asyncio.run(perform_async(plan))``.

    For scripts and command-line entry points; inside a running loop (a
    notebook, an async test) ``await perform_async(plan)`` instead.
    """
    return asyncio.run(perform_async(plan))
