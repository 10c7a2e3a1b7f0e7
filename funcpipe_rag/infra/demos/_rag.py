"""``funcpipe demo rag``: embed a corpus through the real service into SQLite, then answer a query."""

from __future__ import annotations

import asyncio
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO, TypeAlias

import httpx
from tqdm import tqdm

from funcpipe_rag.domain.chunk_ids import chunk_label
from funcpipe_rag.domain.effects.async_ import ChunkPolicy, RetryPolicy, TimeoutPolicy, async_with_resilience
from funcpipe_rag.domain.effects.async_.stream import async_gen_from_list
from funcpipe_rag.domain.ingest import IngestReport, ingest_chunks, store_outcomes
from funcpipe_rag.domain.ports import BatchEmbeddingCap, Vector
from funcpipe_rag.domain.rag_stream import embed_batched_stream
from funcpipe_rag.domain.search import Hit, search
from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder
from funcpipe_rag.infra.corpus import SNAPSHOT_PYTHON, parse_corpus, snapshot_corpus, stdlib_corpus
from funcpipe_rag.infra.demo_defaults import DEFAULT_DB, DEFAULT_QUERY
from funcpipe_rag.infra.demos._common import DemoError, describe, open_store
from funcpipe_rag.infra.probes import InFlight
from funcpipe_rag.infra.runtime import collect_stream, perform_async
from funcpipe_rag.infra.service import create_app, model_name, running_service
from funcpipe_rag.rag import DEFAULT_DIM, ChunkWithoutEmbedding, RagEnv, RawDoc, gen_clean_and_chunk
from funcpipe_rag.result import Err, ErrInfo, Ok, Result

QUERY_RETRY = RetryPolicy(max_attempts=4, backoff_base_ms=50, max_backoff_ms=2_000)

CorpusChoice: TypeAlias = Literal["snapshot", "stdlib"] | Path
"""``"snapshot"`` (the packaged snapshot, the default), ``"stdlib"`` (this Python's own
docstrings) or the path of a JSONL file."""


@dataclass(frozen=True, slots=True)
class RagOptions:
    """Settings of ``funcpipe demo rag`` (see its ``--help``)."""

    concurrency: int = 8
    query: str = DEFAULT_QUERY
    corpus: CorpusChoice = "snapshot"
    db: Path = DEFAULT_DB
    failure_rate: float = 0.0
    seed: int = 0
    latency_ms: float = 10.0
    limit: int | None = None
    top_k: int = 5
    timeout: float = 2.0
    chunk_size: int = 400
    progress: bool | None = None  # None: show the bar only on a terminal
    retry: int = 0  # retries per chunk after its first attempt (0: none)
    timeout_ms: float | None = None  # per-attempt deadline of the retry policy (None: none)
    batch_units: int | None = None  # chunks per /embed request at most (None: one request per chunk)
    batch_delay_ms: float = 50.0  # how long a batch may wait for more chunks (with batch_units)

    def batch_policy(self) -> ChunkPolicy[ChunkWithoutEmbedding] | None:
        """The batching ``--batch-units`` and ``--batch-delay-ms`` ask for, or ``None`` (no batching)."""
        if self.batch_units is None:
            return None
        return ChunkPolicy(max_units=self.batch_units, max_delay_ms=self.batch_delay_ms)

    def policies(self) -> tuple[RetryPolicy | None, TimeoutPolicy | None]:
        """The retry and timeout policies ``--retry`` and ``--timeout-ms`` ask for."""
        retry = RetryPolicy(self.retry + 1, backoff_base_ms=100, max_backoff_ms=2_000) if self.retry else None
        return retry, (TimeoutPolicy(self.timeout_ms) if self.timeout_ms is not None else None)


@dataclass
class RagOutcome:
    """Everything the RAG demo found, for the summary and for tests."""

    documents: int
    bad_lines: list[str]
    report: IngestReport
    hits: Result[list[Hit], ErrInfo]
    rows: int
    max_in_flight: int
    elapsed: float
    service_failures: dict[str, int] = field(default_factory=dict)
    requests: int = 0  # embedding requests sent, retries included
    items: int = 0  # texts sent in those requests

    @property
    def exit_code(self) -> int:
        """0 when everything was stored and answered; 1 when some line, chunk or the query failed."""
        return 0 if not (self.bad_lines or self.report.failures or isinstance(self.hits, Err)) else 1


class MeteredEmbedder:
    """A ``BatchEmbeddingCap`` decorator that counts requests, texts and calls in flight.

    ``on_done(n)`` is called when a request of ``n`` texts finishes.
    Measuring lives in the shell: the plan is given this wrapper instead of
    the adapter and never knows it is being watched.
    """

    def __init__(self, inner: BatchEmbeddingCap, on_done: Callable[[int], object]) -> None:
        self._inner = inner
        self._on_done = on_done
        self.probe = InFlight()
        self.requests = 0
        self.items = 0

    @property
    def model_name(self) -> str:
        return self._inner.model_name

    async def embed(self, text: str) -> Result[Vector, ErrInfo]:
        self._count(1)
        try:
            with self.probe:
                return await self._inner.embed(text)
        finally:
            self._on_done(1)

    async def embed_batch(self, texts: Sequence[str]) -> Result[list[Vector], ErrInfo]:
        self._count(len(texts))
        try:
            with self.probe:
                return await self._inner.embed_batch(texts)
        finally:
            self._on_done(len(texts))

    def _count(self, texts: int) -> None:
        self.requests += 1
        self.items += texts


def read_corpus(path: Path, limit: int | None = None) -> tuple[list[RawDoc], list[str]]:
    """The documents of a JSONL file, and one message per malformed line (``FILE:LINE: problem``).

    Malformed lines are skipped, the rest is kept. Raises :class:`DemoError`
    if the file cannot be read at all.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DemoError(f"cannot read corpus {path}: {exc.strerror or exc}") from exc
    return parse_corpus(data, str(path), limit)


def load_corpus(choice: CorpusChoice, limit: int | None = None) -> tuple[list[RawDoc], list[str], str]:
    """The documents ``--corpus`` names, the malformed lines, and how to describe the source."""
    if choice == "snapshot":
        fixed = f"snapshot of the Python {SNAPSHOT_PYTHON} standard library docstrings"
        return snapshot_corpus(limit), [], fixed
    if choice == "stdlib":
        live = f"live Python {platform.python_version()} standard library docstrings (they vary by version)"
        return stdlib_corpus(limit=limit), [], live
    docs, bad = read_corpus(choice, limit)
    return docs, bad, str(choice)


def run_rag_demo(opts: RagOptions, out: TextIO, err: TextIO) -> RagOutcome:
    """Ingest the corpus through the real service into SQLite, answer the query, print a summary."""
    docs, bad, source = load_corpus(opts.corpus, opts.limit)
    for message in bad:
        print(f"funcpipe demo rag: {message}", file=err)
    chunks = list(gen_clean_and_chunk(docs, RagEnv(chunk_size=opts.chunk_size,
                                                   embedding_concurrency=opts.concurrency)))
    app = create_app(
        latency_ms=opts.latency_ms,
        failure_rate=opts.failure_rate,
        seed=opts.seed,
        slow_ms=opts.timeout * 1000 + 1000,  # an injected slow answer always outlasts the client
    )
    with running_service(app) as base_url:
        print(f"corpus    {source}: {len(docs)} documents, {len(chunks)} chunks", file=out)
        print(f"service   {base_url} (latency {opts.latency_ms:g} ms, failure rate {opts.failure_rate:g}, "
              f"seed {opts.seed})", file=out)
        print(f"database  {opts.db}", file=out)
        outcome = asyncio.run(_rag(base_url, opts, docs, chunks, bad))
    outcome.service_failures = dict(app.state.stats.failures)
    _print_summary(outcome, opts, out, err)
    return outcome


async def _rag(
    base_url: str,
    opts: RagOptions,
    docs: list[RawDoc],
    chunks: list[ChunkWithoutEmbedding],
    bad: list[str],
) -> RagOutcome:
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=opts.timeout) as client,
        open_store(opts.db) as store,
    ):
        embedder = HttpEmbedder(client, model_name(DEFAULT_DIM))
        with tqdm(total=len(chunks), desc="embedding", unit="chunk", disable=_no_bar(opts)) as bar:
            metered = MeteredEmbedder(embedder, bar.update)  # one tick per chunk answered
            retry, timeout = opts.policies()
            batching = opts.batch_policy()
            started = time.perf_counter()
            if batching is None:
                plan = ingest_chunks(chunks, metered, store, opts.concurrency, retry=retry, timeout=timeout)
            else:
                stream = embed_batched_stream(
                    async_gen_from_list(chunks), metered, batching, opts.concurrency,
                    retry=retry, timeout=timeout,
                )
                plan = store_outcomes(chunks, await collect_stream(stream), store)
            ran = await perform_async(plan)
            elapsed = time.perf_counter() - started
        report = ran.unwrap()  # ingest_chunks settles every chunk: its plan always succeeds

        # Answering reads only: safe to retry after a retryable failure (Retry-After honoured).
        query_plan = async_with_resilience(search(opts.query, embedder, store, opts.top_k), QUERY_RETRY)
        hits = await perform_async(query_plan)

        stored = await store.all_chunks()
        rows = len(stored.value) if isinstance(stored, Ok) else -1
    return RagOutcome(len(docs), bad, report, hits, rows, metered.probe.max_in_flight, elapsed,
                      requests=metered.requests, items=metered.items)


def _resilience(opts: RagOptions) -> str:
    retry, timeout = opts.policies()
    if retry is None and timeout is None:
        return "no retries, no deadline"
    unit = "chunk" if opts.batch_units is None else "batch"
    tries = f"up to {retry.max_attempts} attempts" if retry is not None else "one attempt"
    tries += f" per {unit}"
    return tries + (f", {timeout.timeout_ms:g} ms each" if timeout is not None else "")


def _batching(opts: RagOptions, outcome: RagOutcome) -> list[tuple[str, str]]:
    """The summary lines on batching: the policy, and the requests it saved against one per text."""
    if opts.batch_units is None:
        return [("batching", "off (one request per chunk; --batch-units N to batch)")]
    saved = outcome.items - outcome.requests
    share = f" ({saved / outcome.items:.0%} of one request per text)" if outcome.items else ""
    return [
        ("batching", f"up to {opts.batch_units} chunks per request, at most {opts.batch_delay_ms:g} ms wait"),
        ("texts embedded", f"{outcome.items} in {outcome.requests} requests"),
        ("calls saved", f"{saved}{share}"),
    ]


def _no_bar(opts: RagOptions) -> bool | None:
    return None if opts.progress is None else not opts.progress


def _print_summary(outcome: RagOutcome, opts: RagOptions, out: TextIO, err: TextIO) -> None:
    report = outcome.report
    rate = report.chunks / outcome.elapsed if outcome.elapsed > 0 else 0.0
    by_code = report.failures_by_code()
    lines = [
        ("documents", f"{outcome.documents}"),
        ("chunks", f"{report.chunks}"),
        ("duplicates dropped", f"{report.duplicates}"),
        ("stored (new rows)", f"{report.new_rows}"),
        ("already stored", f"{report.already_stored}"),
        ("failed", f"{len(report.failures)}"),
        ("failures by code", ", ".join(f"{c} {n}" for c, n in by_code.items()) or "none"),
        ("throughput", f"{rate:.1f} chunks/s ({outcome.elapsed:.2f} s)"),
        ("largest in flight", f"{outcome.max_in_flight} (limit {opts.concurrency})"),
        ("embed requests", f"{outcome.requests} ({_resilience(opts)})"),
        *_batching(opts, outcome),
        ("rows in database", f"{outcome.rows}"),
    ]
    if outcome.bad_lines:
        lines.append(("malformed lines", f"{len(outcome.bad_lines)} (skipped)"))
    print("", file=out)
    for name, value in lines:
        print(f"{name:<19} {value}", file=out)
    for failure in report.failures[:10]:
        print(f"funcpipe demo rag: chunk {chunk_label(failure.chunk)}: {describe(failure.error)}", file=err)
    if len(report.failures) > 10:
        print(f"funcpipe demo rag: ... and {len(report.failures) - 10} more failed chunks", file=err)

    print(f"\nquery     {opts.query!r} (top {opts.top_k} by BM25; cosine breaks ties)", file=out)
    match outcome.hits:
        case Ok(value=hits):
            if not hits:
                print("          no stored chunks", file=out)
            for rank, hit in enumerate(hits, start=1):
                snippet = hit.chunk.text.content[:90].replace("\n", " ")
                print(f"{rank:>2}. {hit.score:6.2f}  {chunk_label(hit.chunk)}  {snippet}", file=out)
        case Err(error=e):
            print(f"funcpipe demo rag: query failed: {describe(e)}", file=err)
