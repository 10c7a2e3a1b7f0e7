# Generated from solutions/m08c09/ex03_properties.py by `funcpipe make-exercises`; edit freely, your work is kept.
"""Exercise 3 — write the properties of a batcher yourself.

What to do
----------
Write six Hypothesis properties about *an* implementation of a batcher,
passed in as ``impl``: ``impl(source, policy)`` returns a stream with the
contract of exercise 1 (``source`` a stream of ``Result`` items, ``policy``
a ``ChunkPolicy``; the stream's items are ``Ok(list)`` batches and the
``Err`` items of ``source``). Each ``check_*`` runs its property against
``impl`` and raises ``AssertionError`` (Hypothesis does it for you) when it
fails.

The contract
------------
* **pass on correct batchers** — every check passes on correct
  implementations, each over at least 20 generated runs.
* ``check_order(impl)`` — the ``Ok`` values come out in source order, and no
  ``Err`` item comes out ahead of a value that came before it in the source.
* ``check_exactly_once(impl)`` — every value is in exactly one batch and
  every ``Err`` item comes out once, the last open batch included when the
  source ends; no batch is empty.
* ``check_size(impl)`` — no batch of two or more values holds more than
  ``max_units`` units (``size_fn`` summed).
* ``check_delay(impl)`` — no batch is older than ``max_delay_ms`` when it is
  received (counted from when its first value arrived), even when the source
  stalls for far longer.
* ``check_prefetch(impl)`` — whenever a batch is received, at most one value
  has been taken from the source that is in no batch received yet.
* ``check_closing(impl)`` — when the consumer stops early, the source is
  closed and no task is left.

Run every property on the virtual clock (``run_virtual``) over *generated*
sources: bursts and stalls (gaps from 0 to seconds between items), sizes of
0, 1 and more than the limit, ``Err`` items, both ``flush_on_err`` settings,
limits and delays of ``0`` (no limit) too.

How it is graded
----------------
Your checks must pass on correct batchers, each over at least 20 generated
runs. Then they are run against wrong ones kept by the grader (one that
checks a batch's age only when an item arrives, one that lets an ``Err``
overtake the open batch, one that checks the size after adding, one that
drops the remainder, one that reads one item ahead, one that leaves the
source open): each one you catch is a point.

Imports
-------
The standard library, ``hypothesis``, ``Ok``, ``Err``, ``ErrInfo``,
``ErrorCode``, ``Result`` and ``ChunkPolicy`` from ``funcpipe_rag``, and
``run_virtual`` from ``funcpipe_rag.testing``. Not the library's ready-made
properties (``chunk_properties``, ``CHUNK_PROPERTIES``, ``run_chunked`` …):
a file that imports them scores zero for this exercise.

Hints
-----
* Write one runner that takes ``impl``, a list of items (the gap before
  each, in ms, and its size, or ``None`` for an ``Err``) and a policy, and
  records what happened: when each item arrived, each item received and
  when, how many values were taken at each batch, whether the source was
  closed, the tasks left (``asyncio.all_tasks()``). Every check reads it.
* Make each value its position in the source: order and membership are then
  easy to read back.
* Keep ``max_examples`` modest (30 to 50) with ``derandomize=True``.
* Check yourself with ``funcpipe grade m08c09/ex03``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag import ChunkPolicy, Err, ErrInfo, ErrorCode, Ok
from funcpipe_rag.testing import run_virtual

Impl = Callable[..., Any]

# TODO: a recording runner, strategies for sources and policies, a settings object


def check_order(impl: Impl) -> None:
    """Values in source order; no Err ahead of a value that came before it."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")


def check_exactly_once(impl: Impl) -> None:
    """Every item once, the remainder included; no empty batch."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")


def check_size(impl: Impl) -> None:
    """No batch of two or more values over max_units units."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")


def check_delay(impl: Impl) -> None:
    """No batch older than max_delay_ms when received, however long the source stalls."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")


def check_prefetch(impl: Impl) -> None:
    """At most one value taken beyond the batches received."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")


def check_closing(impl: Impl) -> None:
    """Stopping early closes the source and leaves no task."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")
