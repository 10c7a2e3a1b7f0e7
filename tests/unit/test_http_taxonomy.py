"""Every HTTP status and every error of the transport maps into the closed taxonomy, generated.

The HTTP adapters share ``request_json``; here it runs over an
``httpx.MockTransport`` that answers with generated statuses, bodies and
``Retry-After`` headers, or raises generated transport errors. The expected
code comes from a table written out here, independently of the mapping.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import Err, ErrorCode, Ok
from funcpipe_rag.domain.errors import RETRY_AFTER_MS
from funcpipe_rag.infra.adapters.http import request_json
from funcpipe_rag.testing import reproducible

EXPECTED_FOR_STATUS = {401: "AUTH", 403: "AUTH", 404: "NOT_FOUND", 408: "TIMEOUT", 429: "RATE_LIMIT",
                       502: "TRANSIENT", 503: "TRANSIENT", 504: "TRANSIENT"}  # fmt: skip


class UnheardOf(httpx.HTTPError):
    """An error of the HTTP library that no mapping names: it must still land in the taxonomy."""


REQUEST = httpx.Request("GET", "http://service.test/x")
TRANSPORT_ERRORS: list[tuple[Exception, str]] = [
    (httpx.ConnectTimeout("t", request=REQUEST), "TIMEOUT"),
    (httpx.ReadTimeout("t", request=REQUEST), "TIMEOUT"),
    (httpx.WriteTimeout("t", request=REQUEST), "TIMEOUT"),
    (httpx.PoolTimeout("t", request=REQUEST), "TIMEOUT"),
    (httpx.ConnectError("refused", request=REQUEST), "NETWORK"),
    (httpx.ReadError("reset", request=REQUEST), "NETWORK"),
    (httpx.WriteError("broken pipe", request=REQUEST), "NETWORK"),
    (httpx.RemoteProtocolError("garbage", request=REQUEST), "NETWORK"),
    (httpx.ProxyError("proxy", request=REQUEST), "NETWORK"),
    (ConnectionResetError("reset by peer"), "NETWORK"),
    (httpx.TooManyRedirects("loop", request=REQUEST), "SERVICE"),
    (httpx.DecodingError("bad gzip", request=REQUEST), "SERVICE"),
    (UnheardOf("?"), "SERVICE"),
]

BODIES = st.one_of(
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3).map(json.dumps),
    st.lists(st.integers(), max_size=3).map(json.dumps),
    st.sampled_from(["", "not json", "null", "42", '"text"']),
)


def _run(handler: Any) -> Any:
    async def main() -> Any:
        async with httpx.AsyncClient(
            transport=httpx.MockTransport(handler), base_url="http://service.test"
        ) as c:
            return await request_json(c, "GET", "/x")

    return asyncio.run(main())


@reproducible(max_examples=120)
@given(
    status=st.one_of(
        st.integers(200, 299), st.integers(400, 599), st.sampled_from(sorted(EXPECTED_FOR_STATUS))
    ),
    body=BODIES,
    retry_after=st.one_of(st.none(), st.integers(0, 120)),
)
def test_every_status_maps_into_the_taxonomy(status: int, body: str, retry_after: int | None) -> None:
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    result = _run(lambda request: httpx.Response(status, text=body, headers=headers))
    if status < 400:
        parsed: Any
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            assert result == Ok(parsed)
        else:
            assert isinstance(result, Err) and result.error.code == "SERVICE", result
        return
    assert isinstance(result, Err)
    expected = EXPECTED_FOR_STATUS.get(status, "SERVICE")
    assert result.error.code == expected, (status, result)
    assert result.error.code in set(ErrorCode)
    waits = expected in ("RATE_LIMIT", "TRANSIENT") and retry_after is not None
    ctx = result.error.ctx or {}
    assert (RETRY_AFTER_MS in ctx) == waits, (status, retry_after, ctx)
    if waits:
        assert ctx[RETRY_AFTER_MS] == retry_after * 1000  # type: ignore[operator]


@reproducible(max_examples=60)
@given(case=st.sampled_from(TRANSPORT_ERRORS))
def test_every_transport_error_maps_into_the_taxonomy(case: tuple[Exception, str]) -> None:
    error, expected = case

    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    result = _run(handler)
    assert isinstance(result, Err) and result.error.code == expected, (error, result)
    assert result.error.path == ("http", "/x")
