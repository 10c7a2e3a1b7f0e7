"""Hypothesis strategies for the pipeline laws of Core 10: documents, schedules, seeds, cancellation points.

The document ids include the awkward ones (``""``, ``"0"``, ``"None"``,
``"False"``, quotes, a slash, a space, non-ASCII), documents may be empty
(0 chunks), failure rates include 0 and 1, and latencies are uneven.
"""

from __future__ import annotations

from hypothesis import strategies as st

from funcpipe_rag.rag import RawDoc
from funcpipe_rag.testing._pipeline_laws import FailureSchedule, PipelineCase, make_docs

AWKWARD_IDS = ("", "0", "None", "False", "[]", "a'b", 'q"t', "x/y", "two words", "ünï", "%s", "id\\n")
"""Document ids a pipeline must key correctly: falsy-looking, quoting, escaping, non-ASCII."""


def schedules() -> st.SearchStrategy[FailureSchedule]:
    """Failure schedules: any seed, no / some / many / all attempts failing, uneven latencies."""
    return st.builds(
        FailureSchedule,
        seed=st.integers(0, 2**16),
        fail_rate=st.sampled_from([0.0, 0.3, 0.6, 1.0]),
        latencies_ms=st.sampled_from([(1.0, 7.0, 40.0), (0.5, 25.0), (3.0,)]),
    )


@st.composite
def tenant_docs(
    draw: st.DrawFn, tenant: str = "", min_docs: int = 0, max_docs: int = 4
) -> tuple[RawDoc, ...]:
    """The documents of one tenant: ``min_docs`` to ``max_docs`` unique awkward ids, 0 to 3 chunks each."""
    ids = draw(st.lists(st.sampled_from(AWKWARD_IDS), min_size=min_docs, max_size=max_docs, unique=True))
    sizes = draw(st.lists(st.integers(0, 3), min_size=len(ids), max_size=len(ids)))
    return make_docs(ids, sizes, tenant)


@st.composite
def pipeline_cases(
    draw: st.DrawFn, *, tenants: tuple[str, ...] = ("",), cancel: bool = False, min_docs: int = 0
) -> PipelineCase:
    """Cases for the laws: documents per tenant (key-disjoint when the tenant names differ), a schedule,
    an interleaving seed, a concurrency of 1 to 3; with ``cancel``, a cancellation after a random prefix
    of the items, or of the virtual time, whichever comes first.
    """
    docs = tuple(draw(tenant_docs(t, min_docs if i == 0 else 0)) for i, t in enumerate(tenants))
    total = sum(len(d) for d in docs)
    cancel_after = draw(st.integers(0, max(0, total - 1))) if cancel else None
    return PipelineCase(
        tenants=docs,
        schedule=draw(schedules()),
        seed=draw(st.integers(0, 2**16)),
        concurrency=draw(st.integers(1, 3)),
        cancel_after=cancel_after,
        cancel_at=draw(st.sampled_from([None, 0.004, 0.02, 0.05, 0.1])) if cancel else None,
    )
