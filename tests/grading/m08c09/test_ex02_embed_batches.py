"""Graded: exercise 2, one embedding request per batch (``ex02_embed_batches.py``).

The observer runs the learner's ``embed_in_batches`` on the virtual-time
loop over a source with uneven gaps (stalls longer than the batch delay
among them), ``Err`` items and falsy values, against a fake ``embed_batch``
with uneven latencies that fails some calls and answers others with the
wrong number of vectors; the consumer may stop early. It reports, for two
runs of one built stream, the items, each call (when, with which values),
whether the source was closed and the tasks left. The judge runs the same
case through a reference made of the library's ``async_gen_chunk`` and
compares, clause by clause. Cases are drawn path by path.
"""

from __future__ import annotations

from typing import Any, TypedDict

from funcpipe_rag import ChunkPolicy, Err, ErrInfo, Ok
from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.testing import run_virtual

EXERCISE = "ex02_embed_batches"
TITLE = "One embedding request per batch"
EXAMPLES = 30


class Case(TypedDict):
    items: list[Any]  # Ok and Err items
    gaps_ms: list[float]  # the source's silence before item k
    max_units: int
    max_delay_ms: float
    flush_on_err: bool
    answers: list[str]  # call k: "ok", "err", "short" or "long" (later calls: "ok")
    latencies_ms: list[float]  # call k takes latencies_ms[k % len] ms
    take: int | None  # the consumer stops after this many items (None: reads to the end)


class Run(TypedDict):
    items: list[Any]
    calls: list[tuple[float, list[Any]]]
    closed: bool
    tasks_left: int


class Seen(TypedDict):
    built: int
    runs: list[Run]


def drive(make: Any, case: Case, runs: int) -> Seen:
    """Build ``make(source, policy, embed_batch)`` once and read it ``runs`` times, recording everything."""
    import asyncio

    async def main() -> Seen:
        loop = asyncio.get_running_loop()
        me = asyncio.current_task()
        pulls: list[int] = []
        calls: list[tuple[float, list[Any]]] = []
        closed: list[bool] = []

        async def source() -> Any:
            try:
                for item, gap in zip(case["items"], case["gaps_ms"], strict=True):
                    await asyncio.sleep(gap / 1000)
                    pulls.append(1)
                    yield item
            finally:
                closed.append(True)

        async def embed_batch(values: list[Any]) -> Any:
            k = len(calls)
            calls.append((loop.time() - start, list(values)))
            await asyncio.sleep(case["latencies_ms"][k % len(case["latencies_ms"])] / 1000)
            answer = case["answers"][k] if k < len(case["answers"]) else "ok"
            if answer == "err":
                return Err(ErrInfo("TIMEOUT", f"call {k} timed out"))
            vectors = [f"vector {k}.{pos}" for pos in range(len(values))]
            return Ok(vectors[:-1] if answer == "short" else [*vectors, "one too many"] if answer == "long"
                      else vectors)

        policy = ChunkPolicy(case["max_units"], case["max_delay_ms"], case["flush_on_err"])
        stream = make(source, policy, embed_batch)
        await asyncio.sleep(0)
        built = len(pulls) + len(calls)
        done: list[Run] = []
        for _ in range(runs):
            pulls.clear()
            calls.clear()
            closed.clear()
            start = loop.time()
            got: list[Any] = []
            items = stream()
            try:
                while case["take"] is None or len(got) < case["take"]:
                    try:
                        got.append(await items.__anext__())
                    except StopAsyncIteration:
                        break
            finally:
                close = getattr(items, "aclose", None)
                if close is not None:
                    await close()
            left = sum(1 for t in asyncio.all_tasks() if t is not me)
            done.append({"items": got, "calls": list(calls), "closed": bool(closed), "tasks_left": left})
        return {"built": built, "runs": done}

    return run_virtual(main)[0]


# ---- next to the learner's code -------------------------------------------------------------


@observer
def embedded_runs(case: Case) -> Seen:
    """Two runs of one ``embed_in_batches(source, policy, embed_batch)`` of the learner, in virtual time."""
    return drive(require(load(EXERCISE), "embed_in_batches"), case, 2)


# ---- the grader's side ------------------------------------------------------------------------

import math  # noqa: E402  (grader only)
from contextlib import aclosing  # noqa: E402

from hypothesis import HealthCheck, Phase  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from funcpipe_rag import async_gen_chunk  # noqa: E402
from funcpipe_rag.testing import Strata  # noqa: E402

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}

VALUES = st.sampled_from([None, 0, "", [], False, 1, "id with \"quotes\", \\ and\nnewline", "ünïcode",
                          -2.5])
ERRS = st.builds(lambda code: Err(ErrInfo(code=code, msg="bad chunk")),
                 st.sampled_from(["VALIDATION", "NOT_FOUND"]))
GAPS = st.sampled_from([0.0, 0.0, 0.0, 1.0, 4.0, 40.0, 300.0])
LATENCIES = st.lists(st.sampled_from([0.0, 3.0, 7.0, 20.0]), min_size=1, max_size=4)


def reference(source: Any, policy: ChunkPolicy[Any], embed_batch: Any) -> Any:
    """What the contract asks, built from the library's async_gen_chunk (the judge's side)."""

    async def outcomes(values: list[Any]) -> list[Any]:
        answer = await embed_batch(values)
        if isinstance(answer, Ok) and len(answer.value) != len(values):
            answer = Err(ErrInfo("SERVICE", f"{len(values)} sent, {len(answer.value)} back"))
        return [answer] * len(values) if isinstance(answer, Err) else [
            Ok(pair) for pair in zip(values, answer.value, strict=True)]

    async def run() -> Any:
        async with aclosing(async_gen_chunk(source, policy)()) as batches:
            async for batch in batches:
                for out in await outcomes(batch.value) if isinstance(batch, Ok) else [batch]:
                    yield out

    return run


@st.composite
def _case(draw: st.DrawFn, path: str) -> Case:
    n = draw(st.integers(1, 12))
    items = draw(st.lists(st.builds(Ok, VALUES), min_size=n, max_size=n), label="items")
    if path in ("Err items", "stops early"):
        for _ in range(draw(st.integers(1, 2))):
            items.insert(draw(st.integers(0, len(items))), draw(ERRS))
    calls = len(items)
    answers = ["ok"] * calls
    if path == "a failed request":
        answers = draw(st.lists(st.sampled_from(["ok", "err", "err"]), min_size=calls, max_size=calls))
        answers[draw(st.integers(0, min(2, calls - 1)))] = "err"
    elif path == "a wrong count":
        answers = draw(st.lists(st.sampled_from(["ok", "short", "long"]), min_size=calls, max_size=calls))
        answers[draw(st.integers(0, min(2, calls - 1)))] = draw(st.sampled_from(["short", "long"]))
    take = draw(st.integers(1, max(1, len(items) - 1))) if path == "stops early" else None
    return {"items": items, "gaps_ms": draw(st.lists(GAPS, min_size=len(items), max_size=len(items))),
            "max_units": draw(st.sampled_from([1, 2, 3, 4])),
            "max_delay_ms": draw(st.sampled_from([0.0, 10.0, 25.0])), "flush_on_err": draw(st.booleans()),
            "answers": answers, "latencies_ms": draw(LATENCIES), "take": take}


PATH_NAMES = ("all answered", "a failed request", "a wrong count", "Err items", "stops early")
CASES = Strata({p: _case(p) for p in PATH_NAMES})


def _only(*paths: str) -> Strata[Case]:
    return Strata({p: CASES.cases[p] for p in paths})


def expected(case: Case) -> Run:
    """The run the contract asks for (computed here, in the grader, with the library's batcher)."""
    return drive(reference, case, 1)["runs"][0]


def path_of(case: Case) -> str:
    """The path the reference takes on ``case``."""
    run = expected(case)
    if case["take"] is not None and len(run["items"]) == case["take"]:
        return "stops early"
    if any(isinstance(x, Err) for x in case["items"]):
        return "Err items"
    codes = {x.error.code for x in run["items"] if isinstance(x, Err)}
    return "a wrong count" if "SERVICE" in codes else "a failed request" if codes else "all answered"


PATHS = {
    "test_one_request_per_batch": (CASES, path_of, EXAMPLES),
    "test_paired_in_order": (_only("all answered", "Err items"), path_of, EXAMPLES),
}
"""For the grader's own tests: the cases reach every path in fair shares."""


def _call(case: Case) -> str:
    items = ", ".join(("Err" if isinstance(x, Err) else repr(x.value)) + (f"@+{g:g}ms" if g else "")
                      for x, g in zip(case["items"], case["gaps_ms"], strict=True))
    return (f"embed_in_batches(source, ChunkPolicy({case['max_units']}, {case['max_delay_ms']:g}, "
            f"flush_on_err={case['flush_on_err']}), embed_batch) over [{items}], the calls answering "
            f"{case['answers']} after {case['latencies_ms']} ms"
            + (f", the consumer stopping after {case['take']}" if case["take"] is not None else ""))


def _same_items(got: list[Any], want: list[Any]) -> bool:
    """Equal, except that an answer-count Err needs only its code and the two counts in its message."""
    if len(got) != len(want):
        return False
    for g, w in zip(got, want, strict=True):
        if isinstance(w, Err) and w.error.code == "SERVICE":
            counts = w.error.msg.split(" sent, ")
            sent, back = counts[0], counts[1].split(" ")[0]
            said = g.error.msg if isinstance(g, Err) and g.error.code == "SERVICE" else ""
            if not (said and sent in said and back in said):
                return False
        elif g != w:
            return False
    return True


def _judge_items(_path: str, case: Case) -> None:
    got, want = observe(embedded_runs, case)["runs"][0]["items"], expected(case)["items"]
    assert _same_items(got, want), f"{_call(case)}: the stream gave {got!r}, expected {want!r}"


def _judge_calls(_path: str, case: Case) -> None:
    got, want = observe(embedded_runs, case)["runs"][0]["calls"], expected(case)["calls"]
    values = [v for _, v in got]
    assert values == [v for _, v in want], (
        f"{_call(case)}: embed_batch was called with {values!r}, the batches of async_gen_chunk are "
        f"{[v for _, v in want]!r}")
    late = [(round(g * 1000, 3), round(w * 1000, 3)) for (g, _), (w, _) in zip(got, want, strict=True)
            if not math.isclose(g, w, abs_tol=1e-6)]
    assert not late, f"{_call(case)}: calls made at (ms, when due in ms) {late}: one batch at a time, at once"


@graded(points=3, hint=(
    "Group the values with async_gen_chunk(source, policy) and call embed_batch once per Ok batch, never per "
    "item and never for an Err item.",
    "Ask for the next batch only once the previous batch's items are handed on: embed in the loop over the "
    "batches.",
))
def test_one_request_per_batch() -> None:
    """One call per batch of async_gen_chunk, with its values in order, at the moment the batch comes."""
    CASES.run(_judge_calls, max_examples=EXAMPLES, **SETTINGS)


@graded(points=2, hint=(
    "zip the batch's values with the answer's vectors and yield Ok((value, vector)) for each, in order.",
    "Never test the truth of a value: None, 0, '', [] and False are values to embed.",
))
def test_paired_in_order() -> None:
    """Each value comes out as Ok((value, vector)) with its vector, in order, falsy values included."""
    _only("all answered", "Err items").run(_judge_items, max_examples=EXAMPLES, **SETTINGS)


@graded(points=1, hint=(
    "When the answer is an Err, yield that same Err once for each value of the batch, then go on.",
))
def test_a_failed_request() -> None:
    """A failed call gives its Err for every value of the batch, in place; the stream goes on."""
    _only("a failed request").run(_judge_items, max_examples=16, **SETTINGS)


@graded(points=1, hint=(
    "Compare len(answer.value) with the number of values before pairing: zip would silently drop the rest.",
    "On a mismatch yield Err(ErrInfo(ErrorCode.SERVICE, 'sent N values, got M vectors')) for each value.",
))
def test_answers_counted() -> None:
    """An answer with the wrong number of vectors is an Err SERVICE, saying both counts, for every value."""
    _only("a wrong count").run(_judge_items, max_examples=16, **SETTINGS)


@graded(points=1, hint=(
    "An Err item from async_gen_chunk is an item of the source: yield it as it is, call nothing.",
))
def test_err_items() -> None:
    """Each Err item of the source comes out once, where async_gen_chunk emits it."""
    _only("Err items").run(_judge_items, max_examples=16, **SETTINGS)


@graded(points=1, hint=(
    "Return the generator function itself (not a call of it); build nothing and call nothing before a run.",
))
def test_a_description() -> None:
    """Building pulls nothing and calls nothing; two runs of one stream make the same calls and items."""

    def judge(_path: str, case: Case) -> None:
        seen = observe(embedded_runs, case)
        built = seen["built"]
        assert built == 0, f"{_call(case)}: building the stream pulled or called {built} times"
        first, second = seen["runs"]
        pairs = zip(first["calls"], second["calls"], strict=False)
        same_calls = len(first["calls"]) == len(second["calls"]) and all(
            a == b and math.isclose(s, t, abs_tol=1e-6) for (s, a), (t, b) in pairs)
        assert first["items"] == second["items"] and same_calls, (
            f"{_call(case)}: the first run gave {first['items']!r} with calls {first['calls']!r}, the second "
            f"{second['items']!r} with calls {second['calls']!r}")

    _only("all answered", "Err items").run(judge, max_examples=10, **SETTINGS)


@graded(points=1, hint=(
    "Read the batches inside 'async with contextlib.aclosing(async_gen_chunk(source, policy)()) as items:', "
    "so that a consumer stopping early closes them, and the source with them.",
))
def test_closing() -> None:
    """When the consumer stops early, the source is closed and no task is left."""

    def judge(_path: str, case: Case) -> None:
        for run in observe(embedded_runs, case)["runs"]:
            assert run["closed"], f"{_call(case)}: the source was left open"
            assert run["tasks_left"] == 0, f"{_call(case)}: {run['tasks_left']} tasks were left behind"

    _only("stops early").run(judge, max_examples=12, **SETTINGS)
