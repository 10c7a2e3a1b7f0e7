"""The drivers: the only code that runs a plan.

* :func:`perform_async` runs an ``AsyncPlan`` on the current event loop
  (the course imports it from ``funcpipe_rag.infra.adapters.async_runtime``);
* :func:`run_plan` runs one from synchronous code, :func:`run_sync` any
  coroutine function, also from inside a running loop (a notebook cell);
* :func:`perform` runs a synchronous ``IOPlan`` (Module 7);
* :func:`stream_items` lends the items of one run of an ``AsyncGen`` and
  always closes the run (``contextlib.aclosing``), :func:`collect_stream`
  collects them (all, or the first ``limit``), :func:`run_stream` does that
  from synchronous code.

Only shells (command-line entry points, notebooks, tests, servers) import
this module; ``funcpipe_rag.domain`` never does, and the interpreter-isolation
check (:mod:`funcpipe_rag.isolation`) fails the build if it starts to.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager, nullcontext
from typing import Any, TypeVar

from funcpipe_rag.domain.effects.async_._interpreter import interpret
from funcpipe_rag.domain.effects.async_.plan import AsyncPlan
from funcpipe_rag.domain.effects.async_.stream import AsyncGen, StreamRun
from funcpipe_rag.domain.effects.io_plan import IOPlan
from funcpipe_rag.result import ErrInfo, Result

__all__ = ["collect_stream", "perform", "perform_async", "run_plan", "run_stream", "run_sync", "stream_items"]

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


@asynccontextmanager
async def stream_items(stream: AsyncGen[A]) -> AsyncIterator[AsyncIterator[Result[A, ErrInfo]]]:
    """Start one run of ``stream`` and lend its items; the run is closed when the block exits.

    ::

        async with stream_items(chunks) as items:
            async for item in items:
                if done_with(item):
                    break          # the run is closed here, every resource released

    However the block ends — the items run out, ``break``, an exception,
    cancellation — the run is closed before the block is left
    (``contextlib.aclosing``), so every operator releases what it holds then,
    not when the garbage collector finds it.
    """
    if not callable(stream):
        raise TypeError(
            f"stream_items expects an AsyncGen (a zero-argument callable), got {type(stream).__name__}; "
            "pass the stream itself, not stream()"
        )
    run = stream()
    if not hasattr(run, "__anext__"):
        raise TypeError(f"the stream returned {type(run).__name__}, not an async iterator")
    closing: Any = aclosing(run) if hasattr(run, "aclose") else nullcontext(run)
    async with closing as items:
        yield items


def _check_limit(limit: int | None) -> None:
    if limit is None:
        return
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"limit must be an int or None, got {type(limit).__name__}")
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}; use None for every item")


async def collect_stream(stream: AsyncGen[A], *, limit: int | None = None) -> list[Result[A, ErrInfo]]:
    """Run ``stream`` and return its items, ``Ok`` and ``Err`` alike, in order.

    With ``limit``, stop after that many items: nothing more is pulled, and
    the run is closed at once. Exceptions raised in the stream propagate
    after the run has closed.
    """
    _check_limit(limit)
    out: list[Result[A, ErrInfo]] = []
    if limit == 0:
        return out
    async with stream_items(stream) as items:
        if isinstance(items, StreamRun):
            return await items.collect(limit)  # the interpreter's own loop: no coroutine per item
        async for item in items:
            out.append(item)
            if limit is not None and len(out) >= limit:
                break
    return out


def run_stream(stream: AsyncGen[A], *, limit: int | None = None) -> list[Result[A, ErrInfo]]:
    """:func:`collect_stream` from synchronous code (a script, a test, a Hypothesis property)."""
    _check_limit(limit)
    return run_sync(lambda: collect_stream(stream, limit=limit))
