"""Cancellation of running plans under ``asyncio.timeout`` and ``TaskGroup``, on every version.

Both arrived in 3.11 and their cancellation bookkeeping has been reworked
since (``Task.cancelling``/``uncancel``, how a task group reacts when it is
cancelled from outside while a child fails, ``wait_for`` rebuilt on top of
``timeout`` in 3.12). The library's promises, checked here on whichever
Python runs the suite:

* ``asyncio.CancelledError`` always propagates: neither the interpreter, nor
  ``async_gather``, nor ``settle`` turns it into an ``Err``;
* cancelling a running gather cancels every plan it started, lets their
  cleanup finish, and leaves no task behind;
* the library neither swallows a cancellation request nor adds one, so
  ``asyncio.timeout`` and ``TaskGroup`` can tell their own cancellation from
  someone else's (``current_task().cancelling()`` is back to 0 afterwards);
* a plan that was cut short can be run again from the start.

Everything runs in virtual time: the timeouts below fire at exact virtual
instants and no test waits for real.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import pytest

from funcpipe_rag import (
    AsyncPlan,
    Err,
    ErrInfo,
    Ok,
    Result,
    async_bind,
    async_gather,
    async_lift,
    async_pure,
    perform_async,
    settle,
)
from funcpipe_rag.testing import run_virtual

HOUR = 3600.0


@dataclass
class Sleepers:
    """Plans that sleep, and record being started, cancelled and cleaned up."""

    started: int = 0
    cancelled: int = 0
    cleaned: int = 0

    def plan(self, seconds: float, value: int = 1, cleanup: float = 0.5) -> AsyncPlan[int]:
        async def work() -> Result[int, ErrInfo]:
            self.started += 1
            try:
                await asyncio.sleep(seconds)
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
            finally:
                await asyncio.sleep(cleanup)  # cleanup that itself has to wait
                self.cleaned += 1
            return Ok(value)

        return async_lift(work)


def test_a_timeout_cancels_a_running_gather_and_leaves_nothing_behind() -> None:
    sleepers = Sleepers()
    gather = async_gather([sleepers.plan(HOUR) for _ in range(10)], concurrency=4)

    async def main() -> tuple[str, int, int, float]:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(2.0):
                await perform_async(gather)
        except TimeoutError:
            outcome = "TimeoutError"
        else:
            outcome = "finished"
        task = asyncio.current_task()
        assert task is not None
        return outcome, task.cancelling(), len(asyncio.all_tasks()), loop.time()

    (outcome, cancelling, tasks, ended), _ = run_virtual(main)
    assert outcome == "TimeoutError"
    assert cancelling == 0  # the timeout's own request was taken back; none was added or lost
    assert tasks == 1  # only the task running main()
    assert sleepers.started == sleepers.cancelled == sleepers.cleaned == 4
    assert ended == pytest.approx(2.5)  # cleanup ran to the end before the timeout surfaced


def test_a_plan_cut_short_by_a_timeout_replays_from_the_start() -> None:
    sleepers = Sleepers()
    plan = async_bind(sleepers.plan(1.0, value=20), lambda x: async_map_plus(sleepers, x))

    async def cut_then_replay() -> Result[int, ErrInfo]:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(1.75):  # during the second step
                await perform_async(plan)
        return await perform_async(plan)

    result, _ = run_virtual(cut_then_replay)
    assert result == Ok(22)
    assert sleepers.started == 4 and sleepers.cancelled == 1


def async_map_plus(sleepers: Sleepers, x: int) -> AsyncPlan[int]:
    return async_bind(sleepers.plan(1.0, value=2), lambda y: async_pure(x + y))


@pytest.mark.parametrize("wrap", ["bare", "gather", "settle", "settle in gather"])
def test_cancellation_propagates_through_every_combinator(wrap: str) -> None:
    sleepers = Sleepers()
    inner = sleepers.plan(HOUR)
    plan: AsyncPlan[object] = {
        "bare": lambda: inner,
        "gather": lambda: async_gather([inner, async_pure(2)], concurrency=2),
        "settle": lambda: settle(inner),
        "settle in gather": lambda: async_gather([settle(inner), settle(async_pure(2))], concurrency=2),
    }[wrap]()

    async def main() -> str:
        task = asyncio.ensure_future(perform_async(plan))
        await asyncio.sleep(1.0)
        task.cancel()
        try:
            result = await task
        except asyncio.CancelledError:
            return "CancelledError"
        return f"finished with {result!r}"

    outcome, _ = run_virtual(main)
    assert outcome == "CancelledError"
    assert sleepers.cancelled == sleepers.cleaned == 1


async def _group_with_failing_sibling(neighbour: Coroutine[Any, Any, object] | None) -> tuple[list[str], int]:
    """Run ``neighbour`` next to a child that fails after 1 s; return the group's errors and
    the task's ``cancelling()`` count afterwards."""

    async def broken() -> None:
        await asyncio.sleep(1.0)
        raise LookupError("a bug next to the gather")

    errors: list[str] = []
    try:
        async with asyncio.TaskGroup() as group:
            if neighbour is not None:
                group.create_task(neighbour)
            group.create_task(broken())
    except* LookupError as eg:
        errors = [str(e) for e in eg.exceptions]
    task = asyncio.current_task()
    assert task is not None
    return errors, task.cancelling()


def test_a_failing_sibling_in_a_task_group_cancels_the_gather() -> None:
    sleepers = Sleepers()
    gather = async_gather([sleepers.plan(HOUR) for _ in range(6)], concurrency=3)

    async def main(neighbour: Coroutine[Any, Any, object]) -> tuple[list[str], int, int]:
        errors, cancelling = await _group_with_failing_sibling(neighbour)
        return errors, cancelling, len(asyncio.all_tasks())

    control, _ = run_virtual(lambda: main(asyncio.sleep(HOUR)))
    (errors, cancelling, tasks), _ = run_virtual(lambda: main(perform_async(gather)))
    assert errors == ["a bug next to the gather"]  # the gather's CancelledError is not in the group
    # Whatever this Python's task group does to the count, the gather adds nothing to it.
    assert (cancelling, tasks) == control[1:] and tasks == 1
    assert sleepers.started == sleepers.cancelled == sleepers.cleaned == 3


def test_a_task_group_takes_back_its_own_cancellation_from_3_13_on() -> None:
    # A child that fails while the group waits in __aexit__ makes the group cancel its
    # parent task. 3.11 and 3.12 never take that request back (cancelling() stays 1, so an
    # enclosing asyncio.timeout may misread it); 3.13 does (cpython gh-116720).
    (errors, cancelling), _ = run_virtual(lambda: _group_with_failing_sibling(None))
    assert errors == ["a bug next to the gather"]
    assert cancelling == (0 if sys.version_info >= (3, 13) else 1)


async def _cancel_group_from_outside(
    sleepers: Sleepers, fail_at: float, cancel_at: float
) -> tuple[str, list[str]]:
    """A task group holding a gather and a child failing at ``fail_at``, cancelled from
    outside at ``cancel_at``. The group's body handles the child's error and goes on;
    returns how the body ended and what it got to do."""
    gather = async_gather([sleepers.plan(HOUR) for _ in range(4)], concurrency=4)
    done: list[str] = []

    async def broken() -> None:
        await asyncio.sleep(fail_at)
        raise LookupError("a bug next to the gather")

    async def body() -> None:
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(perform_async(gather))
                group.create_task(broken())
        except* LookupError:
            done.append("handled the child's error")
        await asyncio.sleep(0)
        done.append("went on after the group")

    task = asyncio.ensure_future(body())
    await asyncio.sleep(cancel_at)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        return "CancelledError", done
    assert len(asyncio.all_tasks()) == 1
    return "finished", done


def test_cancelling_a_task_group_from_outside_reaches_the_gather() -> None:
    sleepers = Sleepers()
    (outcome, done), _ = run_virtual(lambda: _cancel_group_from_outside(sleepers, HOUR, cancel_at=1.0))
    assert (outcome, done) == ("CancelledError", [])
    assert sleepers.started == sleepers.cancelled == sleepers.cleaned == 4


def test_an_outside_cancellation_that_meets_a_failing_child_is_kept_only_from_3_13_on() -> None:
    # The child fails at 0.5 s; the group is still waiting for the gather's plans to clean up
    # (until 1.0 s) when the outside cancellation arrives at 0.75 s. 3.11 and 3.12 drop that
    # cancellation: the body handles the child's error and simply goes on. 3.13 re-delivers
    # it at the body's next await (cpython gh-116720). Either way the gather's plans were all
    # cancelled and cleaned up, and no task is left.
    sleepers = Sleepers()
    (outcome, done), _ = run_virtual(lambda: _cancel_group_from_outside(sleepers, 0.5, cancel_at=0.75))
    if sys.version_info >= (3, 13):
        assert (outcome, done) == ("CancelledError", ["handled the child's error"])
    else:
        assert (outcome, done) == ("finished", ["handled the child's error", "went on after the group"])
    assert sleepers.started == sleepers.cancelled == sleepers.cleaned == 4


def test_a_timeout_raised_inside_a_plan_is_a_bug_and_propagates() -> None:
    # A plan that times itself out with asyncio.timeout gets a TimeoutError, an
    # exception: only adapters turn timeouts into Err(TIMEOUT). The interpreter and
    # the gather must let it through and cancel the plan's siblings.
    sleepers = Sleepers()

    async def impatient() -> Result[int, ErrInfo]:
        async with asyncio.timeout(1.0):
            await asyncio.sleep(HOUR)
        return Ok(0)

    gather = async_gather([async_lift(impatient), sleepers.plan(HOUR), sleepers.plan(HOUR)], concurrency=3)

    async def main() -> str:
        try:
            await perform_async(gather)
        except TimeoutError:
            return "TimeoutError"
        return "finished"

    outcome, _ = run_virtual(main)
    assert outcome == "TimeoutError"
    assert sleepers.started == sleepers.cancelled == sleepers.cleaned == 2


def test_an_err_is_not_a_cancellation() -> None:
    # The opposite direction: an Err ends the gather normally, with no task cancelled.
    sleepers = Sleepers()
    failing = async_lift(lambda: _err_after(0.5))
    gather = async_gather([sleepers.plan(1.0), failing, sleepers.plan(1.0)], concurrency=3)
    result, _ = run_virtual(lambda: perform_async(gather))
    assert result == Err(ErrInfo("TRANSIENT", "expected failure"))
    assert sleepers.cancelled == 0 and sleepers.cleaned == 2


async def _err_after(seconds: float) -> Result[int, ErrInfo]:
    await asyncio.sleep(seconds)
    return Err(ErrInfo("TRANSIENT", "expected failure"))
