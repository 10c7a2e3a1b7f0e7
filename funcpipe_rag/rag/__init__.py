"""The pure RAG core: RawDoc → clean → chunk → (embed) → dedup. Synchronous, always (AST-checked).

``steps`` holds the same work as ``Result``-returning functions, the form the
async edges lift (``lift_sync`` and friends).
"""

from funcpipe_rag.rag.embedding import DEFAULT_DIM, cosine, hash_embed
from funcpipe_rag.rag.pipeline import (
    chunk_doc,
    clean_doc,
    clean_text,
    gen_clean_and_chunk,
    structural_dedup_chunks,
)
from funcpipe_rag.rag.steps import chunk_checked, near_duplicates
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
    "chunk_checked",
    "chunk_doc",
    "clean_doc",
    "clean_text",
    "cosine",
    "gen_clean_and_chunk",
    "hash_embed",
    "near_duplicates",
    "structural_dedup_chunks",
]
