"""The instructor demos: the pure plans of :mod:`funcpipe_rag.domain` driven against real parts.

``funcpipe demo user`` (:mod:`._user`) and ``funcpipe demo rag``
(:mod:`._rag`); what they share is in :mod:`._common`.
"""

from funcpipe_rag.infra.demo_defaults import DEFAULT_DB, DEFAULT_QUERY
from funcpipe_rag.infra.demos._common import DemoError, describe, open_store
from funcpipe_rag.infra.demos._rag import (
    CorpusChoice,
    MeteredEmbedder,
    RagOptions,
    RagOutcome,
    load_corpus,
    read_corpus,
    run_rag_demo,
)
from funcpipe_rag.infra.demos._user import run_user_demo

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_QUERY",
    "CorpusChoice",
    "DemoError",
    "MeteredEmbedder",
    "RagOptions",
    "RagOutcome",
    "describe",
    "load_corpus",
    "open_store",
    "read_corpus",
    "run_rag_demo",
    "run_user_demo",
]
