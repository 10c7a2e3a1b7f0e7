"""Policies wrap adapters from outside: the same capability, with retries, a time limit or a rate limit added.

An adapter knows one service: it sends a request and maps whatever comes
back into the closed taxonomy. It never retries, waits or counts, because
how hard to try is not its business but the caller's: the same embedder is
retried three times by a batch job and not at all by an interactive
request. So the shell, which owns the clients, wraps the adapters it hands
to the core::

    async with httpx.AsyncClient(base_url=url, timeout=2.0) as client:
        gate = TokenGate(RateLimitPolicy(tokens_per_second=20, burst_tokens=5))
        embedder = ResilientEmbedder(
            RateLimitedEmbedder(HttpEmbedder(client, model), gate),
            RetryPolicy(max_attempts=3),
            TimeoutPolicy(timeout_ms=500),
        )
        ...  # the core sees an EmbeddingCap, nothing more

Each wrapper has the protocol of what it wraps (``HttpClientCap``,
``EmbeddingCap``), so wrappers stack in any order and the core cannot tell
a wrapped adapter from a bare one or from a fake. Order matters: a rate
limit *inside* the retries (as above) spends a token on every attempt, which
is what the service counts; outside them, a retried call would pass once.

Like the adapters, a wrapper's method sends nothing until awaited, and
calling it twice runs it twice: ``async_lift(lambda: embedder.embed(t))``
stays a replayable plan.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from funcpipe_rag.domain.effects.async_._interpreter import interpret
from funcpipe_rag.domain.effects.async_.rate_limit import TokenGate
from funcpipe_rag.domain.effects.async_.resilience import (
    ResilienceEnv,
    RetryPolicy,
    TimeoutPolicy,
    async_with_resilience,
)
from funcpipe_rag.domain.effects.async_.resilience import _check_policies as check_policies
from funcpipe_rag.domain.ports import EmbeddingCap, HttpClientCap, JsonObject, Vector
from funcpipe_rag.result import ErrInfo, Result

__all__ = ["RateLimitedEmbedder", "RateLimitedHttpClient", "ResilientEmbedder", "ResilientHttpClient"]

T = TypeVar("T")
C = TypeVar("C")


class _Resilient(Generic[C]):
    """What the resilient wrappers share: the wrapped adapter, the policies, running one call under them."""

    def __init__(
        self,
        inner: C,
        retry: RetryPolicy,
        timeout: TimeoutPolicy | None = None,
        env: ResilienceEnv | None = None,
    ) -> None:
        check_policies(retry, timeout, env)  # now, where the shell wires the adapters, not at the first call
        self.inner = inner
        self.retry = retry
        self.timeout = timeout
        self.env = env

    def _run(self, call: Callable[[], Awaitable[Result[T, ErrInfo]]]) -> Awaitable[Result[T, ErrInfo]]:
        return interpret(async_with_resilience(call, self.retry, self.timeout, self.env))


class ResilientHttpClient(_Resilient[HttpClientCap]):
    """An ``HttpClientCap`` that runs each ``get_json`` of ``inner`` under ``retry`` and ``timeout``.

    A ``429`` or ``503`` whose ``Retry-After`` the adapter kept in the error
    is not retried sooner than the service asked (see :class:`RetryPolicy`).
    """

    async def get_json(self, url: str) -> Result[JsonObject, ErrInfo]:
        return await self._run(lambda: self.inner.get_json(url))


class ResilientEmbedder(_Resilient[EmbeddingCap]):
    """An ``EmbeddingCap`` that runs each ``embed`` of ``inner`` under ``retry`` and ``timeout``."""

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    async def embed(self, text: str) -> Result[Vector, ErrInfo]:
        return await self._run(lambda: self.inner.embed(text))


class RateLimitedHttpClient:
    """An ``HttpClientCap`` whose every ``get_json`` first waits for a token of ``gate``."""

    def __init__(self, inner: HttpClientCap, gate: TokenGate) -> None:
        self.inner = inner
        self.gate = gate

    async def get_json(self, url: str) -> Result[JsonObject, ErrInfo]:
        await self.gate.acquire()
        return await self.inner.get_json(url)


class RateLimitedEmbedder:
    """An ``EmbeddingCap`` whose every ``embed`` first waits for a token of ``gate``.

    Share one gate between every embedder that calls the same service under
    the same quota.
    """

    def __init__(self, inner: EmbeddingCap, gate: TokenGate) -> None:
        self.inner = inner
        self.gate = gate

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    async def embed(self, text: str) -> Result[Vector, ErrInfo]:
        await self.gate.acquire()
        return await self.inner.embed(text)
