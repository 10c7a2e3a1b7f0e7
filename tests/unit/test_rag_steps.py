"""The pure core's Result-returning steps: synchronous, called without any event loop."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag.rag import (
    ChunkText,
    EmbeddedChunk,
    Embedding,
    RagEnv,
    RawDoc,
    chunk_checked,
    chunk_doc,
    clean_doc,
    cosine,
    near_duplicates,
)
from funcpipe_rag.result import Err, Ok


def test_chunk_checked_is_chunk_doc_or_a_validation_error() -> None:
    doc = RawDoc("d", "t", "some text " * 50)
    assert chunk_checked(doc, RagEnv(chunk_size=40)) == Ok(chunk_doc(clean_doc(doc), RagEnv(chunk_size=40)))
    empty = chunk_checked(RawDoc("blank", "t", " \n\t "), RagEnv())
    assert isinstance(empty, Err) and empty.error.code == "VALIDATION"
    assert empty.error.path == ("doc", "blank")


def _chunk(vector: tuple[float, ...]) -> EmbeddedChunk:
    return EmbeddedChunk("d", 0, ChunkText("x"), 0, 1, Embedding(vector, "m"))


vectors = st.lists(st.tuples(*[st.sampled_from([-1.0, 0.0, 0.5, 1.0])] * 3), max_size=8)


@given(vs=vectors, threshold=st.sampled_from([-1.0, 0.0, 0.5, 0.9, 1.0]))
def test_near_duplicates_are_the_pairs_whose_cosine_reaches_the_threshold(
    vs: list[tuple[float, ...]], threshold: float
) -> None:
    got = near_duplicates([_chunk(v) for v in vs], threshold)
    expected = [
        (i, j)
        for i in range(len(vs))
        for j in range(i + 1, len(vs))
        if any(vs[i]) and any(vs[j]) and cosine(vs[i], vs[j]) >= threshold - 1e-12
    ]
    assert got == Ok(expected)


def test_near_duplicates_refuses_a_threshold_out_of_range() -> None:
    got = near_duplicates([], 1.5)
    assert isinstance(got, Err) and got.error.code == "VALIDATION"
