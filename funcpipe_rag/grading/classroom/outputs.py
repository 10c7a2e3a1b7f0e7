"""Everything class grading writes besides the records, computed from the records alone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from funcpipe_rag.grading.classroom import similarity
from funcpipe_rag.grading.classroom.batch import SOURCES
from funcpipe_rag.grading.classroom.gradebook import GRADEBOOK, Row, write_gradebook
from funcpipe_rag.grading.classroom.records import Record
from funcpipe_rag.grading.classroom.summary import SUMMARY_HTML, summarise, write_summary


@dataclass(frozen=True)
class Written:
    """What :func:`write_outputs` wrote, for the command's last lines."""

    rows: list[Row]
    similar_pairs: int | None  # None: no submission files to compare
    similarity_note: str = ""


def write_outputs(
    out: Path, records: list[Record], cores: list[str], *, threshold: float = similarity.DEFAULT_THRESHOLD
) -> Written:
    """Gradebook, per-learner reports, Gradescope exports, similarity report and summary, from ``records``."""
    table, cols = write_gradebook(out, records)
    graded = [r.learner for r in records if r.status == "graded"]
    exercises = {c.label for c in cols}  # only what was graded: --core m08c01/ex01 compares ex01 alone
    files = {ex: by for ex, by in similarity.learner_files(out / SOURCES, graded).items() if ex in exercises}
    pairs: int | None = None
    note = ""
    if any(len(by) > 1 for by in files.values()):
        shared = {ex: similarity.boilerplate(ex.partition("/")[0], ex.partition("/")[2]) for ex in files}
        try:
            found = similarity.find_pairs(files, shared, threshold=threshold)
        except (RuntimeError, ImportError) as exc:
            note = f"similar submissions not checked: {exc}"
        else:
            similarity.write_report(out, found, files, threshold)
            pairs = len(found)
    if pairs is None:  # a report from an earlier run would speak of other files
        for name in (similarity.SIMILARITY_HTML, similarity.SIMILARITY_JSON):
            (out / name).unlink(missing_ok=True)
    summary = summarise(records, table, similar_pairs=pairs or 0)
    write_summary(out, summary, cores, similarity.SIMILARITY_HTML if pairs is not None else None)
    return Written(table, pairs, note)


def describe(out: Path, written: Written) -> list[str]:
    """The lines the command prints at the end: where things are, and the class in one line."""
    counts: dict[str, int] = {}
    for row in written.rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    statuses = ", ".join(f"{n} {s}" for s, n in counts.items()) or "no learners"
    lines = [
        f"gradebook: {out / GRADEBOOK} ({len(written.rows)} learners: {statuses})",
        f"what the class got wrong: {out / SUMMARY_HTML}",
    ]
    if written.similar_pairs is not None:
        lines.append(
            f"similar submissions: {written.similar_pairs} pair(s), {out / similarity.SIMILARITY_HTML}"
        )
    if written.similarity_note:
        lines.append(written.similarity_note)
    return lines


__all__ = ["Written", "describe", "write_outputs"]
