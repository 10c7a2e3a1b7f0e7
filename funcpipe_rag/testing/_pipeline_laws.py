"""Proof helpers for laws of whole pipelines (Core 10): schedules, probes, runs as facts, laws as checks.

A law of a whole pipeline is a statement about *one run's facts* — what it
emitted, which calls it made, what the store holds afterwards, what is left
open — for every input, failure schedule and interleaving. The helpers:

* :class:`FailureSchedule` — seeded, replayable failures and uneven
  latencies: whether attempt ``n`` for key ``k`` fails (and with which code)
  and how long it takes are functions of ``(seed, k, n)`` only, so a re-run
  with the same schedule meets exactly the same failures;
* :class:`ScheduledEmbedder` — an ``EmbeddingCap`` that follows a schedule
  in virtual time and records every attempt (:class:`EmbedAttempt`);
* :class:`StoreProbe` and :func:`probed_store` — the real
  :class:`~funcpipe_rag.infra.adapters.sqlite.SqliteStore` on a file,
  opened per run, with counters: connections opened and closed, write calls,
  rows changed (SQLite's own ``total_changes``). Database calls take no
  virtual time (:meth:`VirtualTimeLoop.real_io`), so a cancellation lands
  between them, never by accident of thread timing inside one;
* :func:`run_pipeline` — one run on a seeded :class:`InterleavingLoop`,
  optionally cancelled after a prefix of its items, as a :class:`PipelineRun`;
* trace normalisers and key functions — :func:`emissions_per_key`,
  :func:`successes_per_key`, :func:`normalise`, :func:`doc_key`,
  :func:`tenant_key`;
* the laws as checks returning the list of violations (empty when the law
  holds): :data:`PIPELINE_LAWS` — ``idempotence``, ``at_most_once_success``,
  ``no_duplicate_emission``, ``clean_cancellation``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
import sqlite3
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import aiosqlite

from funcpipe_rag.domain.chunk_ids import chunk_key
from funcpipe_rag.domain.effects.async_ import AsyncGen, FairnessPolicy, ResilienceEnv
from funcpipe_rag.domain.ports import BatchEmbeddingCap, ChunkStoreCap, EmbeddingCap, Vector
from funcpipe_rag.domain.rag_pipeline import DocOutcome, OpenStore, rag_ingest_pipeline, rag_ingest_tenants
from funcpipe_rag.infra.adapters.sqlite import SqliteStore
from funcpipe_rag.infra.runtime import stream_items
from funcpipe_rag.rag import EmbeddedChunk, RagEnv, RawDoc, chunk_doc, clean_doc
from funcpipe_rag.result import Err, ErrInfo, Ok, Result
from funcpipe_rag.testing._virtual_time import InterleavingLoop, VirtualTimeLoop, run_interleaved

T = TypeVar("T")

MODEL = "schedule-v1"
"""The model name the :class:`ScheduledEmbedder` reports (part of every chunk's content id)."""

CHUNK_WIDTH = 16
"""Characters per chunk in the generated documents (:func:`make_docs`) and :data:`PIPELINE_ENV`."""

PIPELINE_ENV = RagEnv(chunk_size=CHUNK_WIDTH, chunk_overlap=0, embedding_concurrency=2)
"""The RAG settings the law checks run with: small chunks, two embeddings in flight per document."""


def _unit(*parts: object) -> float:
    """A number in [0, 1) that depends only on ``parts`` (not on the process, unlike ``hash``)."""
    digest = hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True, slots=True)
class FailureSchedule:
    """Seeded failures and latencies, replayable attempt by attempt.

    Attempt ``attempt`` (from 1) for ``key`` fails with probability
    ``fail_rate``, with a code picked from ``codes``; it takes one of
    ``latencies_ms`` (uneven on purpose: a fast item can overtake a slow one).
    Both are pure functions of ``(seed, key, attempt)``: the same schedule
    gives the same answers in every run, every process and every order of
    asking. ``fail_rate=0`` never fails; ``fail_rate=1`` always does.
    """

    seed: int = 0
    fail_rate: float = 0.3
    codes: tuple[str, ...] = ("RATE_LIMIT", "TRANSIENT", "TIMEOUT")
    latencies_ms: tuple[float, ...] = (1.0, 7.0, 40.0)

    def __post_init__(self) -> None:
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError(f"FailureSchedule.fail_rate must be between 0 and 1, got {self.fail_rate}")
        if not self.codes or not self.latencies_ms:
            raise ValueError("FailureSchedule needs at least one code and one latency")

    def failure(self, key: str, attempt: int) -> str | None:
        """The code attempt ``attempt`` for ``key`` fails with, or ``None`` when it succeeds."""
        if _unit(self.seed, "fail", key, attempt) >= self.fail_rate:
            return None
        return self.codes[int(_unit(self.seed, "code", key, attempt) * len(self.codes))]

    def latency_s(self, key: str, attempt: int) -> float:
        """How long attempt ``attempt`` for ``key`` takes, in seconds."""
        pick = int(_unit(self.seed, "latency", key, attempt) * len(self.latencies_ms))
        return self.latencies_ms[pick] / 1000


@dataclass(frozen=True, slots=True)
class EmbedAttempt:
    """One call of the embedder: its key (the text), which attempt it was, its failure code, when."""

    key: str
    attempt: int
    code: str | None
    started: float
    finished: float

    @property
    def ok(self) -> bool:
        return self.code is None


class ScheduledEmbedder:
    """A ``BatchEmbeddingCap`` that answers by a :class:`FailureSchedule`, in the running loop's time.

    Attempts are counted per text from 1, per embedder: make a fresh one per
    run for a re-run to meet the same failures. Every call is recorded in
    ``attempts``, one record per text (a cancelled call is recorded with
    code ``"CANCELLED"``), and in ``requests``, one record per call (a
    batch's key is its texts joined by ``"\\x1f"``). A batch is scheduled as
    one key: it fails or succeeds as a unit, and every text in it counts an
    attempt. The vector is a function of the text alone.
    """

    def __init__(self, schedule: FailureSchedule, model: str = MODEL) -> None:
        self.schedule = schedule
        self._model = model
        self._tries: Counter[str] = Counter()
        self._batch_tries: Counter[str] = Counter()
        self.attempts: list[EmbedAttempt] = []
        self.requests: list[EmbedAttempt] = []

    async def embed_batch(self, texts: Sequence[str]) -> Result[list[Vector], ErrInfo]:
        key = "\x1f".join(texts)
        self._batch_tries[key] += 1  # its own count: a batch of one text has the text as its key
        attempt = self._batch_tries[key]
        tries = []
        for text in texts:
            self._tries[text] += 1
            tries.append(self._tries[text])
        loop = asyncio.get_running_loop()
        started = loop.time()
        code = self.schedule.failure(key, attempt)

        def record(outcome: str | None) -> None:
            finished = loop.time()
            self.requests.append(EmbedAttempt(key, attempt, outcome, started, finished))
            self.attempts.extend(
                EmbedAttempt(t, n, outcome, started, finished) for t, n in zip(texts, tries, strict=True)
            )

        try:
            await asyncio.sleep(self.schedule.latency_s(key, attempt))
        except asyncio.CancelledError:
            record("CANCELLED")
            raise
        record(code)
        if code is not None:
            return Err(ErrInfo(code, f"scheduled failure of attempt {attempt}"))
        return Ok([tuple(_unit(text, i) for i in range(3)) for text in texts])

    @property
    def model_name(self) -> str:
        return self._model

    async def embed(self, text: str) -> Result[Vector, ErrInfo]:
        self._tries[text] += 1
        attempt = self._tries[text]
        loop = asyncio.get_running_loop()
        started = loop.time()
        code = self.schedule.failure(text, attempt)
        try:
            await asyncio.sleep(self.schedule.latency_s(text, attempt))
        except asyncio.CancelledError:
            self._record(EmbedAttempt(text, attempt, "CANCELLED", started, loop.time()))
            raise
        self._record(EmbedAttempt(text, attempt, code, started, loop.time()))
        if code is not None:
            return Err(ErrInfo(code, f"scheduled failure of attempt {attempt}"))
        return Ok(tuple(_unit(text, i) for i in range(3)))

    def _record(self, attempt: EmbedAttempt) -> None:
        self.attempts.append(attempt)
        self.requests.append(attempt)


# ---- the real store, probed ---------------------------------------------------------------------


def _held() -> contextlib.AbstractContextManager[None]:
    loop = asyncio.get_running_loop()
    return loop.real_io() if isinstance(loop, VirtualTimeLoop) else contextlib.nullcontext()


@dataclass
class StoreProbe:
    """Counters of one store file across runs: connections, write calls, rows changed.

    ``rows_changed`` adds up SQLite's ``total_changes`` over every write
    call: an insert, an update and a replace each count, a skipped
    duplicate does not — so "no new writes" is ``rows_changed`` unchanged.
    """

    opened: int = 0
    closed: int = 0
    write_calls: int = 0
    rows_changed: int = 0
    _live: list[aiosqlite.Connection] = field(default_factory=list, repr=False)

    @property
    def open_connections(self) -> int:
        """Connections opened and not closed."""
        return self.opened - self.closed

    async def close_leaked(self) -> int:
        """Close every connection a run left open (after its facts are taken); return how many."""
        leaked = list(self._live)
        self._live.clear()
        for conn in leaked:
            with _held():
                await conn.close()
        return len(leaked)


class _ProbedStore:
    """A ``ChunkStoreCap`` that counts the inner store's writes and holds virtual time during each call."""

    def __init__(self, inner: SqliteStore, conn: aiosqlite.Connection, probe: StoreProbe) -> None:
        self._inner = inner
        self._conn = conn
        self._probe = probe

    async def upsert_chunks(self, chunks: Sequence[EmbeddedChunk]) -> Result[int, ErrInfo]:
        with _held():
            before = self._conn.total_changes
            self._probe.write_calls += 1
            try:
                return await self._inner.upsert_chunks(chunks)
            finally:
                self._probe.rows_changed += self._conn.total_changes - before

    async def all_chunks(self) -> Result[list[EmbeddedChunk], ErrInfo]:
        with _held():
            return await self._inner.all_chunks()


async def _close(conn: aiosqlite.Connection) -> None:
    await conn.close()


async def _to_the_end(work: Awaitable[T], on_cancel: Callable[[T], Awaitable[None]] | None = None) -> T:
    """Await ``work`` to its end even if the caller is cancelled meanwhile, then re-raise the cancellation.

    Connecting and closing run in aiosqlite's thread whatever happens to the
    awaiting task; abandoning them half-way would leave a connection that no
    one closes (``on_cancel`` undoes a finished ``work`` whose caller left).
    """
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            value = await task
            if on_cancel is not None:
                await on_cancel(value)
        raise


def probed_store(path: Path, probe: StoreProbe, store_type: type[SqliteStore] = SqliteStore) -> OpenStore:
    """The shell's ``open_store`` for the file ``path``: each call opens one connection, counted by ``probe``.

    Entering the returned context manager connects (``aiosqlite``) and gives a
    store of ``store_type`` on it; leaving closes the connection. Connections
    still open when a run ends are in ``probe`` for :meth:`StoreProbe.close_leaked`.
    """

    @contextlib.asynccontextmanager
    async def open_store() -> AsyncIterator[ChunkStoreCap]:
        with _held():
            conn = await _to_the_end(aiosqlite.connect(path), on_cancel=_close)
        probe.opened += 1
        probe._live.append(conn)
        try:
            yield _ProbedStore(store_type(conn), conn, probe)
        finally:
            if conn in probe._live:  # not already closed by StoreProbe.close_leaked
                try:
                    with _held():
                        await _to_the_end(_close(conn))
                finally:  # closed even when the run was cancelled while closing (_to_the_end waited)
                    if conn in probe._live:  # close_leaked may have got there first
                        probe._live.remove(conn)
                        probe.closed += 1

    return open_store


def stored_rows(path: Path) -> tuple[tuple[str, str, int], ...]:
    """The ``chunks`` table of ``path`` as ``(id, doc_id, idx)`` rows in storage order (``()`` if none)."""
    if not path.exists():
        return ()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        try:
            rows = conn.execute("SELECT id, doc_id, idx FROM chunks ORDER BY rowid").fetchall()
        except sqlite3.OperationalError:  # no table: nothing was ever written
            return ()
    return tuple((str(r[0]), str(r[1]), int(r[2])) for r in rows)


# ---- inputs -------------------------------------------------------------------------------------


def make_docs(doc_ids: Sequence[str], sizes: Sequence[int], tenant: str = "") -> tuple[RawDoc, ...]:
    """Documents with the given ids (prefixed ``tenant/`` when ``tenant``) and ``sizes[i]`` chunks each.

    Every chunk's text is unique to its tenant, document and position, so
    content ids never collide between documents — or between tenants, which
    is what makes two tenants' keys disjoint by construction. The same
    ``doc_ids`` and ``sizes`` with the same ``tenant`` give the same documents.
    """
    docs = []
    for n, (doc_id, size) in enumerate(zip(doc_ids, sizes, strict=True)):
        token = f"{tenant}{n}"
        text = "".join(f"{token}#{j}".ljust(CHUNK_WIDTH, ".") for j in range(size))
        docs.append(RawDoc(tenant_key(tenant, doc_id), f"doc {n}", text))
    return tuple(docs)


def expected_chunks(
    docs: Sequence[RawDoc], env: RagEnv = PIPELINE_ENV, model: str = MODEL
) -> dict[str, tuple[str, ...]]:
    """Each document's chunk content ids, as the pipeline would store them."""
    return {
        d.doc_id: tuple(chunk_key(model, c.text.content) for c in chunk_doc(clean_doc(d), env)) for d in docs
    }


# ---- key functions and trace normalisers --------------------------------------------------------


def tenant_key(tenant: str, doc_id: str) -> str:
    """The key of ``doc_id`` within ``tenant``: ``"tenant/doc_id"`` (``doc_id`` itself for no tenant)."""
    return f"{tenant}/{doc_id}" if tenant else doc_id


def doc_key(item: Result[DocOutcome, ErrInfo]) -> str | None:
    """The key of an item of the pipeline: its document's id; ``None`` for an ``Err`` item."""
    return item.value.doc_id if isinstance(item, Ok) else None


def emissions_per_key(
    items: Sequence[Result[DocOutcome, ErrInfo]],
    key: Callable[[Result[DocOutcome, ErrInfo]], str | None] = doc_key,
) -> Counter[str | None]:
    """How many items each key was emitted with (order-free: the trace normalised to counts)."""
    return Counter(key(item) for item in items)


def successes_per_key(attempts: Sequence[EmbedAttempt]) -> Counter[str]:
    """How many *successful* embedder calls each key (text) had."""
    return Counter(a.key for a in attempts if a.ok)


def normalise(items: Sequence[Result[DocOutcome, ErrInfo]]) -> tuple[tuple[str, bool, int], ...]:
    """A trace with the interleaving taken out: ``(doc_id, ok, chunks)`` per item, sorted by key.

    Two runs that differ only in the order their concurrent work finished
    normalise to the same tuple.
    """
    rows = [
        (item.value.doc_id, item.value.ok, len(item.value.chunk_ids))
        if isinstance(item, Ok)
        else ("", False, -1)
        for item in items
    ]
    return tuple(sorted(rows))


# ---- one run as facts ---------------------------------------------------------------------------

Pipeline = Callable[[Sequence[Sequence[RawDoc]], BatchEmbeddingCap, OpenStore, int], AsyncGen[DocOutcome]]
"""A pipeline under test: ``(tenants' documents, embedder, open_store, concurrency) -> stream``."""


def seeded_resilience(seed: int = 0) -> ResilienceEnv:
    """The running loop's clock and sleep with a *seeded* jitter generator, fresh per pipeline built.

    The library's default generator is unseeded on purpose (clients must not
    retry in lockstep); a pipeline under test must replay, so each one built
    for a run gets its own ``random.Random(seed)``.
    """
    return ResilienceEnv(rng=random.Random(seed))


def library_pipeline(
    tenants: Sequence[Sequence[RawDoc]], embedder: EmbeddingCap, open_store: OpenStore, concurrency: int
) -> AsyncGen[DocOutcome]:
    """:func:`~funcpipe_rag.domain.rag_pipeline.rag_ingest_pipeline` over every tenant's documents in turn."""
    docs = [d for tenant in tenants for d in tenant]
    return rag_ingest_pipeline(
        docs, PIPELINE_ENV, embedder, open_store, concurrency=concurrency, resilience=seeded_resilience()
    )


def merged_pipeline(
    tenants: Sequence[Sequence[RawDoc]], embedder: EmbeddingCap, open_store: OpenStore, concurrency: int
) -> AsyncGen[DocOutcome]:
    """:func:`~funcpipe_rag.domain.rag_pipeline.rag_ingest_tenants`: one stream per tenant, fairly merged."""
    return rag_ingest_tenants(
        tenants,
        PIPELINE_ENV,
        embedder,
        open_store,
        concurrency=concurrency,
        fairness=FairnessPolicy(),
        resilience=seeded_resilience(),
    )


@dataclass(frozen=True, slots=True)
class PipelineCase:
    """One input of a pipeline law: documents per tenant, a failure schedule, a seed, where to cancel.

    ``cancel_after=None`` runs to the end; ``cancel_after=n`` cancels the
    consuming task once ``n`` items have arrived (``0``: before the first);
    ``cancel_at=t`` cancels it at virtual time ``t`` seconds (whichever of
    the two comes first), which lands in the middle of a document's work.
    ``seed`` picks the interleaving (:class:`InterleavingLoop`).
    """

    tenants: tuple[tuple[RawDoc, ...], ...]
    schedule: FailureSchedule = FailureSchedule()
    seed: int = 0
    concurrency: int = 2
    cancel_after: int | None = None
    cancel_at: float | None = None

    @property
    def docs(self) -> tuple[RawDoc, ...]:
        return tuple(d for tenant in self.tenants for d in tenant)


@dataclass(frozen=True, slots=True)
class PipelineRun:
    """The facts of one run: everything a pipeline law is stated over.

    ``items`` as emitted; ``attempts`` every embedder call (by start time,
    then key: simultaneous calls have no order of their own); the probe's
    counters for this run (``opened``, ``closed``, ``write_calls``,
    ``rows_changed``); ``requests`` every call as one record (a batch is
    one request); ``leftover_tasks``, the names of tasks other than the
    driver still pending after the run; ``rows`` the store's chunks table
    afterwards; ``cancelled`` whether the run was cancelled; ``ended_at`` the
    virtual time it ended.
    """

    items: tuple[Result[DocOutcome, ErrInfo], ...]
    attempts: tuple[EmbedAttempt, ...]
    opened: int
    closed: int
    write_calls: int
    rows_changed: int
    leftover_tasks: tuple[str, ...]
    rows: tuple[tuple[str, str, int], ...]
    cancelled: bool
    ended_at: float
    requests: tuple[EmbedAttempt, ...] = ()


async def _drive(
    stream: AsyncGen[DocOutcome], cancel_after: int | None, cancel_at: float | None
) -> tuple[list[Result[DocOutcome, ErrInfo]], bool]:
    items: list[Result[DocOutcome, ErrInfo]] = []
    enough = asyncio.Event()

    async def consume() -> None:
        if cancel_after == 0:
            enough.set()
        async with stream_items(stream) as run:
            async for item in run:
                items.append(item)
                if len(items) == cancel_after:
                    enough.set()

    async def until_cancel() -> None:
        if cancel_at is None:
            await enough.wait()
            return
        timer = asyncio.ensure_future(asyncio.sleep(cancel_at))
        prefix = asyncio.ensure_future(enough.wait())
        try:
            await asyncio.wait([timer, prefix], return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when the run ended first and this waiter was cancelled: its tasks must not outlive it
            for t in (timer, prefix):
                t.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await t

    task = asyncio.ensure_future(consume())
    if cancel_after is None and cancel_at is None:
        await task
        return items, False
    waiter = asyncio.ensure_future(until_cancel())
    await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiter
    cancelled = not task.done()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return items, cancelled


def _when(a: EmbedAttempt) -> tuple[float, float, str, int]:
    # Calls finishing at the same virtual moment have no order of their own: sort them by key.
    return (a.started, a.finished, a.key, a.attempt)


def run_pipeline(
    pipeline: Pipeline,
    case: PipelineCase,
    path: Path,
    *,
    store_type: type[SqliteStore] = SqliteStore,
) -> PipelineRun:
    """Run ``pipeline`` on ``case`` against the SQLite file ``path``, in virtual time; return its facts.

    A fresh :class:`ScheduledEmbedder` and :class:`StoreProbe` per run, so
    two runs with the same case meet the same failures. The run is driven on
    an :class:`InterleavingLoop` seeded with ``case.seed``; pending tasks are
    counted after the run has finished or been cancelled, and connections it
    left open are counted and then closed.
    """
    embedder = ScheduledEmbedder(case.schedule)
    probe = StoreProbe()

    async def main() -> tuple[list[Result[DocOutcome, ErrInfo]], bool, tuple[str, ...]]:
        stream = pipeline(case.tenants, embedder, probed_store(path, probe, store_type), case.concurrency)
        items, cancelled = await _drive(stream, case.cancel_after, case.cancel_at)
        await asyncio.sleep(0)  # let callbacks of the run's last moment settle before looking
        me = asyncio.current_task()
        left = tuple(sorted(t.get_name() for t in asyncio.all_tasks() if t is not me and not t.done()))
        return items, cancelled, left

    async def main_and_cleanup() -> tuple[
        tuple[list[Result[DocOutcome, ErrInfo]], bool, tuple[str, ...]], int, int
    ]:
        facts = await main()
        opened, closed = probe.opened, probe.closed
        await probe.close_leaked()
        return facts, opened, closed

    ((items, cancelled, left), opened, closed), ended = run_interleaved(main_and_cleanup, case.seed)
    return PipelineRun(
        items=tuple(items),
        attempts=tuple(sorted(embedder.attempts, key=_when)),
        opened=opened,
        closed=closed,
        write_calls=probe.write_calls,
        rows_changed=probe.rows_changed,
        leftover_tasks=left,
        rows=stored_rows(path),
        cancelled=cancelled,
        ended_at=ended,
        requests=tuple(sorted(embedder.requests, key=_when)),
    )


# ---- the laws as checks -------------------------------------------------------------------------


def idempotence_violations(first: PipelineRun, second: PipelineRun) -> list[str]:
    """Re-running on the *same* store with the same schedule changes nothing and writes nothing."""
    out = []
    if second.rows_changed:
        out.append(f"the re-run changed {second.rows_changed} rows of the store")
    if second.rows != first.rows:
        out.append("the store after the re-run differs from the store after the first run")
    if normalise(second.items) != normalise(first.items):
        out.append("the re-run reported different outcomes")
    return out


def at_most_once_violations(run: PipelineRun) -> list[str]:
    """No key is embedded successfully more than once in one run."""
    return [
        f"key {k!r} was embedded successfully {n} times"
        for k, n in sorted(successes_per_key(run.attempts).items())
        if n > 1
    ]


def duplicate_emission_violations(run: PipelineRun) -> list[str]:
    """No document is emitted more than once in one run."""
    counts = emissions_per_key(run.items)
    return [
        f"document {k!r} was emitted {n} times"
        for k, n in sorted(counts.items(), key=lambda kv: str(kv[0]))
        if n > 1
    ]


def half_written(run: PipelineRun, docs: Sequence[RawDoc]) -> list[str]:
    """The documents of which some chunks, but not all, are in the store."""
    stored = {row[0] for row in run.rows}
    out = []
    for doc_id, ids in expected_chunks(docs).items():
        have = sum(1 for i in ids if i in stored)
        if 0 < have < len(ids):
            out.append(doc_id)
    return out


def cancellation_violations(run: PipelineRun, docs: Sequence[RawDoc]) -> list[str]:
    """However a run ends: no half-written document, no open connection, no task left behind."""
    out = [f"document {d!r} is half written" for d in half_written(run, docs)]
    if run.opened != run.closed:
        out.append(f"{run.opened - run.closed} connection(s) left open")
    if run.leftover_tasks:
        out.append(f"{len(run.leftover_tasks)} task(s) left running")
    return out


LawCheck = Callable[[Pipeline, PipelineCase, type[SqliteStore]], list[str]]


def _in_fresh_file(work: Callable[[Path], list[str]]) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="funcpipe-laws-") as tmp:
        return work(Path(tmp) / "store.sqlite")


def check_idempotence(
    pipeline: Pipeline, case: PipelineCase, store_type: type[SqliteStore] = SqliteStore
) -> list[str]:
    """Run ``case`` twice on one fresh store file; the violations of :func:`idempotence_violations`."""

    def work(path: Path) -> list[str]:
        first = run_pipeline(pipeline, case, path, store_type=store_type)
        second = run_pipeline(pipeline, case, path, store_type=store_type)
        return idempotence_violations(first, second)

    return _in_fresh_file(work)


def _one_run(check: Callable[[PipelineRun, PipelineCase], list[str]]) -> LawCheck:
    def law(pipeline: Pipeline, case: PipelineCase, store_type: type[SqliteStore] = SqliteStore) -> list[str]:
        return _in_fresh_file(
            lambda path: check(run_pipeline(pipeline, case, path, store_type=store_type), case)
        )

    return law


PIPELINE_LAWS: Mapping[str, LawCheck] = {
    "idempotence": check_idempotence,
    "at_most_once_success": _one_run(lambda run, case: at_most_once_violations(run)),
    "no_duplicate_emission": _one_run(lambda run, case: duplicate_emission_violations(run)),
    "clean_cancellation": _one_run(lambda run, case: cancellation_violations(run, case.docs)),
}
"""Each law of Core 10 as ``check(pipeline, case, store_type) -> violations`` (``[]``: the law holds)."""


def check_law(
    name: str,
    pipeline: Pipeline,
    case: PipelineCase,
    store_type: type[SqliteStore] = SqliteStore,
    laws: Mapping[str, LawCheck] = PIPELINE_LAWS,
) -> list[str]:
    """The violations of law ``name`` (a key of ``laws``, by default :data:`PIPELINE_LAWS`) on ``case``."""
    try:
        law = laws[name]
    except KeyError:
        raise ValueError(f"unknown pipeline law {name!r}; the laws are {sorted(laws)}") from None
    return law(pipeline, case, store_type)


__all__ = [
    "CHUNK_WIDTH",
    "MODEL",
    "PIPELINE_ENV",
    "PIPELINE_LAWS",
    "EmbedAttempt",
    "FailureSchedule",
    "InterleavingLoop",
    "Pipeline",
    "PipelineCase",
    "PipelineRun",
    "ScheduledEmbedder",
    "StoreProbe",
    "at_most_once_violations",
    "cancellation_violations",
    "check_idempotence",
    "check_law",
    "doc_key",
    "duplicate_emission_violations",
    "emissions_per_key",
    "expected_chunks",
    "half_written",
    "idempotence_violations",
    "library_pipeline",
    "make_docs",
    "merged_pipeline",
    "normalise",
    "probed_store",
    "run_pipeline",
    "seeded_resilience",
    "stored_rows",
    "successes_per_key",
    "tenant_key",
]
