"""The course registry: the one description of Module 8's cores, from which everything else is derived.

The README's course map, the grader's list of cores, the grading workflows
(grade on push, Classroom 50), the benchmarks' grading section and the cross-core grading tests all
read :data:`CORES`; nothing else lists the cores or their exercises. Adding a
core is its folders (``notebooks/``, ``solutions/``, ``exercises/``,
``tests/grading/``) plus one entry here, with ``status="available"`` once
its notebook and graded exercises exist. An exercise's ``points`` must equal
the sum of its graded tests' points (a test checks).

:func:`workbook_root` is the one place that finds the checkout from this
file's location; every other path in the package is computed from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Exercise:
    """One graded exercise, ``exercises/<core>/<slug>.py``, graded by
    ``tests/grading/<core>/test_<slug>.py``.

    ``points`` is the sum of the points of its graded tests; ``taught`` is
    one sentence on what finishing it shows the learner can do, which
    ``funcpipe grade --watch`` says when the exercise is complete.
    """

    slug: str  # "ex01_primitives"
    title: str
    points: int
    taught: str = ""


@dataclass(frozen=True)
class Core:
    """One core of the module: its notebook, its exercises, and whether learners can take it yet."""

    number: int
    slug: str  # "m08c01"
    title: str
    topic: str
    notebook: str | None  # "notebooks/m08c01_async_descriptions.ipynb", relative to the workbook root
    exercises: tuple[Exercise, ...]
    status: Literal["available", "planned"]
    demos: tuple[str, ...] = ()
    """Commands an instructor runs live with this core (``notebooks/INSTRUCTOR.md`` lists them)."""


CAPSTONE = "m08c11"
"""The capstone's slug: graded like a core (number 11), its notebook ``notebooks/m08_capstone.ipynb``."""


def _planned(number: int, title: str, topic: str) -> Core:
    return Core(number, f"m08c{number:02d}", title, topic, None, (), "planned")


CORES: tuple[Core, ...] = (
    Core(
        1,
        "m08c01",
        "async/await as descriptions of steps",
        "`AsyncPlan`, the bind laws, description purity, replay, interpreter isolation",
        "notebooks/m08c01_async_descriptions.ipynb",
        (
            Exercise("ex01_primitives", "Build the primitives", 21, taught=(
                "a plan is a value: pure, bind, map and lift build descriptions that run only when "
                "driven, obey the monad laws, and can be replayed")),
            Exercise("ex02_user_pipeline", "The user pipeline as a plan", 10, taught=(
                "an eager coroutine becomes a replayable description: each step a lifted call, "
                "chained with bind so an Err stops the rest, driven only by the shell")),
            Exercise("ex03_bounded_embedding", "Bounded embedding of chunks", 14, taught=(
                "bounded concurrency as a sliding window: at most `limit` calls in flight, results "
                "in input order, the first error by position whatever the timing")),
            Exercise("ex04_properties", "Write the properties yourself", 18, taught=(
                "a law is only worth a property that fails on the wrong implementations: compare "
                "results of runs, generate Err as well as Ok, and count the calls")),
        ),
        "available",
        demos=(
            "funcpipe demo user 1",
            "funcpipe demo user 999",
            "funcpipe demo rag --concurrency 1 --limit 120",
            "funcpipe demo rag --concurrency 16 --limit 120",
            'funcpipe demo rag --query "how do I run several coroutines concurrently and wait for all"',
            "funcpipe grade --watch m08c01/ex01",
        ),
    ),
    Core(
        2,
        "m08c02",
        "Async generators and streams",
        "`AsyncGen`, lazy streams that always close their sources",
        "notebooks/m08c02_async_streams.ipynb",
        (
            Exercise("ex01_combinators", "Build the stream combinators", 20, taught=(
                "a stream is a lazy description too: each combinator pulls only what is asked for, lets Err "
                "items through untouched, and closes what it read on exhaustion, early "
                "exit and error alike")),
            Exercise("ex02_rag_stream", "Stream the RAG ingestion", 11, taught=(
                "a whole ingestion as a chain of streams: each document chunked and embedded only when the "
                "consumer asks, one call at a time, the same answer as the eager version")),
            Exercise("ex03_file_lines", "Hold each file only while its lines stream", 7, taught=(
                "a resource tied to a stream's life: each file opened when its first line is wanted and "
                "closed before the next opens, even when the consumer stops early")),
            Exercise("ex04_properties", "Write the stream properties yourself", 12, taught=(
                "stream laws as properties that fail on wrong streams: the monad laws on collected items, "
                "Err passing through, and pulls counted to see laziness")),
        ),
        "available",
        demos=(
            "funcpipe demo rag --limit 40 --failure-rate 0.2",
            "funcpipe grade --watch m08c02/ex01",
        ),
    ),
    Core(
        3,
        "m08c03",
        "Bounded concurrency and backpressure",
        "`BackpressurePolicy`, `async_gen_bounded_map`, `async_gen_gather`: bounded windows over streams",
        "notebooks/m08c03_backpressure.ipynb",
        (
            Exercise("ex01_bounded_map", "A bounded map over a stream, by hand", 18, taught=(
                "backpressure as a window: one outstanding pull raced against the running plans, so tasks "
                "and memory stay bounded, results come out the moment they may, and closing cleans up")),
            Exercise("ex02_merge", "Merge streams, by hand", 13, taught=(
                "merging streams with one pull per stream raced together: arrival order, a bounded buffer, "
                "every stream closed on early stop or a bug")),
            Exercise("ex03_properties", "Write the properties of a bounded map", 12, taught=(
                "timing properties in virtual time: record pulls, calls, plans in flight and receive times, "
                "and check them against the contract so that each wrong map fails")),
        ),
        "available",
    ),
    Core(
        4,
        "m08c04",
        "Retry and timeout policies as data",
        "`RetryPolicy`, `TimeoutPolicy`: plans that retry, cancel late attempts, honour Retry-After",
        "notebooks/m08c04_resilience.ipynb",
        (
            Exercise("ex01_backoff", "A retry policy's arithmetic", 11, taught=(
                "a retry policy is data read by pure functions: capped doubling, jitter that only shortens "
                "the wait, Retry-After honoured, only retriable codes retried")),
            Exercise("ex02_retry_loop", "The retry loop as a plan", 16, taught=(
                "the retry loop as a plan: bounded attempts, a deadline that cancels the late attempt, "
                "waits and randomness taken only from the environment, the last error "
                "kept when it gives up")),
            Exercise("ex03_properties", "Write the properties of a retry loop", 11, taught=(
                "properties that catch broken retry loops: bound the attempts, retry only what the policy "
                "allows, and check every wait on a clock and a random source you control")),
        ),
        "available",
        demos=(
            "funcpipe demo rag --limit 120 --failure-rate 0.2",
            "funcpipe demo rag --limit 120 --failure-rate 0.2 --retry 3 --timeout-ms 500",
            "funcpipe grade --watch m08c04/ex01",
        ),
    ),
    Core(
        5,
        "m08c05",
        "Deterministic testing with fake time",
        "one virtual clock for sleep, timeout and now; traces; schedules that reach every branch",
        "notebooks/m08c05_fake_time.ipynb",
        (
            Exercise("ex01_trace_recorder", "A trace recorder", 12, taught=(
                "watching a loop from the outside: attempts and waits read from the loop's own clock, so a "
                "virtual-time run gives the same timeline every time")),
            Exercise("ex02_virtual_run", "A resilient plan in virtual time", 10, taught=(
                "minutes of retries and timeouts run in milliseconds, identically on every run: one seeded "
                "environment on the virtual-time loop")),
            Exercise(
                "ex03_properties", "Schedules that reach every branch, properties of runners", 8, taught=(
                "generated schedules that reach every branch in a measured share, and the properties that "
                "make a test runner trustworthy: deterministic, and every wait counted in virtual time"),
            ),
        ),
        "available",
        demos=(
            "funcpipe demo rag --limit 120 --failure-rate 0.2 --retry 3 --timeout-ms 500",
            "funcpipe grade --watch m08c05/ex02",
        ),
    ),
    Core(
        6,
        "m08c06",
        "Rate limiting and fairness",
        "`RateLimitPolicy`, `FairnessPolicy`: the limit on the call, tenants merged by weighted turns",
        "notebooks/m08c06_rate_limits.ipynb",
        (
            Exercise("ex01_bucket", "A token bucket's schedule", 10, taught=(
                "a rate limit is data: the moment each call may go out follows from the rate, the burst "
                "and when it was asked, exactly and never early")),
            Exercise("ex02_rate_limited", "A stream limited before each pull", 10, taught=(
                "the limit gates the pull that makes the call: a token per pull, a full bucket per run, "
                "timed exactly on the virtual clock, the source closed however the run ends")),
            Exercise("ex03_properties", "Write the properties of limits and fair merges", 8, taught=(
                "the envelope, the weighted shares and the no-stall law as properties that pass on correct "
                "operators and fail on the broken ones")),
        ),
        "available",
        demos=("funcpipe grade --watch m08c06/ex02",),
    ),
    Core(
        7,
        "m08c07",
        "A pure synchronous core inside async edges",
        "`lift_sync`, executors, the GIL",
        "notebooks/m08c07_sync_core.ipynb",
        (
            Exercise("ex01_lifts", "Build the lifts", 10, taught=(
                "blocking work lifted to the edge: a sync function run in an executor as a plan that runs "
                "nothing until driven, its exceptions turned into Err, its generator streamed item by item")),
            Exercise("ex02_sync_core", "Keep the core synchronous", 10, taught=(
                "a pure synchronous core that returns Result, testable without an event loop, with the "
                "stream and the plan that lift it into an executor at the edges")),
            Exercise("ex03_properties", "Write the properties of the lifts yourself", 8, taught=(
                "properties of lifts that fail on wrong ones: the lifted call agrees with the plain one, an "
                "exception becomes Err, building runs nothing, streams keep their order")),
        ),
        "available",
        demos=(
            "funcpipe check-isolation",
            "funcpipe grade --watch m08c07/ex02",
        ),
    ),
    Core(
        8,
        "m08c08",
        "Async adapters for real services",
        "httpx and aiosqlite adapters behind capability protocols, the closed taxonomy, idempotent writes",
        "notebooks/m08c08_adapters.ipynb",
        (
            Exercise("ex01_taxonomy", "Every outcome in the taxonomy", 10, taught=(
                "an adapter's one job done fully: every status, timeout and transport error of a request "
                "becomes Ok or an Err from the closed taxonomy, with Retry-After kept as data")),
            Exercise("ex02_batch_embedder", "A batch embedder that checks its answers", 11, taught=(
                "a batch in one request whose answer is checked before it is trusted: paired by index, "
                "counted, of the right model, numbers only, the request's errors passed on unchanged")),
            Exercise("ex03_properties", "Write the properties of a batch embedder", 6, taught=(
                "properties of an adapter that fail on wrong ones: a fake service in process, batches with "
                "repeats in any order, answers of the wrong size, and requests counted before awaiting")),
        ),
        "available",
        demos=(
            "funcpipe serve --failure-rate 0.3 --seed 7",
            "funcpipe demo user 1",
            "funcpipe demo rag --limit 60 --failure-rate 0.2 --seed 5 --retry 6 --timeout-ms 300",
            "funcpipe grade --watch m08c08/ex01",
        ),
    ),
    Core(
        9,
        "m08c09",
        "Size- and time-based batching of streams",
        "`ChunkPolicy`, `async_gen_chunk`: batches closed by size, by age or at an `Err`, a request each",
        "notebooks/m08c09_batching.ipynb",
        (
            Exercise("ex01_chunker", "Batches by size and by age, by hand", 19, taught=(
                "a batcher that races its one outstanding pull against the batch's deadline: a batch "
                "goes the moment it is full or old enough even while the source stalls, in order, "
                "nothing read ahead")),
            Exercise("ex02_embed_batches", "One embedding request per batch", 10, taught=(
                "batching saves requests: one call per batch, the answer counted and paired back to the "
                "items by position, a failed request an Err for each of its items, the stream going on")),
            Exercise("ex03_properties", "Write the properties of a batcher", 9, taught=(
                "order, exactly once, the size and delay bounds, laziness and closing as properties that "
                "pass on correct batchers and fail on the broken ones")),
        ),
        "available",
        demos=(
            "funcpipe demo rag --limit 60",
            "funcpipe demo rag --limit 60 --batch-units 16 --batch-delay-ms 20",
            "funcpipe grade --watch m08c09/ex01",
        ),
    ),
    Core(
        10,
        "m08c10",
        "Law-like properties of whole async pipelines",
        "idempotence on the same store, at-most-once, no duplicated emission, clean cancellation, "
        "key-disjoint merges",
        "notebooks/m08c10_pipeline_laws.ipynb",
        (
            Exercise("ex01_helpers", "The proof helpers of a pipeline law", 13, taught=(
                "the helpers every pipeline law needs: a failure schedule that replays from its seed in any "
                "order, a normaliser that takes the interleaving out of a trace, and keys disjoint by "
                "construction")),
            Exercise("ex02_ingest", "An ingestion that survives re-runs and cancellation", 18, taught=(
                "a whole pipeline that keeps its laws by construction: stored chunks skipped so a re-run "
                "writes nothing, retries around one chunk, one transaction per document, and a cancellation "
                "that leaves no half-written rows, open connection or task")),
            Exercise("ex03_properties", "Write the laws of a whole pipeline", 10, taught=(
                "the laws of a whole pipeline as properties over the facts of runs: a re-run on the same "
                "store, calls and items counted per key, cancellation at any point, each law catching the "
                "broken pipeline that breaks it")),
        ),
        "available",
        demos=("funcpipe grade --watch m08c10/ex02",),
    ),
    Core(
        11,
        CAPSTONE,
        "Capstone: the whole pipeline as one description",
        "two tenants merged fairly, bounded, batched, rate-limited and retried into SQLite; the laws checked "
        "in virtual time",
        "notebooks/m08_capstone.ipynb",
        (
            Exercise("ex01_full_pipeline", "The whole pipeline, composed", 16, taught=(
                "the module's pieces composed into one description that keeps every law: fair shares, a "
                "bound on work in flight, a rate limit on every request, batches retried on their own, and "
                "each document written once, whatever fails or cancels")),
        ),
        "available",
        demos=(
            "funcpipe demo capstone",
            "funcpipe demo capstone --failure-rate 0.4 --retry 1 --docs 8",
            "funcpipe grade --watch m08c11",
        ),
    ),
)
"""Every core of the module, in course order."""


START_PAGE = "notebooks/00_start_here.ipynb"
"""The notebook a learner opens first (``make lab`` opens it): how to use the workbook, and the course map."""

REPOSITORY = "funcpipe/funcpipe-m08"
"""Where the workbook is published on GitHub (``owner/name``): the README's Binder badge opens it.
A fork changes this line and runs ``make course-files``."""


def core(slug: str) -> Core:
    """The core called ``slug`` (``"m08c01"``); ``KeyError`` naming the valid slugs otherwise."""
    for c in CORES:
        if c.slug == slug:
            return c
    raise KeyError(f"no core {slug!r}; the cores are {', '.join(c.slug for c in CORES)}")


def available() -> tuple[Core, ...]:
    """The cores learners can take now (notebook and graded exercises exist), in course order."""
    return tuple(c for c in CORES if c.status == "available")


def workbook_root() -> Path | None:
    """The checkout this package runs from: the folder holding ``tests/grading``, ``solutions``,
    ``exercises`` and ``notebooks``.

    ``None`` when the package is installed without its workbook (a
    Gradescope image, a wheel); callers then fall back to the current folder
    or an explicit option.
    """
    root = Path(__file__).resolve().parent.parent
    return root if (root / "tests" / "grading").is_dir() else None
