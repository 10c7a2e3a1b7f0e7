"""The pure RAG core: RawDoc → clean → chunk → (embed) → dedup."""

from funcpipe_rag.rag.embedding import DEFAULT_DIM, cosine, hash_embed
from funcpipe_rag.rag.pipeline import (
    chunk_doc,
    clean_doc,
    clean_text,
    gen_clean_and_chunk,
    structural_dedup_chunks,
)
from funcpipe_rag.rag.types import (
    ChunkText,
    ChunkWithoutEmbedding,
    CleanDoc,
    EmbeddedChunk,
    Embedding,
    RagEnv,
    RawDoc,
)

__all__ = [
    "DEFAULT_DIM",
    "ChunkText",
    "ChunkWithoutEmbedding",
    "CleanDoc",
    "EmbeddedChunk",
    "Embedding",
    "RagEnv",
    "RawDoc",
    "chunk_doc",
    "clean_doc",
    "clean_text",
    "cosine",
    "gen_clean_and_chunk",
    "hash_embed",
    "structural_dedup_chunks",
]
