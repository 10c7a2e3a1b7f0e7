"""Core 9 against the real local service: the RAG pipeline embeds in batches through ``POST /embed``.

Each test starts its own service on a free loopback port (the fixtures of
``conftest.py``) and counts what the service really received.
"""

from __future__ import annotations

import asyncio
import io
import math
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from funcpipe_rag import ChunkPolicy, Ok, collect_stream
from funcpipe_rag.cli import main
from funcpipe_rag.domain.rag_stream import async_rag_stream, chunk_stream, doc_stream, embed_batched_stream
from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder
from funcpipe_rag.infra.corpus import snapshot_corpus
from funcpipe_rag.infra.demos import RagOptions, run_rag_demo
from funcpipe_rag.infra.service import model_name
from funcpipe_rag.rag import RagEnv, gen_clean_and_chunk

from .conftest import Service, start

DOCS = snapshot_corpus(limit=6)
ENV = RagEnv()


@pytest.fixture
def fresh_service() -> Iterator[Service]:
    """A service of our own, so its request counters start at zero."""
    yield from start()


@pytest.fixture(scope="module")
def failing_service() -> Iterator[Service]:
    """A service whose every /embed request is answered 503."""
    yield from start(failure_rate=1.0, failures=("unavailable",))


async def _run(
    url: str, units: int, delay_ms: float, concurrency: int = 1, per_chunk: bool = False
) -> list[object]:
    async with httpx.AsyncClient(base_url=url, timeout=5.0) as client:
        embedder = HttpEmbedder(client, model_name())
        if per_chunk:
            return list(await collect_stream(async_rag_stream(DOCS, ENV, embedder)))
        chunks = chunk_stream(doc_stream(DOCS), ENV)
        policy: ChunkPolicy[object] = ChunkPolicy(max_units=units, max_delay_ms=delay_ms)
        return list(await collect_stream(embed_batched_stream(chunks, embedder, policy, concurrency)))


@pytest.mark.parametrize(("units", "concurrency"), [(1, 1), (4, 1), (7, 3), (1000, 2)])
def test_batched_embeddings_equal_one_request_per_chunk_with_fewer_requests(
    fresh_service: Service, units: int, concurrency: int
) -> None:
    n = len(list(gen_clean_and_chunk(DOCS, ENV)))
    one_by_one = asyncio.run(_run(fresh_service.url, 1, 0, per_chunk=True))
    assert fresh_service.stats.requests["embed"] == n
    batched = asyncio.run(_run(fresh_service.url, units, 10_000, concurrency))
    assert batched == one_by_one  # same chunks, same vectors, same order
    assert all(isinstance(item, Ok) for item in batched)
    # A fast source fills every batch before its deadline: requests are exactly ceil(n / units).
    assert fresh_service.stats.requests["embed"] == n + math.ceil(n / units)


def test_a_failed_batch_fails_each_of_its_chunks_in_place(failing_service: Service) -> None:
    n = len(list(gen_clean_and_chunk(DOCS, ENV)))
    before = failing_service.stats.requests["embed"]
    items = asyncio.run(_run(failing_service.url, 5, 10_000))
    assert len(items) == n
    assert {type(item).__name__ for item in items} == {"Err"}
    assert {item.error.code for item in items} == {"TRANSIENT"}  # type: ignore[attr-defined]
    assert failing_service.stats.requests["embed"] - before == math.ceil(n / 5)


def test_demo_rag_batches_and_reports_the_calls_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "batched.sqlite3"
    args = ["demo", "rag", "--limit", "8", "--db", str(db), "--latency-ms", "0", "--no-progress"]
    # A deadline far beyond the run: every batch closes by size, so counts are exact on a busy machine too.
    assert main([*args, "--batch-units", "16", "--batch-delay-ms", "60000"]) == 0
    out = capsys.readouterr().out
    chunks = len(list(gen_clean_and_chunk(snapshot_corpus(limit=8), RagEnv())))
    requests = math.ceil(chunks / 16)
    lines = {line[:19].strip(): line[19:].strip() for line in out.splitlines() if len(line) > 19}
    assert lines["batching"] == "up to 16 chunks per request, at most 60000 ms wait"
    assert lines["texts embedded"] == f"{chunks} in {requests} requests"
    assert lines["calls saved"].startswith(f"{chunks - requests} (")
    assert lines["embed requests"].startswith(f"{requests} (")
    assert lines["failures by code"] == "none"
    assert " 1. " in out  # the query was answered from the batched embeddings

    # The same corpus one request per chunk stores exactly the same rows.
    opts = RagOptions(limit=8, latency_ms=0, db=db, progress=False)
    again = run_rag_demo(opts, io.StringIO(), io.StringIO())
    assert again.requests == again.items == chunks
    assert again.report.new_rows == 0 and again.report.already_stored == len(again.report.kept)


def test_demo_rag_batches_fail_as_units_and_are_reported_per_chunk(tmp_path: Path) -> None:
    opts = RagOptions(limit=8, latency_ms=0, db=tmp_path / "f.sqlite3", progress=False, failure_rate=0.5,
                      seed=3, timeout=0.5, batch_units=4, batch_delay_ms=60_000)
    outcome = run_rag_demo(opts, io.StringIO(), io.StringIO())
    report = outcome.report
    assert outcome.items == report.chunks  # no retries: each chunk sent once, in some batch
    assert len(report.kept) + report.duplicates + len(report.failures) == report.chunks
    assert len(report.failures) % 4 in (0, report.chunks % 4)  # whole batches fail: 4 chunks, or the last few
    assert outcome.requests == math.ceil(report.chunks / 4)
