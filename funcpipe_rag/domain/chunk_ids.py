"""Stable names of chunks: a content-derived key for storage, a short label for people."""

from __future__ import annotations

import hashlib

from funcpipe_rag.rag import ChunkWithoutEmbedding, EmbeddedChunk


def chunk_key(model: str, text: str) -> str:
    """The stable id of a chunk's content: a hex digest of the model name and the text.

    It is the same key :func:`~funcpipe_rag.rag.structural_dedup_chunks` uses
    (the vector is a function of model and text), so a store keyed by it
    never holds two copies of one text, even across runs that happened to
    keep different first occurrences.
    """
    digest = hashlib.blake2b(digest_size=16)
    digest.update(model.encode())
    digest.update(b"\x00")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def chunk_id(chunk: EmbeddedChunk) -> str:
    """:func:`chunk_key` of an embedded chunk."""
    return chunk_key(chunk.embedding.model, chunk.text.content)


def chunk_label(chunk: ChunkWithoutEmbedding | EmbeddedChunk) -> str:
    """A short human-readable name of a chunk: ``doc_id#index``."""
    return f"{chunk.doc_id}#{chunk.index}"
