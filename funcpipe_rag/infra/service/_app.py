"""The local service's application: users and embeddings over real HTTP.

:func:`create_app` builds a Starlette (ASGI) application:

``GET /users/{id}``
    The JSON record ``{"id", "name", "email"}`` of a known user, 404 otherwise.
``POST /embed``
    ``{"texts": ["...", ...]}`` → ``{"model": "hash-embed-64", "vectors": [[...], ...]}``,
    the deterministic feature-hashing embedding of each text (batch-capable).
``GET /health``
    ``{"status": "ok"}``; never delayed, never failed. Used to wait for start-up.

For the resilience lessons the service can be made slow and unreliable:
every request waits ``latency_ms``, and a *seeded* fraction ``failure_rate``
of the user and embedding requests fails, as a 429, a 503, or an answer
that takes ``slow_ms`` (longer than any sensible client timeout). Whether a
request fails is a pure function of the seed, the request's content and how
many times that same request was seen before, so

* a run is reproducible whatever order concurrent requests arrive in, and
* sending the same request again gets a fresh draw, so retries can succeed.

With ``api_key`` set, every request except ``/health`` must carry
``Authorization: Bearer <api_key>`` or gets 401.

Hosting it (binding a socket, uvicorn) is :mod:`._hosting`'s job.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from funcpipe_rag.infra.probes import InFlight
from funcpipe_rag.rag.embedding import DEFAULT_DIM, hash_embed

Failure = Literal["rate_limit", "unavailable", "slow"]
ALL_FAILURES: tuple[Failure, ...] = ("rate_limit", "unavailable", "slow")

_NAMES = (
    "Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov",
    "John McCarthy", "Alonzo Church", "Haskell Curry", "Robin Milner", "Philip Wadler",
    "Frances Allen", "Tony Hoare",
)


def default_users() -> dict[str, dict[str, str]]:
    """The users served when none are given: ids ``"1"`` to ``"12"``, deterministic names and emails."""
    users: dict[str, dict[str, str]] = {}
    for i, name in enumerate(_NAMES, start=1):
        first, last = name.lower().split()
        users[str(i)] = {"id": str(i), "name": name, "email": f"{first}.{last}@example.org"}
    return users


def model_name(dim: int = DEFAULT_DIM) -> str:
    """The model name the service reports for embeddings of dimension ``dim``."""
    return f"hash-embed-{dim}"


@dataclass
class ServiceStats:
    """What a running app counts (``app.state.stats``): requests, injected failures, requests in flight."""

    requests: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    concurrent: InFlight = field(default_factory=InFlight)


@dataclass
class FailurePlan:
    """The seeded decision of which requests fail and how (see the module docstring)."""

    rate: float
    seed: int
    kinds: tuple[Failure, ...] = ALL_FAILURES
    seen: Counter[str] = field(default_factory=Counter)

    def draw(self, key: str) -> Failure | None:
        """The failure for this occurrence of the request ``key``, or ``None`` to answer normally."""
        attempt = self.seen[key]
        self.seen[key] += 1
        if self.rate <= 0.0 or not self.kinds:
            return None
        digest = hashlib.blake2b(f"{self.seed}\x00{attempt}\x00{key}".encode(), digest_size=16).digest()
        u = int.from_bytes(digest[:8], "big") / 2**64
        if u >= self.rate:
            return None
        return self.kinds[int.from_bytes(digest[8:], "big") % len(self.kinds)]


async def _wait_for_disconnect(request: Request) -> None:
    # After the body has been read, the next ASGI message is the client hanging up.
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def create_app(
    latency_ms: float = 0.0,
    failure_rate: float = 0.0,
    seed: int = 0,
    users: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    dim: int = DEFAULT_DIM,
    slow_ms: float = 5000.0,
    failures: Sequence[Failure] = ALL_FAILURES,
    api_key: str | None = None,
) -> Starlette:
    """Build the service application.

    ``users`` maps an id to its JSON record (default :func:`default_users`);
    the mapping is read on every request, so a test may add records to a
    mutable one while the service runs. ``failures`` restricts which kinds of
    failure are injected. ``app.state.stats`` is a :class:`ServiceStats`.
    """
    if not 0.0 <= failure_rate <= 1.0:
        raise ValueError(f"failure_rate must be between 0 and 1, got {failure_rate}")
    if latency_ms < 0 or slow_ms < 0:
        raise ValueError("latency_ms and slow_ms must not be negative")
    table: Mapping[str, Mapping[str, Any]] = default_users() if users is None else users
    plan = FailurePlan(failure_rate, seed, tuple(failures))
    stats = ServiceStats()
    model = model_name(dim)

    async def guarded(request: Request, key: str) -> Response | None:
        """Latency, auth and injected failures shared by the data endpoints."""
        stats.requests[request.url.path.split("/")[1]] += 1
        if latency_ms > 0:
            await asyncio.sleep(latency_ms / 1000)
        if api_key is not None and request.headers.get("authorization") != f"Bearer {api_key}":
            return JSONResponse({"error": "missing or wrong API key"}, status_code=401)
        failure = plan.draw(key)
        if failure is not None:
            stats.failures[failure] += 1
        if failure == "rate_limit":
            return JSONResponse({"error": "rate limited"}, status_code=429, headers={"Retry-After": "1"})
        if failure == "unavailable":
            return JSONResponse({"error": "temporarily unavailable"}, status_code=503)
        if failure == "slow":
            # Answer late, or stop as soon as the client has given up waiting.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_wait_for_disconnect(request), slow_ms / 1000)
        return None

    async def get_user(request: Request) -> Response:
        user_id = request.path_params["user_id"]
        early = await guarded(request, f"user\x00{user_id}")
        if early is not None:
            return early
        record = table.get(user_id)
        if record is None:
            return JSONResponse({"error": f"no user with id {user_id!r}"}, status_code=404)
        return JSONResponse(dict(record))

    async def embed(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "body must be JSON"}, status_code=400)
        except ClientDisconnect:
            # A client that cancels an attempt at its deadline may hang up before its body is read:
            # an expected event for a resilient client, so no error is logged; nobody reads the answer.
            return Response(status_code=499)
        texts = body.get("texts") if isinstance(body, dict) else None
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            return JSONResponse({"error": 'body must be {"texts": [string, ...]}'}, status_code=422)
        early = await guarded(request, "embed\x00" + "\x1f".join(texts))
        if early is not None:
            return early
        return JSONResponse({"model": model, "vectors": [list(hash_embed(t, dim)) for t in texts]})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "model": model})

    async def counted(request: Request) -> Response:
        with stats.concurrent:
            endpoint = get_user if request.method == "GET" else embed
            return await endpoint(request)

    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            # ":path": the server decodes %2F before routing, so an id such as "a/b" arrives with its slash.
            Route("/users/{user_id:path}", counted, methods=["GET"]),
            Route("/embed", counted, methods=["POST"]),
        ]
    )
    app.state.stats = stats
    return app
