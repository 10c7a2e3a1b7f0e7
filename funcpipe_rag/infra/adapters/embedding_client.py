"""``HttpEmbedder``: the ``EmbeddingCap`` port over the local service's ``POST /embed``.

The shell owns the ``httpx.AsyncClient`` and closes it; the adapter only
formats requests and checks answers. Protocol of the endpoint::

    POST /embed   {"texts": ["a", "b"]}
    200           {"model": "hash-embed-64", "vectors": [[...], [...]]}

Failures map exactly as in :mod:`funcpipe_rag.infra.adapters.http` (429 →
RATE_LIMIT, 503 → TRANSIENT, a timeout → TIMEOUT, …). An answer of the wrong
shape — a missing field, the wrong number of vectors, a vector that is not a
list of numbers, or a model other than the one this adapter was built for —
is ``Err(SERVICE)``: storing vectors of an unexpected model would silently
corrupt every later similarity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.domain.ports import JsonObject, Vector
from funcpipe_rag.infra.adapters.http import request_json
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

EMBED_PATH = "/embed"


def _vector(raw: Any) -> Vector | None:
    if not isinstance(raw, list):
        return None
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in raw):
        return None
    return tuple(float(x) for x in raw)


class HttpEmbedder:
    """An ``EmbeddingCap`` that asks the service at the client's base URL for embeddings.

    ``model_name`` is the model the caller expects (the service's answer must
    name the same one). :meth:`embed` sends one text per request;
    :meth:`embed_batch` sends many in one request, for callers that batch.
    Neither sends anything until awaited.
    """

    def __init__(self, client: httpx.AsyncClient, model_name: str) -> None:
        self._client = client
        self._model = model_name

    @property
    def model_name(self) -> str:
        """The model every vector returned by this adapter comes from."""
        return self._model

    async def embed(self, text: str) -> Result[Vector, ErrInfo]:
        """The embedding of ``text``, or a taxonomy ``Err``."""
        batch = await self.embed_batch([text])
        if isinstance(batch, Err):
            return batch
        return Ok(batch.value[0])

    async def embed_batch(self, texts: Sequence[str]) -> Result[list[Vector], ErrInfo]:
        """The embeddings of ``texts``, in order, from a single request (an empty list sends nothing)."""
        if not texts:
            return Ok([])
        answer = await request_json(self._client, "POST", EMBED_PATH, body={"texts": list(texts)})
        if isinstance(answer, Err):
            return answer
        return self._vectors(answer.value, len(texts))

    def _vectors(self, payload: JsonObject, expected: int) -> Result[list[Vector], ErrInfo]:
        path: tuple[str | int, ...] = ("http", EMBED_PATH)
        model = payload.get("model")
        if model != self._model:
            message = f"expected model {self._model!r}, the service used {model!r}"
            return Err(ErrInfo(ErrorCode.SERVICE, message, path=path))
        raw = payload.get("vectors")
        if not isinstance(raw, list) or len(raw) != expected:
            got = len(raw) if isinstance(raw, list) else type(raw).__name__
            return Err(ErrInfo(ErrorCode.SERVICE, f"expected {expected} vectors, got {got}", path=path))
        vectors: list[Vector] = []
        for i, item in enumerate(raw):
            vector = _vector(item)
            if vector is None:
                msg = f"vector {i} is not a list of numbers"
                return Err(ErrInfo(ErrorCode.SERVICE, msg, path=(*path, i)))
            vectors.append(vector)
        return Ok(vectors)
