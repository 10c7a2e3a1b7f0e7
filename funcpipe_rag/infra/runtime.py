"""The drivers: the only code that runs a plan.

* :func:`perform_async` runs an ``AsyncPlan`` on the current event loop
  (the course imports it from ``funcpipe_rag.infra.adapters.async_runtime``);
* :func:`run_plan` runs one from synchronous code, :func:`run_sync` any
  coroutine function, also from inside a running loop (a notebook cell);
* :func:`perform` runs a synchronous ``IOPlan`` (Module 7).

Only shells (command-line entry points, notebooks, tests, servers) import
this module; ``funcpipe_rag.domain`` never does, and the interpreter-isolation
check (:mod:`funcpipe_rag.isolation`) fails the build if it starts to.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from funcpipe_rag.domain.effects.async_._interpreter import interpret
from funcpipe_rag.domain.effects.async_.plan import AsyncPlan
from funcpipe_rag.domain.effects.io_plan import IOPlan
from funcpipe_rag.result import ErrInfo, Result

__all__ = ["perform", "perform_async", "run_plan", "run_sync"]

A = TypeVar("A")
T = TypeVar("T")


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
    return await interpret(plan)  # the one place plans are run, and their outcome checked


def run_sync(
    main: Callable[[], Awaitable[T]],
    *,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
) -> T:
    """Run ``main()`` to completion on a fresh event loop and return its value.

    Works from plain synchronous code and also from inside a running loop (a
    notebook cell, an async test, a Hypothesis property called there): the
    fresh loop then runs in a helper thread and this call waits for it.
    ``loop_factory`` chooses the kind of loop (for example a virtual-time
    loop). Exceptions raised by ``main()`` reach the caller unchanged.
    """

    async def call() -> T:
        return await main()

    def run() -> T:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            return runner.run(call())

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = run()
        except BaseException as exc:  # handed to the waiting caller below
            box["error"] = exc

    thread = threading.Thread(target=target, name="run-sync")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def run_plan(plan: AsyncPlan[A]) -> Result[A, ErrInfo]:
    """Drive ``plan`` from synchronous code: ``asyncio.run(perform_async(plan))``.

    For scripts, command-line entry points and synchronous test code. Inside
    a running loop it runs the plan on a fresh loop in a helper thread (see
    :func:`run_sync`); in async code prefer ``await perform_async(plan)``.
    """
    return run_sync(lambda: perform_async(plan))


def perform(plan: IOPlan[A]) -> Result[A, ErrInfo]:
    """Run the synchronous ``IOPlan`` ``plan`` now and return its result (Module 7's interpreter)."""
    return plan()
