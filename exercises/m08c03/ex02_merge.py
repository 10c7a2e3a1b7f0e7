# Generated from solutions/m08c03/ex02_merge.py by `funcpipe make-exercises`; edit freely, your work is kept.
"""Exercise 2 — merge several streams into one, by hand: ``merge``.

What to do
----------
Write ``merge(streams, max_buffer)``: one stream (a zero-argument callable
returning a fresh async iterator of ``Result`` items) holding the items of
every stream of ``streams``, in the order they arrive. Each stream is pulled
concurrently with the others, but never more than once at a time.

The contract
------------
* **arrival order** — items come out in the order their pulls finished;
  each stream's own items keep their order; every item comes out once.
* **promptness** — an item is handed to a waiting consumer the moment its
  pull finishes, whatever the other streams are doing.
* **one pull per stream** — a stream is never pulled again before its last
  pull finished, and a stream's pull is only started when fewer than
  ``max_buffer`` items wait for the consumer: at most ``max_buffer`` plus
  one per stream are taken and not yet received.
* **Err items** — an ``Err`` item is an item like any other: it passes
  through and its stream goes on.
* **closing** — each stream is closed when it ends; when the consumer closes
  the run early, the pending pulls are cancelled, every stream is closed and
  no task is left.
* **bugs propagate** — an exception raised by a stream cancels the other
  pulls, closes every stream and propagates.

Imports
-------
The standard library (``asyncio``, ``collections``); ``Ok``, ``Err``,
``ErrInfo``, ``Result`` and ``AsyncGen`` from ``funcpipe_rag``. Not
``async_gen_gather`` or ``async_gen_bounded_map``: they are the answer, and a
file that imports them scores zero for this exercise.

Hints
-----
* Keep a dict from each pending pull (``asyncio.ensure_future(anext(it))``)
  to its iterator, and wait on all of them with
  ``asyncio.wait(..., return_when=FIRST_COMPLETED)``.
* A pull that raises ``StopAsyncIteration`` means that stream ended: close it.
* Several pulls can finish while you wait: ``asyncio.wait`` gives them as a
  set, which has no order. A done callback on each pull
  (``task.add_done_callback(finished.append)``) records the order they
  finished in.
* Check yourself with ``funcpipe grade m08c03/ex02``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import Any

from funcpipe_rag import AsyncGen, ErrInfo, Result


def merge(streams: Sequence[AsyncGen[Any]], max_buffer: int = 16) -> AsyncGen[Any]:
    """The items of every stream of ``streams``, in the order they arrive (see the contract)."""
    # TODO: one pending pull per stream, taken in the order they finish; a bounded buffer
    raise NotImplementedError("TODO: one pending pull per stream, taken in the order they finish; a bounded buffer")
