"""Capability protocols: what the core may ask of the outside world.

The core depends on these protocols only. Real adapters
(:mod:`funcpipe_rag.infra.adapters`) and the recording fakes
(:mod:`funcpipe_rag.testing`) implement them; the shell decides
which one a plan gets. Every method is ``async`` and reports expected failures
as ``Err`` rather than raising.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.rag.types import EmbeddedChunk
from funcpipe_rag.result import ErrInfo, Result

JsonObject = dict[str, Any]
Vector = tuple[float, ...]


class HttpClientCap(Protocol):
    """Fetch a JSON object by URL (absolute, or a path relative to the client's base)."""

    async def get_json(self, url: str) -> Result[JsonObject, ErrInfo]: ...


class DbCap(Protocol):
    """Persist users. ``save_user`` is an upsert: saving the same user twice is a no-op."""

    async def save_user(self, user: UserProfile) -> Result[None, ErrInfo]: ...


class EmbeddingCap(Protocol):
    """Turn a text into a fixed-length vector with the model named ``model_name``."""

    @property
    def model_name(self) -> str: ...

    async def embed(self, text: str) -> Result[Vector, ErrInfo]: ...


class BatchEmbeddingCap(EmbeddingCap, Protocol):
    """An embedder that also takes many texts in one call (one request for a whole batch).

    ``embed_batch(texts)`` returns one vector per text, in order, or one
    ``Err`` for the whole call: a batch succeeds or fails as a unit.
    """

    async def embed_batch(self, texts: Sequence[str]) -> Result[list[Vector], ErrInfo]: ...


class ChunkStoreCap(Protocol):
    """Persist embedded chunks, keyed by a stable content-derived id.

    ``upsert_chunks`` stores the chunks whose id is not stored yet and returns
    how many rows it added; writing the same chunks again adds none.
    ``all_chunks`` returns every stored chunk in the order it was first stored.
    """

    async def upsert_chunks(self, chunks: Sequence[EmbeddedChunk]) -> Result[int, ErrInfo]: ...

    async def all_chunks(self) -> Result[list[EmbeddedChunk], ErrInfo]: ...
