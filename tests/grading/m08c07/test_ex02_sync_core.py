"""Graded: exercise 2, a synchronous core lifted into the pipeline (``ex02_sync_core.py``).

The core function is checked on its source (no ``async def``, no ``await``,
with the workbook's own isolation check) and called with generated lines,
stratified by path (a document, a blank line, a malformed line, a document
with no text); the async edges are run with a thread pool that records what
is submitted to it, so the graded tests see that the core ran in the
executor, as well as the items.
"""

from __future__ import annotations

import ast
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypedDict

from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from funcpipe_rag import Err, Ok, run_plan, run_stream
from funcpipe_rag.domain.corpus_lines import parse_corpus_line
from funcpipe_rag.grading.harness import graded, load, observe, observer, require, submission_source
from funcpipe_rag.isolation import check_source
from funcpipe_rag.rag import (
    ChunkText,
    EmbeddedChunk,
    Embedding,
    RagEnv,
    chunk_checked,
    near_duplicates,
)
from funcpipe_rag.testing import Strata

EXERCISE = "ex02_sync_core"
TITLE = "Keep the core synchronous"
EXAMPLES = 32
POOL = "graded-pool"

words = st.lists(st.sampled_from(["core", "sync", "lift", "loop", "gil", "pool"]), min_size=1, max_size=10)


def _doc_line(text: str, ident: str = "d") -> str:
    return json.dumps({"id": ident, "title": "t", "text": text})


STRATA: Strata[tuple[str, int, int]] = Strata(
    {
        "a document": st.tuples(words.map(" ".join).map(_doc_line), st.integers(1, 50), st.integers(8, 40)),
        "a blank line": st.tuples(st.sampled_from(["", "  ", "\t"]), st.integers(1, 50), st.integers(8, 40)),
        "a malformed line": st.tuples(
            st.sampled_from(['{"id": "x"}', "not json", "[1, 2]", '{"id": "", "text": "t"}']),
            st.integers(1, 50),
            st.integers(8, 40),
        ),
        "a document with no text": st.tuples(
            st.sampled_from(["\u200b", " \x00 ", "\x07"]).map(_doc_line),
            st.integers(1, 50),
            st.integers(8, 40),
        ),
    }
)


def reference(line: str, lineno: int, size: int) -> object:
    parsed = parse_corpus_line(line, lineno)
    if not isinstance(parsed, Ok):
        return parsed
    if parsed.value is None:
        return Ok([])
    return chunk_checked(parsed.value, RagEnv(chunk_size=size))


def classify(case: tuple[str, int, int]) -> str:
    line, lineno, _ = case
    parsed = parse_corpus_line(line, lineno)
    if isinstance(parsed, Err):
        return "a malformed line"
    if parsed.value is None:
        return "a blank line"
    return "a document with no text" if isinstance(reference(*case), Err) else "a document"


PATHS = {"test_parse_and_chunk": (STRATA, classify, EXAMPLES)}


# ---- next to the learner's code -------------------------------------------------------------


class RecordingPool(ThreadPoolExecutor):
    """A thread pool that counts the calls submitted to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=2, thread_name_prefix=POOL)
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


class Core(TypedDict):
    result: object


@observer
def core_call(case: tuple[str, int, int]) -> Core:
    """parse_and_chunk(line, lineno, env), a plain call."""
    parse_and_chunk = require(load(EXERCISE), "parse_and_chunk")
    line, lineno, size = case
    return {"result": parse_and_chunk(line, lineno, RagEnv(chunk_size=size))}


class Ingested(TypedDict):
    items: list[object]
    submitted_when_built: int
    submitted: int


@observer
def ingest(case: tuple[list[str], int]) -> Ingested:
    """ingest_lines over the lines, with a recording thread pool."""
    ingest_lines = require(load(EXERCISE), "ingest_lines")
    lines, size = case
    with RecordingPool() as pool:
        stream = ingest_lines(lines, RagEnv(chunk_size=size), pool)
        built = pool.submitted
        if not callable(stream):
            raise AssertionError(f"ingest_lines returned {type(stream).__name__}, not a stream")
        items = run_stream(stream)
    return {"items": items, "submitted_when_built": built, "submitted": pool.submitted}


class Duplicates(TypedDict):
    result: object
    submitted_when_built: int
    submitted: int


def _chunks(vectors: list[list[float]]) -> list[EmbeddedChunk]:
    return [
        EmbeddedChunk("d", i, ChunkText("x"), 0, 1, Embedding(tuple(v), "m")) for i, v in enumerate(vectors)
    ]


@observer
def duplicates(case: tuple[list[list[float]], float]) -> Duplicates:
    """duplicates_plan(chunks, threshold, pool), built, then run."""
    duplicates_plan = require(load(EXERCISE), "duplicates_plan")
    vectors, threshold = case
    with RecordingPool() as pool:
        plan = duplicates_plan(_chunks(vectors), threshold, pool)
        built = pool.submitted
        result = run_plan(plan)
    return {"result": result, "submitted_when_built": built, "submitted": pool.submitted}


# ---- the graded tests ------------------------------------------------------------------------


@graded(
    points=2, hint="No async def and no await in parse_and_chunk: it is a plain function returning a Result."
)
def test_core_is_synchronous() -> None:
    """parse_and_chunk is synchronous (the isolation rules of the synchronous core hold) and does its work."""
    source = submission_source(EXERCISE)
    tree = ast.parse(source)
    found = [
        n
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "parse_and_chunk"
    ]
    assert found, "ex02_sync_core.py does not define parse_and_chunk"
    segment = ast.get_source_segment(source, found[0]) or ""
    problems = check_source(segment, "parse_and_chunk", allow_pragmas=False, sync_only=True)
    assert not problems, "the core is not synchronous: " + "; ".join(p.what for p in problems)
    case = (_doc_line("sync core"), 1, 8)
    seen = observe(core_call, case)
    assert seen["result"] == reference(*case), (
        f"parse_and_chunk{case!r} gave {seen['result']!r}: "
        "a synchronous core that does its work is what counts"
    )


def _core(_path: str, case: tuple[str, int, int]) -> None:
    seen = observe(core_call, case)
    want = reference(*case)
    assert seen["result"] == want, (
        f"parse_and_chunk({case[0]!r}, {case[1]}, ...) gave {seen['result']!r}, expected {want!r}"
    )


@graded(points=3, hint="Parse; a blank line (Ok(None)) is Ok([]); a document is chunk_checked(doc, env).")
def test_parse_and_chunk() -> None:
    """parse_and_chunk: a document's chunks, Ok([]) for a blank line, the Err of a bad or empty document."""
    STRATA.run(_core, max_examples=EXAMPLES, suppress_health_check=list(HealthCheck))


@graded(
    points=3,
    hint="and_then over the numbered lines into lift_sync_gen_with_executor(parse_and_chunk, executor).",
    examples=EXAMPLES,
)
@given(cases=st.lists(st.one_of(*STRATA.cases.values()), max_size=5), size=st.integers(8, 40))
def test_ingest_lines(cases: list[tuple[str, int, int]], size: int) -> None:
    """ingest_lines: each line's chunks in order, a bad line's Err in its place, each line run in the pool."""
    lines = [line for line, _, _ in cases]
    seen = observe(ingest, (lines, size))
    want: list[object] = []
    for n, line in enumerate(lines, start=1):
        res = reference(line, n, size)
        want += [Ok(c) for c in res.value] if isinstance(res, Ok) else [res]
    assert seen["items"] == want, f"ingest_lines gave {seen['items']!r}, expected {want!r}"
    assert seen["submitted_when_built"] == 0, "building the stream already submitted work to the executor"
    assert seen["submitted"] >= len(lines), (
        f"{len(lines)} line(s) were parsed and chunked with {seen['submitted']} call(s) to the executor: "
        "each line's core work must run there"
    )


@graded(
    points=2, hint="lift_sync_with_executor(near_duplicates, executor)(chunks, threshold).", examples=EXAMPLES
)
@given(
    vectors=st.lists(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=3, max_size=3), max_size=6),
    threshold=st.sampled_from([0.5, 0.9, 1.0]),
)
def test_duplicates_plan(vectors: list[list[float]], threshold: float) -> None:
    """duplicates_plan runs near_duplicates in the executor when run, and finishes with its result."""
    seen = observe(duplicates, (vectors, threshold))
    want = near_duplicates(_chunks(vectors), threshold)
    assert seen["result"] == want, f"the plan finished with {seen['result']!r}, expected {want!r}"
    assert seen["submitted_when_built"] == 0, "building the plan already submitted work to the executor"
    assert seen["submitted"] >= 1, "near_duplicates did not run in the executor it was given"
