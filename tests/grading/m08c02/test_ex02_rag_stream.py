"""Graded: exercise 2, the RAG ingestion as streams (``ex02_rag_stream.py``).

Observers run the learner's three streams against the recording fake
embedder and a hand-written source of documents that counts what it hands
out; the graded tests compare the items and the calls with what the
library's streaming ingestion (``funcpipe_rag.domain.rag_stream``) gives.
Generated corpora are stratified by path: every chunk embedded, an embedding
failing, a document without text, no documents at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, TypedDict

from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from funcpipe_rag import Err, ErrInfo, Ok, run_stream
from funcpipe_rag.domain import rag_stream
from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.rag import RagEnv, RawDoc, chunk_doc, clean_doc
from funcpipe_rag.testing import FakeEmbedder, Strata

EXERCISE = "ex02_rag_stream"
TITLE = "Stream the RAG ingestion"
EXAMPLES = 32

WORDS = ("stream", "chunk", "lazy", "plan", "item", "close", "loop", "err")


class Corpus(TypedDict):
    docs: list[RawDoc]
    chunk_size: int
    fail_on: list[str]


# ---- generated corpora, by path --------------------------------------------------------------

texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
blank = st.sampled_from(["", "   ", "\n\t "])


def _docs(text: st.SearchStrategy[str], min_size: int = 1) -> st.SearchStrategy[list[RawDoc]]:
    return st.lists(text, min_size=min_size, max_size=4).map(
        lambda ts: [RawDoc(f"doc-{i}", f"title {i}", t) for i, t in enumerate(ts)]
    )


def _corpus(docs: st.SearchStrategy[list[RawDoc]], failing: bool) -> st.SearchStrategy[Corpus]:
    def build(ds: list[RawDoc], size: int, pick: int) -> Corpus:
        chunks = [c.text.content for d in ds for c in chunk_doc(clean_doc(d), RagEnv(chunk_size=size))]
        fail = [chunks[pick % len(chunks)]] if failing and chunks else []
        return {"docs": ds, "chunk_size": size, "fail_on": fail}

    return st.builds(build, docs, st.integers(8, 30), st.integers(0, 50))


STRATA: Strata[Corpus] = Strata(
    {
        "all embedded": _corpus(_docs(texts), failing=False),
        "an embedding fails": _corpus(_docs(texts), failing=True),
        "a document without text": _corpus(
            st.tuples(_docs(texts), _docs(blank)).map(lambda p: [*p[0], *p[1]]), failing=False
        ),
        "no documents": _corpus(st.just([]), failing=False),
    }
)


def _expected(case: Corpus) -> list[object]:
    embedder = FakeEmbedder(fail_on=frozenset(case["fail_on"]))
    return run_stream(
        rag_stream.async_rag_stream(case["docs"], RagEnv(chunk_size=case["chunk_size"]), embedder)
    )


def classify(case: Corpus) -> str:
    """The path the library's ingestion takes on ``case``."""
    if not case["docs"]:
        return "no documents"
    if any(isinstance(item, Err) for item in _expected(case)):
        return "an embedding fails"
    if any(not clean_doc(d).text for d in case["docs"]):
        return "a document without text"
    return "all embedded"


PATHS = {"test_matches_the_library": (STRATA, classify, EXAMPLES)}


# ---- next to the learner's code -------------------------------------------------------------


def _parts() -> tuple[Any, Any, Any]:
    module = load(EXERCISE)
    return require(module, "chunk_stream", "embed_stream", "ingest_stream")  # type: ignore[no-any-return]


def _stream_of(stream: Any, what: str) -> Any:
    if not callable(stream):
        raise AssertionError(
            f"{what} returned {type(stream).__name__}, not a stream (a zero-argument callable)"
        )
    return stream


class CountingDocs:
    """A hand-written stream of documents (and Err items for strings) that counts what it hands out."""

    def __init__(self, docs: list[RawDoc | str]) -> None:
        self.docs = docs
        self.pulls = 0

    def __call__(self) -> AsyncIterator[Any]:
        return self._run()

    async def _run(self) -> AsyncIterator[Any]:
        for d in self.docs:
            await asyncio.sleep(0)
            self.pulls += 1
            yield Err(ErrInfo("NOT_FOUND", f"no document {d}")) if isinstance(d, str) else Ok(d)


class Ingested(TypedDict):
    items: list[object]
    calls: list[str]
    max_in_flight: int


@observer
def ingest(case: Corpus) -> Ingested:
    """The learner's ingest_stream over the corpus, run to the end against the fake embedder."""
    _, _, ingest_stream = _parts()
    embedder = FakeEmbedder(fail_on=frozenset(case["fail_on"]), latency=0.001)
    stream = _stream_of(
        ingest_stream(case["docs"], RagEnv(chunk_size=case["chunk_size"]), embedder), "ingest_stream"
    )
    items = run_stream(stream)
    return {"items": items, "calls": list(embedder.calls), "max_in_flight": embedder.max_in_flight}


class Chunked(TypedDict):
    items: list[object]


@observer
def chunk_only(case: tuple[list[RawDoc | str], int]) -> Chunked:
    """The learner's chunk_stream over a source with Err items."""
    chunk_stream, _, _ = _parts()
    docs, size = case
    return {
        "items": run_stream(
            _stream_of(chunk_stream(CountingDocs(docs), RagEnv(chunk_size=size)), "chunk_stream")
        )
    }


class Lazy(TypedDict):
    items: list[object]
    doc_pulls: int
    calls: int
    calls_when_built: int


@observer
def take_k(case: tuple[list[RawDoc], int, int]) -> Lazy:
    """Take k items of embed_stream(chunk_stream(counting docs)); count documents handed out and calls."""
    chunk_stream, embed_stream, _ = _parts()
    docs, size, k = case
    source = CountingDocs(list(docs))
    embedder = FakeEmbedder()
    stream = _stream_of(embed_stream(chunk_stream(source, RagEnv(chunk_size=size)), embedder), "embed_stream")
    built = len(embedder.calls)
    items = run_stream(stream, limit=k)
    return {
        "items": items,
        "doc_pulls": source.pulls,
        "calls": len(embedder.calls),
        "calls_when_built": built,
    }


class Replay(TypedDict):
    first: list[object]
    second: list[object]
    calls: int


@observer
def twice(case: Corpus) -> Replay:
    """ingest_stream built once and run twice."""
    _, _, ingest_stream = _parts()
    embedder = FakeEmbedder(fail_on=frozenset(case["fail_on"]))
    stream = _stream_of(
        ingest_stream(case["docs"], RagEnv(chunk_size=case["chunk_size"]), embedder), "ingest_stream"
    )
    first = run_stream(stream)
    return {"first": first, "second": run_stream(stream), "calls": len(embedder.calls)}


# ---- the graded tests ---------------------------------------------------------------------------


def _chunk_count(case: Corpus) -> int:
    env = RagEnv(chunk_size=case["chunk_size"])
    return sum(len(chunk_doc(clean_doc(d), env)) for d in case["docs"])


def _matches(_path: str, case: Corpus) -> None:
    seen = observe(ingest, case)
    want = _expected(case)
    assert seen["items"] == want, (
        f"for {len(case['docs'])} document(s) the stream gave {len(seen['items'])} items, "
        f"expected {len(want)}; first difference: "
        + next(
            (
                f"item {i}: {a!r} instead of {b!r}"
                for i, (a, b) in enumerate(zip(seen["items"], want, strict=False))
                if a != b
            ),
            "the lengths differ",
        )
    )
    texts = [
        c.text.content
        for d in case["docs"]
        for c in chunk_doc(clean_doc(d), RagEnv(chunk_size=case["chunk_size"]))
    ]
    assert seen["calls"] == texts, (
        f"the embedder was called with {seen['calls']!r}, expected one call per chunk: {texts!r}"
    )


@graded(
    points=3, hint="Chunks with async_gen_and_then(docs, doc -> from_list(chunks)); embed with map_action."
)
def test_matches_the_library() -> None:
    """On every path (all embedded, a failure, an empty document, no documents) the items are the library's.

    Every chunk embedded, failures as Err items in their place, in order, one embedder call per chunk;
    generated corpora, an equal share of them per path.
    """
    STRATA.run(_matches, max_examples=EXAMPLES, suppress_health_check=list(HealthCheck))


@graded(
    points=2,
    hint="An Err item of the document stream must come out in its place; and_then does that.",
    examples=EXAMPLES,
)
@given(
    docs=st.lists(
        st.one_of(texts.map(lambda t: RawDoc("d", "t", t)), st.sampled_from(["a", "b"])), max_size=5
    ),
    size=st.integers(8, 30),
)
def test_chunk_stream_passes_errs(docs: list[RawDoc | str], size: int) -> None:
    """chunk_stream cuts each Ok document into its chunks, in order; an Err item passes in place."""
    seen = observe(chunk_only, (docs, size))
    want: list[object] = []
    for d in docs:
        if isinstance(d, str):
            want.append(Err(ErrInfo("NOT_FOUND", f"no document {d}")))
        else:
            want += [Ok(c) for c in chunk_doc(clean_doc(d), RagEnv(chunk_size=size))]
    assert seen["items"] == want, f"chunk_stream gave {seen['items']!r}, expected {want!r}"


@graded(
    points=2,
    hint="One plan per chunk with async_gen_map_action: it runs them one at a time, in order.",
    examples=EXAMPLES,
)
@given(case=STRATA.cases["all embedded"])
def test_one_call_at_a_time(case: Corpus) -> None:
    """Embedding makes one call per chunk, one at a time: never two in flight."""
    seen = observe(ingest, case)
    assert len(seen["calls"]) == _chunk_count(case), (
        f"{len(seen['calls'])} embedder calls for {_chunk_count(case)} chunks"
    )
    assert seen["max_in_flight"] <= 1, f"{seen['max_in_flight']} embedder calls were in flight at once"


@graded(
    points=3,
    hint="Nothing may pull ahead: map_action and and_then pull only when asked. Build with no calls.",
    examples=EXAMPLES,
)
@given(docs=_docs(texts), size=st.integers(8, 30), k=st.integers(0, 6))
def test_lazy(docs: list[RawDoc], size: int, k: int) -> None:
    """Taking k embedded chunks makes exactly k calls and reads only the documents they come from."""
    seen = observe(take_k, (docs, size, k))
    env = RagEnv(chunk_size=size)
    per_doc = [len(chunk_doc(clean_doc(d), env)) for d in docs]
    total = sum(per_doc)
    taken = min(k, total)
    needed = produced = 0
    for n in per_doc:
        if produced >= taken:
            break
        needed += 1
        produced += n
    assert seen["calls_when_built"] == 0, (
        f"building the streams already made {seen['calls_when_built']} calls"
    )
    assert len(seen["items"]) == taken, f"asked for {k} items, got {len(seen['items'])}"
    assert seen["calls"] == taken, f"{taken} embedded chunk(s) took {seen['calls']} embedder calls"
    assert seen["doc_pulls"] == needed, (
        f"{taken} chunk(s) came from the first {needed} document(s), but {seen['doc_pulls']} were read"
    )


@graded(
    points=1,
    hint="Read the documents into the stream when it is built; each run embeds everything again.",
    examples=EXAMPLES,
)
@given(case=st.one_of(STRATA.cases["all embedded"], STRATA.cases["an embedding fails"]))
def test_replay(case: Corpus) -> None:
    """Running the ingestion twice embeds everything twice and gives equal items."""
    seen = observe(twice, case)
    assert seen["first"] == seen["second"], "the two runs gave different items"
    assert seen["calls"] == 2 * _chunk_count(case), (
        f"two runs made {seen['calls']} calls for {_chunk_count(case)} chunks"
    )
