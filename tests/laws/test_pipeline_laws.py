"""Core 10: laws of the whole RAG ingestion pipeline, on the real SQLite store, in virtual time.

Every law is a Hypothesis property over documents (awkward ids, empty
documents), seeded failure schedules, interleavings and cancellation points;
every law is also shown to catch a deliberately wrong pipeline.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funcpipe_rag.testing import (
    PIPELINE_LAWS,
    WRONG_PIPELINES,
    FailureSchedule,
    PipelineCase,
    check_law,
    library_pipeline,
    make_docs,
    merged_pipeline,
    pipeline_cases,
    run_pipeline,
)

LAWS = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
HUNT = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
RUN_TO_END = ("idempotence", "at_most_once_success", "no_duplicate_emission")


@pytest.mark.parametrize("law", RUN_TO_END)
@LAWS
@given(case=pipeline_cases())
def test_the_pipeline_keeps_each_law(law: str, case: PipelineCase) -> None:
    assert check_law(law, library_pipeline, case) == []


@LAWS
@given(case=pipeline_cases(cancel=True, min_docs=1))
def test_cancelling_after_any_prefix_leaves_nothing_half_done(case: PipelineCase) -> None:
    assert check_law("clean_cancellation", library_pipeline, case) == []


@pytest.mark.parametrize("law", sorted(PIPELINE_LAWS))
@LAWS
@given(data=st.data())
def test_merging_key_disjoint_tenants_keeps_the_laws(law: str, data: st.DataObject) -> None:
    case = data.draw(pipeline_cases(tenants=("a", "b"), cancel=law == "clean_cancellation", min_docs=1))
    assert check_law(law, merged_pipeline, case) == []


def test_merging_overlapping_keys_breaks_the_laws(tmp_path: object) -> None:
    same = make_docs(["x", "y"], [2, 1])
    case = PipelineCase((same, same), FailureSchedule(fail_rate=0.0))
    assert check_law("no_duplicate_emission", merged_pipeline, case) == [
        "document 'x' was emitted 2 times",
        "document 'y' was emitted 2 times",
    ]
    assert len(check_law("at_most_once_success", merged_pipeline, case)) == 3  # every chunk embedded twice


def _first_violation(wrong_name: str) -> PipelineCase | None:
    wrong = next(w for w in WRONG_PIPELINES if w.name == wrong_name)
    found: list[PipelineCase] = []

    @HUNT
    @given(case=pipeline_cases(cancel=wrong.breaks == "clean_cancellation", min_docs=1))
    def law_holds(case: PipelineCase) -> None:
        if check_law(wrong.breaks, wrong.pipeline, case, wrong.store_type):
            found.append(case)
            raise AssertionError(wrong.breaks)

    try:
        law_holds()
    except Exception:  # the law's failure, or Hypothesis reporting that a replay went the other way
        if found:
            return found[0]
        raise
    return None


@pytest.mark.parametrize("wrong", WRONG_PIPELINES, ids=lambda w: w.name)
def test_each_law_catches_its_wrong_pipeline(wrong: object) -> None:
    from funcpipe_rag.testing import WrongPipeline

    assert isinstance(wrong, WrongPipeline)
    case = _first_violation(wrong.name)
    assert case is not None, f"the law {wrong.breaks} did not catch {wrong.name}"
    assert check_law(wrong.breaks, library_pipeline, case) == [], "the library passes the same case"


def test_a_run_is_the_same_facts_for_the_same_seed(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    case = PipelineCase(
        (make_docs(["a", "", "b'c"], [3, 1, 2]),), FailureSchedule(seed=7, fail_rate=0.3), seed=11
    )
    one = run_pipeline(library_pipeline, case, tmp_path / "one.sqlite")
    two = run_pipeline(library_pipeline, case, tmp_path / "two.sqlite")
    assert (one.items, one.attempts, one.rows, one.ended_at) == (
        two.items,
        two.attempts,
        two.rows,
        two.ended_at,
    )


def test_a_run_that_ends_before_its_cancel_moment_leaves_no_task(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    case = PipelineCase((make_docs(["a"], [1]),), FailureSchedule(fail_rate=0.0), cancel_at=5.0)
    run = run_pipeline(library_pipeline, case, tmp_path / "s.sqlite")
    assert (run.cancelled, run.leftover_tasks) == (False, ())
