"""The instructor demos and ``funcpipe serve``, run as a user would run them.

The demos start their own service on a free loopback port; each test gives
them a temporary SQLite file and a small ``--limit`` so the folder stays fast.
"""

from __future__ import annotations

import io
import json
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from funcpipe_rag.cli import main
from funcpipe_rag.domain.chunk_ids import chunk_key, chunk_label
from funcpipe_rag.domain.errors import INFRA_CODES
from funcpipe_rag.infra.corpus import SNAPSHOT_PYTHON, snapshot_corpus, stdlib_corpus
from funcpipe_rag.infra.demos import RagOptions, run_rag_demo
from funcpipe_rag.infra.service import model_name
from funcpipe_rag.rag import RagEnv, gen_clean_and_chunk

QUIET = ["--latency-ms", "0", "--no-progress"]


def _err_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _summary(text: str, name: str) -> str:
    for line in text.splitlines():
        if line.startswith(name):
            return line[len(name):].strip()
    raise AssertionError(f"no {name!r} line in:\n{text}")


def _row_ids(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM chunks")]


# ---- funcpipe demo user --------------------------------------------------------------------


def test_demo_user_saves_and_replays(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "user", "3", "--db", str(db_path)]) == 0
    assert main(["demo", "user", "3", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "requests so far: 0" in out  # building the plan sent nothing
    assert "users(id='3', name='Grace Hopper', email='grace.hopper@example.org')" in out
    assert "equal results: True; rows with this id: 1" in out
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT id, name FROM users").fetchall() == [("3", "Grace Hopper")]


def test_demo_user_unknown_id(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "user", "999", "--db", str(db_path)]) == 1
    err = _err_lines(capsys.readouterr().err)
    assert len(err) == 1
    assert "'999'" in err[0] and "NOT_FOUND" in err[0]


@pytest.mark.parametrize("where", ["directory", "missing folder"])
def test_demo_user_unwritable_database(
    tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path if where == "directory" else tmp_path / "no" / "such" / "x.sqlite3"
    assert main(["demo", "user", "1", "--db", str(db)]) == 2
    err = _err_lines(capsys.readouterr().err)
    assert len(err) == 1
    assert "database" in err[0] and str(db) in err[0]


# ---- funcpipe demo rag ---------------------------------------------------------------------


def test_demo_rag_stores_answers_and_reruns_without_new_rows(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["demo", "rag", "--limit", "8", "--db", str(db_path), "--concurrency", "3", *QUIET]
    assert main([*args, "--query", "abstract base classes"]) == 0
    first = capsys.readouterr().out
    stored = int(_summary(first, "stored (new rows)"))
    assert stored > 0
    assert _summary(first, "failures by code") == "none"
    assert int(_summary(first, "largest in flight").split()[0]) <= 3
    assert " 1. " in first  # the query was answered

    chunks = len(list(gen_clean_and_chunk(snapshot_corpus(limit=8), RagEnv())))
    snapshot = f"snapshot of the Python {SNAPSHOT_PYTHON} standard library docstrings"
    assert _summary(first, "corpus") == f"{snapshot}: 8 documents, {chunks} chunks"

    assert main(args) == 0
    second = capsys.readouterr().out
    assert _summary(second, "stored (new rows)") == "0"
    assert _summary(second, "already stored") == str(stored)
    assert len(_row_ids(db_path)) == stored


def test_demo_rag_reads_the_live_standard_library_on_request(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["demo", "rag", "--corpus", "stdlib", "--limit", "3", "--db", str(db_path), *QUIET]
    assert main(args) == 0
    corpus = _summary(capsys.readouterr().out, "corpus")
    live = f"live Python {platform.python_version()} standard library docstrings (they vary by version)"
    chunks = len(list(gen_clean_and_chunk(stdlib_corpus(limit=3), RagEnv())))
    assert corpus == f"{live}: 3 documents, {chunks} chunks"


def test_demo_rag_reports_malformed_lines_and_processes_the_rest(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus.jsonl"
    lines = [
        json.dumps({"id": "q", "title": "Queues", "text": "A bounded queue applies backpressure."}),
        "{not json",
        json.dumps({"id": "t", "text": "Tasks run coroutines concurrently."}),
        json.dumps({"id": "x", "title": "no text"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": "q2", "title": "Copy", "text": "A bounded queue applies backpressure."}),
    ]
    corpus.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe\n")
    code = main(["demo", "rag", "--corpus", str(corpus), "--db", str(db_path), "--query", "queue", *QUIET])
    captured = capsys.readouterr()
    assert code == 1
    err = _err_lines(captured.err)
    prefix = f"funcpipe demo rag: {corpus}:"
    assert all(line.startswith(prefix) for line in err)
    assert [line[len(prefix):].split(":")[0] for line in err] == ["2", "4", "5", "8"]
    assert _summary(captured.out, "documents") == "3"
    assert _summary(captured.out, "duplicates dropped") == "1"
    assert _summary(captured.out, "stored (new rows)") == "2"
    assert "q#0" in captured.out  # the answer


def test_demo_rag_unreadable_corpus(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.jsonl"
    assert main(["demo", "rag", "--corpus", str(missing), "--db", str(db_path), *QUIET]) == 2
    err = _err_lines(capsys.readouterr().err)
    assert len(err) == 1
    assert "cannot read corpus" in err[0] and str(missing) in err[0]


def test_demo_rag_unwritable_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "rag", "--limit", "2", "--db", str(tmp_path), *QUIET]) == 2
    err = _err_lines(capsys.readouterr().err)
    assert len(err) == 1 and "cannot open database" in err[0]


def test_failure_injection_loses_and_duplicates_no_chunk(db_path: Path) -> None:
    """At a 20% failure rate every chunk is stored once or reported with its code."""
    opts = RagOptions(
        failure_rate=0.2, seed=11, limit=40, latency_ms=0, timeout=0.5, db=db_path, progress=False
    )
    out, err = io.StringIO(), io.StringIO()
    outcome = run_rag_demo(opts, out, err)
    report = outcome.report

    chunks = list(gen_clean_and_chunk(snapshot_corpus(limit=40), RagEnv(chunk_size=opts.chunk_size)))
    keys = {chunk_label(c): chunk_key(model_name(), c.text.content) for c in chunks}
    failed = {chunk_label(f.chunk): f.error.code for f in report.failures}
    rows = _row_ids(db_path)

    assert report.chunks == len(chunks)
    assert len(report.kept) + report.duplicates + len(report.failures) == len(chunks)
    assert len(failed) == len(report.failures) > 0  # each failure reported once
    assert set(failed.values()) <= INFRA_CODES
    assert len(rows) == len(set(rows)) == report.new_rows  # no row written twice
    for label, key in keys.items():
        if label not in failed:
            assert key in rows, f"{label} was neither stored nor reported"
    assert set(rows) <= {keys[label] for label in keys if label not in failed}
    assert outcome.exit_code == 1
    assert outcome.max_in_flight <= opts.concurrency
    for code, count in report.failures_by_code().items():
        assert f"{code} {count}" in out.getvalue()

    # Without failures, a second run stores exactly what is missing and nothing twice.
    again = run_rag_demo(
        RagOptions(limit=40, latency_ms=0, db=db_path, progress=False), io.StringIO(), io.StringIO()
    )
    assert again.report.failures == ()
    assert sorted(_row_ids(db_path)) == sorted(set(keys.values()))
    assert again.report.already_stored == len(rows)


# ---- funcpipe serve --------------------------------------------------------------------------


def test_serve_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = _err_lines(capsys.readouterr().err)
    assert len(err) == 1 and f"port {port}" in err[0] and "in use" in err[0]


def test_serve_answers_and_stops_on_interrupt() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "funcpipe_rag.cli", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        url = banner.split()[2]
        assert url.startswith("http://127.0.0.1:")
        user = httpx.get(f"{url}/users/1", timeout=5.0)  # the socket is bound before the banner
        assert user.json()["name"] == "Ada Lovelace"
        embedded = httpx.post(f"{url}/embed", json={"texts": ["a", "b"]}, timeout=5.0).json()
        assert embedded["model"] == model_name() and len(embedded["vectors"]) == 2
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
