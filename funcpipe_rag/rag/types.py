"""The data of the pure RAG core: documents, chunks, embeddings, settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RawDoc:
    """A document as it arrives: a stable ``doc_id``, a ``title`` and its ``text``."""

    doc_id: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class CleanDoc:
    """A document after :func:`funcpipe_rag.rag.clean_doc`."""

    doc_id: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class ChunkText:
    """The text of one chunk."""

    content: str


@dataclass(frozen=True, slots=True)
class Embedding:
    """A vector and the name of the model that produced it."""

    vector: tuple[float, ...]
    model: str


@dataclass(frozen=True, slots=True)
class ChunkWithoutEmbedding:
    """A window ``[start, end)`` of a cleaned document, not yet embedded."""

    doc_id: str
    index: int
    text: ChunkText
    start: int
    end: int

    def with_embedding(self, embedding: Embedding) -> EmbeddedChunk:
        return EmbeddedChunk(self.doc_id, self.index, self.text, self.start, self.end, embedding)


@dataclass(frozen=True, slots=True)
class EmbeddedChunk:
    """A chunk together with its embedding."""

    doc_id: str
    index: int
    text: ChunkText
    start: int
    end: int
    embedding: Embedding


@dataclass(frozen=True, slots=True)
class RagEnv:
    """Settings of the RAG pipeline.

    ``chunk_size`` and ``chunk_overlap`` are in characters (``0 <= overlap <
    size``); ``embedding_concurrency`` bounds the embeddings in flight.
    """

    chunk_size: int = 400
    chunk_overlap: int = 0
    embedding_concurrency: int = 8

    def __post_init__(self) -> None:
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {self.chunk_size}")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise ValueError(
                f"chunk_overlap must be in [0, chunk_size), got {self.chunk_overlap} "
                f"with chunk_size={self.chunk_size}"
            )
        if self.embedding_concurrency < 1:
            raise ValueError(
                f"embedding_concurrency must be at least 1, got {self.embedding_concurrency}"
            )
