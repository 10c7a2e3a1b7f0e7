"""The Core 9 lesson's measurements: batching the RAG embeddings against the real local service.

:func:`measure_batching` runs the batched RAG embedding stream
(:func:`funcpipe_rag.domain.rag_stream.embed_batched_stream`) over the real
``POST /embed`` for each policy, with chunks arriving at a steady pace, and
records the requests the service received and each chunk's end-to-end
latency (from arriving at the batcher to leaving the pipeline embedded).
:func:`plot_batching` draws both against the policy. Request counts are
facts of the policy and the stream; latencies are wall-clock measurements
and differ from run to run, so lessons plot them and do not print them.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from funcpipe_rag.domain.effects.async_.stream import ChunkPolicy
from funcpipe_rag.domain.rag_stream import embed_batched_stream
from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder
from funcpipe_rag.infra.runtime import run_sync, stream_items
from funcpipe_rag.infra.service import model_name
from funcpipe_rag.rag import ChunkWithoutEmbedding
from funcpipe_rag.result import ErrInfo, Ok, Result
from funcpipe_rag.teaching._plots import _pyplot

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class BatchRun:
    """One policy run over the real service: what it sent, and how long each chunk took (wall clock)."""

    max_units: int
    max_delay_ms: float
    chunks: int
    requests: int
    failed: int
    latencies_ms: tuple[float, ...]

    @property
    def mean_latency_ms(self) -> float:
        return statistics.fmean(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def worst_latency_ms(self) -> float:
        return max(self.latencies_ms, default=0.0)


class _CountingEmbedder(HttpEmbedder):
    """The real adapter, counting the requests it sends."""

    requests = 0

    async def embed_batch(self, texts: Sequence[str]) -> Result[list[tuple[float, ...]], ErrInfo]:
        self.requests += 1
        return await super().embed_batch(texts)


async def _one_run(
    base_url: str, chunks: Sequence[ChunkWithoutEmbedding], policy: ChunkPolicy[ChunkWithoutEmbedding],
    gap_ms: float, concurrency: int,
) -> BatchRun:
    loop = asyncio.get_running_loop()
    arrived: dict[int, float] = {}

    async def paced() -> AsyncIterator[Result[ChunkWithoutEmbedding, ErrInfo]]:
        for i, chunk in enumerate(chunks):
            if gap_ms and i:
                await asyncio.sleep(gap_ms / 1000)
            arrived[i] = loop.time()
            yield Ok(chunk)

    latencies: list[float] = []
    failed = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=10.0) as client:
        embedder = _CountingEmbedder(client, model_name())
        stream = embed_batched_stream(paced, embedder, policy, concurrency)
        async with stream_items(stream) as items:
            async for i, item in _enumerate(items):
                latencies.append((loop.time() - arrived[i]) * 1000)
                failed += not isinstance(item, Ok)
    return BatchRun(policy.max_units, policy.max_delay_ms, len(chunks), embedder.requests, failed,
                    tuple(latencies))


async def _enumerate(items: AsyncIterator[object]) -> AsyncIterator[tuple[int, object]]:
    i = 0
    async for item in items:
        yield i, item
        i += 1


def measure_batching(
    base_url: str,
    chunks: Sequence[ChunkWithoutEmbedding],
    policies: Sequence[ChunkPolicy[ChunkWithoutEmbedding]],
    *,
    gap_ms: float = 0.0,
    concurrency: int = 1,
    progress: object = None,
) -> list[BatchRun]:
    """Embed ``chunks`` through the service at ``base_url`` once per policy; one :class:`BatchRun` each.

    Chunks arrive ``gap_ms`` apart (``0``: as fast as they are pulled).
    ``progress`` is an optional ``tqdm`` bar, advanced once per policy.
    """
    runs: list[BatchRun] = []
    for policy in policies:

        async def one(policy: ChunkPolicy[ChunkWithoutEmbedding] = policy) -> BatchRun:
            return await _one_run(base_url, chunks, policy, gap_ms, concurrency)

        runs.append(run_sync(one))
        update = getattr(progress, "update", None)
        if update is not None:
            update(1)
    return runs


def plot_batching(runs: Sequence[BatchRun], *, title: str = "") -> Figure:
    """Requests made and end-to-end latency per chunk against ``max_units``, one line per ``max_delay_ms``."""
    plt = _pyplot()
    fig: Figure
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    for n, delay in enumerate(sorted({r.max_delay_ms for r in runs})):
        mine = sorted((r for r in runs if r.max_delay_ms == delay), key=lambda r: r.max_units)
        units = [r.max_units for r in mine]
        label, color = f"max_delay_ms={delay:g}", f"C{n}"
        left.plot(units, [r.requests for r in mine], marker="o", color=color, label=label)
        right.plot(units, [r.mean_latency_ms for r in mine], marker="o", color=color, label=f"{label} (mean)")
        right.plot(units, [r.worst_latency_ms for r in mine], marker="x", linestyle=":", color=color,
                   label=f"{label} (worst)")
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("max_units (chunks per request at most)")
        ax.legend(fontsize=8)
    if runs:
        left.axhline(runs[0].chunks, color="grey", linestyle="--", linewidth=1)
        left.text(1, runs[0].chunks, " one request per chunk", va="bottom", fontsize=8, color="grey")
    left.set_ylabel("requests to /embed")
    right.set_ylabel("end-to-end latency per chunk (ms)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)
    return fig
