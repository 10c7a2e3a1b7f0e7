"""The lesson corpus: a packaged snapshot that is the same on every Python, and where it came from.

The notebooks and graded tests compare outputs computed from this corpus, so
it must not move: these tests pin the file to the provenance line of its
README (count, size, digest, the Python it was captured from), check that it
is well formed and small, that it covers the modules the lessons and the
retrieval questions talk about, and that the capture script writes exactly
what the loader reads back. CI runs them on every supported Python; the
loaded documents are the same on each.
"""

from __future__ import annotations

import platform
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag.infra.corpus import (
    SNAPSHOT_FILE,
    SNAPSHOT_PYTHON,
    parse_corpus,
    snapshot_bytes,
    snapshot_corpus,
    stdlib_corpus,
)
from funcpipe_rag.rag import RawDoc
from funcpipe_rag.tools.snapshot_corpus import DEFAULT_OUTPUT, corpus_jsonl, describe

DATA = Path(__file__).resolve().parents[2] / "funcpipe_rag" / "data"
README = (DATA / "README.md").read_text(encoding="utf-8")


def test_the_loader_reads_the_committed_file() -> None:
    assert DEFAULT_OUTPUT == DATA / SNAPSHOT_FILE
    assert snapshot_bytes() == (DATA / SNAPSHOT_FILE).read_bytes()


def test_the_readme_states_the_snapshot_as_it_is() -> None:
    data = snapshot_bytes()
    docs = snapshot_corpus()
    assert f"captured from CPython {SNAPSHOT_PYTHON} " in README
    provenance = " ".join(README.split())  # the line may wrap
    assert describe(data, len(docs)) in provenance
    assert f"Copyright (c) 2001-{_license_year()} Python Software" in provenance


def _license_year() -> str:
    found = re.search(r"Copyright \(c\) 2001-(\d{4}) Python Software Foundation",
                      (DATA / "LICENSE-PSF.txt").read_text(encoding="utf-8"))
    assert found, "LICENSE-PSF.txt keeps the PSF's copyright notice"
    return found.group(1)


def test_the_snapshot_is_well_formed_and_small() -> None:
    data = snapshot_bytes()
    assert len(data) < 512 * 1024
    docs, bad = parse_corpus(data, SNAPSHOT_FILE)
    assert bad == []
    ids = [d.doc_id for d in docs]
    assert len(ids) == len(set(ids)), "document ids are unique"
    assert all(d.title == d.doc_id and d.text.strip() for d in docs)
    assert data.endswith(b"\n") and b"\r" not in data


def test_the_snapshot_covers_the_modules_the_lessons_ask_about() -> None:
    ids = {d.doc_id for d in snapshot_corpus()}
    for name in ("asyncio.gather", "asyncio.TaskGroup", "asyncio.Semaphore", "asyncio.timeout",
                 "argparse.ArgumentParser", "itertools.batched", "json.dumps", "pathlib.Path",
                 "functools.partial", "contextlib.aclosing", "collections.deque"):
        assert name in ids, name


def test_limit_keeps_the_first_documents() -> None:
    everything = snapshot_corpus()
    assert snapshot_corpus(limit=5) == everything[:5]
    assert everything[0] == RawDoc("abc", "abc", "Abstract Base Classes (ABCs) according to PEP 3119.")


texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1).filter(str.strip)
documents = st.lists(st.builds(RawDoc, texts, texts, texts), max_size=8)


@given(docs=documents)
def test_the_capture_format_reads_back_unchanged(docs: list[RawDoc]) -> None:
    parsed, bad = parse_corpus(corpus_jsonl(docs), "generated")
    assert (parsed, bad) == (docs, [])


def test_the_capture_script_reproduces_the_committed_snapshot() -> None:
    if platform.python_version() == SNAPSHOT_PYTHON:
        # On the Python it was captured from, capturing again gives the same bytes.
        assert corpus_jsonl(stdlib_corpus()) == snapshot_bytes()
    else:
        # Elsewhere the live docstrings differ; the committed file is still exactly what
        # the script writes for its documents, so a new capture is a clean diff.
        assert corpus_jsonl(snapshot_corpus()) == snapshot_bytes()
