"""Exercise 3 — write the laws of a whole pipeline as properties yourself.

What to do
----------
Write four Hypothesis properties about *a* RAG ingestion pipeline, handed to
you as ``run``: one call of ``run(docs, store=path, ...)`` runs the pipeline
once, in virtual time, on the SQLite file ``path`` (created if missing, kept
as it is otherwise) with an embedder that fails by a seeded schedule, and
returns the run's facts. Its arguments:

* ``docs`` — the documents as ``(doc_id, chunks)`` pairs (distinct ids);
* ``store`` — the SQLite file to run against (a ``pathlib.Path``);
* ``seed`` and ``fail_rate`` — the failure schedule: the same seed and rate
  meet the same failures in every run;
* ``concurrency`` — documents in flight; ``interleave`` — a seed for the
  order in which simultaneous tasks run;
* ``cancel_after`` — cancel the run once that many items have arrived
  (``0``: before the first); ``cancel_at`` — cancel it at that virtual
  second (inside some document's work).

The facts (attributes of what ``run`` returns): ``items``, one
``(doc_id, ok, chunk_ids, new_rows)`` tuple per item emitted, in order;
``calls``, one ``(key, attempt, ok)`` per embedder call; ``rows``, the
store's ``(chunk_id, doc_id, index)`` rows after the run; ``rows_changed``,
how many rows the run inserted, replaced or updated; ``open_connections``
and ``tasks_left`` after the run; ``cancelled``.

The contract
------------
* **pass on correct pipelines** — every check passes on correct pipelines,
  each over at least 20 runs with generated documents, schedules and
  cancellation points.
* ``check_idempotent(run)`` — run twice on the *same* store with the same
  schedule, the second run changes no row, leaves the same rows, and
  reports the same outcomes once the order is taken out (``new_rows`` may
  differ: it counts what each run added).
* ``check_at_most_once(run)`` — in one run, no key (chunk text) has more than
  one successful embedder call.
* ``check_no_duplicate_emission(run)`` — in one run, no document is emitted
  more than once.
* ``check_clean_cancellation(run)`` — cancelled after any prefix, or at any
  moment, a run leaves no half-written document (a document has all its
  chunks in the store, or none), no open connection and no task.

How it is graded
----------------
Your checks must pass on correct pipelines (the library's, and the
library's fair merge of two key-disjoint lanes), each over at least 20 runs.
Then they run against broken pipelines kept by the grader — a store that
rewrites on every write, a retry around a whole document, a second pass that
emits failed documents again, a write per chunk, a connection closed only
on success, a helper task never stopped — and each one must be caught *by
the check for the law it breaks*: a point each.

Imports
-------
The standard library (``tempfile``, ``pathlib``, ``collections`` …) and
``hypothesis``. Not ``funcpipe_rag.testing`` (``check_law``,
``PIPELINE_LAWS``, the violation checkers): it is the answer, so a file that
imports it scores zero for this exercise.

Hints
-----
* A fresh store per example: ``with tempfile.TemporaryDirectory() as tmp:``
  and ``Path(tmp) / "store.sqlite"``. Idempotence needs the *same* path for
  both runs: two fresh stores only show that the pipeline is deterministic.
* A document fails only when one chunk fails 3 times in a row: draw high
  failure rates (0.6, 1.0) as well as 0 and 0.3, and documents of 0 to 3
  chunks, to see retries and failures.
* Count with ``collections.Counter``; a document's chunk count is the second
  element of its ``docs`` pair.
* Keep ``max_examples`` modest (25 or so) with ``derandomize=True``.
* Check yourself with ``funcpipe grade m08c10/ex03``.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

# BEGIN HELPERS: documents, schedules and cancellation points
IDS = st.sampled_from(["", "0", "None", "False", "a/b", "q'uote", "ünï", "two words"])
DOCS = st.lists(st.tuples(IDS, st.integers(0, 3)), min_size=1, max_size=4, unique_by=lambda d: d[0])
SCHEDULES = st.fixed_dictionaries({"seed": st.integers(0, 1000),
                                   "fail_rate": st.sampled_from([0.0, 0.3, 0.6, 1.0]),
                                   "concurrency": st.integers(1, 3), "interleave": st.integers(0, 1000)})
CUTS = st.one_of(st.fixed_dictionaries({"cancel_after": st.integers(0, 3)}),
                 st.fixed_dictionaries({"cancel_at": st.sampled_from([0.004, 0.02, 0.05, 0.1])}))
EXAMPLES = settings(max_examples=25, derandomize=True, deadline=None)


def fresh_store() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="laws-")


def outcomes(facts: Any) -> Counter[tuple[str, bool, tuple[str, ...]]]:
    """The items with the order and the run-dependent new_rows taken out."""
    return Counter((doc_id, ok, tuple(ids)) for doc_id, ok, ids, _ in facts.items)
# END HELPERS


def check_idempotent(run: Callable[..., Any]) -> None:
    """Run twice on the same store: nothing changes, the same outcomes."""
    # BEGIN SOLUTION: one store file, two runs, compare the second with the first
    @EXAMPLES
    @given(DOCS, SCHEDULES)
    def prop(docs: list[tuple[str, int]], schedule: dict[str, Any]) -> None:
        with fresh_store() as tmp:
            store = Path(tmp) / "store.sqlite"
            first = run(docs, store=store, **schedule)
            second = run(docs, store=store, **schedule)
        assert second.rows_changed == 0, f"the re-run changed {second.rows_changed} rows"
        assert second.rows == first.rows, "the re-run left other rows"
        assert outcomes(second) == outcomes(first), "the re-run reported other outcomes"

    prop()
    # END SOLUTION


def check_at_most_once(run: Callable[..., Any]) -> None:
    """No key is embedded successfully twice in one run."""
    # BEGIN SOLUTION: count the successful calls per key
    @EXAMPLES
    @given(DOCS, SCHEDULES)
    def prop(docs: list[tuple[str, int]], schedule: dict[str, Any]) -> None:
        with fresh_store() as tmp:
            facts = run(docs, store=Path(tmp) / "store.sqlite", **schedule)
        twice = {key: n for key, n in Counter(k for k, _, ok in facts.calls if ok).items() if n > 1}
        assert not twice, f"embedded successfully more than once: {twice}"

    prop()
    # END SOLUTION


def check_no_duplicate_emission(run: Callable[..., Any]) -> None:
    """No document is emitted twice in one run."""
    # BEGIN SOLUTION: count the items per document id
    @EXAMPLES
    @given(DOCS, SCHEDULES)
    def prop(docs: list[tuple[str, int]], schedule: dict[str, Any]) -> None:
        with fresh_store() as tmp:
            facts = run(docs, store=Path(tmp) / "store.sqlite", **schedule)
        twice = {d: n for d, n in Counter(item[0] for item in facts.items).items() if n > 1}
        assert not twice, f"emitted more than once: {twice}"

    prop()
    # END SOLUTION


def check_clean_cancellation(run: Callable[..., Any]) -> None:
    """Cancelled anywhere: whole documents or none, no connection, no task."""
    # BEGIN SOLUTION: cancel, then look at the rows per document, the connections and the tasks
    @EXAMPLES
    @given(DOCS, SCHEDULES, CUTS)
    def prop(docs: list[tuple[str, int]], schedule: dict[str, Any], cut: dict[str, Any]) -> None:
        with fresh_store() as tmp:
            facts = run(docs, store=Path(tmp) / "store.sqlite", **schedule, **cut)
        held = Counter(doc_id for _, doc_id, _ in facts.rows)
        size = dict(docs)
        half = [d for d, n in held.items() if n != size[d]]
        assert not half, f"half written: {half}"
        assert facts.open_connections == 0, f"{facts.open_connections} connection(s) left open"
        assert facts.tasks_left == 0, f"{facts.tasks_left} task(s) left running"

    prop()
    # END SOLUTION
