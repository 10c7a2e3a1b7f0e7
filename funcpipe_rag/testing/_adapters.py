"""What the Core 8 properties run adapters against, without Hypothesis: the pieces a check needs.

:class:`AdapterImpl` names one implementation of the adapters
(:data:`LIBRARY_ADAPTERS`, a broken one, a learner's); :class:`Exchange` is
one outcome of a request as data (a status, body and ``Retry-After``, or a
transport error) with the code it must map to, written out independently of
the library's mapping; :class:`PlainEmbedder` is a second correct batch
embedder. The grader's child process imports this module, so it does not
import Hypothesis.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiosqlite
import httpx

from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.domain.ports import EmbeddingCap, HttpClientCap, JsonObject, Vector
from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder
from funcpipe_rag.infra.adapters.http import HttpJsonClient, request_json
from funcpipe_rag.infra.adapters.sqlite import SqliteStore
from funcpipe_rag.infra.service import model_name
from funcpipe_rag.rag.embedding import DEFAULT_DIM
from funcpipe_rag.rag.types import EmbeddedChunk
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing._fakes import FakeEmbedder

MODEL = model_name(DEFAULT_DIM)
BASE = "http://service.test"


class RequestJson(Protocol):
    """Send one request through ``client``; the JSON object answered, or a taxonomy ``Err``."""

    def __call__(
        self, client: httpx.AsyncClient, method: str, url: str, *, body: Any = None
    ) -> Awaitable[Result[JsonObject, ErrInfo]]: ...


class BatchEmbedding(Protocol):
    """An ``EmbeddingCap`` that also embeds many texts in one request."""

    @property
    def model_name(self) -> str: ...

    def embed(self, text: str) -> Awaitable[Result[Vector, ErrInfo]]: ...

    def embed_batch(self, texts: Sequence[str]) -> Awaitable[Result[list[Vector], ErrInfo]]: ...


class Store(Protocol):
    """The SQLite adapter's methods the properties call."""

    async def save_user(self, user: UserProfile) -> Result[None, ErrInfo]: ...

    async def all_users(self) -> Result[list[UserProfile], ErrInfo]: ...

    async def upsert_chunks(self, chunks: Sequence[EmbeddedChunk]) -> Result[int, ErrInfo]: ...

    async def all_chunks(self) -> Result[list[EmbeddedChunk], ErrInfo]: ...


@dataclass(frozen=True)
class AdapterImpl:
    """One implementation of Core 8's adapters: what every property is run against."""

    request_json: RequestJson = request_json
    http: Callable[[httpx.AsyncClient], HttpClientCap] = HttpJsonClient
    embedder: Callable[[httpx.AsyncClient, str], BatchEmbedding] = HttpEmbedder
    store: Callable[[aiosqlite.Connection], Store] = SqliteStore
    fake_embedder: Callable[[int], EmbeddingCap] = FakeEmbedder


class PlainEmbedder:
    """A correct batch embedder written plainly, without the library's helpers: a second right answer.

    One ``POST /embed`` per batch (none for an empty one); the answer must name
    the model and hold one list of numbers per text, in the texts' order.
    """

    def __init__(self, client: httpx.AsyncClient, model_name: str) -> None:
        self.client, self.model_name = client, model_name

    async def embed(self, text: str) -> Result[Vector, ErrInfo]:
        got = await self.embed_batch([text])
        return Ok(got.value[0]) if isinstance(got, Ok) else got

    async def embed_batch(self, texts: Sequence[str]) -> Result[list[Vector], ErrInfo]:
        if len(texts) == 0:
            return Ok([])
        answer = await request_json(self.client, "POST", "/embed", body={"texts": list(texts)})
        if isinstance(answer, Err):
            return answer
        vectors = answer.value.get("vectors")
        wrong = ErrInfo(
            ErrorCode.SERVICE, "the service's answer does not match the batch", path=("http", "/embed")
        )
        if answer.value.get("model") != self.model_name or not isinstance(vectors, list):
            return Err(wrong)
        if len(vectors) != len(texts):
            return Err(wrong)
        out: list[Vector] = []
        for v in vectors:
            numbers = isinstance(v, list) and all(type(x) in (int, float) for x in v)
            if not numbers:
                return Err(wrong)
            out.append(tuple(float(x) for x in v))
        return Ok(out)


LIBRARY_ADAPTERS = AdapterImpl()
"""The library's adapters (``HttpJsonClient``, ``HttpEmbedder``, ``SqliteStore``, ``request_json``)."""



class UnheardOf(httpx.HTTPError):
    """An error of the HTTP library that no mapping names: it must still land in the taxonomy."""


_REQUEST = httpx.Request("GET", f"{BASE}/x")
TRANSPORT_ERRORS: dict[type[Exception], str] = {
    httpx.ConnectTimeout: "TIMEOUT", httpx.ReadTimeout: "TIMEOUT", httpx.WriteTimeout: "TIMEOUT",
    httpx.PoolTimeout: "TIMEOUT",
    httpx.ConnectError: "NETWORK", httpx.ReadError: "NETWORK", httpx.WriteError: "NETWORK",
    httpx.RemoteProtocolError: "NETWORK", httpx.ProxyError: "NETWORK", ConnectionResetError: "NETWORK",
    httpx.TooManyRedirects: "SERVICE", httpx.DecodingError: "SERVICE", UnheardOf: "SERVICE",
}  # fmt: skip
"""Exceptions a transport raises, by the code each must map to (written out, not derived)."""


ERROR_KINDS: dict[str, type[Exception]] = {kind.__name__: kind for kind in TRANSPORT_ERRORS}
"""The transport errors by class name: how a case names one as plain data."""


def transport_error(kind: str, message: str) -> Exception:
    """A fresh exception of the kind named ``kind`` (a key of :data:`ERROR_KINDS`), saying ``message``."""
    return _error(ERROR_KINDS[kind], message)


def _error(kind: type[Exception], message: str) -> Exception:
    if issubclass(kind, httpx.RequestError):
        return kind(message, request=_REQUEST)
    return kind(message)


EXPECTED_FOR_STATUS = {401: "AUTH", 403: "AUTH", 404: "NOT_FOUND", 408: "TIMEOUT", 429: "RATE_LIMIT",
                       502: "TRANSIENT", 503: "TRANSIENT", 504: "TRANSIENT"}  # fmt: skip
"""Every status not listed here, from 400 to 599, is SERVICE."""


@dataclass(frozen=True)
class Exchange:
    """One generated outcome of a request: an answer (status, body, ``Retry-After``) or a raised error."""

    status: int = 200
    body: str = "{}"
    retry_after: str | None = None
    raises: Exception | None = None

    def respond(self, request: httpx.Request) -> httpx.Response:
        if self.raises is not None:
            raise self.raises
        headers = {} if self.retry_after is None else {"Retry-After": self.retry_after}
        return httpx.Response(self.status, text=self.body, headers=headers)

    def as_data(self) -> dict[str, Any]:
        """The outcome as plain data (the error as its kind's name and message), for a grader's case."""
        raises = None if self.raises is None else [type(self.raises).__name__, str(self.raises)]
        return {"status": self.status, "body": self.body, "retry_after": self.retry_after, "raises": raises}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Exchange:
        raises = None if data["raises"] is None else transport_error(*data["raises"])
        return cls(data["status"], data["body"], data["retry_after"], raises)

    def expected(self) -> str:
        """``OK`` or the code this outcome must map to, from the tables above."""
        if self.raises is not None:
            return TRANSPORT_ERRORS[type(self.raises)]
        if self.status >= 400:
            return EXPECTED_FOR_STATUS.get(self.status, "SERVICE")
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return "SERVICE"
        return "OK" if isinstance(parsed, dict) else "SERVICE"

    def wait_ms(self) -> float | None:
        """The ``Retry-After`` the error must keep, in milliseconds: whole seconds only, else ``None``."""
        wait = self.retry_after
        if wait is None or not (wait.isascii() and wait.isdigit()):
            return None
        return int(wait) * 1000.0 if self.expected() in ("RATE_LIMIT", "TRANSIENT") else None



__all__ = [
    "BASE", "ERROR_KINDS", "EXPECTED_FOR_STATUS", "LIBRARY_ADAPTERS", "MODEL", "TRANSPORT_ERRORS",
    "AdapterImpl", "BatchEmbedding", "Exchange", "PlainEmbedder", "RequestJson", "Store", "UnheardOf",
    "transport_error",
]  # fmt: skip
