"""Core 9: the requests batching saves, what it costs each chunk in latency, and its cost per item.

* **Requests and latency in virtual time.** The RAG embedding stream
  (``embed_batched_stream``) over the snapshot corpus's chunks, arriving on
  a seeded schedule of bursts and stalls, against an in-process embedder that
  takes ``BASE_MS`` plus ``PER_TEXT_MS`` per text for each request, with up to
  ``CONCURRENCY`` requests at once. One run per ``ChunkPolicy``: the requests
  made, each chunk's latency from arriving at the batcher to leaving the
  pipeline embedded, and the oldest a batch was when its request started (the
  delay bound says at most ``max_delay_ms``). One more run allows only
  ``FEW_SLOTS`` requests at once: then a batch also waits for a free request
  (backpressure: the batcher is not pulled while every slot is busy), and its
  request starts later than ``max_delay_ms`` after its first chunk, which the
  table shows. All of it on the virtual-time loop: the figures are facts of the
  policy and the schedule, the same on every run and every machine; only the
  wall time to compute them varies.
* **Cost per item.** ``async_gen_chunk`` over a list of ready items (every
  batch full, no deadline reached), less the same list collected without it:
  microseconds per item, wall clock.
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from bench.common import Settings, Table, clean_slate, log, summary
from funcpipe_rag import ChunkPolicy, ErrInfo, Ok, Result, async_gen_chunk, async_gen_from_list
from funcpipe_rag.domain.rag_stream import embed_batched_stream
from funcpipe_rag.infra.corpus import snapshot_corpus
from funcpipe_rag.infra.runtime import collect_stream, stream_items
from funcpipe_rag.rag import ChunkWithoutEmbedding, RagEnv, gen_clean_and_chunk
from funcpipe_rag.testing import run_virtual

BASE_MS, PER_TEXT_MS, CONCURRENCY, FEW_SLOTS = 20.0, 0.5, 16, 2
POLICIES = ((1, 0.0, CONCURRENCY), (8, 5.0, CONCURRENCY), (16, 20.0, CONCURRENCY), (32, 50.0, CONCURRENCY),
            (64, 200.0, CONCURRENCY), (8, 5.0, FEW_SLOTS))
"""(max_units, max_delay_ms, requests at once); (1, 0) is one request per chunk."""


class VirtualEmbedder:
    """An embedder that answers after BASE_MS + PER_TEXT_MS per text of virtual time, and keeps count."""

    model_name = "bench-virtual"

    def __init__(self, arrived: dict[int, float]) -> None:
        self.arrived = arrived
        self.requests = 0
        self.texts_sent = 0
        self.oldest_ms = 0.0

    async def embed(self, text: str) -> Result[tuple[float, ...], ErrInfo]:
        answer = await self.embed_batch([text])
        return Ok(answer.value[0]) if isinstance(answer, Ok) else answer

    async def embed_batch(self, texts: Sequence[str]) -> Result[list[tuple[float, ...]], ErrInfo]:
        now = asyncio.get_running_loop().time()
        first = self.texts_sent  # batches start in stream order: the first text is the next chunk
        self.requests += 1
        self.texts_sent += len(texts)
        self.oldest_ms = max(self.oldest_ms, (now - self.arrived[first]) * 1000)
        await asyncio.sleep((BASE_MS + PER_TEXT_MS * len(texts)) / 1000)
        return Ok([(float(len(t)),) for t in texts])


def gaps_ms(seed: int, n: int) -> list[float]:
    """The silence before each chunk: bursts of quick chunks, now and then a stall of up to a second."""
    rng = random.Random(seed)
    return rng.choices([0.0, 1.0, 5.0, 30.0, 1_000.0], weights=[60, 15, 10, 10, 5], k=n)


def _run_policy(chunks: Sequence[ChunkWithoutEmbedding], gaps: Sequence[float],
                policy: ChunkPolicy[ChunkWithoutEmbedding], slots: int) -> dict[str, Any]:
    arrived: dict[int, float] = {}
    embedder = VirtualEmbedder(arrived)

    async def paced() -> AsyncIterator[Result[ChunkWithoutEmbedding, ErrInfo]]:
        loop = asyncio.get_running_loop()
        for i, (chunk, gap) in enumerate(zip(chunks, gaps, strict=True)):
            await asyncio.sleep(gap / 1000)
            arrived[i] = loop.time()
            yield Ok(chunk)

    async def main() -> list[float]:
        loop = asyncio.get_running_loop()
        latencies: list[float] = []
        async with stream_items(embed_batched_stream(paced, embedder, policy, slots)) as items:
            async for item in items:
                assert isinstance(item, Ok), item
                latencies.append((loop.time() - arrived[len(latencies)]) * 1000)
        return latencies

    t0 = time.perf_counter()
    latencies, _ = run_virtual(main)
    wall = time.perf_counter() - t0
    return {
        "max_units": policy.max_units, "max_delay_ms": policy.max_delay_ms, "slots": slots,
        "chunks": len(chunks),
        "requests": embedder.requests, "mean_latency_ms": statistics.fmean(latencies),
        "worst_latency_ms": max(latencies), "oldest_batch_ms": embedder.oldest_ms, "wall_s": wall,
    }


def _virtual(settings: Settings) -> dict[str, Any]:
    n = 200 if settings.quick else 1_000
    chunks = list(gen_clean_and_chunk(snapshot_corpus(), RagEnv(chunk_size=200)))[:n]
    gaps = gaps_ms(2026, len(chunks))
    rows = [_run_policy(chunks, gaps, ChunkPolicy(max_units=u, max_delay_ms=d), k) for u, d, k in POLICIES]
    for row in rows:
        log(settings, f"batching {row['max_units']}/{row['max_delay_ms']:g} ms: {row['requests']} requests, "
                      f"mean latency {row['mean_latency_ms']:.1f} virtual ms")
    return {"chunks": len(chunks), "rows": rows}


async def _bare(n: int) -> int:
    return len(await collect_stream(async_gen_from_list(range(n))))


async def _chunked(n: int) -> int:
    batches = await collect_stream(async_gen_chunk(async_gen_from_list(range(n)), ChunkPolicy(64, 50)))
    return sum(len(b.value) for b in batches if isinstance(b, Ok))


async def _overhead(settings: Settings) -> dict[str, Any]:
    n = 10_000 if settings.quick else 50_000
    extra: list[float] = []
    for _ in range(settings.reps):
        clean_slate()
        t0 = time.perf_counter()
        assert await _chunked(n) == n
        t1 = time.perf_counter()
        assert await _bare(n) == n
        t2 = time.perf_counter()
        extra.append(((t1 - t0) - (t2 - t1)) / n * 1e6)
    log(settings, f"batching: async_gen_chunk costs {statistics.median(extra):.2f} us per item")
    return {"items": n, "us_per_item": summary(extra)}


async def run(settings: Settings) -> dict[str, Any]:
    return {"virtual": _virtual(settings), "overhead": await _overhead(settings)}


def beyond_bound_ms(result: dict[str, Any]) -> float:
    """How much later than max_delay_ms the oldest batch's request started (runs with enough slots)."""
    rows = [r for r in result["virtual"]["rows"] if r["max_delay_ms"] and r["slots"] == CONCURRENCY]
    return max(0.0, *(r["oldest_batch_ms"] - r["max_delay_ms"] for r in rows))


def tables(result: dict[str, Any]) -> list[Table]:
    v = result["virtual"]
    t = Table(
        f"Batching in virtual time: {v['chunks']} chunks in bursts and stalls, /embed at {BASE_MS:g} ms "
        f"+ {PER_TEXT_MS:g} ms per text",
        ["max_units / max_delay_ms", "requests at once", "requests", "fewest possible",
         "latency per chunk, virtual ms (mean / worst)", "oldest batch at its request, ms", "wall s"],
    )  # fmt: skip
    for r in v["rows"]:
        fewest = math.ceil(r["chunks"] / r["max_units"])
        t.add(f"{r['max_units']} / {r['max_delay_ms']:g}", r["slots"], r["requests"], fewest,
              f"{r['mean_latency_ms']:.1f} / {r['worst_latency_ms']:.1f}", f"{r['oldest_batch_ms']:.1f}",
              f"{r['wall_s']:.2f}")  # fmt: skip
    o = result["overhead"]["us_per_item"]
    c = Table(f"Batching: cost per item of async_gen_chunk, {result['overhead']['items']:,} ready items",
              ["what", "us per item (median [min-max])"])
    c.add("async_gen_chunk(max_units=64), less the bare stream",
          f"{o['median']:.2f} [{o['min']:.2f}-{o['max']:.2f}]")
    return [t, c]
