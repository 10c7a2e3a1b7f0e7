"""The grading parent: discovers graded tests, runs them in a child, builds the report.

Robustness design:

* The submission folder is copied to a scratch folder (a fresh copy for every
  child started) and the child runs there with ``PYTHONDONTWRITEBYTECODE``;
  the learner's own files are only ever read.
* The child reports over a pipe only it and the parent hold, with a random
  token in every message; it says when each test starts and how it ended.
* A test that exceeds the time limit, or a child that dies mid-test
  (``os._exit``, a crash, the memory limit), fails that test with a sentence
  saying why; the parent kills the child's whole process group and starts a
  new child for the tests that remain. Every graded test therefore ends up in
  the report, whatever the submission does.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from funcpipe_rag import course
from funcpipe_rag.course import workbook_root
from funcpipe_rag.grading.harness import load_test_module, meta_of
from funcpipe_rag.grading.report import CoreReport, ExerciseReport, Report, TestResult

IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".git", ".hypothesis")


@dataclass(frozen=True)
class Limits:
    """Per-test wall-clock seconds, address-space megabytes, and child start-up seconds."""

    time_limit: float = 15.0
    memory_mb: int = 1024
    startup: float = 60.0


DEFAULT_LIMITS = Limits()
"""The grader's default limits: ``grade()`` and ``funcpipe grade`` both start from these."""


@dataclass
class Suite:
    """The graded tests of one exercise (one ``tests/grading/<core>/test_*.py`` file)."""

    core: str
    exercise: str
    title: str
    path: Path
    tests: list[TestResult] = field(default_factory=list)


class GraderError(Exception):
    """The grader itself cannot run (no graded tests, an unreadable folder, ...)."""


# ---- discovery ------------------------------------------------------------------------


def default_tests_root() -> Path:
    """``tests/grading`` of the checkout (or ``$FUNCPIPE_GRADING_TESTS``)."""
    env = os.environ.get("FUNCPIPE_GRADING_TESTS")
    if env:
        return Path(env)
    root = workbook_root()
    if root is not None:
        return root / "tests" / "grading"
    return Path.cwd() / "tests" / "grading"


def available_cores(tests_root: Path) -> list[str]:
    """The available cores of the course registry whose graded tests are under ``tests_root``."""
    return [c.slug for c in course.available() if any((tests_root / c.slug).glob("test_*.py"))]


def _import_path(path: Path, name: str) -> ModuleType:
    try:
        return load_test_module(path, name)
    except Exception as exc:
        raise GraderError(f"the graded tests in {path} fail to import: {type(exc).__name__}: {exc}") from exc


_DISCOVERY = threading.Lock()  # graded modules are imported into sys.modules: one thread at a time


def discover(tests_root: Path, selectors_: Iterable[str] | None = None) -> list[Suite]:
    """The suites selected by ``selectors_`` (``m08c01`` or ``m08c01/ex01``; all when empty)."""
    with _DISCOVERY:
        return _discover(tests_root, list(selectors_ or []))


def _discover(tests_root: Path, wanted: list[str]) -> list[Suite]:
    cores = available_cores(tests_root)
    if not cores:
        raise GraderError(f"no graded tests found under {tests_root}")
    for w in wanted:
        if w.split("/")[0] not in cores:
            raise GraderError(f"unknown core {w.split('/')[0]!r}; graded cores: {', '.join(cores)}")
    suites: list[Suite] = []
    for core in cores:
        if wanted and not any(w.split("/")[0] == core for w in wanted):
            continue
        for path in sorted((tests_root / core).glob("test_*.py")):
            module = _import_path(path, f"funcpipe_graded_{core}_{path.stem}")
            exercise = getattr(module, "EXERCISE", path.stem.removeprefix("test_"))
            picks = [w.split("/", 1)[1] for w in wanted if w.startswith(core + "/")]
            whole = not wanted or core in wanted
            if not whole and not any(exercise.startswith(p) for p in picks):
                continue
            suite = Suite(core, exercise, getattr(module, "TITLE", exercise), path)
            for name, obj in vars(module).items():
                meta = meta_of(obj)
                if meta is None or not name.startswith("test_"):
                    continue
                doc = (getattr(obj, "__doc__", None) or "").strip().splitlines()
                suite.tests.append(
                    TestResult(core, exercise, name, doc[0] if doc else name, meta.points, hint=meta.hint)
                )
            if suite.tests:
                suites.append(suite)
    return suites


def submission_folder_for(submission: Path, core: str, exercises: Iterable[str]) -> Path:
    """``submission/<core>`` if it exists; ``submission`` itself if it holds the files."""
    nested = submission / core
    if nested.is_dir():
        return nested
    if submission.name == core or any((submission / f"{e}.py").is_file() for e in exercises):
        return submission
    return nested


# ---- the parent side of the child protocol --------------------------------------------


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


def _death_message(returncode: int | None, limits: Limits, during: str) -> str:
    if returncode is None:
        return f"the process running your code stopped reporting {during} (it closed the grader's channel)"
    if returncode == 86:
        return f"your code ran out of memory {during} (the limit is {limits.memory_mb} MB)"
    if returncode >= 0:
        return (
            f"the process running your code exited with status {returncode} {during} "
            "(os._exit or similar); only the grader may end the run"
        )
    sig = -returncode
    if sig == signal.SIGKILL:
        return f"the process running your code was killed {during}, most likely for using more than " \
               f"the memory limit ({limits.memory_mb} MB)"
    if sig == signal.SIGXCPU:
        return f"your code used more than the CPU time limit {during}"
    if sig == signal.SIGSEGV:
        return f"the process running your code crashed (segmentation fault) {during}"
    return f"the process running your code was killed by {_signal_name(sig)} {during}"


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class _Run:
    """What one child did: results by id, and how it ended."""

    results: dict[str, dict[str, object]] = field(default_factory=dict)
    failed_id: str | None = None
    failure: str = ""
    finished: bool = False
    stderr_tail: str = ""


def _run_child(
    suites: list[tuple[Suite, list[str]]], source: Path, limits: Limits, workdir: Path, attempt: int
) -> _Run:
    run_dir = workdir / f"run{attempt}"
    scratch = run_dir / "submission"
    graded = run_dir / "graded"
    if source.is_dir():
        shutil.copytree(source, scratch, symlinks=True, ignore=IGNORED)
    else:
        scratch.mkdir(parents=True)
    graded.mkdir(parents=True, exist_ok=True)
    groups = []
    for suite, names in suites:
        copy = graded / f"{suite.core}_{suite.path.name}"
        shutil.copy2(suite.path, copy)
        groups.append({
            "core": suite.core, "exercise": suite.exercise, "path": str(copy),
            "module": f"funcpipe_graded_{suite.core}_{suite.path.stem}", "tests": names,
        })
    plan_file = run_dir / "plan.json"
    cpu = int(limits.time_limit * max(1, sum(len(n) for _, n in suites)) + limits.startup)
    plan_file.write_text(json.dumps({
        "submission": str(scratch), "memory_mb": limits.memory_mb, "cpu_seconds": cpu, "groups": groups,
    }))
    token = secrets.token_hex(16)
    env = dict(os.environ)
    env.update({
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPYCACHEPREFIX": str(run_dir / "pycache"),
        "PYTHONSAFEPATH": "1",  # the scratch folder is not put first on sys.path
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        "FUNCPIPE_GRADER_TOKEN": token,
    })
    read_fd, write_fd = os.pipe()
    log = open(run_dir / "child.log", "wb")  # noqa: SIM115  (closed below)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "funcpipe_rag.grading.child",
             "--plan", str(plan_file), "--fd", str(write_fd)],
            cwd=scratch, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            pass_fds=(write_fd,), start_new_session=True,
        )
    finally:
        os.close(write_fd)
    run = _Run()
    current: str | None = None
    deadline = time.monotonic() + limits.startup
    buffer = b""
    sel = selectors.DefaultSelector()
    sel.register(read_fd, selectors.EVENT_READ)
    try:
        while True:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                _kill(proc)
                if current is not None:
                    run.failed_id = current
                    run.failure = f"time limit exceeded: the test ran longer than {limits.time_limit:g} s " \
                                  "(an endless loop, or a wait that never ends?)"
                else:
                    run.failure = "the grading process did not start in time"
                break
            if not sel.select(timeout):
                continue
            chunk = os.read(read_fd, 65536)
            if not chunk:  # end of file: the child is gone, or it closed the channel
                try:
                    code: int | None = proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    code = None
                    _kill(proc)
                if not run.finished:
                    run.failed_id = current
                    during = "during this test" if current else "between tests"
                    run.failure = _death_message(code, limits, during)
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(msg, dict) or msg.get("token") != token:
                    continue  # not from the grader's child: ignore it
                event = msg.get("event")
                if event == "start" and isinstance(msg.get("id"), str):
                    current = msg["id"]
                    deadline = time.monotonic() + limits.time_limit
                elif event == "result" and msg.get("id") == current and current is not None:
                    run.results[current] = msg
                    current = None
                    deadline = time.monotonic() + limits.startup
                elif event == "done":
                    run.finished = True
            if run.finished:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)
                break
    finally:
        sel.close()
        os.close(read_fd)
        _kill(proc)  # the whole process group: nothing the submission started survives
        log.close()
    try:
        run.stderr_tail = (run_dir / "child.log").read_text(errors="replace")[-2000:]
    except OSError:
        run.stderr_tail = ""
    return run


def _apply(test: TestResult, outcome: dict[str, object]) -> None:
    test.passed = bool(outcome.get("passed"))
    test.points = test.max_points if test.passed else 0
    test.message = str(outcome.get("message") or "")
    test.example = str(outcome.get("example") or "")
    test.output = str(outcome.get("output") or "")
    seconds = outcome.get("seconds")
    test.seconds = float(seconds) if isinstance(seconds, int | float) else 0.0


def _fail(test: TestResult, message: str) -> None:
    test.passed, test.points, test.message = False, 0, message


def _workers(jobs: int) -> int:
    """How many child processes grade side by side: one per core, at most four."""
    return max(1, min(jobs, os.cpu_count() or 1, 4))


def run_suites(suites: list[Suite], submission: Path, limits: Limits) -> list[str]:
    """Grade every test of ``suites`` in place; return notes about the run.

    The exercises are dealt into one group per core; each group is graded by
    its own child processes, side by side, so a slow or hanging exercise holds
    up only its group and the start-up cost is paid once per group.
    """
    notes: list[str] = []
    workers = _workers(len(suites))
    groups = [suites[i::workers] for i in range(workers)]
    workdir = Path(tempfile.mkdtemp(prefix="funcpipe-grade-"))
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            jobs = [
                pool.submit(_run_group, group, submission, limits, workdir / f"group{i}", notes)
                for i, group in enumerate(groups)
            ]
            for job in jobs:
                job.result()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return notes


def _after_timeout(limits: Limits) -> Limits:
    """The limits for the rest of a group once one of its tests has timed out.

    A submission that hangs usually hangs in every test that calls the same
    function; waiting the full limit for each would keep the learner waiting
    minutes for a report. Graded tests take well under a second.
    """
    shorter = min(limits.time_limit, max(1.0, limits.time_limit / 5))
    return Limits(time_limit=shorter, memory_mb=limits.memory_mb, startup=limits.startup)


def _run_group(
    suites: list[Suite], submission: Path, limits: Limits, workdir: Path, notes: list[str]
) -> None:
    """Run the tests of ``suites``, restarting the child after each test that kills it."""
    workdir.mkdir(parents=True)
    pending: list[tuple[Suite, list[str]]] = [(s, [t.name for t in s.tests]) for s in suites]
    by_id = {t.test_id: t for s in suites for t in s.tests}
    attempt = 0
    while pending:
        attempt += 1
        core = pending[0][0].core
        same_core = [(s, n) for s, n in pending if s.core == core]
        source = submission_folder_for(submission, core, [s.exercise for s, _ in same_core])
        run = _run_child(same_core, source, limits, workdir, attempt)
        progressed = False
        for test_id, outcome in run.results.items():
            if test_id in by_id:
                _apply(by_id[test_id], outcome)
                progressed = True
        failed = run.failed_id
        remaining: list[tuple[Suite, list[str]]] = []
        for suite, names in pending:
            if suite.core != core:
                remaining.append((suite, names))
                continue
            phase = f"import:{suite.core}/{suite.exercise}"
            left = []
            for name in names:
                test = by_id[f"{suite.core}/{suite.exercise}::{name}"]
                if test.test_id in run.results:
                    continue
                if failed == phase:
                    _fail(test, f"importing {suite.exercise}.py: {run.failure}")
                elif failed == test.test_id:
                    _fail(test, run.failure)
                    progressed = True
                else:
                    left.append(name)
            if failed == phase:
                progressed = True
            if left:
                remaining.append((suite, left))
        if not progressed and remaining:
            # The child died before running anything: charge the next test, so the loop ends.
            suite, names = remaining[0]
            test = by_id[f"{suite.core}/{suite.exercise}::{names[0]}"]
            _fail(test, run.failure or "the grading process ended before this test could run")
            if run.stderr_tail.strip():
                notes.append(f"grading process output: {run.stderr_tail.strip().splitlines()[-1]}")
            remaining[0] = (suite, names[1:])
            remaining = [(s, n) for s, n in remaining if n]
        pending = remaining
        if run.failure.startswith("time limit exceeded"):
            limits = _after_timeout(limits)
        if attempt > 1000:  # pragma: no cover - a safety net, never reached in practice
            for suite, names in pending:
                for name in names:
                    _fail(by_id[f"{suite.core}/{suite.exercise}::{name}"], "not run: too many restarts")
            break


def grade_folder(
    submission: Path,
    selectors_: Iterable[str] | None = None,
    *,
    tests_root: Path | None = None,
    limits: Limits | None = None,
) -> Report:
    """Grade ``submission`` (a folder holding ``<core>/`` folders) and return the report."""
    started = time.perf_counter()
    root = tests_root or default_tests_root()
    if not submission.is_dir():
        raise GraderError(f"no submission folder at {submission}")
    suites = discover(root, selectors_)
    if not suites:
        raise GraderError(f"nothing to grade for {' '.join(selectors_ or []) or 'any core'} under {root}")
    report = Report(submission=str(submission))
    notes = run_suites(suites, submission, limits or Limits())
    cores: dict[str, CoreReport] = {}
    for suite in suites:
        core = cores.setdefault(suite.core, CoreReport(suite.core))
        core.exercises.append(ExerciseReport(suite.core, suite.exercise, suite.title, suite.tests))
        folder = submission_folder_for(submission, suite.core, [suite.exercise])
        if not folder.is_dir() and f"no {suite.core}/" not in " ".join(report.notes):
            report.notes.append(f"no {suite.core}/ folder in {submission}: every {suite.core} test fails")
    report.cores = list(cores.values())
    report.notes.extend(notes)
    report.seconds = time.perf_counter() - started
    return report
