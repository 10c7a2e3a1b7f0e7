"""Resilience against the real local service: Retry-After arrives as data, and the RAG demo with
``--retry`` and ``--timeout-ms`` stores every chunk exactly once at a 20% failure rate."""

from __future__ import annotations

import io
import random
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from funcpipe_rag import Err, ResilienceEnv, RetryPolicy, TimeoutPolicy, async_lift, async_with_resilience
from funcpipe_rag.cli import main
from funcpipe_rag.domain.chunk_ids import chunk_key
from funcpipe_rag.domain.errors import INFRA_CODES, RETRY_AFTER_MS
from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder
from funcpipe_rag.infra.corpus import snapshot_corpus
from funcpipe_rag.infra.demos import RagOptions, run_rag_demo
from funcpipe_rag.infra.service import create_app, model_name
from funcpipe_rag.rag import RagEnv, gen_clean_and_chunk, structural_dedup_chunks

from .conftest import Service, start

DOCS = 30


@pytest.fixture(scope="module")
def rate_limited() -> Iterator[Service]:
    """Every data request answers 429 with ``Retry-After: 1``."""
    yield from start(failure_rate=1.0, failures=("rate_limit",))


async def test_a_429_carries_its_retry_after_into_the_error(rate_limited: Service) -> None:
    async with httpx.AsyncClient(base_url=rate_limited.url) as client:
        got = await HttpEmbedder(client, model_name()).embed("text")
    assert isinstance(got, Err) and got.error.code == "RATE_LIMIT"
    assert got.error.ctx == {RETRY_AFTER_MS: 1000.0}


async def test_the_policy_waits_what_the_service_asked_then_gives_up_with_its_code(
    rate_limited: Service,
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)  # recorded, not waited: the wait itself is checked in virtual time

    async with httpx.AsyncClient(base_url=rate_limited.url) as client:
        embedder = HttpEmbedder(client, model_name())
        plan = async_with_resilience(async_lift(lambda: embedder.embed("text")),
                                     RetryPolicy(3, backoff_base_ms=10, max_backoff_ms=5_000),
                                     TimeoutPolicy(2_000), ResilienceEnv(random.Random(0), sleep))
        got = await plan()
    assert slept == [1.0, 1.0]
    assert isinstance(got, Err) and got.error.code == "RATE_LIMIT"
    assert got.error.ctx is not None and got.error.ctx["attempts"] == 3


async def test_a_client_hanging_up_before_its_body_is_read_is_no_server_error() -> None:
    # What an attempt cancelled at its deadline can do; the service must answer quietly, not crash.
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/embed", "raw_path": b"/embed", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json"), (b"content-length", b"20")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2)}
    await create_app()(scope, receive, send)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 499


def _stored(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM chunks")]


def test_demo_with_retries_stores_every_chunk_exactly_once(tmp_path: Path) -> None:
    db = tmp_path / "rag.sqlite3"
    opts = RagOptions(failure_rate=0.2, seed=5, limit=DOCS, latency_ms=0, timeout=2.0, db=db, progress=False,
                      retry=6, timeout_ms=300)
    out = io.StringIO()
    outcome = run_rag_demo(opts, out, io.StringIO())

    chunks = list(gen_clean_and_chunk(snapshot_corpus(limit=DOCS), RagEnv(chunk_size=opts.chunk_size)))
    distinct = {chunk_key(model_name(), c.text.content) for c in chunks}
    rows = _stored(db)
    assert outcome.report.failures == () and outcome.exit_code == 0
    assert sum(outcome.service_failures.values()) > 0  # failures did happen, and were retried away
    assert outcome.requests > len(chunks)
    assert len(rows) == len(set(rows)) == len(distinct)  # every chunk once, none twice
    assert set(rows) == distinct
    assert re.search(r"^failures by code +none$", out.getvalue(), re.M)
    assert len(structural_dedup_chunks(list(outcome.report.kept))) == len(rows)


def test_demo_reports_failures_by_their_real_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "rag.sqlite3"
    argv = ["demo", "rag", "--limit", str(DOCS), "--latency-ms", "0", "--no-progress", "--db", str(db),
            "--failure-rate", "0.5", "--seed", "3", "--retry", "1", "--timeout-ms", "200"]
    assert main(argv) == 1
    printed = capsys.readouterr()
    by_code = next(line for line in printed.out.splitlines() if line.startswith("failures by code"))
    codes = {part.split()[0] for part in by_code.removeprefix("failures by code").split(",")}
    assert codes and codes <= {str(c) for c in INFRA_CODES}  # RATE_LIMIT, TRANSIENT, TIMEOUT
    assert "up to 2 attempts per chunk, 200 ms each" in printed.out
    assert "MAX_RETRIES" not in printed.out + printed.err


def test_the_retry_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "rag", "--retry", "-1"])
    with pytest.raises(SystemExit):
        main(["demo", "rag", "--timeout-ms", "0"])
    assert "must be" in capsys.readouterr().err


