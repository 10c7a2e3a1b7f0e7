"""The instructor demos: the pure plans of :mod:`funcpipe_rag.domain` driven against real parts.

``funcpipe demo user`` (:mod:`._user`), ``funcpipe demo rag``
(:mod:`._rag`) and ``funcpipe demo capstone`` (:mod:`._capstone`); what
they share is in :mod:`._common`.
"""

from funcpipe_rag.infra.demo_defaults import DEFAULT_DB, DEFAULT_QUERY
from funcpipe_rag.infra.demos._capstone import (
    TENANTS,
    CapstoneOptions,
    CapstoneSummary,
    drive_capstone,
    planned_batches,
    run_capstone_demo,
    tenant_docs,
)
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
    "TENANTS",
    "CapstoneOptions",
    "CapstoneSummary",
    "CorpusChoice",
    "DemoError",
    "MeteredEmbedder",
    "RagOptions",
    "RagOutcome",
    "describe",
    "drive_capstone",
    "load_corpus",
    "open_store",
    "planned_batches",
    "read_corpus",
    "run_capstone_demo",
    "run_rag_demo",
    "run_user_demo",
    "tenant_docs",
]
