"""The RAG pipeline embedding in batches (Core 9), against the recording fake in virtual time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from funcpipe_rag import ChunkPolicy, Err, Ok, collect_stream, perform_async
from funcpipe_rag.domain.ingest import store_outcomes
from funcpipe_rag.domain.rag_stream import async_rag_stream, chunk_stream, doc_stream, embed_batched_stream
from funcpipe_rag.rag import ChunkWithoutEmbedding, RagEnv, RawDoc, gen_clean_and_chunk
from funcpipe_rag.result import ErrInfo, Result
from funcpipe_rag.testing import FakeChunkStore, FakeEmbedder, run_virtual

DOCS = [RawDoc(f"d{i}", f"title {i}", " ".join(f"word{i}-{j}" for j in range(60 + 17 * i))) for i in range(5)]
ENV = RagEnv(chunk_size=120)
CHUNKS = list(gen_clean_and_chunk(DOCS, ENV))


def _batched(units: int, delay_ms: float, embedder: FakeEmbedder, concurrency: int = 1) -> list[object]:
    stream = embed_batched_stream(chunk_stream(doc_stream(DOCS), ENV), embedder, ChunkPolicy(units, delay_ms),
                                  concurrency)
    return list(run_virtual(lambda: collect_stream(stream))[0])


@pytest.mark.parametrize(("units", "concurrency"), [(1, 1), (3, 1), (5, 4), (10_000, 1)])
def test_batches_give_the_per_chunk_results_with_one_call_per_batch(units: int, concurrency: int) -> None:
    single = FakeEmbedder(latency=0.01)
    expected = run_virtual(lambda: collect_stream(async_rag_stream(DOCS, ENV, single)))[0]
    batched = FakeEmbedder(latency=0.01)
    assert _batched(units, 1_000, batched, concurrency) == expected
    sizes = [min(units, len(CHUNKS) - i) for i in range(0, len(CHUNKS), units)]
    assert [len(b) for b in batched.batches] == sizes
    assert batched.calls == []  # never one text at a time


def test_a_failing_batch_is_an_err_for_each_of_its_chunks_and_the_stream_goes_on() -> None:
    bad = CHUNKS[4].text.content
    embedder = FakeEmbedder(fail_on=frozenset({bad}))
    items = _batched(3, 1_000, embedder)
    assert [type(i).__name__ for i in items] == ["Ok"] * 3 + ["Err"] * 3 + ["Ok"] * (len(CHUNKS) - 6)


def test_a_stalled_source_does_not_hold_a_batch_past_its_deadline() -> None:
    """Chunks arrive 100 ms apart; a 250 ms deadline sends batches of 3 (at 0, 100, 200) long before 10."""
    embedder = FakeEmbedder()
    sent_at: list[float] = []
    original = embedder.embed_batch

    async def stamped(texts: object) -> Result[list[tuple[float, ...]], ErrInfo]:
        sent_at.append(asyncio.get_running_loop().time())
        return await original(texts)  # type: ignore[arg-type]

    embedder.embed_batch = stamped  # type: ignore[method-assign]

    async def slow() -> AsyncIterator[Result[ChunkWithoutEmbedding, ErrInfo]]:
        for chunk in CHUNKS[:7]:
            yield Ok(chunk)
            await asyncio.sleep(0.1)

    stream = embed_batched_stream(slow, embedder, ChunkPolicy(max_units=10, max_delay_ms=250))
    items, _ = run_virtual(lambda: collect_stream(stream))
    assert len(items) == 7
    assert [len(b) for b in embedder.batches] == [3, 3, 1]
    assert [round(t, 3) for t in sent_at] == [0.25, 0.55, 0.7]  # deadlines 0.25, 0.55; the end at 0.7


def test_store_outcomes_reports_every_chunk_and_refuses_mismatched_lengths() -> None:
    embedder, store = FakeEmbedder(fail_on=frozenset({CHUNKS[0].text.content})), FakeChunkStore()
    outcomes = _batched(2, 1_000, embedder)
    report = run_virtual(lambda: perform_async(store_outcomes(CHUNKS, outcomes, store)))[0]  # type: ignore[arg-type]
    assert isinstance(report, Ok)
    assert len(report.value.failures) == 2 and report.value.new_rows == len(CHUNKS) - 2
    with pytest.raises(ValueError, match="one outcome per chunk"):
        store_outcomes(CHUNKS, outcomes[:-1], store)  # type: ignore[arg-type]
    assert isinstance(outcomes[0], Err)
