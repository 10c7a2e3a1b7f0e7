"""``funcpipe demo capstone``: the whole pipeline against the real local service and a SQLite file.

The shell's part of :func:`~funcpipe_rag.domain.rag_pipeline.rag_ingest_full`:
it takes two tenants' documents from the packaged snapshot corpus, starts the
local service (with injected failures) unless given a URL, opens a SQLite
file in a temporary folder, wraps the HTTP embedder in the meter of
``demo rag``, drives the stream with a :class:`~funcpipe_rag.infra.progress.ProgressBar`
on stderr, and prints one summary table on stdout.

Whether the service fails a request depends only on its seed, the request's
texts and how often those texts were sent (see :mod:`funcpipe_rag.infra.service`),
and a batch never spans two documents, so every count in the summary
(requests, retries, rows) is the same on every run with the same options;
only the elapsed time and the order of work vary.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import httpx

from funcpipe_rag.domain.effects.async_ import FairnessPolicy, RateLimitPolicy, RetryPolicy, TimeoutPolicy
from funcpipe_rag.domain.ports import ChunkStoreCap
from funcpipe_rag.domain.rag_pipeline import DocOutcome, IngestPolicy, rag_ingest_full
from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder
from funcpipe_rag.infra.corpus import snapshot_corpus
from funcpipe_rag.infra.demos._common import open_store
from funcpipe_rag.infra.demos._rag import MeteredEmbedder
from funcpipe_rag.infra.progress import ProgressBar
from funcpipe_rag.infra.runtime import stream_items
from funcpipe_rag.infra.service import create_app, model_name, running_service
from funcpipe_rag.rag import DEFAULT_DIM, RagEnv, RawDoc, chunk_doc, clean_doc
from funcpipe_rag.result import Ok

TENANTS = ("alpha", "beta")
"""The two tenants' names; each document id is prefixed with its tenant's (``alpha/...``)."""


@dataclass(frozen=True, slots=True)
class CapstoneOptions:
    """Settings of ``funcpipe demo capstone`` (see its ``--help``)."""

    url: str | None = None  # a running service; None: start one on a free 127.0.0.1 port
    docs: int = 12  # documents per tenant
    weights: tuple[int, int] = (2, 1)
    failure_rate: float = 0.2
    seed: int = 0
    latency_ms: float = 5.0
    concurrency: int = 4  # documents in flight
    batch_units: int = 4  # chunks per request at most
    rate: float = 200.0  # requests per second
    burst: int = 4
    retry: int = 6  # retries per request after its first attempt
    timeout_ms: float = 250.0  # per attempt
    chunk_size: int = 400
    progress: bool = True  # the bar on stderr: redrawn on a terminal, periodic lines elsewhere

    def policy(self) -> IngestPolicy:
        """The :class:`IngestPolicy` these options describe."""
        return IngestPolicy(
            concurrency=self.concurrency,
            batch_units=self.batch_units,
            retry=RetryPolicy(self.retry + 1, backoff_base_ms=20, max_backoff_ms=500),
            timeout=TimeoutPolicy(self.timeout_ms),
            rate=RateLimitPolicy(self.rate, self.burst),
            fairness=FairnessPolicy(self.weights),
        )

    def env(self) -> RagEnv:
        return RagEnv(chunk_size=self.chunk_size, embedding_concurrency=2)


def tenant_docs(docs_per_tenant: int) -> tuple[tuple[RawDoc, ...], ...]:
    """Two tenants' documents: consecutive slices of the snapshot corpus, ids prefixed by the tenant."""
    corpus = snapshot_corpus(docs_per_tenant * len(TENANTS))
    return tuple(
        tuple(
            dataclasses.replace(d, doc_id=f"{name}/{d.doc_id}")
            for d in corpus[i * docs_per_tenant : (i + 1) * docs_per_tenant]
        )
        for i, name in enumerate(TENANTS)
    )


def planned_batches(docs: Sequence[RawDoc], env: RagEnv, batch_units: int) -> int:
    """How many requests the documents need when none fails: per document, its chunks in batches."""
    return sum(-(-len(chunk_doc(clean_doc(d), env)) // batch_units) for d in docs)


@dataclass
class CapstoneSummary:
    """What one run did: counts per tenant and overall (every one but ``elapsed`` is timing-free)."""

    docs: dict[str, int] = field(default_factory=dict)
    stored: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    failures_by_code: Counter[str] = field(default_factory=Counter)
    injected: dict[str, int] | None = None  # the started service's own count; None for --url
    order: list[str] = field(default_factory=list)
    new_rows: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    requests: int = 0
    texts: int = 0
    max_in_flight: int = 0
    rows_in_db: int = 0
    elapsed: float = 0.0

    @property
    def retries(self) -> int:
        """Requests beyond one per planned batch."""
        return self.requests - self.batches

    @property
    def exit_code(self) -> int:
        """0 when every document is stored, 1 when some failed."""
        return 1 if sum(self.failed.values()) else 0

    def table(self, opts: CapstoneOptions, *, timing: bool = True) -> list[str]:
        """The summary as aligned lines; ``timing=False`` leaves out what depends on the machine's speed
        (the elapsed time and the most requests in flight), so the rest is the same on every run."""
        rows = [("tenant", "weight", "docs", "stored", "failed", "new rows")]
        for name, weight in zip(TENANTS, opts.weights, strict=True):
            rows.append((name, str(weight), str(self.docs.get(name, 0)), str(self.stored[name]),
                         str(self.failed[name]), str(self.new_rows[name])))
        rows.append(("total", "", str(sum(self.docs.values())), str(sum(self.stored.values())),
                     str(sum(self.failed.values())), str(sum(self.new_rows.values()))))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join([r[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))])
            for r in rows
        ]
        bound = opts.concurrency * opts.env().embedding_concurrency
        lines += [
            "",
            f"{'batches':<17} {self.batches} (up to {opts.batch_units} chunks each)",
            f"{'requests':<17} {self.requests} ({self.texts} texts)",
            f"{'retries':<17} {self.retries}",
            f"{'first outcomes':<17} {' '.join(self.order[:12])}",
            f"{'injected':<17} {_counts(self.injected) if self.injected is not None else 'unknown (--url)'}",
            f"{'docs failed by':<17} {_counts(self.failures_by_code)}",
            f"{'rows in database':<17} {self.rows_in_db}",
        ]
        if timing:
            lines.append(f"{'in flight at most':<17} {self.max_in_flight} (bound {bound})")
            lines.append(f"{'elapsed':<17} {self.elapsed:.2f} s")
        return lines


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{c} {n}" for c, n in sorted(counts.items()) if n) or "none"


def _tenant(doc_id: str) -> str:
    return doc_id.split("/", 1)[0]


@contextlib.contextmanager
def _service(opts: CapstoneOptions) -> Iterator[tuple[str, Counter[str] | None]]:
    """The service's URL and, when started here, its live count of injected failures."""
    if opts.url is not None:
        yield opts.url, None
        return
    app = create_app(latency_ms=opts.latency_ms, failure_rate=opts.failure_rate, seed=opts.seed,
                     slow_ms=opts.timeout_ms + 1000)  # an injected slow answer outlasts the attempt
    with running_service(app) as url:
        yield url, app.state.stats.failures


async def drive_capstone(
    opts: CapstoneOptions,
    base_url: str,
    db: Path,
    on_outcome: Callable[[DocOutcome], object] = lambda _: None,
) -> CapstoneSummary:
    """Run :func:`rag_ingest_full` once against the service at ``base_url`` and the SQLite file ``db``."""
    tenants = tenant_docs(opts.docs)
    env = opts.env()
    summary = CapstoneSummary(docs={n: len(d) for n, d in zip(TENANTS, tenants, strict=True)})
    summary.batches = planned_batches([d for t in tenants for d in t], env, opts.batch_units)

    def open_run_store() -> contextlib.AbstractAsyncContextManager[ChunkStoreCap]:
        return open_store(db)

    async with httpx.AsyncClient(base_url=base_url, timeout=opts.timeout_ms / 1000 + 2) as client:
        embedder = MeteredEmbedder(HttpEmbedder(client, model_name(DEFAULT_DIM)), lambda _: None)
        stream = rag_ingest_full(tenants, env, embedder, open_run_store, opts.policy())
        started = time.perf_counter()
        async with stream_items(stream) as items:
            async for item in items:
                if not isinstance(item, Ok):  # the pipeline reports failures inside outcomes
                    raise RuntimeError(f"the capstone pipeline emitted {item!r}")
                outcome = item.value
                tenant = _tenant(outcome.doc_id)
                summary.order.append(tenant)
                if outcome.ok:
                    summary.stored[tenant] += 1
                    summary.new_rows[tenant] += outcome.new_rows
                else:
                    summary.failed[tenant] += 1
                    summary.failures_by_code[str(outcome.error)] += 1
                on_outcome(outcome)
        summary.elapsed = time.perf_counter() - started
        async with open_store(db) as store:
            stored = await store.all_chunks()
    summary.requests, summary.texts = embedder.requests, embedder.items
    summary.max_in_flight = embedder.probe.max_in_flight
    summary.rows_in_db = len(stored.value) if isinstance(stored, Ok) else -1
    return summary


def _header(opts: CapstoneOptions, url: str) -> list[str]:
    tenants = ", ".join(f"{n} (weight {w})" for n, w in zip(TENANTS, opts.weights, strict=True))
    started = f"latency {opts.latency_ms:g} ms, failure rate {opts.failure_rate:g}, seed {opts.seed}"
    return [
        f"service   {url} " + ("given by --url" if opts.url else f"started here ({started})"),
        f"tenants   {tenants}, {opts.docs} documents each",
        f"policy    {opts.concurrency} documents in flight, batches of up to {opts.batch_units} chunks, "
        f"{opts.rate:g} requests/s (burst {opts.burst}), "
        f"up to {opts.retry + 1} attempts of {opts.timeout_ms:g} ms",
        "database  a SQLite file in a temporary folder, removed at the end",
    ]


def run_capstone_demo(opts: CapstoneOptions, out: TextIO, err: TextIO) -> CapstoneSummary:
    """Run the capstone from the shell: service, temporary SQLite file, bar on ``err``, table on ``out``."""
    total = opts.docs * len(TENANTS)
    with (
        _service(opts) as (url, injected),
        tempfile.TemporaryDirectory(prefix="funcpipe-capstone-") as folder,
    ):
        print("\n".join(_header(opts, url)), file=out, flush=True)
        with ProgressBar(total, err if opts.progress else io.StringIO(), label="documents") as bar:
            db = Path(folder) / "capstone.sqlite3"
            summary = asyncio.run(drive_capstone(opts, url, db, lambda _: bar.advance()))
        summary.injected = None if injected is None else dict(injected)
    print("", file=out)
    for line in summary.table(opts):
        print(line, file=out)
    return summary


__all__ = [
    "TENANTS",
    "CapstoneOptions",
    "CapstoneSummary",
    "drive_capstone",
    "planned_batches",
    "run_capstone_demo",
    "tenant_docs",
]
