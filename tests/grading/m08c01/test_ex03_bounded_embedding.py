"""Graded: exercise 3, bounded embedding (``ex03_bounded_embedding.py``)."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag.grading.harness import load, points, require
from funcpipe_rag.rag import ChunkText, ChunkWithoutEmbedding, Embedding, hash_embed
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing import run_virtual

EXERCISE = "ex03_bounded_embedding"
TITLE = "Bounded embedding of chunks"
EXAMPLES = 25
WORDS = ["async", "plan", "bind", "chunk", "embed", "loop", "task", "shell", "core", "pure"]


class Embedder:
    """An EmbeddingCap whose latency depends on the text, in virtual time; it records in-flight counts."""

    def __init__(
        self, latency: dict[str, float] | None = None, fail_on: frozenset[str] = frozenset()
    ) -> None:
        self.latency = latency or {}
        self.fail_on = fail_on
        self.calls: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def model_name(self) -> str:
        return "graded-8"

    async def embed(self, text: str) -> Result[tuple[float, ...], ErrInfo]:
        self.calls.append(text)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency.get(text, 1.0))
        finally:
            self.in_flight -= 1
        if text in self.fail_on:
            return Err(ErrInfo("TRANSIENT", f"cannot embed {text!r}", path=("embed", text)))
        return Ok(hash_embed(text, 8))


def chunks_of(texts: list[str]) -> list[ChunkWithoutEmbedding]:
    return [
        ChunkWithoutEmbedding("doc", i, ChunkText(t), i * 10, i * 10 + len(t)) for i, t in enumerate(texts)
    ]


def expected(chunks: list[ChunkWithoutEmbedding]) -> list[Any]:
    return [c.with_embedding(Embedding(hash_embed(c.text.content, 8), "graded-8")) for c in chunks]


def _embed() -> Any:
    return require(load(EXERCISE), "embed_chunks_bounded")


def drive_virtual(plan: Any) -> tuple[Any, float]:
    assert callable(plan), f"embed_chunks_bounded returned {type(plan).__name__}, not a plan"

    async def main() -> Any:
        return await plan()

    return run_virtual(main)


texts = st.lists(st.sampled_from(WORDS).map(lambda w: w), min_size=0, max_size=12).map(
    lambda ws: [f"{w} {i}" for i, w in enumerate(ws)]
)
limits = st.integers(min_value=1, max_value=5)


@points(1, hint="Return an `async def` (or async_lift of one): the embedding starts only when the plan runs.")
def test_no_calls_at_construction() -> None:
    """Building the plan calls no embedding."""
    embed = _embed()
    emb = Embedder()
    plan = embed(chunks_of(["a b", "c d", "e f"]), emb, 2)
    assert emb.calls == [], f"building the plan already embedded {emb.calls}"
    got, _ = drive_virtual(plan)
    assert isinstance(got, Ok), f"the plan should succeed here, got {got!r}"


@points(3, hint="Store each result at its chunk's index; build the output list in input order at the end.")
def test_results_in_input_order() -> None:
    """Results come in input order, however long each embedding takes."""
    embed = _embed()

    @settings(max_examples=EXAMPLES)
    @given(ts=texts, limit=limits, delays=st.lists(st.integers(1, 9), min_size=12, max_size=12))
    def prop(ts: list[str], limit: int, delays: list[int]) -> None:
        emb = Embedder({t: float(d) for t, d in zip(ts, delays, strict=False)})
        chunks = chunks_of(ts)
        got, _ = drive_virtual(embed(chunks, emb, limit))
        assert got == Ok(expected(chunks)), \
            f"with limit={limit} the plan gave {got!r:.300}; expected the embedded chunks in input order"

    prop()


@points(3, hint="Start at most `limit` embeddings together: a semaphore of `limit`, or `limit` workers.")
def test_never_more_than_limit_in_flight() -> None:
    """Never more than `limit` embeddings run at once."""
    embed = _embed()

    @settings(max_examples=EXAMPLES)
    @given(ts=texts, limit=limits, delays=st.lists(st.integers(1, 9), min_size=12, max_size=12))
    def prop(ts: list[str], limit: int, delays: list[int]) -> None:
        emb = Embedder({t: float(d) for t, d in zip(ts, delays, strict=False)})
        drive_virtual(embed(chunks_of(ts), emb, limit))
        assert emb.max_in_flight <= limit, f"{emb.max_in_flight} embeddings ran at once with limit={limit}"
        assert len(emb.calls) == len(ts), f"{len(ts)} chunks but {len(emb.calls)} calls to embed"

    prop()


@points(1, hint="Do not await each embedding before starting the next: run up to `limit` together.")
def test_uses_the_concurrency() -> None:
    """With n chunks, min(limit, n) embeddings run together, and the run takes that much less time."""
    embed = _embed()
    for n, limit in ((6, 3), (4, 8), (5, 1)):
        emb = Embedder()
        _, elapsed = drive_virtual(embed(chunks_of([f"text {i}" for i in range(n)]), emb, limit))
        want = min(n, limit)
        assert emb.max_in_flight == want, \
            f"with {n} chunks and limit={limit}, at most {emb.max_in_flight} ran at once, expected {want}"
        rounds = -(-n // limit)
        assert elapsed <= rounds + 1e-6, \
            f"{n} chunks of 1 s each with limit={limit} took {elapsed:g} s, not {rounds}"


@points(2, hint="Keep every result; at the end return the Err of the failing chunk with the smallest index.")
def test_first_error_by_index() -> None:
    """If chunks fail, the Err of the failing chunk with the smallest index is the result."""
    embed = _embed()

    @settings(max_examples=EXAMPLES)
    @given(ts=texts.filter(lambda t: len(t) >= 2), limit=limits, data=st.data())
    def prop(ts: list[str], limit: int, data: st.DataObject) -> None:
        failing = data.draw(st.sets(st.sampled_from(ts), min_size=1), label="failing")
        # later chunks fail sooner: the first failure in time is not the first by index
        emb = Embedder({t: float(len(ts) - i) for i, t in enumerate(ts)}, frozenset(failing))
        got, _ = drive_virtual(embed(chunks_of(ts), emb, limit))
        first = next(t for t in ts if t in failing)
        want = Err(ErrInfo("TRANSIENT", f"cannot embed {first!r}", path=("embed", first)))
        assert got == want, f"with failing chunks {sorted(failing)} the plan gave {got!r}, expected {want!r}"

    prop()


@points(1, hint="Make the semaphore / workers inside the async def, so each run starts afresh.")
def test_replayable() -> None:
    """Driving the plan twice embeds everything twice, with equal results."""
    embed = _embed()
    emb = Embedder()
    chunks = chunks_of(["one a", "two b", "three c", "four d"])
    plan = embed(chunks, emb, 2)
    first, _ = drive_virtual(plan)
    second, _ = drive_virtual(plan)
    assert first == second == Ok(expected(chunks)), f"two runs gave {first!r:.120} and {second!r:.120}"
    assert len(emb.calls) == 8, f"two runs of 4 chunks made {len(emb.calls)} calls, expected 8"
