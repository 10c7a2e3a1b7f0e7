"""Capture the lesson corpus: ``python -m funcpipe_rag.tools.snapshot_corpus``.

Writes the docstrings of the running Python's standard library
(:func:`funcpipe_rag.infra.corpus.stdlib_corpus`, every default module) to
``funcpipe_rag/data/stdlib_docs.jsonl``, one ``{"id", "title", "text"}``
object per line, and prints what ``funcpipe_rag/data/README.md`` and
``SNAPSHOT_PYTHON`` in :mod:`funcpipe_rag.infra.corpus` must then say
(``tests/unit/test_corpus.py`` checks they do).

The snapshot is meant to stay put: replacing it changes the compared outputs
of every notebook and graded test that reads it. Run this only to move the
lessons to new text on purpose, then re-execute the notebooks.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from funcpipe_rag.infra.corpus import SNAPSHOT_FILE, stdlib_corpus
from funcpipe_rag.rag import RawDoc

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "data" / SNAPSHOT_FILE


def corpus_jsonl(docs: Iterable[RawDoc]) -> bytes:
    """``docs`` as JSONL, the format :func:`funcpipe_rag.infra.corpus.parse_corpus` reads back."""
    records = ({"id": d.doc_id, "title": d.title, "text": d.text} for d in docs)
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def describe(data: bytes, documents: int) -> str:
    """The provenance line the data README states for a snapshot file."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{documents} documents, {len(data)} bytes, sha256 {digest}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m funcpipe_rag.tools.snapshot_corpus", description=__doc__)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"default {DEFAULT_OUTPUT}")
    args = parser.parse_args(argv)
    docs = stdlib_corpus()
    data = corpus_jsonl(docs)
    args.output.write_bytes(data)
    print(f"wrote {args.output}")
    print(f"captured from CPython {platform.python_version()}: {describe(data, len(docs))}")
    print("now set SNAPSHOT_PYTHON in funcpipe_rag/infra/corpus.py and update funcpipe_rag/data/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
