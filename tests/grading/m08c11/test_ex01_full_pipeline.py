"""Graded: the capstone, the whole pipeline composed from every core's pieces (``ex01_full_pipeline.py``).

The observer runs the learner's ``full_pipeline`` the way the capstone's laws
run a pipeline (``funcpipe_rag.testing.run_pipeline``): in virtual time on a
seeded interleaving loop, against the real SQLite store in a file of a fresh
temporary folder, with an embedder that fails batches and takes uneven times
by a seeded schedule. Two tenants, awkward document ids, documents without
chunks, several policies (documents in flight, chunks per request, rate,
burst, weights). It runs once, twice on the same file, or cancelled after a
prefix of the items or at a moment inside a document's work, and reports the
facts: items, every request, the store's counters, the tasks left, the rows.
The judges rebuild the run from those facts and check the capstone's laws
(``funcpipe_rag.testing``) and the outcomes the schedule implies, computed
here.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from funcpipe_rag.grading.harness import graded, load, observe, observer, require

EXERCISE = "ex01_full_pipeline"
TITLE = "The whole pipeline, composed"
EXAMPLES = 10

# ---- next to the learner's code -------------------------------------------------------------

TENANTS = ("alpha", "beta")


class Case(TypedDict):
    tenants: list[list[tuple[str, int]]]  # per tenant: (doc id, chunks)
    seed: int
    fail_rate: float
    latencies: list[float]
    interleave: int
    concurrency: int
    batch_units: int
    rate: float
    burst: int
    weights: list[int]
    cancel_after: int | None
    cancel_at: float | None
    runs: NotRequired[int]  # runs on the same store file (set by the judge, not drawn)


class RunFacts(TypedDict):
    items: list[Any]  # [doc_id, chunk_ids, new_rows, error] per Ok(DocOutcome), else its repr
    attempts: list[Any]  # [key, attempt, code, started, finished] per text
    requests: list[Any]  # the same per request
    opened: int
    closed: int
    write_calls: int
    rows_changed: int
    leftover: list[str]
    rows: list[Any]  # [id, doc_id, idx]
    cancelled: bool
    ended_at: float


class Built(TypedDict):
    opened: int
    calls: int


def _schedule(case: Case) -> Any:
    from funcpipe_rag.testing import FailureSchedule

    return FailureSchedule(seed=case["seed"], fail_rate=case["fail_rate"],
                           latencies_ms=tuple(case["latencies"]))


def _tenants(case: Case) -> Any:
    from funcpipe_rag.testing import make_docs

    return tuple(make_docs([d for d, _ in docs], [n for _, n in docs], name)
                 for name, docs in zip(TENANTS, case["tenants"], strict=True))


def _policy(case: Case) -> Any:
    from funcpipe_rag import FairnessPolicy, RateLimitPolicy, RetryPolicy
    from funcpipe_rag.domain.rag_pipeline import IngestPolicy

    return IngestPolicy(concurrency=case["concurrency"], batch_units=case["batch_units"],
                        retry=RetryPolicy(3, backoff_base_ms=5, max_backoff_ms=40),
                        rate=RateLimitPolicy(case["rate"], case["burst"]),
                        fairness=FairnessPolicy(tuple(case["weights"]), max_buffer_per_stream=1))


def _attempts(attempts: Any) -> list[Any]:
    return [[a.key, a.attempt, a.code, a.started, a.finished] for a in attempts]


@observer
def pipeline_runs(case: Case) -> list[RunFacts]:
    """``case["runs"]`` runs of the learner's pipeline on one fresh SQLite file, as facts."""
    from funcpipe_rag import Ok
    from funcpipe_rag.domain.rag_pipeline import DocOutcome
    from funcpipe_rag.testing import PIPELINE_ENV, PipelineCase, run_pipeline, seeded_resilience

    full_pipeline = require(load(EXERCISE), "full_pipeline")
    policy = _policy(case)

    def pipeline(tenants: Any, embedder: Any, open_store: Any, concurrency: int) -> Any:
        return full_pipeline(tenants, PIPELINE_ENV, embedder, open_store, policy, seeded_resilience())

    def item(x: object) -> object:
        if isinstance(x, Ok) and isinstance(x.value, DocOutcome):
            v = x.value
            return [v.doc_id, list(v.chunk_ids), v.new_rows, v.error]
        return repr(x)[:300]

    run_case = PipelineCase(_tenants(case), _schedule(case), seed=case["interleave"],
                            concurrency=case["concurrency"], cancel_after=case["cancel_after"],
                            cancel_at=case["cancel_at"])
    out: list[RunFacts] = []
    with tempfile.TemporaryDirectory(prefix="funcpipe-capstone-") as tmp:
        path = Path(tmp) / "store.sqlite"
        for _ in range(case.get("runs", 1)):
            run = run_pipeline(pipeline, run_case, path)
            out.append({
                "items": [item(x) for x in run.items], "attempts": _attempts(run.attempts),
                "requests": _attempts(run.requests), "opened": run.opened, "closed": run.closed,
                "write_calls": run.write_calls, "rows_changed": run.rows_changed,
                "leftover": list(run.leftover_tasks), "rows": [list(r) for r in run.rows],
                "cancelled": run.cancelled, "ended_at": run.ended_at,
            })
    return out


@observer
def building(case: Case) -> Built:
    """Build the learner's stream on a probed store and a scheduled embedder and let the loop turn."""
    from funcpipe_rag.testing import PIPELINE_ENV, ScheduledEmbedder, StoreProbe, probed_store, run_virtual

    full_pipeline = require(load(EXERCISE), "full_pipeline")
    embedder, probe = ScheduledEmbedder(_schedule(case)), StoreProbe()

    async def main() -> None:
        with tempfile.TemporaryDirectory(prefix="funcpipe-capstone-") as tmp:
            full_pipeline(_tenants(case), PIPELINE_ENV, embedder, probed_store(Path(tmp) / "s.sqlite", probe),
                          _policy(case))
            for _ in range(5):
                await asyncio.sleep(0)

    run_virtual(main)
    return {"opened": probe.opened, "calls": len(embedder.requests)}


# ---- the grader's side ------------------------------------------------------------------------

from collections import Counter  # noqa: E402

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)
from hypothesis import strategies as st  # noqa: E402

from funcpipe_rag import ErrInfo, Ok, RateLimitPolicy, Result  # noqa: E402
from funcpipe_rag.domain.chunk_ids import chunk_key  # noqa: E402
from funcpipe_rag.domain.rag_pipeline import DocOutcome  # noqa: E402
from funcpipe_rag.rag import chunk_doc, clean_doc  # noqa: E402
from funcpipe_rag.testing import (  # noqa: E402
    AWKWARD_IDS,
    PIPELINE_ENV,
    EmbedAttempt,
    FailureSchedule,
    PipelineCase,
    PipelineRun,
    ScheduledEmbedder,
    Strata,
    cancellation_violations,
    fair_share_violations,
    idempotence_violations,
    in_flight_violations,
    rate_violations,
)

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}
ATTEMPTS = 3
MODEL = ScheduledEmbedder(FailureSchedule()).model_name
LATENCIES = st.sampled_from([[1.0, 7.0, 40.0], [0.5, 25.0], [3.0]])
"""Uneven latencies (milliseconds): a quick batch can overtake a slow one."""
CANCELS = ("before the first item", "after a prefix", "in the middle of a document")


@st.composite
def _tenant(draw: st.DrawFn, min_docs: int, nonempty: bool) -> list[tuple[str, int]]:
    ids = draw(st.lists(st.sampled_from(AWKWARD_IDS), min_size=min_docs, max_size=4, unique=True))
    sizes = draw(st.lists(st.integers(0, 4), min_size=len(ids), max_size=len(ids)))
    if nonempty and sizes:
        sizes[0] = max(sizes[0], 2)
    return list(zip(ids, sizes, strict=True))


@st.composite
def _case(draw: st.DrawFn, path: str) -> Case:
    busy = path in ("busy", *CANCELS)
    tenants = [draw(_tenant(3 if busy else 1, busy)), draw(_tenant(3 if busy else 1, busy))]
    rate = {"every document stored": st.sampled_from([0.0, 0.0, 0.3]),
            "some document fails": st.sampled_from([0.7, 1.0])}.get(path, st.sampled_from([0.0, 0.3, 0.6]))
    cancel_after, cancel_at = None, None
    total = sum(len(t) for t in tenants)
    if path == "before the first item":
        cancel_after = 0
    elif path == "after a prefix":
        cancel_after = draw(st.integers(1, max(1, total - 1)))
    elif path == "in the middle of a document":
        cancel_at = draw(st.sampled_from([0.004, 0.02, 0.05, 0.1]))
    return {"tenants": tenants, "seed": draw(st.integers(0, 2**16)), "fail_rate": draw(rate),
            "latencies": [40.0] if path == "busy" else draw(LATENCIES),
            "interleave": draw(st.integers(0, 2**16)),
            "concurrency": draw(st.integers(1, 3)), "batch_units": draw(st.integers(1, 3)),
            "rate": draw(st.sampled_from([100.0, 250.0, 1000.0])), "burst": draw(st.integers(1, 3)),
            "weights": draw(st.sampled_from([[1, 1], [2, 1], [1, 3]])),
            "cancel_after": cancel_after, "cancel_at": cancel_at}


def _docs_of(case: Case) -> dict[str, list[str]]:
    """Each document's chunk texts, in order, as the pipeline must see them."""
    return {d.doc_id: [c.text.content for c in chunk_doc(clean_doc(d), PIPELINE_ENV)]
            for tenant in _tenants(case) for d in tenant}


def _batches(case: Case, texts: list[str]) -> list[str]:
    """The request keys of one document's batches (the scheduled embedder's key of a batch)."""
    size = case["batch_units"]
    return ["\x1f".join(texts[i:i + size]) for i in range(0, len(texts), size)]


def _gives_up(case: Case, key: str) -> bool:
    schedule = _schedule(case)
    return all(schedule.failure(key, n) is not None for n in range(1, ATTEMPTS + 1))


def _expected(case: Case) -> dict[str, list[Any]]:
    """Per document, the outcome of a first run on an empty store: [doc_id, chunk ids, new rows, error]."""
    schedule = _schedule(case)
    out: dict[str, list[Any]] = {}
    for doc_id, texts in _docs_of(case).items():
        failing = [k for k in _batches(case, texts) if _gives_up(case, k)]
        if failing:
            out[doc_id] = [doc_id, [], 0, str(schedule.failure(failing[0], ATTEMPTS))]
        else:
            out[doc_id] = [doc_id, [chunk_key(MODEL, t) for t in texts], len(texts), None]
    return out


def path_of(case: Case) -> str:
    """Whether the schedule lets every document be stored (on an empty store)."""
    return "every document stored" if all(o[3] is None for o in _expected(case).values()) else \
        "some document fails"


def cancel_path(case: Case) -> str:
    """Where the run is cancelled."""
    if case["cancel_after"] == 0:
        return "before the first item"
    return "after a prefix" if case["cancel_after"] is not None else "in the middle of a document"


OUTCOMES = Strata({"every document stored": _case("every document stored"),
                   "some document fails": _case("some document fails")})
CANCELLED = Strata({p: _case(p) for p in CANCELS})
BUSY = Strata({"busy": _case("busy")})
PATHS = {"test_one_outcome_per_document": (OUTCOMES, path_of, EXAMPLES),
         "test_clean_cancellation": (CANCELLED, cancel_path, EXAMPLES)}
"""For the grader's own tests: every case drawn for a path really takes it."""


def _call(case: Case) -> str:
    docs = {name: [d for d, _ in t] for name, t in zip(TENANTS, case["tenants"], strict=True)}
    chunks = {name: [n for _, n in t] for name, t in zip(TENANTS, case["tenants"], strict=True)}
    cancel = (f", cancelled after {case['cancel_after']} items" if case["cancel_after"] is not None else
              f", cancelled at {case['cancel_at']} s" if case["cancel_at"] is not None else "")
    return (f"full_pipeline over documents {docs} with {chunks} chunks, IngestPolicy(concurrency="
            f"{case['concurrency']}, batch_units={case['batch_units']}, "
            f"rate=RateLimitPolicy({case['rate']:g}, {case['burst']}), weights {case['weights']}), "
            f"a schedule failing {case['fail_rate']:.0%} of the "
            f"attempts (seed {case['seed']}){cancel}")


def _facts(case: Case, runs: int = 1) -> list[RunFacts]:
    return observe(pipeline_runs, {**case, "runs": runs})


def _item(raw: Any) -> Result[DocOutcome, ErrInfo]:
    if isinstance(raw, list):
        return Ok(DocOutcome(raw[0], tuple(raw[1]), raw[2], raw[3]))
    return Ok(DocOutcome(f"<not an Ok(DocOutcome): {raw}>", (), 0, "NOT_AN_OUTCOME"))


def _run(facts: RunFacts) -> PipelineRun:
    """The run rebuilt from its facts, for the library's law checks."""
    attempts = tuple(EmbedAttempt(*a) for a in facts["attempts"])
    return PipelineRun(
        items=tuple(_item(x) for x in facts["items"]), attempts=attempts, opened=facts["opened"],
        closed=facts["closed"], write_calls=facts["write_calls"], rows_changed=facts["rows_changed"],
        leftover_tasks=tuple(facts["leftover"]), rows=tuple(tuple(r) for r in facts["rows"]),
        cancelled=facts["cancelled"], ended_at=facts["ended_at"],
        requests=tuple(EmbedAttempt(*a) for a in facts["requests"]))


def _pipeline_case(case: Case) -> PipelineCase:
    return PipelineCase(_tenants(case), _schedule(case), concurrency=case["concurrency"])


@graded(
    points=3,
    hint=(
        "Emit one Ok(DocOutcome) per document, failures included, in the bounded map's order.",
        "Collect every batch's results, return DocOutcome(doc_id, (), 0, code) at the first Err, else write "
        "all the chunks once and return DocOutcome(doc_id, ids, written).",
    ),
)
def test_one_outcome_per_document() -> None:
    """One Ok(DocOutcome) per document: its chunk ids and new rows, or its first failed batch's code."""

    def judge(_p: str, case: Case) -> None:
        items = _facts(case)[0]["items"]
        want = _expected(case)
        seen = Counter(x[0] if isinstance(x, list) else repr(x) for x in items)
        extra = {k: n for k, n in seen.items() if k not in want or n > 1}
        missing = sorted(set(want) - set(seen))
        assert not extra and not missing, (
            f"{_call(case)}: expected one outcome for each of {sorted(want)}; "
            f"missing {missing}, extra or repeated {extra}")
        for x in items:
            assert x == want[x[0]], f"{_call(case)}: document {x[0]!r} gave {x}, expected {want[x[0]]}"

    OUTCOMES.run(judge, max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=2,
    hint=(
        "Cut each document's chunks into slices of policy.batch_units and make one embed_batch per slice.",
        "Batches belong to one document: chunks[i:i + policy.batch_units] for i in range(0, len(chunks), "
        "policy.batch_units), each embed_batch given policy.retry.",
    ),
)
def test_in_batches() -> None:
    """One request per batch of batch_units chunks of one document; a failed request is sent again."""

    def judge(_p: str, case: Case) -> None:
        facts = _facts(case)[0]
        want = Counter(k for texts in _docs_of(case).values() for k in _batches(case, texts))
        first = Counter(key for key, attempt, *_ in facts["requests"] if attempt == 1)
        assert first == want, (
            f"{_call(case)}: the requests held {sorted(first.elements())!r}, the batches are "
            f"{sorted(want.elements())!r}")
        retried = [k for k in want if _schedule(case).failure(k, 1) is not None]
        again = {key for key, attempt, *_ in facts["requests"] if attempt == 2}
        assert set(retried) <= again, f"{_call(case)}: the failed batches {retried!r} were not sent again"

    OUTCOMES.run(judge, max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=2,
    hint=(
        "Merge the tenants with async_gen_fair_merge and policy.fairness, and keep that order.",
        "async_gen_bounded_map(merged, one_doc, BackpressurePolicy(policy.concurrency, ordered=True)): an "
        "unordered map emits by finishing time and loses the shares.",
    ),
)
def test_fair_shares() -> None:
    """While both tenants have documents left, the outcomes keep the weighted shares within one."""

    def judge(_p: str, case: Case) -> None:
        run = _run(_facts(case)[0])
        found = fair_share_violations(run, _pipeline_case(case), case["weights"])
        assert not found, f"{_call(case)}: {found[0]}"

    BUSY.run(judge, max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=2,
    hint=(
        "At most policy.concurrency documents at once, each with at most env.embedding_concurrency requests.",
        "BackpressurePolicy(policy.concurrency, ...) for the documents; async_gather(requests, "
        "concurrency=env.embedding_concurrency) for a document's batches.",
    ),
)
def test_bounded() -> None:
    """Never more than concurrency * embedding_concurrency requests in flight."""

    def judge(_p: str, case: Case) -> None:
        found = in_flight_violations(_run(_facts(case)[0]), case["concurrency"])
        assert not found, f"{_call(case)}: {found[0]}"

    BUSY.run(judge, max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=2,
    hint=(
        "Every request, retries included, waits for a token of one bucket made for the run.",
        "Give embed_batch the run's gate: TokenGate(policy.rate, resilience), made inside async_gen_using.",
    ),
)
def test_rate_limited() -> None:
    """In any window of w seconds at most rate * w + burst requests start."""

    def judge(_p: str, case: Case) -> None:
        found = rate_violations(_run(_facts(case)[0]), RateLimitPolicy(case["rate"], case["burst"]))
        assert not found, f"{_call(case)}: {found[0]}"

    BUSY.run(judge, max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=2,
    hint=(
        "Write a document once, after all its batches; retry each batch on its own.",
        "A re-run on the same store must change no row: upsert_chunks inserts only new ids. A retry around a "
        "whole document embeds its successful batches again.",
    ),
)
def test_idempotent() -> None:
    """A re-run on the same store changes nothing; no chunk is embedded successfully twice in a run."""

    def judge(_p: str, case: Case) -> None:
        first, second = (_run(f) for f in _facts(case, runs=2))
        found = idempotence_violations(first, second)
        assert not found, f"{_call(case)}, run twice on one store: {found[0]}"
        twice = sorted(k for k, n in Counter(a.key for a in first.attempts if a.ok).items() if n > 1)
        assert not twice, f"{_call(case)}: the chunks {twice[:3]!r} were embedded successfully more than once"

    OUTCOMES.run(judge, max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=2,
    hint=(
        "Hold the store and the bucket with async_gen_using, and write each document with one call.",
        "Cancelled anywhere, a run must leave every document stored wholly or not at all, the connection "
        "closed (async_gen_using closes it) and no task of yours running.",
    ),
)
def test_clean_cancellation() -> None:
    """Cancelled after a prefix or mid-document: nothing half written, the store closed, no task left."""

    def judge(_p: str, case: Case) -> None:
        run = _run(_facts(case)[0])
        found = cancellation_violations(run, _pipeline_case(case).docs)
        assert not found, f"{_call(case)}: {found[0]}"

    CANCELLED.run(judge, max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=1,
    hint="Build the stream without awaiting anything: the store is opened, and requests sent, only in a run.",
)
def test_a_description() -> None:
    """Building the stream opens nothing and calls nothing."""
    case: Case = {"tenants": [[("a", 2), ("b", 1)], [("c", 3)]], "seed": 1, "fail_rate": 0.0,
                  "latencies": [1.0],
                  "interleave": 0, "concurrency": 2, "batch_units": 2, "rate": 100.0, "burst": 1,
                  "weights": [2, 1], "cancel_after": None, "cancel_at": None}
    built = observe(building, case)
    assert built == {"opened": 0, "calls": 0}, (
        f"{_call(case)}: building the stream opened the store {built['opened']} times and sent "
        f"{built['calls']} requests")
