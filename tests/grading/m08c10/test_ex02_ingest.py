"""Graded: exercise 2, an ingestion a re-run, a retry and a cancellation cannot break (``ex02_ingest.py``).

The observer runs the learner's ``ingest`` the way the laws of Core 10 run a
pipeline (``funcpipe_rag.testing.run_pipeline``): in virtual time on a
seeded interleaving loop, against the real SQLite store in a file of a fresh
temporary folder, with an embedder that fails and takes uneven times by a
seeded schedule. It runs once, twice on the same file, or cancelled after a
prefix of the items or at a moment inside a document's work, and reports
the facts: items, every embedder call, the store's counters (connections,
write calls, rows changed), the tasks left and the rows. The judges compare
them with what the schedule implies, computed here. Document ids include
``""``, ``"0"``, ``"None"``, ``"False"`` and ids needing escaping; documents
may have no chunk.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from funcpipe_rag.grading.harness import graded, load, observe, observer, require

EXERCISE = "ex02_ingest"
TITLE = "An ingestion that survives re-runs and cancellation"
EXAMPLES = 12

# ---- next to the learner's code -------------------------------------------------------------


class Case(TypedDict):
    docs: list[tuple[str, int]]  # (doc id, chunks)
    seed: int
    fail_rate: float
    latencies: list[float]
    interleave: int
    concurrency: int
    cancel_after: int | None
    cancel_at: float | None
    runs: NotRequired[int]  # runs on the same store file (set by the judge, not drawn)
    later: NotRequired[list[tuple[str, int]]]  # the documents of the runs after the first (default: docs)
    store_fails: NotRequired[bool]  # every upsert_chunks answers Err(DB)


class RunFacts(TypedDict):
    items: list[Any]  # [doc_id, chunk_ids, new_rows, error] per Ok(DocOutcome), else its repr
    attempts: list[Any]  # [key, attempt, code, started, finished]
    opened: int
    closed: int
    write_calls: int
    rows_changed: int
    leftover: list[str]
    rows: list[Any]  # [id, doc_id, idx]
    cancelled: bool


class Built(TypedDict):
    opened: int
    calls: int


def _schedule(case: Case) -> Any:
    from funcpipe_rag.testing import FailureSchedule

    return FailureSchedule(seed=case["seed"], fail_rate=case["fail_rate"],
                           latencies_ms=tuple(case["latencies"]))


def _docs(case: Case, run: int = 0) -> Any:
    from funcpipe_rag.testing import make_docs

    docs = case["docs"] if run == 0 else case.get("later", case["docs"])
    return make_docs([d for d, _ in docs], [n for _, n in docs])


def _failing_store() -> Any:
    """The SQLite store whose every write answers ``Err(DB)`` and writes nothing."""
    from funcpipe_rag import Err, ErrInfo
    from funcpipe_rag.infra.adapters.sqlite import SqliteStore

    class FullDisk(SqliteStore):
        async def upsert_chunks(self, chunks: Any) -> Any:
            return Err(ErrInfo("DB", "database or disk is full"))

    return FullDisk


@observer
def ingest_runs(case: Case) -> list[RunFacts]:
    """``case["runs"]`` runs of the learner's ingest on one fresh SQLite file, as facts."""
    from funcpipe_rag import Ok
    from funcpipe_rag.domain.rag_pipeline import DocOutcome
    from funcpipe_rag.infra.adapters.sqlite import SqliteStore
    from funcpipe_rag.testing import PIPELINE_ENV, PipelineCase, run_pipeline

    ingest = require(load(EXERCISE), "ingest")

    def pipeline(tenants: Any, embedder: Any, open_store: Any, concurrency: int) -> Any:
        docs = [d for t in tenants for d in t]
        return ingest(docs, PIPELINE_ENV, embedder, open_store, concurrency=concurrency)

    def item(x: object) -> object:
        if isinstance(x, Ok) and isinstance(x.value, DocOutcome):
            v = x.value
            return [v.doc_id, list(v.chunk_ids), v.new_rows, v.error]
        return repr(x)[:300]

    store_type = _failing_store() if case.get("store_fails") else SqliteStore
    out: list[RunFacts] = []
    with tempfile.TemporaryDirectory(prefix="funcpipe-ex02-") as tmp:
        path = Path(tmp) / "store.sqlite"
        for k in range(case.get("runs", 1)):
            run_case = PipelineCase((_docs(case, k),), _schedule(case), seed=case["interleave"],
                                    concurrency=case["concurrency"], cancel_after=case["cancel_after"],
                                    cancel_at=case["cancel_at"])
            run = run_pipeline(pipeline, run_case, path, store_type=store_type)
            out.append({
                "items": [item(x) for x in run.items],
                "attempts": [[a.key, a.attempt, a.code, a.started, a.finished] for a in run.attempts],
                "opened": run.opened, "closed": run.closed, "write_calls": run.write_calls,
                "rows_changed": run.rows_changed, "leftover": list(run.leftover_tasks),
                "rows": [list(r) for r in run.rows], "cancelled": run.cancelled,
            })
    return out


@observer
def building(case: Case) -> Built:
    """Build the learner's stream on a probed store and a scheduled embedder and let the loop turn."""
    from funcpipe_rag.testing import PIPELINE_ENV, ScheduledEmbedder, StoreProbe, probed_store, run_virtual

    ingest = require(load(EXERCISE), "ingest")
    embedder, probe = ScheduledEmbedder(_schedule(case)), StoreProbe()

    async def main() -> None:
        with tempfile.TemporaryDirectory(prefix="funcpipe-ex02-") as tmp:
            ingest(list(_docs(case)), PIPELINE_ENV, embedder, probed_store(Path(tmp) / "s.sqlite", probe),
                   concurrency=case["concurrency"])
            for _ in range(5):
                await asyncio.sleep(0)

    run_virtual(main)
    return {"opened": probe.opened, "calls": len(embedder.attempts)}


# ---- the grader's side ------------------------------------------------------------------------

from collections import Counter  # noqa: E402

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)
from hypothesis import strategies as st  # noqa: E402

from funcpipe_rag.domain.chunk_ids import chunk_key  # noqa: E402
from funcpipe_rag.rag import chunk_doc, clean_doc  # noqa: E402
from funcpipe_rag.testing import AWKWARD_IDS, PIPELINE_ENV, FailureSchedule, ScheduledEmbedder, Strata  # noqa: E402

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}
ATTEMPTS = 3
MODEL = ScheduledEmbedder(FailureSchedule()).model_name
LATENCIES = st.sampled_from([[1.0, 7.0, 40.0], [0.5, 25.0], [3.0]])
"""Uneven latencies (milliseconds): a quick chunk can overtake a slow one."""


@st.composite
def _case(draw: st.DrawFn, path: str) -> Case:
    ids = draw(st.lists(st.sampled_from(AWKWARD_IDS), min_size=2 if path == "bounded" else 1, max_size=4,
                        unique=True))
    sizes = draw(st.lists(st.integers(0, 3), min_size=len(ids), max_size=len(ids)))
    if path in ("some document fails", "in the middle of a document", "bounded"):
        sizes[0] = max(sizes[0], 1)
    if path == "bounded":
        sizes[1] = max(sizes[1], 1)
    rate = {"every document stored": st.sampled_from([0.0, 0.0, 0.3]),
            "some document fails": st.sampled_from([0.6, 1.0])}.get(path, st.sampled_from([0.0, 0.3, 0.6]))
    cancel_after, cancel_at = None, None
    if path == "before the first item":
        cancel_after = 0
    elif path == "after a prefix":
        ids.append("last")
        sizes.append(1)
        cancel_after = draw(st.integers(1, len(ids) - 1))
    elif path == "in the middle of a document":
        cancel_at = draw(st.sampled_from([0.004, 0.02, 0.05, 0.1]))
    return {"docs": list(zip(ids, sizes, strict=True)), "seed": draw(st.integers(0, 2**16)),
            "fail_rate": draw(rate), "latencies": draw(LATENCIES), "interleave": draw(st.integers(0, 2**16)),
            "concurrency": draw(st.integers(1, 3)), "cancel_after": cancel_after, "cancel_at": cancel_at}


def _chunks(case: Case, run: int = 0) -> dict[str, list[tuple[str, str]]]:
    """Each document's chunks as (text, id), as the pipeline must see them (in run ``run``)."""
    return {d.doc_id: [(c.text.content, chunk_key(MODEL, c.text.content))
                       for c in chunk_doc(clean_doc(d), PIPELINE_ENV)] for d in _docs(case, run)}


def _gives_up(case: Case, text: str) -> bool:
    schedule = _schedule(case)
    return all(schedule.failure(text, n) is not None for n in range(1, ATTEMPTS + 1))


def _expected(case: Case) -> dict[str, tuple[bool, set[str]]]:
    """Per document: whether it is stored, and the codes its outcome may carry when it is not."""
    schedule = _schedule(case)
    out = {}
    for doc_id, chunks in _chunks(case).items():
        codes = {str(schedule.failure(text, ATTEMPTS)) for text, _ in chunks if _gives_up(case, text)}
        out[doc_id] = (not codes, codes)
    return out


def path_of(case: Case) -> str:
    """Whether the schedule lets every document be stored (on an empty store)."""
    return "every document stored" if all(ok for ok, _ in _expected(case).values()) else "some document fails"


FULL = Strata({p: _case(p) for p in ("every document stored", "some document fails")})
CANCELLED = Strata({p: _case(p) for p in ("before the first item", "after a prefix",
                                          "in the middle of a document")})


def path_of_cancel(case: Case) -> str:
    """Where the run is cancelled: before its first item, after a prefix of items, or at a moment."""
    if case["cancel_at"] is not None:
        return "in the middle of a document"
    return "before the first item" if case["cancel_after"] == 0 else "after a prefix"


def _call(case: Case) -> str:
    what = (f"ingest of {case['docs']!r} (id, chunks), concurrency={case['concurrency']}, failures "
            f"FailureSchedule(seed={case['seed']}, fail_rate={case['fail_rate']}, "
            f"latencies_ms={case['latencies']})")
    if case["cancel_after"] is not None:
        what += f", cancelled after {case['cancel_after']} items"
    if case["cancel_at"] is not None:
        what += f", cancelled at {case['cancel_at']} s"
    return what


def _runs(case: Case, runs: int = 1) -> list[RunFacts]:
    return observe(ingest_runs, {**case, "runs": runs})


def _outcomes(case: Case, run: RunFacts) -> dict[str, list[Any]]:
    bad = [x for x in run["items"] if not isinstance(x, list)]
    assert not bad, f"{_call(case)} emitted {bad[0]}, not an Ok(DocOutcome)"
    got = Counter(x[0] for x in run["items"])
    want = Counter(d for d, _ in case["docs"])
    assert got == want, (f"{_call(case)} emitted outcomes for {dict(got)}; each document needs exactly one "
                         f"({sorted(want)})")
    return {x[0]: x for x in run["items"]}


@graded(
    points=2,
    hint=(
        "Map every document to exactly one Ok(DocOutcome): an empty document too, a failed one too.",
        "A failure goes into DocOutcome.error; never skip, filter or emit a document twice, and never test "
        "`if doc.doc_id:` (\"\" and \"0\" are ids).",
    ),
)
def test_one_outcome_per_document() -> None:
    """Each document gives exactly one Ok(DocOutcome), empty and failing documents included."""
    FULL.run(lambda _p, case: _outcomes(case, _runs(case)[0]), max_examples=EXAMPLES, **SETTINGS)


def _judge_stored(case: Case) -> None:
    run = _runs(case)[0]
    outcomes, chunks = _outcomes(case, run), _chunks(case)
    for doc_id, (ok, codes) in _expected(case).items():
        _, ids, new_rows, error = outcomes[doc_id]
        want_ids = [i for _, i in chunks[doc_id]]
        if ok:
            assert (ids, new_rows, error) == (want_ids, len(want_ids), None), (
                f"{_call(case)}: document {doc_id!r} should be DocOutcome({doc_id!r}, "
                f"<its {len(want_ids)} chunk ids>, {len(want_ids)}), got chunk_ids={ids}, "
                f"new_rows={new_rows}, error={error!r}")
        else:
            assert ids == [] and new_rows == 0 and error in codes, (
                f"{_call(case)}: a chunk of {doc_id!r} fails all {ATTEMPTS} attempts, so its outcome "
                f"should be DocOutcome({doc_id!r}, (), 0, one of {sorted(codes)}); got chunk_ids={ids}, "
                f"new_rows={new_rows}, error={error!r}")
    stored = [d for d, (ok, _) in _expected(case).items() if ok]
    want_rows = {(i, d, n) for d in stored for n, (_, i) in enumerate(chunks[d])}
    got_rows = {tuple(r) for r in run["rows"]}
    assert got_rows == want_rows, (f"{_call(case)}: the store holds {len(got_rows)} rows "
                                   f"{sorted(got_rows)[:4]}…, it should hold the {len(want_rows)} chunks "
                                   "of the stored documents")


@graded(
    points=3,
    hint=(
        "A document is stored only when all its chunks are embedded; else it is DocOutcome(id, (), 0, code).",
        "chunk_ids are chunk_key(embedder.model_name, text) of every chunk in order; new_rows is what "
        "upsert_chunks returned.",
    ),
)
def test_stored_when_every_chunk_is_embedded() -> None:
    """A document is stored with all its chunk ids when every chunk is embedded, and not at all otherwise."""
    FULL.run(lambda _p, case: _judge_stored(case), max_examples=EXAMPLES, **SETTINGS)


def _judge_retries(case: Case) -> None:
    run = _runs(case)[0]
    per: dict[str, list[tuple[int, Any]]] = {}
    for key, attempt, code, *_ in run["attempts"]:
        per.setdefault(key, []).append((attempt, code))
    for text, tries in per.items():
        numbers, codes = [n for n, _ in tries], [c for _, c in tries]
        assert numbers == list(range(1, len(tries) + 1)) and len(tries) <= ATTEMPTS, (
            f"{_call(case)}: the chunk {text!r} was embedded {len(tries)} times; at most {ATTEMPTS}")
        assert None not in codes[:-1], (
            f"{_call(case)}: the chunk {text!r} succeeded on attempt {codes.index(None) + 1} and was "
            f"embedded again: retry the chunk that failed, not its document")


@graded(
    points=2,
    hint=(
        "Put the retry around one chunk's call, not around the document's.",
        "For each chunk: up to 3 attempts, stopping at the first Ok; a failing chunk must not make its "
        "neighbours be embedded again.",
    ),
)
def test_retried_per_chunk() -> None:
    """A chunk is embedded at most 3 times, never again after a success."""
    FULL.run(lambda _p, case: _judge_retries(case), max_examples=EXAMPLES, **SETTINGS)


def _judge_rerun(case: Case) -> None:
    first, second = _runs(case, 2)
    text_of = {i: t for chunks in _chunks(case).values() for t, i in chunks}
    stored = {text_of.get(r[0], r[0]) for r in first["rows"]}
    again = sorted({a[0] for a in second["attempts"] if a[0] in stored})
    assert not again, (f"{_call(case)}, run twice on one store: the second run embedded {len(again)} "
                       f"chunk(s) already stored, e.g. {again[0]!r}")
    assert second["write_calls"] == 0 and second["rows_changed"] == 0, (
        f"{_call(case)}, run twice on one store: the second run made {second['write_calls']} write call(s) "
        f"changing {second['rows_changed']} row(s); it should write nothing")
    assert second["rows"] == first["rows"], f"{_call(case)}: the second run changed the store"
    one = Counter((x[0], tuple(x[1]), x[3]) for x in _outcomes(case, first).values())
    two = Counter((x[0], tuple(x[1]), x[3]) for x in _outcomes(case, second).values())
    assert one == two, f"{_call(case)}: the second run reported {dict(two)}, the first {dict(one)}"
    rows = {x[0]: x[2] for x in second["items"] if x[2] != 0}
    assert not rows, f"{_call(case)}: the second run reported new_rows {rows}; nothing new was written"


@graded(
    points=3,
    hint=(
        "Read the stored ids inside the run, before the first document: {chunk_id(c) for c in "
        "(await store.all_chunks()).value}.",
        "Skip the embedding of a chunk whose chunk_key is stored, and make no write for a document with "
        "nothing new.",
    ),
)
def test_skips_what_is_stored() -> None:
    """Twice on one store, same failures: no call for stored chunks, no write, the same outcomes; and a
    document some of whose chunks are stored already is written with the others only."""
    FULL.run(lambda _p, case: _judge_rerun(case), max_examples=EXAMPLES, **SETTINGS)
    Strata({"partly stored": _partly_stored()}).run(lambda _p, case: _judge_partly_stored(case),
                                                    max_examples=6, **SETTINGS)


@st.composite
def _partly_stored(draw: st.DrawFn) -> Case:
    """A first run stores the leading chunks of each position; the second brings longer documents there.

    ``make_docs`` gives the chunk at position (n, j) the same text in every run, so the second run's
    document n starts with chunks the first run stored under another document's id.
    """
    ids = draw(st.lists(st.sampled_from(AWKWARD_IDS), min_size=1, max_size=3, unique=True))
    first = draw(st.lists(st.integers(1, 2), min_size=len(ids), max_size=len(ids)))
    later = [n + draw(st.integers(0, 3 - n)) for n in first]
    return {"docs": list(zip(ids, first, strict=True)),
            "later": [(f"{d} again", n) for d, n in zip(ids, later, strict=True)],
            "seed": draw(st.integers(0, 2**16)), "fail_rate": 0.0, "latencies": draw(LATENCIES),
            "interleave": draw(st.integers(0, 2**16)), "concurrency": draw(st.integers(1, 3)),
            "cancel_after": None, "cancel_at": None}


def _judge_partly_stored(case: Case) -> None:
    first, second = _runs(case, 2)
    what = (f"ingest of {case['docs']!r}, then of {case.get('later')!r} on the same store (no failures; "
            "document n's chunk j has the same text in both runs)")
    stored = {r[0] for r in first["rows"]}
    again = sorted({a[0] for a in second["attempts"] if chunk_key(MODEL, a[0]) in stored})
    assert not again, (f"{what}: the second run embedded {len(again)} chunk(s) already stored, "
                       f"e.g. {again[0]!r}")
    outcomes = {x[0]: x for x in second["items"] if isinstance(x, list)}
    old = dict(case["docs"])
    for (doc_id, chunks), (before, _) in zip(_chunks(case, 1).items(), case["docs"], strict=True):
        got = outcomes.get(doc_id)
        want = [doc_id, [i for _, i in chunks], len(chunks) - old[before], None]
        assert got == want, (f"{what}: the second run's outcome for {doc_id!r} is {got!r}; it should "
                             f"list all {len(chunks)} chunk ids and count {want[2]} new row(s)")
    added = len(second["rows"]) - len(first["rows"])
    want_added = sum(len(c) for c in _chunks(case, 1).values()) - sum(old.values())
    assert added == want_added, f"{what}: the second run added {added} rows, not {want_added}"


def _judge_failed_write(case: Case) -> None:
    run = observe(ingest_runs, {**case, "store_fails": True})[0]
    outcomes, chunks = _outcomes(case, run), _chunks(case)
    for doc_id, (ok, codes) in _expected(case).items():
        got = outcomes[doc_id][1:]
        if not chunks[doc_id]:
            want_code: set[object] = {None}
        else:
            want_code = {"DB"} if ok else codes
        assert got[0] == [] and got[1] == 0 and got[2] in want_code, (
            f"{_call(case)}, on a store whose every write answers Err(DB): the outcome of {doc_id!r} is "
            f"chunk_ids={got[0]}, new_rows={got[1]}, error={got[2]!r}; it should be "
            f"DocOutcome({doc_id!r}, (), 0, {' or '.join(sorted(map(repr, want_code)))})")
    assert run["rows"] == [], f"{_call(case)}: a store whose writes fail holds {len(run['rows'])} rows"


@graded(
    points=1,
    hint=(
        "Look at what upsert_chunks returned: an Err is the document's outcome, DocOutcome(id, (), 0, code).",
    ),
)
def test_a_failed_write() -> None:
    """A write that answers Err gives DocOutcome(doc_id, (), 0, code), nothing stored."""
    FULL.run(lambda _p, case: _judge_failed_write(case), max_examples=8, **SETTINGS)


def _judge_writes(case: Case) -> None:
    run = _runs(case)[0]
    _outcomes(case, run)
    chunks = _chunks(case)
    want = sum(1 for d, (ok, _) in _expected(case).items() if ok and chunks[d])
    assert run["write_calls"] == want, (
        f"{_call(case)} made {run['write_calls']} write calls on an empty store; {want} document(s) have "
        "chunks to store, one upsert_chunks call each")


@graded(
    points=2,
    hint=(
        "Collect a document's embedded chunks in a list and call store.upsert_chunks once, with all of them.",
        "One call per chunk is one transaction per chunk: a cancellation between two leaves half a document.",
    ),
)
def test_one_write_per_document() -> None:
    """One upsert_chunks call per document with chunks to store, none for the others."""
    FULL.run(lambda _p, case: _judge_writes(case), max_examples=EXAMPLES, **SETTINGS)


def _judge_cancel(case: Case) -> None:
    run = _runs(case)[0]
    chunks = _chunks(case)
    held = Counter(r[1] for r in run["rows"])
    half = [d for d, n in held.items() if d in chunks and n != len(chunks[d])]
    assert not half, (f"{_call(case)}: document {half[0]!r} is half written ({held[half[0]]} of "
                      f"{len(chunks[half[0]])} chunks in the store)")
    assert run["opened"] == run["closed"], (
        f"{_call(case)}: {run['opened'] - run['closed']} store connection(s) left open; open it with "
        "`async with open_store() as store:` inside the run")
    assert not run["leftover"], (f"{_call(case)}: {len(run['leftover'])} task(s) still running after the "
                                 f"run: {run['leftover'][:3]}")


@graded(
    points=3,
    hint=(
        "Hold the store with `async with` and start no task you do not cancel: when the run is cancelled, "
        "everything must unwind.",
        "Write a document only once all its chunks are embedded, in one call; use async_gen_bounded_map, "
        "which cancels its plans when the run is closed.",
    ),
)
def test_clean_cancellation() -> None:
    """Cancelled anywhere: no half-written document, the store closed, no task left."""
    CANCELLED.run(lambda _p, case: _judge_cancel(case), max_examples=EXAMPLES + 3, **SETTINGS)


def _judge_bounded(case: Case) -> None:
    run = _runs(case)[0]
    doc_of = {t: d for d, chunks in _chunks(case).items() for t, _ in chunks}
    spans = [(a[3], a[4], doc_of.get(a[0], a[0])) for a in run["attempts"]]
    for start, _, _ in spans:
        busy = {d for s, f, d in spans if s <= start < f}
        assert len(busy) <= case["concurrency"], (
            f"{_call(case)}: at {start:.3f} s, {len(busy)} documents were being embedded at once "
            f"({sorted(busy)}); at most {case['concurrency']}")


@graded(
    points=1,
    hint="Use async_gen_bounded_map with BackpressurePolicy(concurrency): at most `concurrency` run at once.",
)
def test_bounded() -> None:
    """At no moment are more than `concurrency` documents being embedded."""
    Strata({"bounded": _case("bounded")}).run(lambda _p, case: _judge_bounded(case), max_examples=EXAMPLES,
                                              **SETTINGS)


@graded(
    points=1,
    hint=(
        "Return an `async def` generator function: nothing in it runs until a run is started.",
        "Open the store inside the run (`async with open_store() as store:`), once per run.",
    ),
)
def test_a_description() -> None:
    """Building opens nothing and calls nothing; each run opens the store once and closes it."""
    for docs, rate in (([("a", 2), ("", 1)], 0.0), ([("0", 3), ("None", 0), ("x/y", 1)], 0.6)):
        case: Case = {"docs": docs, "seed": 3, "fail_rate": rate, "latencies": [1.0, 7.0], "interleave": 5,
                      "concurrency": 2, "cancel_after": None, "cancel_at": None}
        built = observe(building, case)
        assert built == {"opened": 0, "calls": 0}, (
            f"building {_call(case)} opened the store {built['opened']} time(s) and called the embedder "
            f"{built['calls']} time(s); building must do nothing")
        for run in _runs(case, 2):
            assert (run["opened"], run["closed"]) == (1, 1), (
                f"a run of {_call(case)} opened the store {run['opened']} time(s) and closed it "
                f"{run['closed']} time(s); once each per run")


PATHS = {"test_stored_when_every_chunk_is_embedded": (FULL, path_of, EXAMPLES),
         "test_clean_cancellation": (CANCELLED, path_of_cancel, EXAMPLES + 3)}
"""For the grader's own tests: every case drawn for a path really takes it."""
