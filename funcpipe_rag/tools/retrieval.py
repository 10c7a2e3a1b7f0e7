"""How well ``funcpipe demo rag`` answers: the learner question set, asked against the real parts.

``python -m funcpipe_rag.tools.retrieval [--corpus snapshot|stdlib|FILE] [--top-k 5]``
ingests the corpus exactly as the demo does (the local service embeds every
chunk, SQLite stores them), then asks every question of
``funcpipe_rag/data/questions.toml`` through the same ``search`` plan the
demo drives, and prints, per question, the modules of the top chunks and
whether the module that answers it is among them. The integration tests run
the same function on the packaged corpus.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import httpx

from funcpipe_rag.domain.ingest import ingest_chunks
from funcpipe_rag.domain.search import search
from funcpipe_rag.infra.adapters.embedding_client import HttpEmbedder
from funcpipe_rag.infra.demos import CorpusChoice, load_corpus, open_store
from funcpipe_rag.infra.runtime import perform_async
from funcpipe_rag.infra.service import model_name, running_service
from funcpipe_rag.rag import DEFAULT_DIM, RagEnv, gen_clean_and_chunk


@dataclass(frozen=True, slots=True)
class Question:
    """A learner's question and the standard-library module whose docstrings answer it."""

    text: str
    module: str


@dataclass(frozen=True, slots=True)
class Answer:
    """The modules of the top chunks for one question (best first)."""

    question: Question
    modules: tuple[str, ...]
    labels: tuple[str, ...]

    @property
    def found(self) -> bool:
        return self.question.module in self.modules


def questions() -> list[Question]:
    """The question set shipped with the package (``funcpipe_rag/data/questions.toml``)."""
    text = resources.files("funcpipe_rag").joinpath("data/questions.toml").read_text(encoding="utf-8")
    return [Question(q["text"], q["module"]) for q in tomllib.loads(text)["question"]]


def module_of(doc_id: str) -> str:
    """The top-level module a corpus document belongs to (``asyncio.gather`` → ``asyncio``)."""
    return doc_id.split(".", 1)[0]


async def _ask(corpus: CorpusChoice, asked: Sequence[Question], top_k: int, db: Path) -> list[Answer]:
    docs, _bad, _source = load_corpus(corpus)
    chunks = list(gen_clean_and_chunk(docs, RagEnv()))
    with running_service(latency_ms=0.0) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10.0) as client, open_store(db) as store:
            embedder = HttpEmbedder(client, model_name(DEFAULT_DIM))
            (await perform_async(ingest_chunks(chunks, embedder, store, 32))).unwrap()
            answers = []
            for q in asked:
                hits = (await perform_async(search(q.text, embedder, store, top_k))).unwrap()
                answers.append(Answer(q, tuple(module_of(h.chunk.doc_id) for h in hits),
                                      tuple(f"{h.chunk.doc_id}#{h.chunk.index}" for h in hits)))
    return answers


def ask_all(corpus: CorpusChoice = "snapshot", top_k: int = 5, asked: Sequence[Question] | None = None,
            db: Path | None = None) -> list[Answer]:
    """Ingest ``corpus`` through the local service into SQLite and ask every question."""
    with tempfile.TemporaryDirectory(prefix="funcpipe-retrieval-") as scratch:
        where = db or Path(scratch) / "retrieval.sqlite3"
        return asyncio.run(_ask(corpus, list(questions() if asked is None else asked), top_k, where))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m funcpipe_rag.tools.retrieval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="snapshot", help="snapshot (default), stdlib, or a JSONL file")
    parser.add_argument("--top-k", type=int, default=5)
    args = parser.parse_args(argv)
    corpus: CorpusChoice = args.corpus if args.corpus in ("snapshot", "stdlib") else Path(args.corpus)
    answers = ask_all(corpus, args.top_k)
    for a in answers:
        mark = "yes" if a.found else "NO "
        print(f"{mark}  {a.question.module:<12} {a.question.text}")
        print(f"       top {args.top_k}: {', '.join(a.labels)}")
    found = sum(a.found for a in answers)
    first = sum(bool(a.modules) and a.modules[0] == a.question.module for a in answers)
    print(f"\n{found}/{len(answers)} answered from the right module in the top {args.top_k} "
          f"({100 * found / len(answers):.0f}%); {first}/{len(answers)} at rank 1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
