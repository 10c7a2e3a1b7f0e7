"""Laws of the capstone pipeline: Core 10's laws, plus the shares, the bound and the rate it promises.

:func:`capstone_pipeline` is :func:`~funcpipe_rag.domain.rag_pipeline.rag_ingest_full`
with the settings of :data:`CAPSTONE_POLICY`, shaped as a Core 10
:data:`~funcpipe_rag.testing.Pipeline`, so every checker of Core 10 runs on
it unchanged (:func:`~funcpipe_rag.testing.run_pipeline` on the real SQLite
store, in virtual time). Three more laws are stated over the same run facts:

* ``fair_share`` — while every tenant still has documents to go, the
  outcomes keep the weighted shares: ``|a_i/w_i - a_j/w_j| <= 1`` after
  every outcome (``a_i`` outcomes of tenant ``i`` so far);
* ``in_flight_bound`` — at no moment are more than
  ``concurrency * PIPELINE_ENV.embedding_concurrency`` requests in flight;
* ``rate_envelope`` — in every window of ``w`` seconds at most
  ``rate * w + burst`` requests start, retries included.

:data:`WRONG_CAPSTONES` break one each; the tests show each is caught.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from funcpipe_rag.domain.effects.async_ import AsyncGen, FairnessPolicy, RateLimitPolicy, RetryPolicy
from funcpipe_rag.domain.ports import BatchEmbeddingCap
from funcpipe_rag.domain.rag_pipeline import DocOutcome, IngestPolicy, OpenStore, rag_ingest_full
from funcpipe_rag.infra.adapters.sqlite import SqliteStore
from funcpipe_rag.rag import RawDoc
from funcpipe_rag.result import Ok
from funcpipe_rag.testing._pipeline_laws import (
    PIPELINE_ENV,
    PIPELINE_LAWS,
    EmbedAttempt,
    LawCheck,
    Pipeline,
    PipelineCase,
    PipelineRun,
    _one_run,
    check_law,
    seeded_resilience,
)
from funcpipe_rag.testing._wrong_pipelines import WrongPipeline

CAPSTONE_WEIGHTS = (2, 1)
"""Tenant 0 gets two turns for each one of tenant 1."""

CAPSTONE_RATE = RateLimitPolicy(tokens_per_second=200.0, burst_tokens=2)
"""200 requests a second, two back to back: slow enough that the bucket, not the latencies, sets the pace."""

CAPSTONE_POLICY = IngestPolicy(
    concurrency=2,
    batch_units=2,
    retry=RetryPolicy(3, backoff_base_ms=5, max_backoff_ms=40),
    rate=CAPSTONE_RATE,
    fairness=FairnessPolicy(CAPSTONE_WEIGHTS, max_buffer_per_stream=1),
)
"""The settings the capstone's laws are checked with; ``concurrency`` comes from each case."""


def policy_for(concurrency: int, base: IngestPolicy = CAPSTONE_POLICY) -> IngestPolicy:
    """``base`` with ``concurrency`` documents in flight (the case's)."""
    return replace(base, concurrency=concurrency)


def capstone_pipeline(
    tenants: Sequence[Sequence[RawDoc]], embedder: BatchEmbeddingCap, open_store: OpenStore, concurrency: int
) -> AsyncGen[DocOutcome]:
    """``rag_ingest_full`` with :data:`CAPSTONE_POLICY` and ``concurrency``, shaped as a Core 10 pipeline."""
    return rag_ingest_full(
        tenants, PIPELINE_ENV, embedder, open_store, policy_for(concurrency), resilience=seeded_resilience()
    )


# ---- the laws -----------------------------------------------------------------------------------


def fair_share_violations(
    run: PipelineRun, case: PipelineCase, weights: Sequence[float] = CAPSTONE_WEIGHTS
) -> list[str]:
    """Outcomes emitted while every tenant had documents left that put the weighted shares over 1 apart."""
    tenant_of = {d.doc_id: i for i, docs in enumerate(case.tenants) for d in docs}
    totals = [len(docs) for docs in case.tenants]
    if sum(1 for n in totals if n) < 2:
        return []
    counts = [0] * len(totals)
    out = []
    for n, item in enumerate(run.items, start=1):
        if not isinstance(item, Ok):
            continue
        i = tenant_of[item.value.doc_id]
        every_one_waiting = all(c < t for c, t in zip(counts, totals, strict=True))
        counts[i] += 1
        if not every_one_waiting:
            break
        shares = [c / (weights[k] if k < len(weights) else 1) for k, c in enumerate(counts)]
        if max(shares) - min(shares) > 1:
            out.append(f"after outcome {n} the tenants had {counts} outcomes for weights {list(weights)}")
    return out


def max_in_flight(requests: Sequence[EmbedAttempt]) -> int:
    """The most requests in flight at one moment (one that ends as another starts does not overlap it)."""
    events = sorted([(a.started, 1) for a in requests] + [(a.finished, -1) for a in requests])
    most = now = 0
    for _, step in events:  # at equal times -1 sorts first: an end frees its place before a start
        now += step
        most = max(most, now)
    return most


def in_flight_violations(run: PipelineRun, concurrency: int) -> list[str]:
    """More requests in flight than ``concurrency`` documents times the embeddings each may have."""
    bound = concurrency * PIPELINE_ENV.embedding_concurrency
    most = max_in_flight(run.requests)
    return [f"{most} requests were in flight at once, more than {bound}"] if most > bound else []


def rate_violations(run: PipelineRun, policy: RateLimitPolicy = CAPSTONE_RATE) -> list[str]:
    """Windows of request starts holding more than ``policy.envelope(width)`` of them."""
    starts = sorted(a.started for a in run.requests)
    for i, first in enumerate(starts):
        for j in range(i + policy.burst_tokens, len(starts)):
            if j - i + 1 > policy.envelope(starts[j] - first) + 1e-9:
                width = starts[j] - first
                return [f"{j - i + 1} requests started within {width:.4f} s, over the bucket's envelope"]
    return []


CAPSTONE_LAWS: Mapping[str, LawCheck] = {
    **PIPELINE_LAWS,
    "fair_share": _one_run(fair_share_violations),
    "in_flight_bound": _one_run(lambda run, case: in_flight_violations(run, case.concurrency)),
    "rate_envelope": _one_run(lambda run, case: rate_violations(run)),
}
"""Core 10's laws and the capstone's three, each as ``check(pipeline, case, store_type) -> violations``."""


def check_capstone_law(
    name: str, pipeline: Pipeline, case: PipelineCase, store_type: type[SqliteStore] = SqliteStore
) -> list[str]:
    """The violations of law ``name`` (a key of :data:`CAPSTONE_LAWS`) by ``pipeline`` on ``case``."""
    return check_law(name, pipeline, case, store_type, CAPSTONE_LAWS)


# ---- wrong capstones, one per new law -----------------------------------------------------------


def _variant(change: Callable[[IngestPolicy], IngestPolicy]) -> Pipeline:
    def pipeline(
        tenants: Sequence[Sequence[RawDoc]],
        embedder: BatchEmbeddingCap,
        open_store: OpenStore,
        concurrency: int,
    ) -> AsyncGen[DocOutcome]:
        return rag_ingest_full(
            tenants,
            PIPELINE_ENV,
            embedder,
            open_store,
            change(policy_for(concurrency)),
            resilience=seeded_resilience(),
        )

    return pipeline


_SWAPPED = FairnessPolicy(CAPSTONE_WEIGHTS[::-1], max_buffer_per_stream=1)

WRONG_CAPSTONES: tuple[WrongPipeline, ...] = (
    WrongPipeline("weights_swapped", "fair_share", _variant(lambda p: replace(p, fairness=_SWAPPED))),
    WrongPipeline("documents_unbounded", "in_flight_bound", _variant(lambda p: replace(p, concurrency=64))),
    WrongPipeline("no_rate_limit", "rate_envelope", _variant(lambda p: replace(p, rate=None))),
)
"""Capstones with one setting wrong: each breaks the law named in ``breaks``."""


__all__ = [
    "CAPSTONE_LAWS",
    "CAPSTONE_POLICY",
    "CAPSTONE_RATE",
    "CAPSTONE_WEIGHTS",
    "WRONG_CAPSTONES",
    "capstone_pipeline",
    "check_capstone_law",
    "fair_share_violations",
    "in_flight_violations",
    "max_in_flight",
    "policy_for",
    "rate_violations",
]
