# Generated from solutions/m08c08/ex03_properties.py by `funcpipe make-exercises`; edit freely, your work is kept.
"""Exercise 3 — write the properties of a batch embedder yourself.

What to do
----------
Write three Hypothesis properties about *a* batch embedder, given as
``make``: ``make(client, model_name)`` returns an object whose
``await embed_batch(texts)`` has the contract of exercise 2 (one
``POST /embed`` per batch; vector *i* for text *i*; a wrong count is
``Err(SERVICE)``). Each ``check_*`` runs its property against ``make`` and
raises ``AssertionError`` (Hypothesis does it for you) when it fails.

No server is needed: give the client an ``httpx.MockTransport`` whose
handler answers ``POST /embed`` the way the property needs, and build the
client inside the coroutine you run, so it is closed when the run ends::

    async def run():
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://svc") as client:
            return await make(client, "m").embed_batch(texts)

The contract
------------
* **pass on correct embedders** — every check passes on correct embedders,
  each over at least 20 generated batches.
* ``check_paired_by_index(make)`` — when the service answers every text with
  a vector that tells it apart, the result is exactly those vectors, in the
  order of the texts (texts drawn with repeats and in any order).
* ``check_count_checked(make)`` — when the service answers with more or fewer
  vectors than texts, the result is ``Err`` with code ``SERVICE``, never a list.
* ``check_nothing_until_awaited(make)`` — calling ``embed_batch`` sends no
  request, even after the event loop has turned a few times; awaiting it
  sends one.

How it is graded
----------------
Your checks must pass on correct embedders, each over at least 20 generated
batches. Then they are run against wrong ones kept by the grader (one pairs
with ``zip`` and never counts, one sends the distinct texts sorted and keeps
that order, one starts its request as soon as it is called): each one your
checks catch is a point.

Imports
-------
The standard library, ``hypothesis``, ``httpx``, and from ``funcpipe_rag``
only ``Ok``, ``Err``, ``ErrInfo``, ``ErrorCode`` and ``Result``. Not the
library's ready-made properties (``adapter_properties``,
``ADAPTER_PROPERTIES`` …): a file that imports them scores zero for this
exercise.

Hints
-----
* A vector that tells texts apart: ``[float(len(t)), float(sum(map(ord, t)))]``
  for texts drawn from a few short words.
* ``await asyncio.sleep(0)`` lets the loop turn once; a started task runs then.
* Keep ``max_examples`` modest (30 or so) with ``derandomize=True``.
* Check yourself with ``funcpipe grade m08c08/ex03``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag import Err, Ok

MODEL = "hash-embed-test"

# TODO: strategies and a fake service


def check_paired_by_index(make: Callable[..., Any]) -> None:
    """Vector i of the answer comes back at position i, for texts with repeats, in any order."""
    # TODO: a service whose vectors tell the texts apart
    raise NotImplementedError("TODO: a service whose vectors tell the texts apart")


def check_count_checked(make: Callable[..., Any]) -> None:
    """One vector too many or too few is Err(SERVICE), never a list."""
    # TODO: answers with the wrong number of vectors
    raise NotImplementedError("TODO: answers with the wrong number of vectors")


def check_nothing_until_awaited(make: Callable[..., Any]) -> None:
    """Calling embed_batch sends nothing, even after the loop turns; awaiting it sends one request."""
    # TODO: count the requests before and after awaiting
    raise NotImplementedError("TODO: count the requests before and after awaiting")
