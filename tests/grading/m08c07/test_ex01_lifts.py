"""Graded: exercise 1, the lifts (``ex01_lifts.py``).

Observers run the learner's lifts on pure functions described as data
(``Scale``, ``FailOn``, ``RaiseOn``, ``Upto`` from ``funcpipe_rag.testing``)
with a thread pool whose threads have a name of the grader's, and report the
results, how often and on which thread each function ran; the graded tests
judge those facts against what the functions themselves return.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypedDict

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag import Err, ErrorCode, Ok, run_plan, run_stream, run_sync
from funcpipe_rag.grading.codec import register
from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.testing import FailOn, RaiseOn, Scale, small_ints

EXERCISE = "ex01_lifts"
TITLE = "Build the lifts"
EXAMPLES = 30
POOL = "graded-pool"

for _name in ("Scale", "FailOn", "RaiseOn"):
    register(_name, f"funcpipe_rag.testing:{_name}")

pure_fns = st.one_of(
    st.builds(Scale, st.integers(-5, 5)), st.builds(FailOn, st.integers(2, 4), st.integers(0, 1))
)
raising = st.builds(RaiseOn, st.integers(1, 3), st.integers(0, 2))


# ---- next to the learner's code -------------------------------------------------------------


def _lifts() -> tuple[Any, Any, Any]:
    module = load(EXERCISE)
    return require(module, "lift_sync", "lift_sync_with_executor", "lift_sync_gen_with_executor")  # type: ignore[no-any-return]


class Watched:
    """Wraps a function: records the thread of every call."""

    def __init__(self, f: Any) -> None:
        self.f = f
        self.threads: list[str] = []

    def __call__(self, *args: Any) -> Any:
        self.threads.append(threading.current_thread().name)
        return self.f(*args)


class PlanFacts(TypedDict):
    sync_result: object
    sync_threads: list[str]
    pool_result: object
    pool_threads: list[str]


@observer
def run_plans(case: tuple[Any, int]) -> PlanFacts:
    """lift_sync(f)(x) and lift_sync_with_executor(f, pool)(x), each run once."""
    lift_sync, lift_with_executor, _ = _lifts()
    f, x = case
    inline, pooled = Watched(f), Watched(f)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=POOL) as pool:
        sync_result = run_plan(lift_sync(inline)(x))
        pool_result = run_plan(lift_with_executor(pooled, pool)(x))
    return {
        "sync_result": sync_result,
        "sync_threads": inline.threads,
        "pool_result": pool_result,
        "pool_threads": pooled.threads,
    }


class StreamFacts(TypedDict):
    items: list[object]
    threads: list[str]


def _upto(kind: str, values: list[int]) -> Any:
    def f(_n: int) -> Any:
        if kind == "err":
            return Err(_refused())
        if kind == "raise":
            raise ValueError("cannot list")
        return Ok(list(values))

    return f


def _refused() -> Any:
    from funcpipe_rag import ErrInfo

    return ErrInfo(ErrorCode.VALIDATION, "refused")


@observer
def run_gen(case: tuple[str, list[int]]) -> StreamFacts:
    """lift_sync_gen_with_executor(f, pool)(n), run to the end."""
    _, _, lift_gen = _lifts()
    kind, values = case
    f = Watched(_upto(kind, values))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=POOL) as pool:
        stream = lift_gen(f, pool)(len(values))
        if not callable(stream):
            raise AssertionError(f"the stream lift returned {type(stream).__name__}, not a stream")
        items = run_stream(stream)
    return {"items": items, "threads": f.threads}


class Counts(TypedDict):
    when_built: int
    after_two_runs: int


@observer
def count_calls(x: int) -> Counts:
    """Build a plan with each lift and a stream; count f's calls, then run each twice."""
    lift_sync, lift_with_executor, lift_gen = _lifts()
    calls = {"n": 0}

    def f(y: int) -> Any:
        calls["n"] += 1
        return Ok([y])

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=POOL) as pool:
        plans = [lift_sync(f)(x), lift_with_executor(f, pool)(x)]
        stream = lift_gen(f, pool)(x)
        built = calls["n"]
        for _ in range(2):
            for plan in plans:
                run_plan(plan)
            run_stream(stream)
    return {"when_built": built, "after_two_runs": calls["n"]}


class Cancelled(TypedDict):
    outcome: str
    job_finished: bool


@observer
def cancel_waiting(_case: None) -> Cancelled:
    """Cancel a plan of lift_sync_with_executor while its job waits; then let the job end."""
    _, lift_with_executor, _ = _lifts()
    gate, started, finished = threading.Event(), threading.Event(), threading.Event()

    def job(x: int) -> Any:
        started.set()
        gate.wait(timeout=10)
        finished.set()
        return Ok(x)

    async def main() -> str:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=POOL) as pool:
            task = asyncio.ensure_future(lift_with_executor(job, pool)(1)())
            for _ in range(1000):
                if started.is_set():
                    break
                await asyncio.sleep(0.005)
            task.cancel()
            try:
                result = await task
                outcome = f"finished with {result!r}"
            except asyncio.CancelledError:
                outcome = "cancelled"
            finally:
                gate.set()
        return outcome

    outcome = run_sync(main)
    return {"outcome": outcome, "job_finished": finished.wait(timeout=10)}


# ---- the graded tests ------------------------------------------------------------------------


def _expected(f: Any, x: int) -> object:
    try:
        return f(x)
    except Exception as exc:
        return exc


def _judge(result: object, want: object, what: str) -> None:
    if isinstance(want, Exception):
        assert isinstance(result, Err), (
            f"{what}: f raised {type(want).__name__}, but the plan finished with {result!r}"
        )
        assert result.error.code == ErrorCode.UNEXPECTED, (
            f"{what}: the exception became code {result.error.code!r}; the contract says 'UNEXPECTED'"
        )
        assert result.error.msg.startswith(type(want).__name__), (
            f"{what}: the message {result.error.msg!r} should start with the exception's type, "
            f"{type(want).__name__}"
        )
    else:
        assert result == want, f"{what} finished with {result!r}; f itself returns {want!r}"


@graded(
    points=2, hint="lift_sync(f)(*args) returns an inner async def that returns f(*args).", examples=EXAMPLES
)
@given(f=pure_fns, x=small_ints)
def test_lift_sync(f: Any, x: int) -> None:
    """lift_sync(f)(x) runs f once, on the loop's thread, and finishes with f(x)."""
    seen = observe(run_plans, (f, x))
    _judge(seen["sync_result"], f(x), f"lift_sync({f!r})({x})")
    assert len(seen["sync_threads"]) == 1, (
        f"one run of lift_sync's plan called f {len(seen['sync_threads'])} times"
    )
    assert not seen["sync_threads"][0].startswith(POOL), "lift_sync ran f in an executor's thread"


@graded(
    points=2,
    hint="await asyncio.get_running_loop().run_in_executor(executor, partial(f, *args)).",
    examples=EXAMPLES,
)
@given(f=pure_fns, x=small_ints)
def test_lift_sync_with_executor(f: Any, x: int) -> None:
    """lift_sync_with_executor(f, pool)(x) runs f once, in the pool, and finishes with f(x)."""
    seen = observe(run_plans, (f, x))
    _judge(seen["pool_result"], f(x), f"lift_sync_with_executor({f!r}, pool)({x})")
    threads = seen["pool_threads"]
    assert len(threads) == 1, f"one run called f {len(threads)} times"
    assert threads[0].startswith(POOL), (
        f"f ran on the thread {threads[0]!r}, not in the executor it was given"
    )


@graded(
    points=2,
    hint="Catch Exception (not BaseException) around the call: "
    "Err(ErrInfo.from_exception(exc, code=ErrorCode.UNEXPECTED)).",
    examples=EXAMPLES,
)
@given(f=raising, x=small_ints)
def test_exception_becomes_err(f: Any, x: int) -> None:
    """An exception raised by f becomes Err with code UNEXPECTED naming it, from both plan lifts."""
    seen = observe(run_plans, (f, x))
    want = _expected(f, x)
    _judge(seen["sync_result"], want, f"lift_sync({f!r})({x})")
    _judge(seen["pool_result"], want, f"lift_sync_with_executor({f!r}, pool)({x})")


@graded(
    points=2,
    hint="Run f in the executor when the stream is first pulled; then yield Ok(item) for each item.",
    examples=EXAMPLES,
)
@given(kind=st.sampled_from(["ok", "err", "raise"]), values=st.lists(small_ints, max_size=6))
def test_stream_lift(kind: str, values: list[int]) -> None:
    """The stream lift yields Ok of every item in order (f's Err, or an UNEXPECTED Err, otherwise)."""
    seen = observe(run_gen, (kind, values))
    items, threads = seen["items"], seen["threads"]
    if kind == "ok":
        assert items == [Ok(v) for v in values], f"the stream of Ok({values}) gave {items!r}"
    elif kind == "err":
        assert items == [Err(_refused())], f"the stream of an Err gave {items!r}, expected that one Err"
    else:
        assert len(items) == 1 and isinstance(items[0], Err), f"f raised, and the stream gave {items!r}"
        assert items[0].error.code == ErrorCode.UNEXPECTED and items[0].error.msg.startswith("ValueError"), (
            f"f raised ValueError, and the stream's Err is {items[0]!r}"
        )
    assert len(threads) == 1 and threads[0].startswith(POOL), (
        f"f ran on {threads} (once, in the executor, expected)"
    )


@graded(points=1, hint="Call f only inside the plan (or stream) body, never in lifted(...) itself.")
def test_building_calls_nothing() -> None:
    """Building lifted plans and a stream calls f zero times; each run calls it once."""
    seen = observe(count_calls, 7)
    assert seen["when_built"] == 0, f"building the plans and the stream called f {seen['when_built']} times"
    assert seen["after_two_runs"] == 6, (
        f"two runs of two plans and a stream called f {seen['after_two_runs']} times"
    )


@graded(
    points=1,
    hint="`except Exception` lets asyncio.CancelledError through; `except BaseException` swallows it.",
)
def test_cancellation_propagates() -> None:
    """Cancelling a plan that waits on its executor cancels it: no Err, no result; the job still ends."""
    seen = observe(cancel_waiting, None)
    assert seen["outcome"] == "cancelled", f"the cancelled plan {seen['outcome']} instead of being cancelled"
    assert seen["job_finished"], "the executor's job did not run to its end"
