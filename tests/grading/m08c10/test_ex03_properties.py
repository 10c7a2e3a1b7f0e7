"""Graded: exercise 3, the learner's own laws of a whole pipeline (``ex03_properties.py``).

The learner's ``check_*`` functions receive ``run``: one call runs a
pipeline once, in virtual time, against the SQLite file the learner names,
with a seeded failing embedder, optionally cancelled, and returns the run's
facts (``funcpipe_rag.testing.run_pipeline`` underneath). Behind ``run`` is
a correct pipeline (the library's, or its fair merge of two key-disjoint
lanes) or one of the broken pipelines of ``funcpipe_rag.testing.WRONG_PIPELINES``,
under an id drawn afresh for each grading. The checks must pass on the
correct ones over at least 20 runs each, and each broken pipeline must be
caught by the check of the law it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from funcpipe_rag.grading.harness import before_import, graded, load, observer, require
from funcpipe_rag.grading.properties import (
    LearnerChecks,
    PropertyRun,
    RunCounter,
    learner_profile,
    run_property,
)

EXERCISE = "ex03_properties"
TITLE = "Write the laws of a whole pipeline"
CHECKS = ("check_idempotent", "check_at_most_once", "check_no_duplicate_emission", "check_clean_cancellation")
CORRECT = {"library": "the library's pipeline",
           "merged": "the library's fair merge of two key-disjoint lanes"}
WRONGS = {
    "replace_writes": "a pipeline whose store rewrites every row it is given (INSERT OR REPLACE)",
    "document_level_retry": "a pipeline that retries a whole document when one of its chunks fails",
    "second_pass_for_failures": "a pipeline that tries failed documents again and emits them twice",
    "write_each_chunk": "a pipeline that writes each chunk in its own transaction",
    "close_on_success_only": "a pipeline that closes its connection only when the run ends normally",
    "ticker_not_stopped": "a pipeline whose progress task is stopped only when the run ends normally",
}
LAW_OF = {
    "replace_writes": "check_idempotent", "document_level_retry": "check_at_most_once",
    "second_pass_for_failures": "check_no_duplicate_emission", "write_each_chunk": "check_clean_cancellation",
    "close_on_success_only": "check_clean_cancellation", "ticker_not_stopped": "check_clean_cancellation",
}
"""The check that must catch each broken pipeline: the one for the law it breaks."""
MIN_RUNS = 20
"""Runs each property must make on a correct pipeline: generated examples, not a few fixed ones."""

# ---- next to the learner's code -------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What one run did (see the exercise's docstring)."""

    items: list[tuple[str, bool, tuple[str, ...], int]]
    calls: list[tuple[str, int, bool]]
    rows: list[tuple[str, str, int]]
    rows_changed: int
    open_connections: int
    tasks_left: int
    cancelled: bool


_LABS: dict[str, tuple[Any, RunCounter]] = {}


def _lab(kind: str) -> tuple[Any, RunCounter]:
    """``run(docs, store=..., ...)`` for the pipeline ``kind``, counting its runs."""
    from pathlib import Path

    from funcpipe_rag import Ok
    from funcpipe_rag.infra.adapters.sqlite import SqliteStore
    from funcpipe_rag.testing import (
        WRONG_PIPELINES,
        FailureSchedule,
        PipelineCase,
        library_pipeline,
        make_docs,
        merged_pipeline,
        run_pipeline,
    )

    def merged(tenants: Any, embedder: Any, open_store: Any, concurrency: int) -> Any:
        docs = [d for t in tenants for d in t]
        return merged_pipeline((tuple(docs[0::2]), tuple(docs[1::2])), embedder, open_store, concurrency)

    if kind in ("library", "merged"):
        pipeline, store_type = (library_pipeline if kind == "library" else merged), SqliteStore
    else:
        wrong = next(w for w in WRONG_PIPELINES if w.name == kind)
        pipeline, store_type = wrong.pipeline, wrong.store_type
    counter = RunCounter()

    def run(docs: Any, *, store: Any, seed: int = 0, fail_rate: float = 0.3, concurrency: int = 2,
            interleave: int = 0, cancel_after: int | None = None, cancel_at: float | None = None) -> Facts:
        ids = [str(d) for d, _ in docs]
        if len(set(ids)) != len(ids):
            raise ValueError(f"run: the documents' ids must be distinct, got {ids!r}")
        counter.runs += 1
        case = PipelineCase((make_docs(ids, [int(n) for _, n in docs]),),
                            FailureSchedule(seed=seed, fail_rate=fail_rate), seed=interleave,
                            concurrency=concurrency, cancel_after=cancel_after, cancel_at=cancel_at)
        facts = run_pipeline(pipeline, case, Path(store), store_type=store_type)
        return Facts(
            items=[(x.value.doc_id, x.value.ok, x.value.chunk_ids, x.value.new_rows) if isinstance(x, Ok)
                   else ("", False, (), 0) for x in facts.items],
            calls=[(a.key, a.attempt, a.ok) for a in facts.attempts],
            rows=list(facts.rows),
            rows_changed=facts.rows_changed,
            open_connections=facts.opened - facts.closed,
            tasks_left=len(facts.leftover_tasks),
            cancelled=facts.cancelled,
        )

    return run, counter


@observer
def build_labs(case: list[tuple[str, str]]) -> None:
    """Before the learner's file is imported: one neutral ``run`` per (id, pipeline)."""
    learner_profile()
    for ident, kind in case:
        _LABS[ident] = _lab(kind)


class CheckCase(TypedDict):
    check: str
    impl: str


@observer
def run_check(case: CheckCase) -> PropertyRun:
    """Run one of the learner's checks against the pipeline with this id."""
    check = require(load(EXERCISE), case["check"])
    run, counter = _LABS[case["impl"]]
    return run_property(check, run, counter)


# ---- the grader's side ------------------------------------------------------------------------

VERDICTS = LearnerChecks(run_check, CHECKS, CORRECT, WRONGS, likely=LAW_OF, min_runs=MIN_RUNS, unit="runs")


@before_import
def neutral_labs() -> tuple[object, list[tuple[str, str]]]:
    """Every pipeline under its id, in an order that says nothing."""
    return build_labs, VERDICTS.neutral_ids()


@graded(
    points=4,
    hint=(
        "Generate documents (distinct ids, 0 to 3 chunks), schedules and cancellation points with "
        "Hypothesis, and state each law over the facts of the runs, never over one pipeline's exact output.",
        "Compare outcomes with the order taken out (a Counter), and leave new_rows out of idempotence: "
        "the second run adds nothing, so it reports 0.",
    ),
)
def test_properties_pass_on_correct() -> None:
    """Your four checks pass on the library's pipeline and on its fair merge, over generated runs."""
    VERDICTS.passes_on_correct()


@graded(
    points=1,
    hint=(
        "Run twice on the *same* store file and look at the second run's rows_changed.",
        "Two fresh stores only show that the pipeline is deterministic: a store that rewrites every row "
        "passes that test.",
    ),
)
def test_catches_replace_writes() -> None:
    """Caught by check_idempotent: a store that rewrites every row on every write."""
    VERDICTS.caught("replace_writes", by=LAW_OF["replace_writes"])


@graded(
    points=1,
    hint=(
        "Count the successful calls per key; draw documents of several chunks and failure rates above 0, "
        "so that one chunk fails while its neighbours succeed.",
    ),
)
def test_catches_document_level_retry() -> None:
    """Caught by check_at_most_once: a retry around a whole document."""
    VERDICTS.caught("document_level_retry", by=LAW_OF["document_level_retry"])


@graded(
    points=1,
    hint=(
        "Count the items per document id; draw high failure rates (0.6, 1.0) so that documents fail.",
    ),
)
def test_catches_second_pass_for_failures() -> None:
    """Caught by check_no_duplicate_emission: a second pass that emits failed documents again."""
    VERDICTS.caught("second_pass_for_failures", by=LAW_OF["second_pass_for_failures"])


@graded(
    points=1,
    hint=(
        "Cancel at a moment inside a document's work (cancel_at), then check that each document has all its "
        "chunks in the store or none.",
        "Documents of 2 or 3 chunks, cancel_at of a few hundredths of a second: the cut falls between two "
        "chunk writes.",
    ),
)
def test_catches_write_each_chunk() -> None:
    """Caught by check_clean_cancellation: one transaction per chunk."""
    VERDICTS.caught("write_each_chunk", by=LAW_OF["write_each_chunk"])


@graded(
    points=1,
    hint="After a cancelled run, open_connections must be 0.",
)
def test_catches_close_on_success_only() -> None:
    """Caught by check_clean_cancellation: a connection closed only when the run ends normally."""
    VERDICTS.caught("close_on_success_only", by=LAW_OF["close_on_success_only"])


@graded(
    points=1,
    hint="After a cancelled run, tasks_left must be 0.",
)
def test_catches_ticker_not_stopped() -> None:
    """Caught by check_clean_cancellation: a helper task stopped only when the run ends normally."""
    VERDICTS.caught("ticker_not_stopped", by=LAW_OF["ticker_not_stopped"])
