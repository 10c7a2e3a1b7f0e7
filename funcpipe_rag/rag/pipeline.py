"""Cleaning, chunking and structural deduplication: pure functions over documents."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from funcpipe_rag.rag.types import (
    ChunkText,
    ChunkWithoutEmbedding,
    CleanDoc,
    EmbeddedChunk,
    RagEnv,
    RawDoc,
)

_SPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Normalise Unicode (NFKC), drop control characters, collapse white space."""
    normal = unicodedata.normalize("NFKC", text)
    printable = "".join(ch for ch in normal if ch.isprintable() or ch.isspace())
    return _SPACE.sub(" ", printable).strip()


def clean_doc(doc: RawDoc) -> CleanDoc:
    """The document with its title and text cleaned by :func:`clean_text`."""
    return CleanDoc(doc.doc_id, clean_text(doc.title), clean_text(doc.text))


def chunk_doc(doc: CleanDoc, env: RagEnv) -> list[ChunkWithoutEmbedding]:
    """Cut ``doc.text`` into windows of ``env.chunk_size`` characters.

    Consecutive windows overlap by ``env.chunk_overlap`` characters; the last
    window may be shorter. An empty text gives no chunks.
    """
    step = env.chunk_size - env.chunk_overlap
    text = doc.text
    chunks: list[ChunkWithoutEmbedding] = []
    start = 0
    while start < len(text):
        end = min(start + env.chunk_size, len(text))
        chunks.append(ChunkWithoutEmbedding(doc.doc_id, len(chunks), ChunkText(text[start:end]), start, end))
        if end == len(text):
            break
        start += step
    return chunks


def gen_clean_and_chunk(docs: Iterable[RawDoc], env: RagEnv) -> Iterator[ChunkWithoutEmbedding]:
    """Lazily clean and chunk each document, in order."""
    for doc in docs:
        yield from chunk_doc(clean_doc(doc), env)


def structural_dedup_chunks(chunks: Sequence[EmbeddedChunk]) -> list[EmbeddedChunk]:
    """Drop chunks whose text and embedding equal an earlier chunk's; keep the order.

    Identical text appears across documents (inherited docstrings, boilerplate);
    the first occurrence wins, so the result is a subsequence of the input.
    """
    seen: set[tuple[str, tuple[float, ...], str]] = set()
    kept: list[EmbeddedChunk] = []
    for chunk in chunks:
        key = (chunk.text.content, chunk.embedding.vector, chunk.embedding.model)
        if key not in seen:
            seen.add(key)
            kept.append(chunk)
    return kept
