"""Exercise 1 — map every outcome of a request into the closed taxonomy.

What to do
----------
Write ``get_json``, the heart of an HTTP adapter: send one ``GET`` through
the ``httpx.AsyncClient`` you are given (the shell made it and will close
it) and turn *whatever happens* into a ``Result``. The core that calls it
decides what to do by matching on a handful of codes, so every outcome must
land on one of them, and nothing may escape as an exception.

The contract
------------
``await get_json(client, url)`` returns ``Ok(body)`` when the answer is a
success whose body is a JSON object, and otherwise
``Err(ErrInfo(code, message, path=("http", url), ctx=...))`` with ``code``
one of the strings below:

* **statuses** — 401 and 403 are ``AUTH``; 404 is ``NOT_FOUND``; 408 is
  ``TIMEOUT``; 429 is ``RATE_LIMIT``; 502, 503 and 504 are ``TRANSIENT``;
  every other status from 400 to 599 is ``SERVICE``;
* **JSON objects only** — a 2xx answer is ``Ok`` of its parsed body only when
  that body is a JSON object; an empty body, text that is not JSON, and JSON
  that is not an object (``null``, ``0``, ``false``, ``[]``, a string) are
  ``SERVICE``;
* **timeouts** — any ``httpx.TimeoutException`` (connect, read, write, pool)
  is ``TIMEOUT``;
* **broken connections** — any other ``httpx.TransportError``, and any
  ``OSError``, is ``NETWORK``;
* **unknown errors** — any other ``httpx.HTTPError`` (a redirect loop,
  undecodable content, a kind nobody has named yet) is ``SERVICE``;
* **Retry-After** — a ``RATE_LIMIT`` or ``TRANSIENT`` answer whose
  ``Retry-After`` header is a whole number of seconds keeps the wait as data:
  ``ctx={"retry_after_ms": seconds * 1000}``; every other error, and every
  header that is not a whole number of seconds (``1.5``, ``-1``, ``1e3``,
  ``soon``, a date), leaves ``retry_after_ms`` out of its ``ctx``;
* **path** — every error's ``path`` is ``("http", url)``, the URL as given;
* **nothing until awaited** — calling ``get_json`` sends nothing; awaiting it
  sends exactly one request.

Imports
-------
The standard library, ``httpx``, and from ``funcpipe_rag`` only ``Ok``,
``Err``, ``ErrInfo``, ``ErrorCode`` and ``Result``. Not the library's
adapters (``funcpipe_rag.infra``) nor ``code_for_status``: they are the
answer, so a file that imports them scores zero for this exercise.

Hints
-----
* ``httpx.TimeoutException`` is a ``TransportError`` too: test for it first.
* ``response.json()`` raises ``ValueError`` on a body that is not JSON.
* ``"0".isdigit()`` is true: a ``Retry-After: 0`` is a wait of 0 ms, not "none".
* Check yourself with ``funcpipe grade m08c08/ex01``.
"""

from __future__ import annotations

from typing import Any

import httpx

from funcpipe_rag import Err, ErrInfo, ErrorCode, Ok, Result


async def get_json(client: httpx.AsyncClient, url: str) -> Result[dict[str, Any], ErrInfo]:
    """``GET url`` through ``client``: ``Ok`` of the JSON object answered, or a taxonomy ``Err``."""
    # BEGIN SOLUTION: one request, every outcome mapped
    by_status = {401: ErrorCode.AUTH, 403: ErrorCode.AUTH, 404: ErrorCode.NOT_FOUND, 408: ErrorCode.TIMEOUT,
                 429: ErrorCode.RATE_LIMIT, 502: ErrorCode.TRANSIENT, 503: ErrorCode.TRANSIENT,
                 504: ErrorCode.TRANSIENT}  # fmt: skip
    path = ("http", url)
    try:
        response = await client.get(url)
    except httpx.TimeoutException as exc:
        return Err(ErrInfo(ErrorCode.TIMEOUT, f"no answer in time: {exc!r}", path=path))
    except (httpx.TransportError, OSError) as exc:
        return Err(ErrInfo(ErrorCode.NETWORK, f"the connection failed: {exc!r}", path=path))
    except httpx.HTTPError as exc:
        return Err(ErrInfo(ErrorCode.SERVICE, f"the request failed: {exc!r}", path=path))
    status = response.status_code
    if status >= 400:
        code = by_status.get(status, ErrorCode.SERVICE)
        wait = response.headers.get("retry-after", "").strip()
        keeps_wait = code in (ErrorCode.RATE_LIMIT, ErrorCode.TRANSIENT) and wait.isdigit()
        ctx = {"retry_after_ms": int(wait) * 1000.0} if keeps_wait else None
        return Err(ErrInfo(code, f"HTTP {status}", path=path, ctx=ctx))
    try:
        body = response.json()
    except ValueError:
        return Err(ErrInfo(ErrorCode.SERVICE, "the answer is not JSON", path=path))
    if not isinstance(body, dict):
        return Err(ErrInfo(ErrorCode.SERVICE, "the answer is not a JSON object", path=path))
    return Ok(body)
    # END SOLUTION
