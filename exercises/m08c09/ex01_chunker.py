# Generated from solutions/m08c09/ex01_chunker.py by `funcpipe make-exercises`; edit freely, your work is kept.
"""Exercise 1 — a stream cut into batches by size and by age, by hand: ``batches``.

What to do
----------
Write ``batches(source, policy)``: a stream (a zero-argument callable
returning a fresh async iterator of ``Result`` items) whose items are the
``Ok`` values of the stream ``source`` gathered into lists, ``Ok(list)``,
with the ``Err`` items of ``source`` passed on between them. ``policy`` is a
``ChunkPolicy``: ``max_units`` (a batch's size at most; ``0``: no limit),
``max_delay_ms`` (a batch's age at most; ``0``: no limit), ``flush_on_err``
and ``size_fn`` (an item's size in units).

Read the time with the running loop's clock
(``asyncio.get_running_loop().time()``, in seconds) and wait with
``asyncio``: the grader runs your stream on a virtual-time loop, where a
stalled source costs no real time and every timing is exact.

The contract
------------
* **order** — with ``policy.flush_on_err`` the batches, with each ``Err``
  item where it is emitted, spell ``source``'s items in order: an ``Err``
  closes the open batch and follows it. Without it an ``Err`` waits behind
  the open batch and is emitted right after it: never ahead of an item that
  came before it.
* **exactly once** — every ``Ok`` value is in exactly one batch, every
  ``Err`` item is emitted once, and no batch is empty.
* **size** — a batch holds at most ``max_units`` units (the sum of
  ``size_fn`` over its values); an item larger than that is a batch alone.
* **age** — a batch is emitted at most ``max_delay_ms`` after its first
  item arrived, *even while the source is stalled*: the next pull is raced
  against the batch's deadline, not awaited alone.
* **closes when due** — a batch is emitted at the first moment it is due,
  not before and not later: when it is full (``max_units`` units or more),
  when the next item does not fit, at its deadline, when an ``Err`` arrives
  (with ``flush_on_err``), or when the source ends.
* **remainder** — when ``source`` ends, the open batch is emitted (and any
  ``Err`` waiting behind it).
* **lazy** — at most one item is taken from ``source`` beyond the batches
  handed on: the one pull that is outstanding.
* **closing** — when the consumer closes the run early, the outstanding pull
  is cancelled, ``source`` is closed and no task is left.
* **bugs propagate** — an exception of ``source`` or of ``size_fn`` reaches
  the consumer, after the same clean-up (never turned into an ``Err``).
* **every value is a value** — ``None``, ``0``, ``""``, ``[]``, ``False`` and
  strings with quotes or newlines are values like any other.

Imports
-------
The standard library (``asyncio``, ``contextlib`` …) and ``Ok``, ``Err``,
``ErrInfo``, ``Result``, ``AsyncGen`` and ``ChunkPolicy`` from
``funcpipe_rag`` (for its fields). Not ``async_gen_chunk``, nor anything from
``funcpipe_rag.testing``: they are the answer, and a file that imports them
scores zero for this exercise.

Hints
-----
* Keep one pull of the source outstanding as a task
  (``asyncio.ensure_future(anext(items))``) and wait for it with a timeout:
  ``asyncio.wait({pull}, timeout=deadline - now)``. When it times out, the
  batch is due; the pull stays outstanding for the next batch.
* Start the deadline when a batch gets its first item, and forget it when
  the batch is emitted.
* Keep the ``Err`` items that wait behind the open batch in a list, emitted
  right after the batch.
* Cancel the pull, await it, then ``aclose()`` the source in a ``finally``:
  it runs when the consumer closes the run, too.
* Check yourself with ``funcpipe grade m08c09/ex01``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from funcpipe_rag import AsyncGen, ChunkPolicy, ErrInfo, Ok, Result


def batches(source: AsyncGen[Any], policy: ChunkPolicy[Any]) -> AsyncGen[list[Any]]:
    """``source``'s ``Ok`` values in batches by ``policy``'s size and age, ``Err`` items between them."""
    # TODO: one outstanding pull raced against the open batch's deadline
    raise NotImplementedError("TODO: one outstanding pull raced against the open batch's deadline")
