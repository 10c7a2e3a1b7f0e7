"""Graded: exercise 3, bounded embedding (``ex03_bounded_embedding.py``).

Observers run the learner's plan in virtual time against an embedder whose
latency depends on the text, and report the result, the calls, the most
embeddings ever in flight and the virtual time taken; the graded tests
compare with the embeddings the grader computes itself.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.rag import ChunkText, ChunkWithoutEmbedding, Embedding, hash_embed
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing import run_virtual

EXERCISE = "ex03_bounded_embedding"
TITLE = "Bounded embedding of chunks"
EXAMPLES = 25
WORDS = ["async", "plan", "bind", "chunk", "embed", "loop", "task", "shell", "core", "pure"]


def chunks_of(texts: list[str]) -> list[ChunkWithoutEmbedding]:
    return [
        ChunkWithoutEmbedding("doc", i, ChunkText(t), i * 10, i * 10 + len(t)) for i, t in enumerate(texts)
    ]


def failure(text: str) -> ErrInfo:
    return ErrInfo("TRANSIENT", f"cannot embed {text!r}", path=("embed", text))


# ---- next to the learner's code -------------------------------------------------------------


class Embedder:
    """An EmbeddingCap whose latency depends on the text, in virtual time; it records in-flight counts."""

    def __init__(
        self, latency: dict[str, float] | None = None, fail_on: frozenset[str] = frozenset()
    ) -> None:
        self.latency = latency or {}
        self.fail_on = fail_on
        self.calls: list[str] = []
        self.starts: list[float] = []  # the virtual time each embedding started
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def model_name(self) -> str:
        return "graded-8"

    async def embed(self, text: str) -> Result[tuple[float, ...], ErrInfo]:
        self.calls.append(text)
        self.starts.append(asyncio.get_running_loop().time())
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency.get(text, 1.0))
        finally:
            self.in_flight -= 1
        if text in self.fail_on:
            return Err(failure(text))
        return Ok(hash_embed(text, 8))


def _embed() -> Any:
    return require(load(EXERCISE), "embed_chunks_bounded")


def drive_virtual(plan: Any) -> tuple[Any, float]:
    assert callable(plan), f"embed_chunks_bounded returned {type(plan).__name__}, not a plan"

    async def main() -> Any:
        return await plan()

    return run_virtual(main)


class Case(TypedDict):
    texts: list[str]
    limit: int
    latency: dict[str, float]
    failing: list[str]


class Run(TypedDict):
    calls_when_built: int
    result: object
    calls: list[str]
    max_in_flight: int
    elapsed: float


@observer
def embed_run(case: Case) -> Run:
    """Build the plan for ``texts`` with ``limit``, then drive it in virtual time."""
    emb = Embedder(case["latency"], frozenset(case["failing"]))
    plan = _embed()(chunks_of(case["texts"]), emb, case["limit"])
    built = len(emb.calls)
    result, elapsed = drive_virtual(plan)
    return {"calls_when_built": built, "result": result, "calls": list(emb.calls),
            "max_in_flight": emb.max_in_flight, "elapsed": float(elapsed)}


class Twice(TypedDict):
    first: object
    second: object
    calls: int


@observer
def embed_twice(texts: list[str]) -> Twice:
    """Drive one plan (limit 2) twice."""
    emb = Embedder()
    plan = _embed()(chunks_of(texts), emb, 2)
    first, _ = drive_virtual(plan)
    second, _ = drive_virtual(plan)
    return {"first": first, "second": second, "calls": len(emb.calls)}


# ---- the graded tests ---------------------------------------------------------------------------


def expected(chunks: list[ChunkWithoutEmbedding]) -> list[Any]:
    return [c.with_embedding(Embedding(hash_embed(c.text.content, 8), "graded-8")) for c in chunks]


def run(texts: list[str], limit: int, latency: dict[str, float] | None = None,
        failing: frozenset[str] = frozenset()) -> Run:
    return observe(embed_run, {"texts": texts, "limit": limit, "latency": latency or {},
                               "failing": sorted(failing)})


def _numbered(words: list[str]) -> list[str]:
    return [f"{w} {i}" for i, w in enumerate(words)]


def _two_or_more(texts: list[str]) -> bool:
    return len(texts) >= 2


# Named functions, not lambdas, in strategies: Hypothesis reads a lambda's source (with `ast`, which is
# not thread-safe) to describe it, and gradings run side by side.
texts = st.lists(st.sampled_from(WORDS), min_size=0, max_size=12).map(_numbered)
limits = st.integers(min_value=1, max_value=5)
delays = st.lists(st.integers(1, 9), min_size=12, max_size=12)


@graded(
    points=1,
    hint="Return an `async def` (or async_lift of one): the embedding starts only when the plan runs.",
)
def test_no_calls_at_construction() -> None:
    """Building the plan calls no embedding."""
    seen = run(["a b", "c d", "e f"], 2)
    assert seen["calls_when_built"] == 0, f"building the plan already embedded {seen['calls'][:3]}"
    assert isinstance(seen["result"], Ok), f"the plan should succeed here, got {seen['result']!r}"


@graded(
    points=3,
    hint="Store each result at its chunk's index; build the output list in input order at the end.",
    examples=EXAMPLES,
)
@given(ts=texts, limit=limits, delays=delays)
def test_results_in_input_order(ts: list[str], limit: int, delays: list[int]) -> None:
    """Results come in input order, however long each embedding takes."""
    got = run(ts, limit, {t: float(d) for t, d in zip(ts, delays, strict=False)})["result"]
    assert got == Ok(expected(chunks_of(ts))), \
        f"with limit={limit} the plan gave {got!r:.300}; expected the embedded chunks in input order"


@graded(
    points=3,
    hint="Start at most `limit` embeddings together: a semaphore of `limit`, or `limit` workers.",
    examples=EXAMPLES,
)
@given(ts=texts, limit=limits, delays=delays)
def test_never_more_than_limit_in_flight(ts: list[str], limit: int, delays: list[int]) -> None:
    """Never more than `limit` embeddings run at once."""
    seen = run(ts, limit, {t: float(d) for t, d in zip(ts, delays, strict=False)})
    most = seen["max_in_flight"]
    assert most <= limit, f"{most} embeddings ran at once with limit={limit}"
    assert len(seen["calls"]) == len(ts), f"{len(ts)} chunks but {len(seen['calls'])} calls to embed"


@graded(points=1, hint="Do not await each embedding before starting the next: run up to `limit` together.")
def test_uses_the_concurrency() -> None:
    """With n chunks, min(limit, n) embeddings run together, and the run takes that much less time."""
    for n, limit in ((6, 3), (4, 8), (5, 1)):
        seen = run([f"text {i}" for i in range(n)], limit)
        want = min(n, limit)
        assert seen["max_in_flight"] == want, \
            f"with {n} chunks and limit={limit}, at most {seen['max_in_flight']} ran at once, expected {want}"
        rounds = -(-n // limit)
        assert seen["elapsed"] <= rounds + 1e-6, \
            f"{n} chunks of 1 s each with limit={limit} took {seen['elapsed']:g} s, not {rounds}"


@graded(
    points=2,
    hint="Keep every result; at the end return the Err of the failing chunk with the smallest index.",
    examples=EXAMPLES,
)
@given(ts=texts.filter(_two_or_more), limit=limits, data=st.data())
def test_first_error_by_index(ts: list[str], limit: int, data: st.DataObject) -> None:
    """If chunks fail, the Err of the failing chunk with the smallest index is the result."""
    failing = data.draw(st.sets(st.sampled_from(ts), min_size=1), label="failing")
    # later chunks fail sooner: the first failure in time is not the first by index
    latency = {t: float(len(ts) - i) for i, t in enumerate(ts)}
    got = run(ts, limit, latency, frozenset(failing))["result"]
    first = next(t for t in ts if t in failing)
    want = Err(failure(first))
    assert got == want, f"with failing chunks {sorted(failing)} the plan gave {got!r}, expected {want!r}"


@graded(points=1, hint="Make the semaphore / workers inside the async def, so each run starts afresh.")
def test_replayable() -> None:
    """Driving the plan twice embeds everything twice, with equal results."""
    words = ["one a", "two b", "three c", "four d"]
    seen = observe(embed_twice, words)
    first, second = seen["first"], seen["second"]
    want = Ok(expected(chunks_of(words)))
    assert first == second == want, f"two runs gave {first!r:.120} and {second!r:.120}"
    assert seen["calls"] == 8, f"two runs of 4 chunks made {seen['calls']} calls, expected 8"


# ---- the sliding window, and a limit below one ----------------------------------------------------


class Window(TypedDict):
    result: object
    starts: list[float]
    elapsed: float


@observer
def window_run(case: tuple[list[int], int]) -> Window:
    """Chunk i sleeps latencies[i] virtual seconds; report when each embedding started and the total."""
    latencies, limit = case
    texts = [f"chunk {i}" for i in range(len(latencies))]
    emb = Embedder({t: float(d) for t, d in zip(texts, latencies, strict=True)})
    plan = _embed()(chunks_of(texts), emb, limit)
    result, elapsed = drive_virtual(plan)
    return {"result": result, "starts": list(emb.starts), "elapsed": float(elapsed)}


class Refused(TypedDict):
    raised: str
    calls: int


@observer
def build_with_limit(limit: int) -> Refused:
    """Build (never drive) the plan with ``limit``; which exception, if any, did building raise?"""
    emb = Embedder()
    try:
        _embed()(chunks_of(["a b", "c d"]), emb, limit)
    except Exception as exc:  # the learner's exception is the fact reported
        return {"raised": type(exc).__name__, "calls": len(emb.calls)}
    return {"raised": "", "calls": len(emb.calls)}


def ideal_schedule(latencies: list[int], limit: int) -> tuple[list[float], float]:
    """Start times and total time of a sliding window: the next chunk starts as soon as one finishes."""
    free = [0.0] * min(limit, len(latencies))  # when each of the `limit` slots is next free
    starts = []
    for latency in latencies:
        slot = min(range(len(free)), key=lambda i: free[i])
        starts.append(free[slot])
        free[slot] += latency
    return starts, max(free, default=0.0)


@graded(
    points=2,
    hint="Start the next chunk as soon as any embedding finishes (workers that take the next index, or a "
         "semaphore around each call); lock-step batches wait for their slowest member.",
    examples=EXAMPLES,
)
@given(latencies=st.lists(st.integers(1, 9), min_size=1, max_size=10), limit=limits)
def test_sliding_window(latencies: list[int], limit: int) -> None:
    """A sliding window: min(limit, n) start at once, the next starts when one ends; total time is ideal."""
    seen = observe(window_run, (latencies, limit))
    want_starts, want_elapsed = ideal_schedule(latencies, limit)
    at_start = sum(1 for t in seen["starts"] if t == 0.0)
    first = min(limit, len(latencies))
    assert at_start == first, f"with limit={limit} and {len(latencies)} chunks, {at_start} embeddings " \
                              f"started at once, expected {first}"
    assert sorted(seen["starts"]) == sorted(want_starts), \
        f"with latencies {latencies} and limit={limit} the embeddings started at {sorted(seen['starts'])}, " \
        f"not {sorted(want_starts)}: start the next chunk as soon as one finishes"
    assert abs(seen["elapsed"] - want_elapsed) < 1e-9, \
        f"with latencies {latencies} and limit={limit} the run took {seen['elapsed']:g} s, " \
        f"not {want_elapsed:g} s"


@graded(points=1, hint="Check `limit` before building the plan: `if limit < 1: raise ValueError(...)`.")
def test_limit_below_one_is_refused() -> None:
    """limit < 1 raises ValueError when the plan is built, before any embedding."""
    for limit in (0, -1, -7):
        seen = observe(build_with_limit, limit)
        raised = seen["raised"] or "nothing"
        assert raised == "ValueError", f"building with limit={limit} raised {raised}, not ValueError"
        assert seen["calls"] == 0, f"building with limit={limit} already embedded {seen['calls']} chunks"
