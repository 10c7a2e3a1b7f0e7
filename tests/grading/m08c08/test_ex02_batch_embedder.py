"""Graded: exercise 2, a batch embedder that checks its answers (``ex02_batch_embedder.py``).

The observer runs the learner's ``BatchEmbedder`` on a client whose
transport answers in process, with no socket: an ``httpx.MockTransport``
that embeds the texts it received and then spoils the answer as the case
says (a vector too few or too many, another model, a vector that is not a
list of numbers, an error status), or the local service's real application
through ``httpx.ASGITransport``. It reports the result and every request
received. Batches are empty, single or long, with repeats, in any order,
with ``""`` among the texts; spoiled vectors include ``null``, ``true`` and
strings.
"""

from __future__ import annotations

from typing import TypedDict

from funcpipe_rag.grading.harness import drive, graded, load, observe, observer, require

EXERCISE = "ex02_batch_embedder"
TITLE = "A batch embedder that checks its answers"
EXAMPLES = 24

# ---- next to the learner's code -------------------------------------------------------------


class Batch(TypedDict):
    texts: list[str]
    call: str  # "embed_batch", or "embed" for the first text
    mode: str  # "echo" (spoiled as below), "status", or "service" (the real app in process)
    extra: int  # vectors added (+) or dropped (-)
    model: object  # the model the answer names; None leaves the key out
    bad: object  # [index, value]: the vector at index replaced by value; None for none
    status: int
    retry_after: object  # str or None


class Seen(TypedDict):
    result: object
    requests: list[tuple[str, str, object]]


@observer
def embed(case: Batch) -> Seen:
    """Run the learner's BatchEmbedder on one batch, recording every request the transport received."""
    import json

    import httpx

    from funcpipe_rag.infra.service import create_app, model_name
    from funcpipe_rag.rag.embedding import hash_embed

    cls = require(load(EXERCISE), "BatchEmbedder")
    requests: list[tuple[str, str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        requests.append((request.method, request.url.path, body))
        if case["mode"] == "status":
            headers = {} if case["retry_after"] is None else {"Retry-After": str(case["retry_after"])}
            return httpx.Response(case["status"], json={"error": "no"}, headers=headers)
        texts = body["texts"] if isinstance(body, dict) and isinstance(body.get("texts"), list) else []
        vectors: list[object] = [list(hash_embed(str(t))) for t in texts]
        extra = case["extra"]
        vectors = vectors[: len(vectors) + extra] if extra < 0 else vectors + [[0.5]] * extra
        if case["bad"] is not None and vectors:
            index, value = case["bad"]  # type: ignore[misc]
            vectors[index % len(vectors)] = value
        payload: dict[str, object] = {"vectors": vectors}
        if case["model"] is not None:
            payload["model"] = case["model"]
        return httpx.Response(200, json=payload)

    async def run() -> object:
        if case["mode"] == "service":
            transport: httpx.AsyncBaseTransport = httpx.ASGITransport(app=create_app())
        else:
            transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
            embedder = cls(client, model_name())
            if case["call"] == "embed":
                return await embedder.embed(case["texts"][0])
            return await embedder.embed_batch(list(case["texts"]))

    return {"result": drive(run), "requests": requests}


# ---- the grader's side ------------------------------------------------------------------------

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)
from hypothesis import strategies as st  # noqa: E402

from funcpipe_rag import Err, Ok  # noqa: E402
from funcpipe_rag.infra.service import model_name  # noqa: E402
from funcpipe_rag.rag.embedding import hash_embed  # noqa: E402
from funcpipe_rag.testing import Strata  # noqa: E402

SETTINGS = {
    "report_multiple_bugs": False,
    "suppress_health_check": list(HealthCheck),
    "print_blob": False,
    "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
}
MODEL = model_name()
WORDS = st.sampled_from(["", "b", "a", "retry", "a b", "Back pressure", "é"])
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


def _batch(texts: list[str], **fields: object) -> Batch:
    base: Batch = {
        "texts": texts,
        "call": "embed_batch",
        "mode": "echo",
        "extra": 0,
        "model": MODEL,
        "bad": None,
        "status": 200,
        "retry_after": None,
    }
    return {**base, **fields}  # type: ignore[typeddict-item]


def _batches(
    texts: st.SearchStrategy[list[str]], **fields: st.SearchStrategy[object]
) -> st.SearchStrategy[Batch]:
    return st.builds(lambda t, f: _batch(t, **f), texts, st.fixed_dictionaries(fields))


SOME = st.lists(WORDS, min_size=1, max_size=7)
TESTED: dict[str, Strata[Batch]] = {
    "test_one_request": Strata(
        {
            "one": _batches(st.lists(WORDS, min_size=1, max_size=1)),
            "several": _batches(st.lists(WORDS, min_size=2, max_size=7)),
        }
    ),
    "test_paired_by_index": Strata({
        "one": _batches(st.lists(WORDS, min_size=1, max_size=1)),
        "several": _batches(st.lists(WORDS, min_size=2, max_size=7)),
    }),
    "test_count_checked": Strata({
        "fewer": _batches(SOME, extra=st.sampled_from([-1, -2])),
        "more": _batches(SOME, extra=st.sampled_from([1, 2])),
    }),
    "test_model_checked": Strata({
        "another model": _batches(SOME, model=st.sampled_from(["other-model", "", MODEL.upper()])),
        "no model": _batches(SOME, model=st.none()),
    }),
    "test_numbers_only": Strata({
        "not a list": _batches(SOME, bad=st.tuples(st.integers(0, 6), st.sampled_from([None, "0.5", 0, {}]))
                               .map(list)),
        "not numbers": _batches(SOME, bad=st.tuples(st.integers(0, 6), st.sampled_from(
            [[True], [0.1, None], ["0.5"], [0.1, [0.2]], [False, 1.0]])).map(list)),
    }),
    "test_errors_passed_on": Strata({
        "RATE_LIMIT": _batches(SOME, mode=st.just("status"), status=st.just(429),
                               retry_after=st.one_of(st.none(), st.integers(0, 30).map(str))),
        "TRANSIENT": _batches(SOME, mode=st.just("status"), status=st.sampled_from([502, 503, 504]),
                              retry_after=st.one_of(st.none(), st.just("0"))),
        "other": _batches(SOME, mode=st.just("status"), status=st.sampled_from([400, 401, 404, 422, 500])),
    }),
}  # fmt: skip


def path_of(case: Batch) -> str:
    """The path a batch really takes (for the grader's own test of the shares)."""
    n = len(case["texts"])
    if case["mode"] == "status":
        return {429: "RATE_LIMIT", 502: "TRANSIENT", 503: "TRANSIENT", 504: "TRANSIENT"}.get(
            case["status"], "other"
        )
    if case["bad"] is not None:
        value = case["bad"][1]  # type: ignore[index]
        return "not a list" if not isinstance(value, list) else "not numbers"
    if case["model"] != MODEL:
        return "no model" if case["model"] is None else "another model"
    if case["extra"]:
        return "fewer" if case["extra"] < 0 else "more"
    return "empty" if n == 0 else "one" if n == 1 else "several"


PATHS = {name: (strata, path_of, EXAMPLES) for name, strata in TESTED.items()}
"""For the grader's own tests: every batch drawn for a path really takes it."""


def _call(case: Batch) -> str:
    target = f"embed({case['texts'][0]!r})" if case["call"] == "embed" else f"embed_batch({case['texts']!r})"
    how = {"echo": "", "service": " against the service", "status": f" answered {case['status']}"}[
        case["mode"]
    ]
    spoiled = [
        f"{case['extra']:+} vectors" if case["extra"] else "",
        f"model {case['model']!r}" if case["model"] != MODEL else "",
        f"vector {case['bad'][0]} replaced by {case['bad'][1]!r}" if case["bad"] is not None else "",
    ]  # type: ignore[index]
    detail = ", ".join(s for s in spoiled if s)
    return target + how + (f" (the answer: {detail})" if detail else "")


def _service_error(case: Batch) -> None:
    seen = observe(embed, case)
    got = seen["result"]
    assert isinstance(got, Err) and got.error.code == "SERVICE", f"{_call(case)} gave {got!r}, not SERVICE"


def _run(test: str, judge: object) -> None:
    TESTED[test].run(lambda _p, case: judge(case), max_examples=EXAMPLES, **SETTINGS)  # type: ignore[operator]


def _judge_request(case: Batch) -> None:
    seen = observe(embed, case)
    texts = case["texts"]
    if not texts:
        assert seen["requests"] == [], f"embed_batch([]) sent {len(seen['requests'])} requests; it sends none"
        assert seen["result"] == Ok([]), f"embed_batch([]) gave {seen['result']!r}, not Ok([])"
        return
    want = [("POST", "/embed", {"texts": texts})]
    assert seen["requests"] == want, f"{_call(case)} sent {seen['requests']!r}; it should send {want!r}"


def _judge_paired(case: Batch) -> None:
    seen = observe(embed, case)
    want = Ok([hash_embed(t) for t in case["texts"]])
    assert seen["result"] == want, f"{_call(case)} gave {seen['result']!r}; vector i must embed text i"


@graded(
    points=2,
    hint=(
        "Return Ok([]) for an empty list before sending anything; otherwise one request_json(client, 'POST', "
        "'/embed', body={'texts': list(texts)})."
    ),
)
def test_one_request() -> None:
    """One POST /embed with the texts in order, repeats kept; an empty batch sends nothing."""
    _judge_request(_batch([]))  # one case only: drawn, it would take too few examples to count
    _run("test_one_request", _judge_request)


@graded(
    points=2,
    hint=(
        "Keep the answer's order: vectors[i] belongs to texts[i]. Turn each into tuple(float(x) for x in v)."
    ),
)
def test_paired_by_index() -> None:
    """Vector i of the answer is returned at position i, as a tuple of floats."""
    _run("test_paired_by_index", _judge_paired)


@graded(
    points=2,
    hint=(
        "Compare len(vectors) with len(texts) before pairing; zip would drop or ignore the extra ones."
    ),
)
def test_count_checked() -> None:
    """An answer with more or fewer vectors than texts is Err(SERVICE)."""
    _run("test_count_checked", _service_error)


@graded(points=1, hint="Check payload.get('model') == self.model_name before using the vectors.")
def test_model_checked() -> None:
    """An answer naming another model, or none, is Err(SERVICE)."""
    _run("test_model_checked", _service_error)


@graded(
    points=1,
    hint=("Each vector must be a list whose items are int or float but not bool (True is an int in Python)."),
)
def test_numbers_only() -> None:
    """A vector that is not a list of numbers is Err(SERVICE)."""
    _run("test_numbers_only", _service_error)


def _judge_passed_on(case: Batch) -> None:
    seen = observe(embed, case)
    got = seen["result"]
    code = {401: "AUTH", 404: "NOT_FOUND", 429: "RATE_LIMIT", 502: "TRANSIENT", 503: "TRANSIENT",
            504: "TRANSIENT"}.get(case["status"], "SERVICE")  # fmt: skip
    assert isinstance(got, Err) and got.error.code == code, f"{_call(case)} gave {got!r}, not Err({code})"
    wait = case["retry_after"]
    kept = None if wait is None or code not in ("RATE_LIMIT", "TRANSIENT") else int(str(wait)) * 1000.0
    ctx = dict(got.error.ctx or {})
    assert ctx.get("retry_after_ms") == kept, (
        f"{_call(case)}: ctx is {ctx!r}; pass request_json's Err on unchanged"
    )


@graded(points=1, hint="When request_json returns an Err, return that same Err.")
def test_errors_passed_on() -> None:
    """A failed request is request_json's Err, unchanged (a 429 keeps its retry_after_ms)."""
    _run("test_errors_passed_on", _judge_passed_on)


@graded(points=1, hint="embed(text) is embed_batch([text]): return its one vector, or its Err.")
def test_embed() -> None:
    """embed(text) is the one vector of a batch of one, or its Err."""
    for text in ("", "retry", "a b"):
        case = _batch([text], call="embed")
        seen = observe(embed, case)
        assert seen["result"] == Ok(hash_embed(text)), f"{_call(case)} gave {seen['result']!r}"
        assert len(seen["requests"]) == 1, f"{_call(case)} sent {len(seen['requests'])} requests, not one"
    case = _batch(["x"], call="embed", mode="status", status=503)
    got = observe(embed, case)["result"]
    assert isinstance(got, Err) and got.error.code == "TRANSIENT", f"{_call(case)} gave {got!r}"


@graded(
    points=1,
    hint=("Against the real service nothing is spoiled: a batch's vectors are the service's, in order."),
)
def test_agrees_with_the_service() -> None:
    """Against the local service's real application, any batch gives the service's vectors, in order."""

    @st.composite
    def cases(draw: st.DrawFn) -> Batch:
        return _batch(draw(st.lists(ANY_TEXT, max_size=6)), mode="service")

    Strata({"service": cases()}).run(lambda _p, case: _judge_paired(case), max_examples=12, **SETTINGS)
