# Generated from solutions/m08c10/ex01_helpers.py by `funcpipe make-exercises`; edit freely, your work is kept.
"""Exercise 1 — the proof helpers a law of a whole pipeline needs.

What to do
----------
A law of a whole pipeline is checked by running the pipeline many times, on
generated inputs and generated failures, and comparing what the runs did.
Three small helpers make that possible; write them:

* ``fails(seed, rate, key, attempt)`` — a *failure schedule*: whether
  attempt ``attempt`` (from 1) of the call for ``key`` fails. A re-run with
  the same ``seed`` must meet exactly the same failures, whatever order the
  concurrent calls happen to ask in, so the answer may depend on the four
  arguments and on nothing else (no shared generator, no clock, no
  ``hash()``, which changes from one Python process to the next);
* ``normalise(items)`` — a *trace normaliser*: the items a run emitted
  (``Ok(DocOutcome)`` or ``Err(ErrInfo)``) with the order taken out, so two
  runs that differ only in which concurrent document finished first compare
  equal;
* ``tenant_key(tenant, doc_id)`` and ``split_key(key)`` — a *key function*
  that makes two tenants' keys disjoint by construction, and its inverse.

The contract
------------
* **replayable** — ``fails(seed, rate, key, attempt)`` gives the same answer
  every time it is asked, in any order, whatever else was asked before;
* **rate 0 and 1** — at ``rate=0`` nothing fails; at ``rate=1`` everything
  fails (for any seed, key and attempt, ``""`` and ``0`` included);
* **share** — over many keys, the share of calls that fail is ``rate``
  (within 0.1 over 400 keys, for rates between 0 and 1);
* **fresh draws** — another seed, and another attempt of the same key, are
  fresh draws: at ``rate=0.5`` they disagree with the first answer for about
  half of the keys (a schedule in which a key that fails once fails forever
  would make retries pointless);
* **order taken out** — ``normalise(a) == normalise(b)`` exactly when ``b``
  holds the same items as ``a``, each as many times, in any order: a
  duplicated, missing or changed item (``Err`` items, ``""``, ``0``,
  ``None`` and ``False`` fields included) makes them differ;
* **disjoint keys** — ``tenant_key`` returns a ``str``, and two different
  ``(tenant, doc_id)`` pairs never get the same key, whatever characters
  the names hold (``/``, ``\\``, ``""`` …);
* **inverse** — ``split_key(tenant_key(tenant, doc_id)) == (tenant, doc_id)``.

Imports
-------
The standard library (``hashlib``, ``json`` …) and from ``funcpipe_rag``
only ``Ok``, ``Err``, ``ErrInfo``, ``Result`` and ``DocOutcome``. Not the
library's helpers (``funcpipe_rag.testing``: ``FailureSchedule``,
``normalise``, ``tenant_key``): they are the answer, so a file that imports
them scores zero for this exercise.

Hints
-----
* ``hashlib.blake2b(repr((seed, key, attempt)).encode()).digest()`` is the
  same bytes in every process; turn 8 of them into a number in [0, 1).
* ``sorted(items, key=repr)`` puts equal items next to each other; sorting
  by the document id alone keeps ties in the order they arrived.
* A separator is only safe if it cannot occur in the parts: escape it (and
  the escape character), or let ``json.dumps`` do it.
* Check yourself with ``funcpipe grade m08c10/ex01``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from funcpipe_rag import ErrInfo, Result
from funcpipe_rag.domain.rag_pipeline import DocOutcome


def fails(seed: int, rate: float, key: str, attempt: int) -> bool:
    """Whether attempt ``attempt`` of the call for ``key`` fails, in the schedule ``seed`` at ``rate``."""
    # TODO: a number in [0, 1) from the arguments alone, compared with rate
    raise NotImplementedError("TODO: a number in [0, 1) from the arguments alone, compared with rate")


def normalise(items: Sequence[Result[DocOutcome, ErrInfo]]) -> tuple[Result[DocOutcome, ErrInfo], ...]:
    """The items of a run with their order taken out (equal exactly for reorderings)."""
    # TODO: every item kept, in an order that depends on the items alone
    raise NotImplementedError("TODO: every item kept, in an order that depends on the items alone")


def tenant_key(tenant: str, doc_id: str) -> str:
    """The key of ``doc_id`` within ``tenant``: different pairs, different keys."""
    # TODO: an encoding of the pair that cannot be read two ways
    raise NotImplementedError("TODO: an encoding of the pair that cannot be read two ways")


def split_key(key: str) -> tuple[str, str]:
    """The ``(tenant, doc_id)`` a key of :func:`tenant_key` was made from."""
    # TODO: decode what tenant_key encoded
    raise NotImplementedError("TODO: decode what tenant_key encoded")
