"""The pure RAG core and the RAG plan: chunking covers the text, embedding is bounded and lazy."""

from __future__ import annotations

import itertools
import math

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import perform_async
from funcpipe_rag.domain.rag_async import async_rag_pipeline
from funcpipe_rag.rag import (
    ChunkText,
    CleanDoc,
    EmbeddedChunk,
    Embedding,
    RagEnv,
    RawDoc,
    chunk_doc,
    clean_text,
    cosine,
    gen_clean_and_chunk,
    hash_embed,
    structural_dedup_chunks,
)
from funcpipe_rag.result import Err, Ok
from funcpipe_rag.testing import FakeEmbedder, run_virtual

words = st.lists(st.sampled_from(["async", "plan", "bind", "pure", "shell", "core", "  ", "\n"]), max_size=60)
docs = st.lists(
    st.builds(lambda i, ws: RawDoc(f"d{i}", f"title {i}", " ".join(ws)), st.integers(0, 5), words),
    max_size=6,
)
envs = st.builds(
    lambda size, overlap, conc: RagEnv(size, min(overlap, size - 1), conc),
    st.integers(1, 60),
    st.integers(0, 30),
    st.integers(1, 6),
)


@given(text=st.text(max_size=200), env=envs)
def test_chunks_cover_the_text_in_order(text: str, env: RagEnv) -> None:
    doc = CleanDoc("d", "t", text)
    chunks = chunk_doc(doc, env)
    if not text:
        assert chunks == []
        return
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for a, b in itertools.pairwise(chunks):
        assert b.start == a.end - env.chunk_overlap
    assert all(c.text.content == text[c.start : c.end] for c in chunks)
    assert all(len(c.text.content) <= env.chunk_size for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))


@given(text=st.text(max_size=100))
def test_cleaning_is_idempotent(text: str) -> None:
    assert clean_text(clean_text(text)) == clean_text(text)


@given(text=st.text(max_size=80))
def test_hash_embedding_is_deterministic_and_unit_length(text: str) -> None:
    vector = hash_embed(text, 32)
    assert vector == hash_embed(text, 32) and len(vector) == 32
    norm = math.sqrt(sum(x * x for x in vector))
    assert norm == 0.0 or math.isclose(norm, 1.0, rel_tol=1e-9)
    if norm:
        assert math.isclose(cosine(vector, vector), 1.0, rel_tol=1e-9)


def _chunk(doc: str, text: str) -> EmbeddedChunk:
    return EmbeddedChunk(doc, 0, ChunkText(text), 0, len(text), Embedding(hash_embed(text, 8), "m"))


@given(st.lists(st.sampled_from(["a", "b", "c"]).map(lambda t: _chunk("d", t)), max_size=20))
def test_dedup_keeps_first_occurrences_in_order(chunks: list[EmbeddedChunk]) -> None:
    kept = structural_dedup_chunks(chunks)
    texts = [c.text.content for c in kept]
    assert len(texts) == len(set(texts))
    assert texts == list(dict.fromkeys(c.text.content for c in chunks))
    assert structural_dedup_chunks(kept) == kept


@given(docs=docs, env=envs)
def test_rag_plan_is_lazy_bounded_ordered_and_replayable(docs: list[RawDoc], env: RagEnv) -> None:
    embedder = FakeEmbedder(dim=8, latency=0.01)
    plan = async_rag_pipeline(docs, env, embedder)
    assert embedder.calls == []  # building embeds nothing
    first, _ = run_virtual(lambda: perform_async(plan))
    second, _ = run_virtual(lambda: perform_async(plan))
    chunks = list(gen_clean_and_chunk(docs, env))
    assert first == second
    assert isinstance(first, Ok)
    assert [c.text.content for c in first.value] == list(dict.fromkeys(c.text.content for c in chunks))
    assert embedder.calls == [c.text.content for c in chunks] * 2
    assert embedder.max_in_flight <= env.embedding_concurrency


def test_rag_plan_fails_with_the_first_failing_chunk() -> None:
    docs = [RawDoc("a", "A", "alpha beta"), RawDoc("b", "B", "gamma delta")]
    env = RagEnv(chunk_size=5, embedding_concurrency=3)
    texts = [c.text.content for c in gen_clean_and_chunk(docs, env)]
    embedder = FakeEmbedder(dim=8, fail_on=frozenset({texts[1], texts[3]}))
    result, _ = run_virtual(lambda: perform_async(async_rag_pipeline(docs, env, embedder)))
    assert isinstance(result, Err) and result.error.path == ("embed", texts[1])
