"""Graded: exercise 1, every outcome of a request in the taxonomy (``ex01_taxonomy.py``).

The observer runs the learner's ``get_json`` on a client whose transport
answers one generated outcome in process (``httpx.MockTransport``: no
socket): a status with a body and a ``Retry-After`` header, or a raised
transport error. It reports the result and how many requests were sent
before and after awaiting. The judges compare the result with the code the
outcome must map to, from a table written out independently of the
library's mapping. Outcomes are drawn code by code; bodies include ``""``,
``null``, ``0``, ``false`` and ``[]``, waits include ``0``, and URLs carry
ids that need escaping.
"""

from __future__ import annotations

import asyncio
from typing import TypedDict

from funcpipe_rag.grading.harness import drive, graded, load, observe, observer, require

EXERCISE = "ex01_taxonomy"
TITLE = "Every outcome in the taxonomy"
EXAMPLES = 24

# ---- next to the learner's code -------------------------------------------------------------


class Outcome(TypedDict):
    exchange: dict[str, object]  # Exchange.as_data()
    url: str


class Answer(TypedDict):
    result: object
    before_await: int
    sent: int


@observer
def answer(case: Outcome) -> Answer:
    """Run the learner's get_json against one outcome, counting the requests sent."""
    import httpx

    from funcpipe_rag.testing import Exchange

    get_json = require(load(EXERCISE), "get_json")
    exchange = Exchange.from_data(case["exchange"])
    sent: list[str] = []

    def respond(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return exchange.respond(request)

    async def run() -> tuple[object, int]:
        transport = httpx.MockTransport(respond)
        async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
            pending = get_json(client, case["url"])
            for _ in range(5):
                await asyncio.sleep(0)
            before = len(sent)
            return await pending, before

    result, before = drive(run)
    return {"result": result, "before_await": before, "sent": len(sent)}


# ---- the grader's side ------------------------------------------------------------------------

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)
from hypothesis import strategies as st  # noqa: E402

from funcpipe_rag import Err, Ok  # noqa: E402
from funcpipe_rag.domain.user import user_url  # noqa: E402
from funcpipe_rag.testing import EXCHANGE_STRATA, Exchange, Strata, path_of_exchange  # noqa: E402

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}
URLS = st.text(st.sampled_from("ab1/?%# é"), min_size=1, max_size=4).map(user_url)
"""Paths of user records whose ids need escaping: the error's path must keep the URL as given."""


def _judge(exchange: Exchange, url: str) -> None:
    seen = observe(answer, {"exchange": exchange.as_data(), "url": url})
    got, expected = seen["result"], exchange.expected()
    what = f"get_json(client, {url!r}) on {exchange!r}"
    assert seen["sent"] == 1, f"{what} sent {seen['sent']} requests; one call sends exactly one"
    if expected == "OK":
        import json

        assert got == Ok(json.loads(exchange.body)), f"{what} gave {got!r}, not Ok of the body"
        return
    assert isinstance(got, Err), f"{what} gave {got!r}, not an Err with code {expected}"
    assert got.error.code == expected, f"{what} gave code {got.error.code!r}; it should be {expected}"
    assert got.error.path == ("http", url), f"{what}: the error's path is {got.error.path!r}"
    wait, ctx = exchange.wait_ms(), dict(got.error.ctx or {})
    assert ctx.get("retry_after_ms") == wait, (
        f"{what}: ctx is {ctx!r}; " + ("it should have no retry_after_ms" if wait is None
                                        else f"retry_after_ms should be {wait:g}")
    )


NOT_WHOLE_SECONDS = ["1.5", "2.0", "-1", "1e3", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"]
"""Retry-After values that are not a whole number of seconds: none of them is kept."""


def _only(*paths: str) -> Strata[Exchange]:
    return Strata({p: EXCHANGE_STRATA.cases[p] for p in paths})


TESTED = {
    "test_statuses": _only("AUTH", "NOT_FOUND", "RATE_LIMIT", "TRANSIENT"),
    "test_json_objects_only": Strata({
        "OK": EXCHANGE_STRATA.cases["OK"],
        "SERVICE": st.builds(Exchange, st.integers(200, 299),
                             st.sampled_from(["", "not json", "null", "0", "false", "[]", '"text"', "[{}]"])),
    }),
    "test_timeouts": _only("TIMEOUT"),
    "test_broken_connections": _only("NETWORK"),
    "test_unknown_errors": _only("SERVICE"),
    "test_retry_after": Strata({
        "RATE_LIMIT": st.builds(Exchange, st.just(429), st.just("{}"), st.integers(0, 120).map(str)),
        "TRANSIENT": st.builds(Exchange, st.sampled_from([502, 503, 504]), st.just(""),
                               st.integers(0, 120).map(str)),
        "not whole seconds": st.builds(Exchange, st.sampled_from([429, 502, 503, 504]), st.just(""),
                                       st.sampled_from(NOT_WHOLE_SECONDS)),
        "other": st.builds(Exchange, st.sampled_from([400, 401, 404, 500]), st.just(""),
                           st.integers(0, 120).map(str)),
    }),
}  # fmt: skip


def _wait_path(exchange: Exchange) -> str:
    code = path_of_exchange(exchange)
    if code not in ("RATE_LIMIT", "TRANSIENT"):
        return "other"
    return code if exchange.wait_ms() is not None else "not whole seconds"


PATHS = {name: (strata, _wait_path if name == "test_retry_after" else path_of_exchange, EXAMPLES)
         for name, strata in TESTED.items()}  # fmt: skip
"""For the grader's own tests: every outcome drawn for a path really maps to that code."""


def _run(test: str) -> None:
    strata = TESTED[test]
    for path, outcomes in strata.cases.items():
        Strata({path: st.tuples(outcomes, URLS)}).run(
            lambda _p, case: _judge(*case), max_examples=strata.per_path(EXAMPLES), **SETTINGS
        )


@graded(
    points=2,
    hint=(
        "Look the status up in a table: 401/403 AUTH, 404 NOT_FOUND, 408 TIMEOUT, 429 RATE_LIMIT, "
        "502/503/504 TRANSIENT, any other status from 400 up SERVICE; path=('http', url)."
    ),
)
def test_statuses() -> None:
    """Each error status maps to its code, with the URL as the error's path."""
    _run("test_statuses")


@graded(
    points=2,
    hint=(
        "response.json() raises ValueError on a body that is not JSON; after parsing, check "
        "isinstance(body, dict): null, 0, false and [] are JSON but not objects."
    ),
)
def test_json_objects_only() -> None:
    """A 2xx answer is Ok only when its body is a JSON object; anything else is SERVICE."""
    _run("test_json_objects_only")


@graded(
    points=1,
    hint=(
        "Catch httpx.TimeoutException before httpx.TransportError: a timeout is a transport error "
        "too, and the first matching except clause wins."
    ),
)
def test_timeouts() -> None:
    """Every kind of timeout, and a 408, is TIMEOUT."""
    _run("test_timeouts")


@graded(
    points=1,
    hint=(
        "After timeouts, catch (httpx.TransportError, OSError) as NETWORK."
    ),
)
def test_broken_connections() -> None:
    """A refused, reset or broken connection is NETWORK."""
    _run("test_broken_connections")


@graded(
    points=1,
    hint=(
        "End with `except httpx.HTTPError` mapped to SERVICE: every error httpx raises derives from "
        "it, including ones you have never heard of."
    ),
)
def test_unknown_errors() -> None:
    """Any other error of httpx, and any unlisted status, is SERVICE; nothing escapes."""
    _run("test_unknown_errors")


@graded(
    points=2,
    hint=(
        "For RATE_LIMIT and TRANSIENT only: read response.headers.get('retry-after'); when it is "
        "digits, ctx={'retry_after_ms': int(value) * 1000} ('0' included)."
    ),
)
def test_retry_after() -> None:
    """A 429 or 502/503/504 keeps its Retry-After seconds as ctx['retry_after_ms']; other errors do not."""
    _run("test_retry_after")


@graded(
    points=1,
    hint=(
        "Make get_json an `async def` that sends its request in its body: calling it then only "
        "builds a coroutine."
    ),
)
def test_nothing_until_awaited() -> None:
    """Calling get_json sends nothing, even after the loop turns; awaiting it sends one request."""
    for ex in (Exchange(200, '{"id": "1"}'), Exchange(503, "", retry_after="2")):
        seen = observe(answer, {"exchange": ex.as_data(), "url": "/users/1"})
        early = seen["before_await"]
        assert early == 0, f"calling get_json sent {early} requests before it was awaited"
        assert seen["sent"] == 1, f"awaiting get_json sent {seen['sent']} requests, not one"
        got = seen["result"]
        transient = isinstance(got, Err) and got.error.code == "TRANSIENT"
        right = got == Ok({"id": "1"}) if ex.status == 200 else transient
        assert right, f"get_json on {ex!r} gave {got!r}"
