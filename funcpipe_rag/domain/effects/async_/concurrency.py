"""Independent plans side by side: ``async_gather``, at most ``n`` at a time.

Core 3 adds bounded streams and backpressure here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, TypeVar

from funcpipe_rag.domain.effects.async_._interpreter import begin, outcome
from funcpipe_rag.domain.effects.async_._nodes import AsyncPlan, PlanNode
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

__all__ = ["async_gather"]

A = TypeVar("A")


class _Gather(PlanNode[list[A]]):
    __slots__ = ("concurrency", "plans")

    def __init__(self, plans: tuple[AsyncPlan[A], ...], concurrency: int) -> None:
        self.plans = plans
        self.concurrency = concurrency

    def __call__(self) -> Any:
        return _run_gather(self.plans, self.concurrency)

    def __repr__(self) -> str:
        return f"<AsyncPlan gather of {len(self.plans):,}>"

    def describe(self) -> tuple[str, list[AsyncPlan[A]]]:
        """Its line in a rendered plan, and the plans to render under it (the first few)."""
        head = f"gather of {len(self.plans):,} plans, at most {self.concurrency:,} at a time"
        return head, list(self.plans[:5])


def async_gather(
    plans: Iterable[AsyncPlan[A]], concurrency: int | None = None
) -> AsyncPlan[list[A]]:
    """Describe running independent ``plans`` concurrently, ``concurrency`` at a time.

    The result is ``Ok([v0, v1, ...])`` in input order when every plan succeeds.
    If any plan finishes with ``Err``, the result is the ``Err`` of the plan
    with the *smallest index* that fails — the same answer a sequential run
    would give, whatever the timing. After an ``Err`` no further plans are
    started; those already in flight are allowed to finish.

    Bounds, whatever the number of plans: at most ``concurrency`` plans are in
    flight and at most ``concurrency`` worker tasks exist, because plans are
    started lazily by a fixed pool of workers as earlier ones finish.
    ``concurrency=None`` means "all at once" (one worker per plan).

    ``plans`` is read into a tuple when the gather is built, so the gather is
    replayable even when given a generator. Building it starts nothing.

    An exception raised by a plan is a bug: the other workers are cancelled and
    awaited, then the exception propagates. Cancelling the run cancels every
    plan it started and leaves no task behind.
    """
    if concurrency is not None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int):
            raise TypeError(f"concurrency must be an int, got {type(concurrency).__name__}")
        if concurrency < 1:
            raise ValueError(
                f"concurrency must be at least 1, got {concurrency}; "
                "use 1 to run the plans one after another"
            )
    frozen = tuple(plans)
    return _Gather(frozen, concurrency if concurrency is not None else max(1, len(frozen)))


async def _run_gather(plans: tuple[AsyncPlan[A], ...], concurrency: int) -> Result[list[A], ErrInfo]:
    n = len(plans)
    if n == 0:
        return Ok([])
    values: list[Any] = [None] * n
    indices = iter(range(n))  # shared by the workers: each index is taken exactly once
    first_err_index = n
    first_err: Err[ErrInfo] | None = None

    async def worker() -> None:
        nonlocal first_err_index, first_err
        for i in indices:
            if i > first_err_index:
                return
            res: Any = begin(plans[i])  # the step protocol: a known result, or an awaitable to await
            if type(res) is not Ok and type(res) is not Err:
                res = outcome(await res, plans[i])
            if type(res) is Ok:
                values[i] = res.value
            elif isinstance(res, Err):
                if i < first_err_index:
                    first_err_index, first_err = i, res
            else:
                values[i] = res.value  # an Ok subclass

    if concurrency == 1:
        await worker()  # no task needed to run one after another
    else:
        tasks = [
            asyncio.ensure_future(worker())  # isolation: allowed (the gather's own worker pool)
            for _ in range(min(concurrency, n))
        ]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for t in tasks:
                t.cancel()
            await asyncio.wait(tasks)
            raise
    if first_err is not None:
        return first_err
    return Ok(values)
