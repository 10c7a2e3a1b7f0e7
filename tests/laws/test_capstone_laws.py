"""The capstone: the whole pipeline (rag_ingest_full) keeps Core 10's laws and its own three.

Two key-disjoint tenants with awkward ids, seeded failure schedules,
interleavings and cancellation points, on the real SQLite store in virtual
time; each of the three new laws is shown to catch a pipeline with one
setting wrong.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings

from funcpipe_rag.testing import (
    CAPSTONE_LAWS,
    CAPSTONE_RATE,
    PIPELINE_ENV,
    WRONG_CAPSTONES,
    FailureSchedule,
    PipelineCase,
    ScheduledEmbedder,
    WrongPipeline,
    capstone_pipeline,
    check_capstone_law,
    make_docs,
    max_in_flight,
    pipeline_cases,
    rate_violations,
    run_pipeline,
    run_virtual,
)

LAWS = settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
HUNT = settings(
    max_examples=150, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
TWO_TENANTS = ("a", "b")


@pytest.mark.parametrize("law", sorted(CAPSTONE_LAWS))
@LAWS
@given(case=pipeline_cases(tenants=TWO_TENANTS, min_docs=1))
def test_the_capstone_keeps_each_law_run_to_the_end(law: str, case: PipelineCase) -> None:
    assert check_capstone_law(law, capstone_pipeline, case) == []


@LAWS
@given(case=pipeline_cases(tenants=TWO_TENANTS, cancel=True, min_docs=1))
def test_cancelling_the_capstone_anywhere_leaves_nothing_half_done(case: PipelineCase) -> None:
    assert check_capstone_law("clean_cancellation", capstone_pipeline, case) == []


@pytest.mark.parametrize("wrong", WRONG_CAPSTONES, ids=lambda w: w.name)
def test_each_capstone_law_catches_its_wrong_pipeline(wrong: WrongPipeline) -> None:
    case = find(
        pipeline_cases(tenants=TWO_TENANTS, min_docs=1),
        lambda c: bool(check_capstone_law(wrong.breaks, wrong.pipeline, c)),
        settings=HUNT,
    )
    assert check_capstone_law(wrong.breaks, capstone_pipeline, case) == [], "the capstone passes this case"


def _case(fail_rate: float) -> PipelineCase:
    a = make_docs(["x", "", "b'c", "None"], [3, 0, 5, 1], "a")
    b = make_docs(["x", "y"], [4, 2], "b")
    return PipelineCase((a, b), FailureSchedule(seed=3, fail_rate=fail_rate), seed=1, concurrency=2)


def test_a_document_is_embedded_in_batches_one_request_each(tmp_path: Path) -> None:
    run = run_pipeline(capstone_pipeline, _case(0.0), tmp_path / "store.sqlite")
    sizes = [3, 0, 5, 1, 4, 2]
    # batch_units=2, and no batch spans two documents
    assert len(run.requests) == sum(math.ceil(n / 2) for n in sizes)
    assert len(run.attempts) == sum(sizes)
    assert [item.value.doc_id for item in run.items if item.is_ok()] == [  # two of "a" for one of "b"
        "a/x", "a/", "b/x", "a/b'c", "a/None", "b/y",
    ]  # fmt: skip


def test_retries_go_through_the_same_bucket_and_bound(tmp_path: Path) -> None:
    run = run_pipeline(capstone_pipeline, _case(0.5), tmp_path / "store.sqlite")
    assert any(not r.ok for r in run.requests), "the schedule makes some requests fail"
    assert len(run.requests) > sum(math.ceil(n / 2) for n in [3, 0, 5, 1, 4, 2])
    assert rate_violations(run, CAPSTONE_RATE) == []
    assert 1 <= max_in_flight(run.requests) <= 2 * PIPELINE_ENV.embedding_concurrency


def test_a_capstone_run_is_the_same_facts_for_the_same_seed(tmp_path: Path) -> None:
    one = run_pipeline(capstone_pipeline, _case(0.3), tmp_path / "one.sqlite")
    two = run_pipeline(capstone_pipeline, _case(0.3), tmp_path / "two.sqlite")
    facts = [(r.items, r.requests, r.rows, r.ended_at) for r in (one, two)]
    assert facts[0] == facts[1]


def test_a_batch_of_one_text_counts_its_attempts_once() -> None:
    embedder = ScheduledEmbedder(FailureSchedule(fail_rate=1.0))

    async def three_tries() -> None:
        for _ in range(3):
            await embedder.embed_batch(["only"])

    run_virtual(three_tries)
    assert [r.attempt for r in embedder.requests] == [1, 2, 3]  # the batch's key is the text itself
    assert [a.attempt for a in embedder.attempts] == [1, 2, 3]
