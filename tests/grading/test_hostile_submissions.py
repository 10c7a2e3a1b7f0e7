"""Whatever a submission does, the grader finishes with a complete, truthful report and leaves nothing behind.

Each folder under ``hostile/`` is a submission that misbehaves in one way
(see each spec's ``description``): it crashes, hangs, floods, patches the
grading process, forges replies, hunts for secrets, reaches for the grader,
the network, the disk or the learner's real files. A case's ``.py`` file is
kept as a spec (the solution or the generated stub, plus the hostile lines;
see :mod:`funcpipe_rag.grading.mutants`) and built into a scratch folder here.

Every case is checked for the same five things (:func:`test_contained`):

* its score is no higher than the honest version of the same file (the stub
  scores 0; a case built on the solution may keep what it earns honestly);
* the learner's files come out unchanged, and no ``__pycache__`` appears;
* the graded tests and the library on disk are unchanged;
* nothing it started is still running, and nothing is left on disk;
* grading ends within the grader's own limits.

A case whose spec says ``needs = "bubblewrap"`` attacks what only that
boundary contains; where the grader's boundary is weaker it is skipped, and
the skip says why.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from grading_support import ROOT, adopt_orphans, descendants, in_parallel, kill_descendants, run_autograder

from funcpipe_rag.grading import Report, grade, sandbox
from funcpipe_rag.grading.mutants import Spec, hostile_cases, hostile_specs, write_hostile
from funcpipe_rag.grading.runner import DEFAULT_LIMITS

LIMIT = 5.0  # seconds per observation: roomy for a loaded machine; a hang costs 1 s after the first
MEMORY_MB = 512
MARKER = "funcpipe-hostile"
CANARY = f"funcpipe-canary-{secrets.token_hex(8)}"
CASES = hostile_cases()
SPECS: dict[str, list[Spec]] = {case: hostile_specs(case) for case in CASES}
BOUNDARY = sandbox.choose()


def _skip_reason(case: str) -> str | None:
    needs = {spec.needs for spec in SPECS.get(case, [])} - {""}
    if "bubblewrap" in needs and BOUNDARY.kind != "bubblewrap":
        return (f"{case} needs the bubblewrap boundary; this machine offers {BOUNDARY.label}"
                f" ({BOUNDARY.reason or 'the one asked for'})")
    return None


RUNNABLE = [case for case in CASES if _skip_reason(case) is None]


def _targets(case: str) -> list[str]:
    return sorted({f"{s.core}/{s.exercise}" for s in SPECS.get(case, [])}) or ["m08c01/ex01_primitives"]


def _hashes(folder: Path, pattern: str = "*") -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob(pattern)) if p.is_file() and "__pycache__" not in p.parts
    }


def _grader_files() -> dict[str, str]:
    """The graded tests, the solutions and the library: what no submission may change."""
    found: dict[str, str] = {}
    for part in ("tests/grading", "solutions", "funcpipe_rag"):
        found.update({f"{part}/{k}": v for k, v in _hashes(ROOT / part, "*.py").items()})
    return found


def _running_with(text: str) -> list[str]:
    """This run's processes whose command line contains ``text`` (never another run's on this machine)."""
    return [f"{pid}: {cmdline}" for pid, cmdline in descendants(text).items()]


def _left_on_disk() -> list[str]:
    found = []
    for place in (tempfile.gettempdir(), "/var/tmp", "/dev/shm"):
        with contextlib.suppress(OSError):
            found += [str(p) for p in Path(place).iterdir() if p.name.startswith(MARKER)]
    return found


class Listener:
    """A TCP server on 127.0.0.1 that records whoever connects to it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.heard: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                with contextlib.suppress(OSError):
                    self.heard.append(conn.recv(1024) or b"(connected)")

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@dataclass
class Outcome:
    """What grading one case did."""

    report: Report
    before: dict[str, str]
    after: dict[str, str]
    workdir_left: list[str]
    folder: Path


@dataclass
class Run:
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    grader_before: dict[str, str] = field(default_factory=dict)
    grader_after: dict[str, str] = field(default_factory=dict)
    still_running: list[str] = field(default_factory=list)
    children_left: list[str] = field(default_factory=list)
    on_disk: list[str] = field(default_factory=list)
    heard: list[bytes] = field(default_factory=list)


@pytest.fixture(scope="module")
def syntax_error_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("syntax_error")
    (folder / "m08c01").mkdir()
    text = (ROOT / "solutions" / "m08c01" / "ex01_primitives.py").read_text()
    broken = text.replace("def async_bind(plan", "def async_bind(plan,,")
    (folder / "m08c01" / "ex01_primitives.py").write_text(broken)
    return folder


@contextlib.contextmanager
def _canary_in_the_environment() -> Iterator[None]:
    """A secret in the grader's own environment: no report may ever show it."""
    os.environ["FUNCPIPE_SECRET_CANARY"] = CANARY
    try:
        yield
    finally:
        os.environ.pop("FUNCPIPE_SECRET_CANARY", None)


@pytest.fixture(scope="module")
def run(syntax_error_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Grade every runnable case (two at a time), watching the machine before and after."""
    adopt_orphans()  # a daemon that detaches is re-parented to us, where _running_with finds it
    listener = Listener()
    folders = {case: write_hostile(case, tmp_path_factory.mktemp(case)) for case in RUNNABLE}
    folders["syntax_error"] = syntax_error_folder
    if "reaches_network" in folders:
        (folders["reaches_network"] / "m08c01" / "port.txt").write_text(str(listener.port))
    # under the uid boundary the sandbox user must be able to enter the working folder
    base = Path(tempfile.mkdtemp(prefix=f"{MARKER}-work-")) if BOUNDARY.kind == "uid" else None
    if base is not None:
        base.chmod(0o711)
    workdirs = {case: Path(tempfile.mkdtemp(dir=base)) if base else tmp_path_factory.mktemp(f"work-{case}")
                for case in folders}
    for workdir in workdirs.values() if base is not None else ():
        workdir.chmod(0o711)
    result = Run(grader_before=_grader_files())

    def grade_one(case: str) -> tuple[str, Outcome]:
        folder = folders[case]
        before = _hashes(folder)
        report = grade(_targets(case), submission=folder, time_limit=LIMIT, memory_mb=MEMORY_MB,
                       workdir=workdirs[case])
        left = [str(p) for p in workdirs[case].iterdir()]
        return case, Outcome(report, before, _hashes(folder), left, folder)

    try:
        with _canary_in_the_environment():
            result.outcomes = dict(in_parallel(grade_one, sorted(folders)))
    finally:
        listener.close()
    result.grader_after = _grader_files()
    result.still_running = _running_with(MARKER)
    result.children_left = _running_with(f"{sandbox.python()} -m funcpipe_rag.grading.child")
    result.on_disk = [p for p in _left_on_disk() if base is None or Path(p) != base]
    result.heard = listener.heard
    if base is not None:
        shutil.rmtree(base)
    # leave the machine as we found it, whatever the tests say
    kill_descendants(MARKER)
    kill_descendants("funcpipe_rag.grading.child")
    return result


def _outcome(run: Run, case: str) -> Outcome:
    reason = _skip_reason(case)
    if reason is not None:
        pytest.skip(reason)
    return run.outcomes[case]


def _messages(report: Report) -> str:
    return "\n".join(f"{t.name}: {t.message}" for t in report.tests)


def _bound(report: Report) -> float:
    """The longest grading may take: each exercise gets start-up time plus the limit per graded test."""
    per_exercise = [DEFAULT_LIMITS.startup + LIMIT * len(e.tests) for c in report.cores for e in c.exercises]
    return max(per_exercise) + 30.0  # the exercises are graded side by side; slack for a loaded machine


@pytest.mark.parametrize("case", [*CASES, "syntax_error"])
def test_contained(case: str, run: Run) -> None:
    out = _outcome(run, case)
    report = out.report
    expected = [name for target in _targets(case) for name in graded_names(target.split("/")[1])]
    assert [t.name for t in report.tests] == expected, "the report is missing graded tests"
    for t in report.tests:
        assert t.passed or t.message, f"{t.name} failed without a reason"
    honest = 0 if all(s.base == "exercise" for s in SPECS.get(case, [])) and case in SPECS else \
        report.max_points
    assert report.points <= honest, f"{case} scored {report.points}, more than its honest {honest}\n" \
                                    + _messages(report)
    assert out.before == out.after, f"grading {case} changed the learner's files"
    assert not list(out.folder.rglob("__pycache__")), "grading wrote __pycache__ into the submission"
    assert run.grader_before == run.grader_after, "a submission changed the graded tests or the library"
    assert not run.still_running, f"processes a submission started outlived grading: {run.still_running}"
    assert not run.children_left, f"grading processes outlived grading: {run.children_left}"
    assert not out.workdir_left, f"grading {case} left files behind: {out.workdir_left}"
    assert not run.on_disk, f"submissions left files in the temporary folders: {run.on_disk}"
    assert CANARY not in report.to_json(), "a secret of the grader's environment reached the report"
    assert report.seconds <= _bound(report), f"grading {case} took {report.seconds:.0f} s"
    assert report.sandbox == BOUNDARY.kind


_NAMES: dict[str, list[str]] = {}


def graded_names(exercise: str) -> list[str]:
    if exercise not in _NAMES:
        text = (ROOT / "tests" / "grading" / "m08c01" / f"test_{exercise}.py").read_text()
        _NAMES[exercise] = re.findall(r"^def (test_\w+)", text, re.M)
    return _NAMES[exercise]


# ---- what each case shows, beyond being contained ---------------------------------------------


def test_syntax_error(run: Run) -> None:
    report = _outcome(run, "syntax_error").report
    assert report.points == 0
    assert all("does not parse: line" in t.message for t in report.tests), _messages(report)


def test_import_error(run: Run) -> None:
    report = _outcome(run, "import_error").report
    assert report.points == 0
    assert all("fails to import" in t.message and "funcpipe_no_such_module" in t.message
               for t in report.tests), _messages(report)


def test_missing_function(run: Run) -> None:
    report = _outcome(run, "missing_function").report
    assert all("does not define async_map" in t.message for t in report.tests), _messages(report)


def test_endless_loop_is_a_time_limit(run: Run) -> None:
    report = _outcome(run, "loops_forever").report
    assert "time limit exceeded" in report.test("test_map").message
    assert report.test("test_left_identity").passed, "tests after a timeout still run in a new process"


def test_endless_import_fails_every_test(run: Run) -> None:
    report = _outcome(run, "loops_at_import").report
    assert report.points == 0
    assert all("importing ex01_primitives.py: time limit exceeded" in t.message for t in report.tests)


def test_sys_exit(run: Run) -> None:
    report = _outcome(run, "sys_exit").report
    assert "sys.exit(3)" in report.test("test_left_identity").message
    assert report.test("test_pure").passed


def test_os_exit(run: Run) -> None:
    report = _outcome(run, "os_exit").report
    assert "exited with status 0 during this test" in report.test("test_map").message
    assert report.test("test_left_identity").passed, "tests after the exit still run in a new process"


def test_memory_limit(run: Run) -> None:
    report = _outcome(run, "memory_hog").report
    assert "memory" in report.test("test_map").message, report.test("test_map").message
    assert report.test("test_pure").passed


def test_raised_limits_still_hold(run: Run) -> None:
    report = _outcome(run, "raises_limits").report
    assert "memory" in report.test("test_map").message, report.test("test_map").message
    assert report.test("test_pure").passed, "the limits hold and the rest of the file is graded"


def test_deleting_files_harms_only_the_scratch_copy(run: Run) -> None:
    out = _outcome(run, "deletes_files")
    assert out.report.points == out.report.max_points, _messages(out.report)
    assert (out.folder / "m08c01" / "notes.txt").is_file()


@pytest.mark.parametrize("case", ["prints_results", "forges_the_channel", "patches_the_grader",
                                  "patches_graded_tests", "forges_ok_equality", "subclasses_ok",
                                  "patches_hypothesis", "reads_secrets"])
def test_forged_success_counts_for_nothing(case: str, run: Run) -> None:
    report = _outcome(run, case).report
    assert report.points == 0, _messages(report)


def test_a_broken_protocol_zeroes_the_exercise(run: Run) -> None:
    for case in ("patches_the_grader", "chatters_past_deadline"):
        report = _outcome(run, case).report
        assert report.points == 0 and any("interfered with" in t.message for t in report.tests), \
            _messages(report)


def test_chatter_does_not_keep_the_child_alive(run: Run) -> None:
    report = _outcome(run, "chatters_past_deadline").report
    assert report.seconds < 2 * LIMIT + DEFAULT_LIMITS.startup / 2, f"{report.seconds:.0f} s"


def test_a_flood_of_output_is_cut_short(run: Run) -> None:
    """Output is capped; flooding the grader's channel too is a broken protocol, and scores zero."""
    report = _outcome(run, "floods_output").report
    assert all(len(t.output) <= 2001 for t in report.tests)
    assert report.points == 0 and "interfered with" in report.test("test_map").message, _messages(report)


def test_secrets_never_reach_the_report(run: Run) -> None:
    for case in ("reads_secrets", "prints_environment"):
        report = _outcome(run, case).report
        assert CANARY not in report.to_json()
        assert report.test("test_pure").output or case == "reads_secrets", "the printing did happen"


def test_the_network_is_out_of_reach(run: Run) -> None:
    _outcome(run, "reaches_network")
    assert run.heard == [], f"a submission reached the grader's machine: {run.heard}"


def test_the_graded_tests_on_disk_are_out_of_reach(run: Run) -> None:
    _outcome(run, "rewrites_graded_tests")
    assert run.grader_before == run.grader_after


def test_the_real_submission_is_out_of_reach(run: Run) -> None:
    out = _outcome(run, "writes_real_submission")
    assert out.before == out.after
    assert out.report.points == out.report.max_points, _messages(out.report)


# ---- the whole path to Gradescope's results ------------------------------------------------------


def _cli_grader() -> str:
    """A stand-in for the installed ``funcpipe`` command: this interpreter running the CLI."""
    return f'exec {sys.executable} -m funcpipe_rag.cli "$@" --time-limit {LIMIT} --memory-mb {MEMORY_MB}\n'


@pytest.mark.parametrize("case", ["writes_results_file", "kills_grader_forges_results", "setsid_daemon"])
def test_gradescope_keeps_only_what_the_grader_finished(case: str, tmp_path: Path) -> None:
    reason = _skip_reason(case)
    if reason is not None:
        pytest.skip(reason)
    folder = write_hostile(case, tmp_path / "submission")
    adopt_orphans()
    try:
        results = run_autograder(tmp_path / "gradescope", _cli_grader(), submission=folder)
        assert results["score"] == 0.0, results
        assert not _running_with(MARKER), "a daemon outlived grading"
    finally:
        kill_descendants(MARKER)
