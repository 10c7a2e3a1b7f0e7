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

Nothing raises out of :meth:`HttpJsonClient.get_json` except cancellation
(``asyncio.CancelledError`` must reach the task that is being cancelled) and
programming errors of the caller, such as a URL that is not a ``str``.
"""

from __future__ import annotations

from typing import Any

import httpx

from funcpipe_rag.domain.errors import ErrorCode, code_for_status
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


def _status_error(response: httpx.Response, path: tuple[str | int, ...]) -> ErrInfo | None:
    code = code_for_status(response.status_code)
    if code is None:
        return None
    if code is ErrorCode.NOT_FOUND:
        return ErrInfo(code, f"no resource at {path[-1]}", path=path)
    detail = response.text.strip().replace("\n", " ")[:200]
    message = f"HTTP {response.status_code} {response.reason_phrase}" + (f": {detail}" if detail else "")
    return ErrInfo(code, message, path=path)


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
