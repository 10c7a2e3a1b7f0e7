# Generated from solutions/m08c03/ex03_properties.py by `funcpipe make-exercises`; edit freely, your work is kept.
"""Exercise 3 — write the properties of a bounded map yourself.

What to do
----------
Write seven Hypothesis properties about *an* implementation of a bounded
map, passed in as ``impl``: ``impl(source, f, policy)`` returns a stream
with the contract of exercise 1 (``source`` a stream of ``Result`` items,
``f`` a function from a value to a plan, ``policy`` a
``BackpressurePolicy``). Each ``check_*`` runs its property against ``impl``
and raises ``AssertionError`` (Hypothesis does it for you) when it fails.

The contract
------------
* **pass on correct maps** — every check passes on correct implementations,
  each over at least 20 generated runs.
* ``check_in_flight(impl)`` — never more than ``max_concurrent`` plans run
  at once.
* ``check_backpressure(impl)`` — the source is never more than
  ``max_concurrent + 1`` items ahead of what the consumer received.
* ``check_order(impl)`` — ordered: the results in source order; unordered:
  the same results, in some order.
* ``check_err_items(impl)`` — ``f`` is called for every ``Ok`` item and
  never for an ``Err`` item, and every ``Err`` item comes out.
* ``check_promptness(impl)`` — a result is received as soon as it is ready
  (in ordered mode: and every earlier one received), even when the source is
  slow.
* ``check_closing(impl)`` — when the consumer stops early, no plan is left
  running, the source is closed and no task is left.
* ``check_bugs_propagate(impl)`` — an exception raised by a plan reaches
  the consumer.

Run every property on the virtual clock (``run_virtual``) over *generated*
sources: quick and slow pulls, quick and slow plans, ``Err`` items, limits
from 1 to a few, both orders.

How it is graded
----------------
Your checks must pass on correct implementations, each over at least 20
generated runs. Then they are run against wrong ones kept by the grader (one
plan too many in flight, reading the whole source first, ignoring the order
asked for, calling ``f`` on ``Err`` items, dropping ``Err`` items, waiting
for the next source item, leaving plans running, turning exceptions into
``Err``): each one you catch is a point.

Imports
-------
The standard library, ``hypothesis``, ``Ok``, ``Err``, ``ErrInfo``,
``ErrorCode``, ``Result`` and ``BackpressurePolicy`` from ``funcpipe_rag``,
and ``run_virtual`` from ``funcpipe_rag.testing``. Not the library's
ready-made properties (``bounded_properties``, ``BOUNDED_PROPERTIES``,
``run_bounded`` …): a file that imports them scores zero for this exercise.

Hints
-----
* Write one runner that takes ``impl``, a list of items (how long the source
  takes to give each, how long its plan takes, or ``None`` for an ``Err``)
  and a policy, and records what happened: pulls, calls, plans running,
  when each result was ready and received, whether the source was closed,
  the tasks left (``asyncio.all_tasks()``). Every check reads that record.
* Keep ``max_examples`` modest (30 to 50) with ``derandomize=True``.
* Check yourself with ``funcpipe grade m08c03/ex03``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag import BackpressurePolicy, Err, ErrInfo, ErrorCode, Ok
from funcpipe_rag.testing import run_virtual

Impl = Callable[..., Any]

# TODO: a recording runner, strategies for sources and policies, a settings object


def check_in_flight(impl: Impl) -> None:
    """Never more than max_concurrent plans at once."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")


def check_backpressure(impl: Impl) -> None:
    """The source is never more than max_concurrent + 1 items ahead of the consumer."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")


def check_order(impl: Impl) -> None:
    """Ordered: source order; unordered: the same results in some order."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")


def check_err_items(impl: Impl) -> None:
    """f is called for every Ok item and never for an Err item; every Err comes out."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")


def check_promptness(impl: Impl) -> None:
    """Each result is received as soon as it may be, even when the source is slow."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")


def check_closing(impl: Impl) -> None:
    """Stopping early leaves no plan running, closes the source and leaves no task."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")


def check_bugs_propagate(impl: Impl) -> None:
    """An exception raised by a plan reaches the consumer."""
    # TODO: write this part
    raise NotImplementedError("TODO: write this part")
