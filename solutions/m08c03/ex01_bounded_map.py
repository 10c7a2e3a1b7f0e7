"""Exercise 1 — a bounded map over a stream, by hand: ``bounded_map``.

What to do
----------
Write ``bounded_map(source, f, policy)``: a stream (a zero-argument callable
returning a fresh async iterator of ``Result`` items) that runs the plan
``f(v)`` for each ``Ok(v)`` of the stream ``source``, several at once, as
``policy`` (a ``BackpressurePolicy``) says. A *plan* is a zero-argument
callable whose call gives an awaitable of a ``Result``.

The contract
------------
With ``n = policy.max_concurrent``:

* **in flight** — at most ``n`` plans run at once.
* **held** — at most ``n`` items are held between being taken from
  ``source`` and being handed to the consumer (running, or finished and
  waiting for their turn), however slow a straggler is.
* **backpressure** — ``source`` is pulled only when there is room for its
  item: never more than ``n + 1`` items ahead of what the consumer received.
* **order** — ``policy.ordered``: results in source order; otherwise each
  result in the order it became ready. Every item comes out exactly once.
* **promptness** — a result is handed on the moment it may be (ready, and in
  ordered mode every earlier result handed on), even while the next source
  item is slow to come.
* **Err items** — an ``Err`` of ``source`` passes through in its place and
  ``f`` is not called for it; a plan's ``Err`` is an item like any other.
* **same as one at a time** — with ``n`` at least the stream's length the
  ordered result equals running ``f``'s plans one after another.
* **closing** — when the consumer closes the run early, the plans in flight
  and the pending pull are cancelled, ``source`` is closed, no task is left.
* **bugs propagate** — an exception raised by ``f`` or by a plan cancels the
  other plans, closes ``source`` and propagates (it is never turned into an
  ``Err``).
* **every value is a value** — ``None``, ``0``, ``""``, ``[]`` and ``False``
  are items like any other, for ``f`` and in the results.

Imports
-------
The standard library (``asyncio``, ``collections``, ``contextlib``);
``Ok``, ``Err``, ``ErrInfo``, ``Result``, ``AsyncGen``, ``AsyncPlan`` and
``BackpressurePolicy`` from ``funcpipe_rag``. Not ``async_gen_bounded_map``
or ``async_gen_gather``: they are the answer, and a file that imports them
scores zero for this exercise.

Hints
-----
* Keep one pull of the source outstanding as a task
  (``asyncio.ensure_future(anext(it))``) and wait on it together with the
  running plans: ``asyncio.wait(..., return_when=FIRST_COMPLETED)``.
* Start a pull only when the items held (running plus finished, not yet
  handed on) are fewer than ``n``.
* Do the cancelling and closing in a ``finally`` around the generator's body:
  it runs when the consumer closes the run, too.
* Check yourself with ``funcpipe grade m08c03/ex01``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

from funcpipe_rag import AsyncGen, AsyncPlan, BackpressurePolicy, ErrInfo, Ok, Result


def bounded_map(
    source: AsyncGen[Any], f: Callable[[Any], AsyncPlan[Any]], policy: BackpressurePolicy
) -> AsyncGen[Any]:
    """``f``'s plan for each ``Ok`` of ``source``, ``policy.max_concurrent`` at a time (see the contract)."""
    # BEGIN SOLUTION: one outstanding pull raced against the running plans, a window of held items
    limit, ordered = policy.max_concurrent, policy.ordered

    async def run(plan: AsyncPlan[Any]) -> Result[Any, ErrInfo]:
        return await plan()

    async def stream() -> AsyncIterator[Result[Any, ErrInfo]]:
        items = source()
        running: dict[asyncio.Future[Any], int] = {}
        done: dict[int, Result[Any, ErrInfo]] = {}
        ready: list[int] = []  # completion order, for unordered mode
        taken = given = 0  # items taken from the source, results handed on (ordered)
        pull: asyncio.Future[Any] | None = None
        ended = False
        try:
            while True:
                if ordered and given in done:
                    yield done.pop(given)
                    given += 1
                    continue
                if not ordered and ready:
                    yield done.pop(ready.pop(0))
                    continue
                if ended and not running and not done:
                    return
                if pull is None and not ended and len(running) + len(done) < limit:
                    pull = asyncio.ensure_future(anext(items))
                waiting = set(running) | ({pull} if pull is not None else set())
                finished, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if pull is not None and pull in finished:
                    got, pull = pull, None
                    try:
                        item = got.result()
                    except StopAsyncIteration:
                        ended = True
                    else:
                        index, taken = taken, taken + 1
                        if isinstance(item, Ok):
                            running[asyncio.ensure_future(run(f(item.value)))] = index
                        else:
                            done[index] = item
                            if not ordered:
                                ready.append(index)
                for task in [t for t in running if t in finished]:  # start order: ties go one way every run
                    index = running.pop(task)
                    done[index] = task.result()  # raises the plan's exception: a bug propagates
                    if not ordered:
                        ready.append(index)
        finally:
            leftover = [*running, *([pull] if pull is not None else [])]
            for task in leftover:
                task.cancel()
            await asyncio.gather(*leftover, return_exceptions=True)
            await items.aclose()

    return stream
    # END SOLUTION
