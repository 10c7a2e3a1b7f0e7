"""Grading every submission of a class: several at a time, each exactly as ``funcpipe grade`` would.

Each learner's submission is read safely (:mod:`.intake`), staged in a
private temporary folder, and graded by :func:`~funcpipe_rag.grading.runner.grade_folder`
with the same boundary and limits as ``funcpipe grade``, in one of ``jobs``
worker processes (each keeps the graded tests loaded, so a class costs less
per submission than a loop over ``funcpipe grade``). The record of each
learner is written the moment its grading ends (:mod:`.records`).

A re-run grades only what changed: a record is reused when its key matches,
and the key is a hash of the learner's files, the graded tests of the cores
graded, the grader's own code (every module of ``funcpipe_rag``), the limits
and the boundary. A record with status ``error`` is always graded again.

Ctrl-C stops every grading at once (each worker kills its children first)
and keeps every record already written; the same command then grades the
rest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import funcpipe_rag
from funcpipe_rag import course
from funcpipe_rag.grading import sandbox
from funcpipe_rag.grading.classroom import records
from funcpipe_rag.grading.classroom.intake import CoreLayout, Refusal, Submission, list_entries, read_all
from funcpipe_rag.grading.classroom.records import Record
from funcpipe_rag.grading.runner import DEFAULT_LIMITS, GraderError, Limits, default_tests_root, discover

SOURCES = "submissions"
"""``OUT/submissions/<learner>/``: the files graded, kept for the similarity report."""


def default_jobs() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    """How a class is graded: what (``selectors``, as for ``funcpipe grade``), how, and how many at once."""

    selectors: tuple[str, ...] = ()
    jobs: int = field(default_factory=default_jobs)
    limits: Limits = DEFAULT_LIMITS
    sandbox: str | None = None
    tests_root: Path | None = None


@dataclass
class Outcome:
    """What one run of class grading did; ``records`` has one record per learner, in learner order."""

    records: list[Record]
    cores: list[str]
    graded: int = 0
    reused: int = 0
    interrupted: bool = False
    seconds: float = 0.0


# ---- the key of a result ----------------------------------------------------------------------------


def _tree_digest(paths: Iterable[Path], base: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(
                path.relative_to(base).as_posix().encode()
                + b"\0"
                + hashlib.sha256(path.read_bytes()).digest()
            )
    return h.hexdigest()


def grader_digest() -> str:
    """A hash of the grader's code: every module of the ``funcpipe_rag`` package."""
    package = Path(funcpipe_rag.__file__).resolve().parent
    return _tree_digest(package.rglob("*.py"), package)


def tests_digest(tests_root: Path, cores: Iterable[str]) -> str:
    """A hash of the graded tests (every file under ``tests_root/<core>/``) of ``cores``."""
    h = hashlib.sha256()
    for core in sorted(cores):
        h.update(core.encode() + b"\0" + _tree_digest((tests_root / core).rglob("*"), tests_root).encode())
    return h.hexdigest()


def result_key(base: dict[str, Any], submission: Submission, selectors: tuple[str, ...]) -> str:
    """The key a learner's result is kept under: their files, what was graded, and how."""
    data = {**base, "files": submission.digest, "selectors": list(selectors)}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# ---- one worker process ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One submission to grade, as sent to a worker (plain, picklable data)."""

    learner: str
    folder: str
    selectors: tuple[str, ...]
    limits: Limits
    sandbox: str | None
    tests_root: str


class _Worker:
    grading = False
    interrupted = False


def _on_interrupt(signum: int, frame: object) -> None:
    if not _Worker.grading:
        os._exit(130)  # idle: nothing to clean up
    if not _Worker.interrupted:  # once: a second Ctrl-C must not cut the cleanup short
        _Worker.interrupted = True
        raise KeyboardInterrupt  # grade_folder kills every child of this grading, then this task ends


def _start_worker() -> None:
    signal.signal(signal.SIGINT, _on_interrupt)


def grade_task(task: Task) -> dict[str, Any]:
    """Grade one staged submission, in a worker.

    Returns ``{"report": ...}``, ``{"error": ...}`` or ``{"interrupted": True}``.
    """
    from funcpipe_rag.grading.runner import grade_folder

    _Worker.grading, _Worker.interrupted = True, False
    try:
        report = grade_folder(
            Path(task.folder),
            task.selectors,
            tests_root=Path(task.tests_root),
            limits=task.limits,
            sandbox_kind=task.sandbox,
        )
    except KeyboardInterrupt:
        return {"interrupted": True}
    except GraderError as exc:
        return {"error": f"the grader could not grade it: {exc}"}
    except Exception as exc:  # a fault of the grader's: this learner's record says so, the class goes on
        return {"error": f"the grader failed on it: {type(exc).__name__}: {exc}"}
    finally:
        _Worker.grading = False
    report.submission = task.learner  # as in the gradebook: a report shows no machine paths
    return {"report": report.to_dict()}


# ---- the run ------------------------------------------------------------------------------------


@dataclass
class _Item:
    submission: Submission
    key: str
    task: Task


class _Progress:
    """A tqdm bar on stderr, with the clock time grading should end at; nothing when quiet."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.started = time.monotonic()
        self.total = total
        self.done = 0
        self.bar: Any = None
        if enabled and total:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, unit="submission", file=sys.stderr, dynamic_ncols=True, smoothing=0.1
            )

    def step(self, learner: str) -> None:
        self.done += 1
        if self.bar is None:
            return
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done)
        finish = time.strftime("%H:%M", time.localtime(time.time() + left))
        self.bar.set_postfix_str(f"{learner}; done by about {finish}", refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _check_folders(submissions: Path, out: Path) -> None:
    if not submissions.is_dir():
        raise GraderError(f"no submissions folder at {submissions}")
    src, dst = submissions.resolve(), out.resolve()
    if dst == src or src in dst.parents:
        raise GraderError(
            f"--out {out} is inside the submissions folder {submissions}, which is never written: "
            "choose a folder outside it"
        )


def save_sources(out: Path, submission: Submission) -> None:
    """Keep the learner's Python files under ``OUT/submissions/<learner>/`` (for the similarity report)."""
    folder = out / SOURCES / submission.learner
    shutil.rmtree(folder, ignore_errors=True)
    for name, data in submission.files.items():
        if name.endswith(".py"):
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def _record(item: _Item, result: dict[str, Any]) -> Record:
    sub = item.submission
    reason = "; ".join(sub.warnings)
    if "report" in result:
        return Record(sub.learner, sub.source, "graded", reason, item.key, result["report"])
    return Record(
        sub.learner, sub.source, "error", "; ".join([str(result.get("error")), *sub.warnings]), item.key
    )


def _interrupt_workers(known: set[multiprocessing.process.BaseProcess]) -> None:
    """Ctrl-C for the workers too (when the interrupt reached this process alone)."""
    for proc in set(multiprocessing.active_children()) - known:
        if proc.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGINT)


def _run_pool(items: list[_Item], jobs: int, finished: Callable[[_Item, dict[str, Any]], None]) -> None:
    """Grade ``items`` in ``jobs`` worker processes, calling ``finished`` as each ends (in this process)."""
    pending = deque(items)
    known = set(multiprocessing.active_children())
    while pending:
        pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
        )
        running: dict[Future[dict[str, Any]], _Item] = {}
        try:
            broken = False
            while running or (pending and not broken):
                while pending and not broken and len(running) < jobs:
                    item = pending.popleft()
                    running[pool.submit(grade_task, item.task)] = item
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    item = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True  # the other gradings in flight fail the same way; a new pool goes on
                        result = {"error": "the process grading it died (out of memory, or killed)"}
                    if result.get("interrupted"):
                        raise KeyboardInterrupt
                    finished(item, result)
        except BaseException:
            _interrupt_workers(known)
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)


def class_layouts(settings: Settings) -> tuple[list[str], list[CoreLayout], Path]:
    """The cores graded (with graded tests, or named by ``settings.selectors``), their layouts, the tests."""
    root = settings.tests_root or default_tests_root()
    suites = discover(root, settings.selectors, load=False)
    cores = list(dict.fromkeys(s.core for s in suites))
    if not cores:
        raise GraderError(f"nothing to grade for {' '.join(settings.selectors) or 'any core'} under {root}")
    layouts = [CoreLayout(c, tuple(e.slug for e in course.core(c).exercises)) for c in cores]
    return cores, layouts, root


def _selectors_for(settings: Settings, cores: tuple[str, ...]) -> tuple[str, ...]:
    if not settings.selectors:
        return cores
    return tuple(s for s in settings.selectors if s.split("/")[0] in cores)


def grade_class(
    submissions: Path,
    out: Path,
    settings: Settings | None = None,
    *,
    progress: bool = True,
    log: Callable[[str], None] = print,
    after_each: Callable[[Record], None] | None = None,
) -> Outcome:
    """Grade every learner's entry of ``submissions``; write one record per learner under ``out``.

    Returns the :class:`Outcome` with every learner's record (graded now,
    kept from an earlier run, or refused); :class:`GraderError` only when
    nothing can be graded at all (no graded tests, a bad folder). ``after_each``
    is called with each record as it is written; a ``KeyboardInterrupt`` there or
    from Ctrl-C stops the run, with ``Outcome.interrupted`` set.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    _check_folders(submissions, out)
    cores, layouts, tests_root = class_layouts(settings)
    try:
        boundary = sandbox.choose(settings.sandbox)
    except sandbox.SandboxError as exc:
        raise GraderError(str(exc)) from exc
    base = {
        "grader": grader_digest(),
        "tests": tests_digest(tests_root, cores),
        "limits": [settings.limits.time_limit, settings.limits.memory_mb, settings.limits.startup],
        "boundary": boundary.kind,
    }
    entries, duplicates = list_entries(submissions)
    outcome = Outcome([], cores)
    by_learner: dict[str, Record] = {}

    def keep(record: Record) -> None:
        records.save(out, record)
        by_learner[record.learner] = record

    for refusal in duplicates:
        keep(Record(refusal.learner, refusal.source, refusal.status, refusal.reason))
    stage_root = Path(tempfile.mkdtemp(prefix="funcpipe-class-"))  # private (0700): staged copies only
    items: list[_Item] = []
    bar: _Progress | None = None
    try:
        for read in read_all(entries, layouts):
            if isinstance(read, Refusal):
                keep(Record(read.learner, read.source, read.status, read.reason))
                continue
            selectors = _selectors_for(settings, read.cores)
            key = result_key(base, read, selectors)
            save_sources(out, read)
            old = records.load(out, read.learner)
            if old is not None and old.key == key and old.status == "graded":
                by_learner[read.learner] = old
                outcome.reused += 1
                continue
            folder = str(read.stage(stage_root))
            task = Task(read.learner, folder, selectors, settings.limits, settings.sandbox, str(tests_root))
            items.append(_Item(read, key, task))
        if outcome.reused:
            log(f"{outcome.reused} submission(s) unchanged since the last run: their results are kept")
        if items:
            jobs = min(settings.jobs, len(items))
            log(f"grading {len(items)} submission(s), {jobs} at a time (sandbox: {boundary.kind})")
        progress_bar = bar = _Progress(len(items), progress)

        def finished(item: _Item, result: dict[str, Any]) -> None:
            record = _record(item, result)
            keep(record)
            shutil.rmtree(item.task.folder, ignore_errors=True)
            outcome.graded += 1
            progress_bar.step(item.submission.learner)
            if after_each is not None:
                after_each(record)

        _run_pool(items, max(1, settings.jobs), finished)
    except KeyboardInterrupt:
        outcome.interrupted = True
    finally:
        if bar is not None:
            bar.close()
        shutil.rmtree(stage_root, ignore_errors=True)
    for entry in entries:  # not reached by an interrupted run: said so, nothing written
        by_learner.setdefault(
            entry.learner, Record(entry.learner, entry.source, "pending", records.PENDING_REASON)
        )
    order = sorted({e.learner for e in entries} | {r.learner for r in duplicates})
    outcome.records = [by_learner[learner] for learner in order if learner in by_learner]
    outcome.seconds = time.perf_counter() - started
    return outcome


__all__ = [
    "SOURCES",
    "Outcome",
    "Settings",
    "Task",
    "class_layouts",
    "default_jobs",
    "grade_class",
    "grade_task",
    "grader_digest",
    "result_key",
    "save_sources",
    "tests_digest",
]
