"""Graded: exercise 2, a stream limited before each pull (``ex02_rate_limited.py``).

The observer runs the learner's ``rate_limited`` on the virtual-time loop
over a source with uneven latencies, read by a consumer that pauses by
uneven amounts (and may stop early); it reports when the consumer asked for
each item, when the source was pulled, what came out and whether the source
was closed, for two runs of one built stream. The judges compare the pulls
with the library's bucket (``RateLimitPolicy.earliest_starts`` of the asks).
Cases are drawn path by path: a bucket that never runs dry, pulls that
wait, and a pause long enough that saving must stop at the burst.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any, TypedDict

from funcpipe_rag import Err, ErrInfo, Ok, RateLimitPolicy
from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.testing import Strata, run_virtual

EXERCISE = "ex02_rate_limited"
TITLE = "A stream limited before each pull"
EXAMPLES = 24

# ---- next to the learner's code -------------------------------------------------------------


class Case(TypedDict):
    rate: float
    burst: int
    items: list[Any]  # Ok and Err items
    latencies: list[float]  # the source's wait before item k (and before its end, last)
    pauses: list[float]  # the consumer's pause after item k
    take: int | None  # the consumer stops after this many items (None: reads to the end)


class Run(TypedDict):
    items: list[Any]
    asks: list[float]
    pulls: list[float]
    closed: bool


class Seen(TypedDict):
    pulled_when_built: int
    runs: list[Run]


@observer
def limited_runs(case: Case) -> Seen:
    """Two runs of one ``rate_limited(source, policy)`` of the learner, on the virtual-time loop."""
    fn = require(load(EXERCISE), "rate_limited")
    policy = RateLimitPolicy(case["rate"], case["burst"])

    async def main() -> Seen:
        loop = asyncio.get_running_loop()
        pulls: list[float] = []
        closed: list[bool] = []

        async def source() -> Any:
            try:
                for item, latency in zip(case["items"], case["latencies"], strict=False):
                    pulls.append(loop.time())
                    await asyncio.sleep(latency)
                    yield item
                await asyncio.sleep(case["latencies"][-1])
            finally:
                closed.append(True)

        limited = fn(source, policy)
        await asyncio.sleep(0)
        built = len(pulls)
        runs: list[Run] = []
        for _ in range(2):
            pulls.clear()
            closed.clear()
            start = loop.time()
            asks: list[float] = []
            got: list[Any] = []
            items = limited()
            try:
                while case["take"] is None or len(got) < case["take"]:
                    asks.append(loop.time() - start)
                    try:
                        item = await items.__anext__()
                    except StopAsyncIteration:
                        asks.pop()
                        break
                    got.append(item)
                    await asyncio.sleep(case["pauses"][len(got) - 1])
            finally:
                close = getattr(items, "aclose", None)
                if close is not None:
                    await close()
            runs.append({"items": got, "asks": asks, "pulls": [t - start for t in pulls],
                         "closed": bool(closed)})
        return {"pulled_when_built": built, "runs": runs}

    return run_virtual(main)[0]


# ---- the grader's side ------------------------------------------------------------------------

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)
from hypothesis import strategies as st  # noqa: E402

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}

VALUES = st.sampled_from([None, 0, "", [], False, 1, "id with \"quotes\", \\ and\nnewline", "ünïcode", -2.5])
ITEMS = st.one_of(st.builds(Ok, VALUES), st.builds(
    lambda code: Err(ErrInfo(code=code, msg="")), st.sampled_from(["RATE_LIMIT", "TIMEOUT", "SERVICE"])))
RATES = st.sampled_from([0.5, 2.0, 4.0, 8.0, 10.0, 3.0])
QUICK = st.sampled_from([0.0, 0.0, 0.01, 0.03])
"""Uneven latencies and pauses shorter than a token's interval at every rate drawn."""


@st.composite
def _case(draw: st.DrawFn, path: str) -> Case:
    rate, burst = draw(RATES, label="rate"), draw(st.integers(1, 4), label="burst")
    interval = 1.0 / rate
    if path == "never dry":
        n = draw(st.integers(0, 8))
        slow = st.sampled_from([interval, interval * 1.5, interval * 4])  # a token earned per item, or more
        lat, pauses = draw(st.lists(QUICK, min_size=n + 1, max_size=n + 1)), draw(
            st.lists(slow, min_size=n, max_size=n))
    elif path == "waits":
        n = draw(st.integers(burst + 1, burst + 8))
        lat = draw(st.lists(QUICK, min_size=n + 1, max_size=n + 1))
        pauses = draw(st.lists(QUICK, min_size=n, max_size=n))
    else:  # "saving stops at the burst": drain, pause long, then a run of quick items
        before, after = draw(st.integers(1, burst + 2)), draw(st.integers(burst + 1, burst + 4))
        n = before + after
        lat = draw(st.lists(QUICK, min_size=n + 1, max_size=n + 1))
        pauses = draw(st.lists(QUICK, min_size=n, max_size=n))
        pauses[before - 1] = draw(st.sampled_from([(burst + 1) * interval, 10 * burst * interval, 60.0]))
    items = draw(st.lists(ITEMS, min_size=n, max_size=n), label="items")
    take = draw(st.one_of(st.none(), st.integers(burst + 1, n)), label="take") if path == "waits" else None
    return {"rate": rate, "burst": burst, "items": items, "latencies": lat, "pauses": pauses, "take": take}


CASES = Strata({
    "never dry": _case("never dry"),
    "waits": _case("waits"),
    "saving stops at the burst": _case("saving stops at the burst"),
})
"""Cases path by path (see path_of)."""


def _simulate(case: Case) -> tuple[list[float], list[float]]:
    """The asks and pulls a correct limiter makes on ``case`` (the library's bucket, step by step)."""
    policy = RateLimitPolicy(case["rate"], case["burst"])
    asks: list[float] = []
    pulls: list[float] = []
    n = len(case["items"]) if case["take"] is None else min(case["take"], len(case["items"]))
    now = 0.0
    for k in range(n):
        asks.append(now)
        pulls = policy.earliest_starts(asks)
        now = pulls[-1] + case["latencies"][k] + case["pauses"][k]
    return asks, pulls


def path_of(case: Case) -> str:
    """The path a case really takes with the library's bucket."""
    policy = RateLimitPolicy(case["rate"], case["burst"])
    asks, pulls = _simulate(case)
    waits = [p - a > 1e-9 for a, p in zip(asks, pulls, strict=True)]
    tokens, stamp, capped = float(policy.burst_tokens), 0.0, False
    for k, t in enumerate(pulls):
        saved = tokens + (t - stamp) * policy.tokens_per_second
        if saved > policy.burst_tokens + 1e-9 and any(waits[k:]):
            capped = True
        tokens, stamp = min(float(policy.burst_tokens), saved) - 1.0, t
    if capped:
        return "saving stops at the burst"
    return "waits" if any(waits) else "never dry"


def _call(case: Case) -> str:
    return (f"rate_limited(source, RateLimitPolicy({case['rate']:g}, {case['burst']})) with "
            f"{len(case['items'])} items, source latencies {case['latencies']}, "
            f"consumer pauses {case['pauses']}"
            + (f", the consumer stopping after {case['take']}" if case["take"] is not None else ""))


def _close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(math.isclose(x, y, abs_tol=1e-6) for x, y in zip(a, b, strict=True))


def _judge_exact(case: Case) -> None:
    seen = observe(limited_runs, case)
    run = seen["runs"][0]
    want = RateLimitPolicy(case["rate"], case["burst"]).earliest_starts(run["asks"])
    got = [round(t, 6) for t in run["pulls"]]
    assert len(run["pulls"]) == len(run["asks"]), (
        f"{_call(case)}: the consumer asked {len(run['asks'])} times, the source was pulled "
        f"{len(run['pulls'])} times (pull only when asked)")
    assert _close(run["pulls"], want), (
        f"{_call(case)}: the consumer asked at {[round(t, 6) for t in run['asks']]}; "
        f"the source was pulled at {got}, the bucket allows {[round(t, 6) for t in want]}")


def _only(*paths: str) -> Strata[Case]:
    return Strata({p: CASES.cases[p] for p in paths})


EXACT = CASES
PATHS = {"test_exact": (EXACT, path_of, EXAMPLES)}
"""For the grader's own tests: every case drawn for a path really takes it with the library's bucket."""


@graded(
    points=4,
    hint=(
        "Before each pull: add the tokens earned since the last pull (at most burst_tokens), take one, and "
        "sleep -tokens / rate if it went below zero. Never pull before the consumer asks."
    ),
)
def test_exact() -> None:
    """Each pull starts when the bucket allows: at once with a token, exactly when one is earned, capped."""
    EXACT.run(lambda _p, case: _judge_exact(case), max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=2,
    hint=(
        "Yield every item the source gives, Ok and Err alike; test 'is None' nowhere: None, 0, '' and [] are "
        "values."
    ),
)
def test_items_unchanged() -> None:
    """Every item, Ok or Err, falsy values included, in order, none added or lost."""

    def judge(_p: str, case: Case) -> None:
        run = observe(limited_runs, case)["runs"][0]
        n = len(case["items"]) if case["take"] is None else min(case["take"], len(case["items"]))
        assert run["items"] == case["items"][:n], (
            f"{_call(case)}: the stream gave {run['items']!r}, the source {case['items'][:n]!r}")

    _only("waits", "never dry").run(judge, max_examples=EXAMPLES, **SETTINGS)


@graded(
    points=2,
    hint=(
        "Return the generator function itself, and make the bucket inside it: building must pull nothing and "
        "each run must start with a full bucket."
    ),
)
def test_a_description() -> None:
    """Building pulls nothing; a second run of the same stream keeps the first run's timeline."""

    def judge(_p: str, case: Case) -> None:
        seen = observe(limited_runs, case)
        built = seen["pulled_when_built"]
        assert built == 0, f"{_call(case)}: building pulled {built} items"
        first, second = seen["runs"]
        assert _close(first["pulls"], second["pulls"]) and first["items"] == second["items"], (
            f"{_call(case)}: the first run pulled at {first['pulls']}, the second at {second['pulls']}: "
            "each run needs its own full bucket")

    _only("waits").run(judge, max_examples=12, **SETTINGS)


@graded(
    points=2,
    hint=(
        "Open the source with 'async with contextlib.aclosing(stream()) as items:' so that it is closed "
        "when the consumer stops early, and when it ends."
    ),
)
def test_closes() -> None:
    """The source is closed when the consumer stops early and when it ends."""
    cases: list[Case] = [
        {"rate": 2.0, "burst": 1, "items": [Ok(k) for k in range(4)], "latencies": [0.0] * 5,
         "pauses": [0.0] * 4, "take": take} for take in (1, 3, None)]
    for case in cases:
        for run in observe(limited_runs, case)["runs"]:
            assert run["closed"], f"{_call(case)}: the source was never closed"
