"""``HttpJsonClient``: the ``HttpClientCap`` port on a real ``httpx.AsyncClient``.

The adapter is thin on purpose. It owns no resources: the shell creates the
client (base URL, timeout, headers), hands it in, and closes it::

    async with httpx.AsyncClient(base_url=url, timeout=2.0) as client:
        http = HttpJsonClient(client)
        result = await perform_async(async_user_pipeline("1", http, db))

Its one job is translation at the boundary: every way a request can go wrong
becomes ``Err(ErrInfo(code, msg, path=("http", url)))`` with ``code`` from the
closed taxonomy of :mod:`funcpipe_rag.domain.errors`:

==================================== ============
what happened                         code
==================================== ============
401, 403                              AUTH
404                                   NOT_FOUND
429                                   RATE_LIMIT
502, 503, 504                         TRANSIENT
other 4xx and 5xx                     SERVICE
no answer within the client timeout   TIMEOUT
connection refused, reset, or broken  NETWORK
a 2xx whose body is not a JSON object SERVICE
==================================== ============

A 429 or 503 that carries a ``Retry-After`` header keeps the wait it asks for
as data: ``ctx={"retry_after_ms": ...}`` (:data:`~funcpipe_rag.domain.errors.RETRY_AFTER_MS`),
which :class:`funcpipe_rag.RetryPolicy` honours.

Nothing raises out of :meth:`HttpJsonClient.get_json` except cancellation
(``asyncio.CancelledError`` must reach the task that is being cancelled) and
programming errors of the caller, such as a URL that is not a ``str``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from funcpipe_rag.domain.errors import RETRY_AFTER_MS, ErrorCode, code_for_status
from funcpipe_rag.domain.ports import JsonObject
from funcpipe_rag.result import Err, ErrInfo, Ok, Result


def _transport_error(exc: Exception, path: tuple[str | int, ...]) -> ErrInfo:
    """Map an exception raised while sending a request or reading its answer."""
    if isinstance(exc, httpx.TimeoutException):
        # httpx's timeout exceptions often carry no text; say what the name means.
        message = f"{type(exc).__name__}: no answer within the client's timeout"
        return ErrInfo(ErrorCode.TIMEOUT, message, path=path)
    if isinstance(exc, httpx.TransportError | OSError):
        return ErrInfo.from_exception(exc, code=ErrorCode.NETWORK, path=path)
    # Redirect loops, undecodable content, an invalid URL: the service or its address is wrong.
    return ErrInfo.from_exception(exc, code=ErrorCode.SERVICE, path=path)


def retry_after_ms(response: httpx.Response) -> float | None:
    """The wait a ``Retry-After`` header asks for, in milliseconds; ``None`` without a usable one.

    The header is either a number of seconds (``Retry-After: 2``) or an HTTP
    date, read relative to the response's own ``Date`` header (or to now
    when it has none). A date in the past means "now" (0).
    """
    text = response.headers.get("retry-after", "").strip()
    if not text:
        return None
    if text.isdigit():
        return int(text) * 1000.0
    try:
        when = parsedate_to_datetime(text)
        sent = parsedate_to_datetime(response.headers["date"]) if "date" in response.headers else None
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    now = sent if sent is not None and sent.tzinfo is not None else datetime.now(UTC)
    return max(0.0, (when - now).total_seconds() * 1000.0)


def _status_error(response: httpx.Response, path: tuple[str | int, ...]) -> ErrInfo | None:
    code = code_for_status(response.status_code)
    if code is None:
        return None
    if code is ErrorCode.NOT_FOUND:
        return ErrInfo(code, f"no resource at {path[-1]}", path=path)
    detail = response.text.strip().replace("\n", " ")[:200]
    message = f"HTTP {response.status_code} {response.reason_phrase}" + (f": {detail}" if detail else "")
    wait = retry_after_ms(response) if code in (ErrorCode.RATE_LIMIT, ErrorCode.TRANSIENT) else None
    # The wait travels as data: a retry policy reads it from ctx (RETRY_AFTER_MS).
    return ErrInfo(code, message, path=path, ctx=None if wait is None else {RETRY_AFTER_MS: wait})


async def request_json(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    body: Any = None,
) -> Result[JsonObject, ErrInfo]:
    """Send one request and return its JSON object body, or the taxonomy ``Err``.

    ``body``, when not ``None``, is sent as JSON. Shared by every HTTP adapter
    of the package so that they all map failures in exactly the same way.
    """
    path: tuple[str | int, ...] = ("http", url)
    try:
        response = await client.request(method, url, json=body)
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        return Err(_transport_error(exc, path))
    failed = _status_error(response, path)
    if failed is not None:
        return Err(failed)
    try:
        payload = response.json()
    except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are both ValueErrors
        return Err(ErrInfo.from_exception(exc, code=ErrorCode.SERVICE, path=path))
    if not isinstance(payload, dict):
        msg = f"expected a JSON object, got {type(payload).__name__}"
        return Err(ErrInfo(ErrorCode.SERVICE, msg, path=path))
    return Ok(payload)


class HttpJsonClient:
    """An ``HttpClientCap`` that sends ``GET`` requests through an injected ``httpx.AsyncClient``.

    Relative URLs such as ``/users/42`` are resolved against the client's
    ``base_url``. Calling :meth:`get_json` returns a coroutine and sends
    nothing until it is awaited, so ``async_lift(lambda: http.get_json(url))``
    is a replayable plan: each run sends a fresh request.
    """

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def get_json(self, url: str) -> Result[JsonObject, ErrInfo]:
        """``GET url`` and return the JSON object it answers, or a taxonomy ``Err`` (see the module)."""
        return await request_json(self._client, "GET", url)
