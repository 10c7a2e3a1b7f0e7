"""The grader: discovers graded tests, runs the learner's code in a boxed child, judges, reports.

Trust model. The grader (this process) holds the graded-test files in
memory, read once when grading starts and never again from anywhere the
child could write. It runs Hypothesis itself, sends plain-data cases to the
child, and judges the plain facts the child sends back against the trusted
library (see :mod:`.harness`). The child runs behind the boundary chosen by
:mod:`.sandbox`; nothing it says is a verdict, and it holds no secret.

Protocol hygiene (see :mod:`.protocol`): the grader accepts only the reply
to the request in flight; each request has a deadline and each child a
total deadline that nothing the child sends can extend; replies and the
child's output are capped and only the tail of its output is read. A child
that dies or runs out of time fails the test in progress (at once, without
shrinking) and a fresh child runs the rest; a reply that breaks the protocol
or the observer's schema scores the whole exercise zero, with one sentence
saying the grading was interfered with.

Each exercise is graded by its own child (exercises side by side, in
threads), so what one exercise's code does cannot touch another's grading.
"""

from __future__ import annotations

import contextlib
import hashlib
import linecache
import math
import os
import select
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import typing
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from funcpipe_rag import course
from funcpipe_rag.course import workbook_root
from funcpipe_rag.grading import codec, harness, sandbox
from funcpipe_rag.grading.contracts import ContractError, core_contract, rules_for
from funcpipe_rag.grading.hidden import HiddenCount, read_manifest
from funcpipe_rag.grading.protocol import MAX_MESSAGE, ProtocolError, Raised, Reply, check_shape, parse_reply
from funcpipe_rag.grading.protocol import request as encode_request
from funcpipe_rag.grading.report import CoreReport, ExerciseReport, Report, TestResult
from funcpipe_rag.grading.rules import SourceRules, check_rules
from funcpipe_rag.grading.split import SplitError, module_facts, split_for_child

T = TypeVar("T")
LOG_TAIL = 2000
MAX_OUTPUT = 2000


@dataclass(frozen=True)
class Limits:
    """Seconds per observation, address-space megabytes, and seconds for a child to start."""

    time_limit: float = 15.0
    memory_mb: int = 1024
    startup: float = 60.0


DEFAULT_LIMITS = Limits()
"""The grader's default limits: ``grade()`` and ``funcpipe grade`` both start from these."""


class GraderError(Exception):
    """The grader itself cannot run (no graded tests, an unreadable folder, ...)."""


class Abort(BaseException):
    """Ends a graded test at once, without shrinking (Hypothesis lets BaseException through)."""

    def __init__(self, message: str, *, restart: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.restart = restart


class Interference(BaseException):
    """The child broke the protocol: the whole exercise scores zero."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.message = (
            f"the grading was interfered with ({reason}), so this exercise scores zero"
        )


class LearnerRaised(Exception):
    """The learner's code raised while it was observed (an ordinary failure: Hypothesis shrinks it)."""


# ---- discovery ------------------------------------------------------------------------------


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


@dataclass
class Suite:
    """The graded tests of one exercise (one ``tests/grading/<core>/test_*.py`` file), in memory.

    Discovery reads the text once and cuts the child's part from it;
    :meth:`load` runs the grader's part (importing Hypothesis and the
    library takes a while, so children are started before it).
    """

    core: str
    exercise: str
    title: str
    label: str
    source: str
    child_source: str
    graded: tuple[str, ...] = ()
    include_hidden: bool = False  # run the hidden tests too (the instructor's grading)
    hidden_tests: int = 0  # hidden tests left out of this grading, counted for the report
    hidden_points: int = 0
    module: ModuleType | None = None
    tests: list[TestResult] = field(default_factory=list)
    functions: dict[str, Callable[[], None]] = field(default_factory=dict)
    shapes: dict[str, Any] = field(default_factory=dict)
    setup: Callable[[], tuple[Any, Any]] | None = None
    rules: SourceRules | None = None  # the learner file's source rules (tests/grading/<core>/contract.toml)

    def load(self) -> None:
        """Run the grader's part of the file and collect its graded tests and observers."""
        if self.module is not None:
            return
        name = f"funcpipe_graded.{self.core}.{Path(self.label).stem}"
        module = _parent_module(name, self.label, self.source)
        for name, obj in vars(module).items():
            meta = harness.meta_of(obj)
            if meta is not None and name.startswith("test_") and meta.hidden and not self.include_hidden:
                self.hidden_tests += 1
                self.hidden_points += meta.points
            elif meta is not None and name.startswith("test_"):
                doc = (getattr(obj, "__doc__", None) or "").strip().splitlines()
                self.tests.append(TestResult(self.core, self.exercise, name, doc[0] if doc else name,
                                             meta.points, hint=meta.hint, hints=list(meta.hints),
                                             hidden=meta.hidden))
                self.functions[name] = obj
            observed = harness.observer_name(obj)
            if observed is not None:
                try:
                    hints = typing.get_type_hints(obj, module.__dict__)
                except Exception as exc:
                    raise GraderError(f"{self.label}: the observer {name} has annotations that do not "
                                      f"resolve: {exc}") from exc
                self.shapes[observed] = hints.get("return", Any)
            if harness.is_before_import(obj):
                self.setup = obj
        self.module = module


_MODULES: dict[tuple[str, str], ModuleType] = {}
_LOADING = threading.Lock()
_DISCOVERY = threading.Lock()


def _parent_module(name: str, label: str, source: str) -> ModuleType:
    """The graded-test module, run from ``source`` (once per text, shared by gradings in this process)."""
    key = (name, hashlib.sha256(source.encode()).hexdigest())
    with _LOADING:
        module = _MODULES.get(key)
        if module is None:
            module = ModuleType(name)
            module.__file__ = label
            sys.modules[name] = module  # dataclasses and typing look modules up by name
            remember_source(label, source)
            try:
                exec(compile(source, label, "exec"), module.__dict__)
            except Exception as exc:
                raise GraderError(
                    f"the graded tests in {label} fail to import: {type(exc).__name__}: {exc}"
                ) from exc
            _MODULES[key] = module
        return module


def remember_source(label: str, source: str) -> None:
    """Make ``source`` the text of ``label`` for tracebacks and ``inspect``, wherever the grader runs.

    Hypothesis derives its derandomized seed from a test's source: without this,
    the examples would depend on whether ``label`` happens to resolve from the
    current folder.
    """
    linecache.cache[label] = (len(source), None, source.splitlines(keepends=True), label)


def _label(path: Path, tests_root: Path) -> str:
    try:
        return (Path("tests") / "grading" / path.relative_to(tests_root)).as_posix()
    except ValueError:
        return path.name


def _suite(core: str, path: Path, tests_root: Path) -> Suite:
    label = _label(path, tests_root)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GraderError(f"cannot read the graded tests {path}: {exc}") from exc
    try:
        child_source = split_for_child(source, label)
        facts = module_facts(source, label)
    except (SplitError, SyntaxError) as exc:
        raise GraderError(str(exc)) from exc
    exercise = facts.constants.get("EXERCISE", path.stem.removeprefix("test_"))
    try:
        rules = rules_for(core_contract(core, tests_root), exercise)
    except (ContractError, ValueError) as exc:
        raise GraderError(str(exc)) from exc
    return Suite(core, exercise, facts.constants.get("TITLE", exercise), label, source, child_source,
                 facts.graded, rules=rules)


def discover(tests_root: Path, selectors_: Iterable[str] | None = None, *, load: bool = True,
             include_hidden: bool = False) -> list[Suite]:
    """The suites selected by ``selectors_`` (``m08c01`` or ``m08c01/ex01``; all when empty).

    With ``load=False`` the grader's side of each file is not run yet (see :meth:`Suite.load`).
    Hidden tests (``@graded(hidden=True)``) are counted, not run, unless ``include_hidden``; so
    are the ones a learner's copy lists in its ``hidden.json`` (:mod:`.hidden`).
    """
    wanted = list(selectors_ or [])
    with _DISCOVERY:
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
            picks = [w.split("/", 1)[1] for w in wanted if w.startswith(core + "/")]
            whole = not wanted or core in wanted
            names = [e.slug for e in course.core(core).exercises]
            paths = [tests_root / core / f"test_{name}.py" for name in names]
            for p in picks:
                if not any(n.startswith(p) for n in names):
                    listed = ", ".join(f"{core}/{n}" for n in names)
                    raise GraderError(f"unknown exercise {core}/{p}; the exercises are: {listed}")
            chosen = [
                suite for suite in (
                    _suite(core, path, tests_root) for path, n in zip(paths, names, strict=True)
                    if path.is_file() and (whole or any(n.startswith(p) for p in picks))
                ) if suite.graded
            ]
            try:
                kept = read_manifest(tests_root / core)
            except ValueError as exc:
                raise GraderError(str(exc)) from exc
            for suite in chosen:
                suite.include_hidden = include_hidden
                left_out = kept.get(suite.exercise, HiddenCount())
                suite.hidden_tests, suite.hidden_points = left_out.tests, left_out.points
            suites.extend(chosen)
    if load:
        for suite in suites:
            suite.load()
    return suites


def submission_folder_for(submission: Path, core: str, exercises: Iterable[str]) -> Path:
    """``submission/<core>`` if it exists; ``submission`` itself if it holds the files."""
    nested = submission / core
    if nested.is_dir():
        return nested
    if submission.name == core or any((submission / f"{e}.py").is_file() for e in exercises):
        return submission
    return nested


# ---- one child ----------------------------------------------------------------------------------


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


def death_message(returncode: int | None, limits: Limits, during: str) -> str:
    """One sentence: how the child ended."""
    if returncode is None:
        return f"the process running your code stopped answering {during} (it closed the grader's channel)"
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


class ChildGone(Exception):
    """The child died, or did not answer in time."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.timed_out = timed_out


def _log_fd() -> int:
    if hasattr(os, "memfd_create"):
        return os.memfd_create("funcpipe-child-output", 0)
    fd, name = tempfile.mkstemp(prefix="funcpipe-child-output-")  # pragma: no cover - macOS
    os.unlink(name)
    return fd


class Child:
    """One child process, its channel and its output, with deadlines the child cannot move."""

    def __init__(self, proc: subprocess.Popen[bytes], sock: socket.socket, log: int, budget: float,
                 limits: Limits, boundary: sandbox.Boundary, scratch: Path | None) -> None:
        self.proc = proc
        self.sock = sock
        self.log = log
        self.limits = limits
        self.boundary = boundary
        self.scratch = scratch
        self.started = time.monotonic()
        self.deadline = self.started + budget
        self.seq = -1
        self.sent_at = self.started
        self.pending = False
        self.buffer = b""
        self.sel = selectors.DefaultSelector()
        self.sel.register(sock, selectors.EVENT_READ)
        self.dead = False

    @classmethod
    def start(cls, snap: sandbox.Snapshot, limits: Limits, boundary: sandbox.Boundary, budget: float,
              workdir: Path, hidden: list[Path]) -> Child:
        parent_sock, child_sock = socket.socketpair()
        snap_fd = sandbox.snapshot_fd(snap.pack())
        log = _log_fd()
        cpu = math.ceil(budget) + 5
        scratch: Path | None = None
        # the process-count limit counts every process of the child's user; root is exempt from it
        runs_as = boundary.uid if boundary.uid is not None else os.geteuid()
        nproc = 0 if runs_as == 0 else sandbox.count_processes(runs_as) + sandbox.NPROC
        command = [sandbox.python(), "-m", "funcpipe_rag.grading.child", "--fd", str(child_sock.fileno()),
                   "--snapshot-fd", str(snap_fd), "--memory-mb", str(limits.memory_mb),
                   "--cpu-seconds", str(cpu), "--fsize-mb", str(sandbox.FSIZE_MB), "--nproc", str(nproc)]
        kwargs: dict[str, Any] = sandbox.run_as(boundary)
        if boundary.kind == "bubblewrap":
            env = sandbox.child_env("/scratch", "/tmp")
            argv = [*sandbox.bwrap_args(boundary, hidden=hidden, env=env), "--", *command]
            popen_env = {"PATH": "/usr/bin:/bin"}
            cwd = "/"
        else:
            scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=workdir))
            (scratch / "tmp").mkdir()
            if boundary.uid is not None and boundary.gid is not None:
                for path in (scratch, scratch / "tmp"):
                    os.chown(path, boundary.uid, boundary.gid)
            argv = [*command, "--confine"]
            popen_env = sandbox.child_env(str(scratch), str(scratch / "tmp"))
            cwd = str(scratch)
        try:
            proc = subprocess.Popen(
                argv, cwd=cwd, env=popen_env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                pass_fds=(child_sock.fileno(), snap_fd), start_new_session=True, **kwargs,
            )
        except OSError as exc:
            for fd in (snap_fd, log):
                os.close(fd)
            parent_sock.close()
            raise GraderError(f"cannot start the grading process: {exc}") from exc
        finally:
            child_sock.close()
        os.close(snap_fd)
        parent_sock.setblocking(False)
        return cls(proc, parent_sock, log, budget, limits, boundary, scratch)

    # -- the channel

    def _send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            _, writable, _ = select.select([], [self.sock], [], remaining)
            if not writable:
                continue
            try:
                view = view[self.sock.send(view):]
            except BlockingIOError:
                continue
            except OSError:
                raise EOFError from None

    def _receive(self, deadline: float) -> bytes:
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if not self.sel.select(remaining):
                continue
            try:
                chunk = self.sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                raise EOFError from None
            if not chunk:
                raise EOFError
            self.buffer += chunk
            if len(self.buffer) > MAX_MESSAGE:
                raise ProtocolError("a reply longer than the grader accepts")
        line, _, rest = self.buffer.partition(b"\n")
        if rest:
            raise ProtocolError("more than one reply to one request")
        self.buffer = b""
        return line

    def send(self, op: str, **fields: Any) -> None:
        """Send the next request; its reply is awaited by :meth:`reply`."""
        if self.dead:
            raise ChildGone("the grading process had already stopped")
        if self.buffer:
            raise ProtocolError("a message nobody asked for")
        self.seq += 1
        self.sent_at = time.monotonic()
        self.pending = True
        try:
            self._send(encode_request(op, self.seq, **fields), self.deadline)
        except EOFError:
            self._gone("while it was sent a request", timeout=0.0)
        except TimeoutError:
            self._gone("while it was sent a request", timeout=self.deadline - self.sent_at)

    def reply(self, timeout: float, during: str) -> Reply:
        """The reply to the request in flight; :class:`ChildGone` or :class:`ProtocolError` otherwise.

        The deadline runs from when the request was sent and never extends
        past the child's total deadline, whatever the child sends meanwhile.
        """
        self.pending = False
        deadline = min(self.sent_at + timeout, self.deadline)
        try:
            line = self._receive(deadline)
        except TimeoutError:
            self._gone(during, timeout)
        except EOFError:
            self._gone(during, timeout=None)
        return parse_reply(line, self.seq)

    def request(self, op: str, timeout: float, during: str, **fields: Any) -> Reply:
        """Send one request and return the reply to it."""
        self.send(op, **fields)
        return self.reply(timeout, during)

    def _gone(self, during: str, timeout: float | None) -> typing.NoReturn:
        if timeout is None:
            code: int | None
            try:
                code = self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
            self.kill()
            raise ChildGone(death_message(code, self.limits, during)) from None
        self.kill()
        if self.sent_at + timeout > self.deadline:
            raise ChildGone(
                f"time limit exceeded: grading this exercise used up its time "
                f"({self.deadline - self.started:.0f} s left when this process started) {during}",
                timed_out=True) from None
        raise ChildGone(
            f"time limit exceeded: your code ran longer than {timeout:g} s {during} "
            "(an endless loop, or a wait that never ends?)", timed_out=True) from None

    def output_tail(self) -> str:
        """The last lines the child wrote to its stdout/stderr (never more than a small tail)."""
        try:
            size = os.fstat(self.log).st_size
            data = os.pread(self.log, LOG_TAIL, max(0, size - LOG_TAIL))
        except OSError:
            return ""
        return data.decode("utf-8", errors="replace")

    def kill(self) -> None:
        """Kill the child and everything it started (its session; under bubblewrap, its namespace)."""
        if self.dead:
            return
        self.dead = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL does not wait for the child
            self.proc.wait(timeout=10)
        self.sel.close()
        self.sock.close()

    def close(self) -> None:
        self.kill()
        with contextlib.suppress(OSError):
            os.close(self.log)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


# ---- one exercise being graded --------------------------------------------------------------


def _first_sentence(text: str, limit: int = 400) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _example(exc: BaseException) -> str:
    notes = getattr(exc, "__notes__", None) or []
    keep = [n for n in notes if isinstance(n, str) and n.startswith(("Falsifying", "Failing test case"))]
    return "\n".join(keep)


def _after_timeout(limits: Limits) -> Limits:
    """Shorter limits for the rest of an exercise once one of its tests has timed out.

    A submission that hangs usually hangs in every test that calls the same
    function; waiting the full limit for each would keep the learner waiting
    minutes for a report. Honest observations take milliseconds.
    """
    shorter = min(limits.time_limit, max(1.0, limits.time_limit / 5))
    return Limits(time_limit=shorter, memory_mb=limits.memory_mb, startup=limits.startup)


class Session:
    """The grading of one exercise: its child (restarted when needed), its store, its verdicts."""

    def __init__(self, suite: Suite, snap: sandbox.Snapshot, limits: Limits, boundary: sandbox.Boundary,
                 workdir: Path, hidden: list[Path]) -> None:
        self.suite = suite
        self.snap = snap
        self.limits = limits
        self.boundary = boundary
        self.workdir = workdir
        self.hidden = hidden
        self.child: Child | None = None
        self.store: dict[str, Any] = {}
        self.fatal: str | None = None
        self.import_failure: str | None = None
        self.printed: list[str] = []
        self.notes: list[str] = []
        self.deadline: float | None = None
        self.budget = 0.0
        self.handshake = False
        self.interrupted = False
        self.fatal = self._broken_rule()

    def _broken_rule(self) -> str | None:
        """The first source rule the learner's file breaks, as the sentence every test then reports.

        Checked on the snapshot, before any child starts: a file that imports
        the answer scores zero for the exercise without running.
        """
        name = f"{self.suite.exercise}.py"
        text = self.snap.text(name)
        if self.suite.rules is None or text is None:
            return None
        others = {Path(n).stem for n in self.snap.files if n.endswith(".py") and n != name}
        with harness.PARSING:
            broken = check_rules(text, name, self.suite.rules, local=others)
        return str(broken[0]) if broken else None

    # -- harness.Session

    def remember(self, key: str, factory: Callable[[], T]) -> T:
        if key not in self.store:
            self.store[key] = factory()
        return typing.cast(T, self.store[key])

    def source(self, exercise: str) -> str:
        text = self.snap.text(f"{exercise}.py")
        if text is None:
            raise Abort(f"the submission has no file {exercise}.py")
        return text

    def observe(self, name: str, case: object) -> Any:
        if name not in self.suite.shapes:
            raise GraderError(f"{self.suite.label} has no observer {name!r}")
        child = self._child()
        try:
            encoded = codec.encode(case, strict=True)
        except TypeError as exc:
            raise GraderError(f"{self.suite.label}: a case for {name} cannot be sent: {exc}") from exc
        reply = self._ask(child, "observe", "during this test", observer=name, case=encoded)
        if reply.printed and sum(map(len, self.printed)) < MAX_OUTPUT:
            self.printed.append(reply.printed)
        if reply.raised is not None:
            raise self._failure(reply.raised)
        reason = check_shape(reply.value, self.suite.shapes[name], f"what {name} reported")
        if reason:
            self._stop_child()
            raise Interference(reason)
        return reply.value

    # -- the child

    def _ask(self, child: Child, op: str, during: str, **fields: Any) -> Reply:
        try:
            return child.request(op, self.limits.time_limit, during, **fields)
        except ChildGone as gone:
            self._stop_child()
            tail = child.output_tail().strip()
            if tail and not self.notes:
                self.notes.append(f"{self.suite.core}/{self.suite.exercise}: the grading process wrote: "
                                  f"{tail.splitlines()[-1][:300]}")
            if gone.timed_out:
                self.limits = _after_timeout(self.limits)
            raise Abort(gone.message, restart=True) from None
        except ProtocolError as exc:
            self._stop_child()
            raise Interference(str(exc)) from None

    def _stop_child(self) -> None:
        if self.child is not None:
            self.child.close()
            self.child = None
        self.handshake = False

    def prestart(self) -> None:
        """Start the child and send it its part of the graded-test file, without waiting for it."""
        if self.child is not None or self.import_failure is not None or self.fatal is not None:
            return
        now = time.monotonic()
        if self.deadline is None:
            # the whole exercise, restarts included, gets this long: a hostile submission cannot stretch it
            self.budget = self.limits.startup + self.limits.time_limit * max(1, len(self.suite.graded))
            self.deadline = now + self.budget
        if now >= self.deadline:
            raise Abort(f"not run: grading this exercise used up its time ({self.budget:.0f} s)")
        child = Child.start(self.snap, self.limits, self.boundary, self.deadline - now, self.workdir,
                            self.hidden)
        self.child = child
        suite = self.suite
        with contextlib.suppress(ChildGone):  # reported when the reply is awaited
            child.send("init", exercise=suite.exercise, label=suite.label, source=suite.child_source,
                       module=f"funcpipe_graded_{suite.core}_{suite.exercise}")
        self.handshake = True

    def interrupt(self) -> None:
        """Stop grading this exercise (from another thread): its child dies, no new one starts."""
        self.interrupted = True
        child = self.child
        if child is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.proc.pid, signal.SIGKILL)  # its thread sees the channel close

    def _child(self) -> Child:
        if self.interrupted:
            raise Abort("not run: grading was interrupted")
        if self.child is not None and not self.handshake:
            return self.child
        if self.import_failure is not None:
            raise Abort(self.import_failure)
        self.prestart()
        child = self.child
        assert child is not None
        self.handshake = False
        suite = self.suite
        try:
            reply = child.reply(self.limits.startup, "while it started")
        except (ChildGone, ProtocolError) as exc:
            self._stop_child()
            tail = child.output_tail().strip()
            detail = f": {tail.splitlines()[-1][:300]}" if tail else ""
            raise Abort(f"the grading process did not start ({exc}){detail}", restart=True) from None
        if reply.raised is not None:
            self._stop_child()
            raise GraderError(f"{suite.label} fails in the grading process: {reply.raised.type}: "
                              f"{reply.raised.message}")
        if suite.setup is not None:
            with harness.bound(self):
                obs, case = suite.setup()
            self.observe(harness.observer_name(obs) or "", case)
        try:
            reply = self._ask(child, "import", "while your file was imported")
        except Abort as abort:
            self.import_failure = f"importing {suite.exercise}.py: {abort.message}"
            raise Abort(self.import_failure) from None
        if reply.raised is not None:
            failure = self._failure(reply.raised)
            self.import_failure = failure.message if isinstance(failure, Abort) else str(failure)
            self._stop_child()
            raise Abort(self.import_failure)
        return child

    def _failure(self, raised: Raised) -> BaseException:
        where = raised.where()
        if raised.kind == "not_implemented":
            return Abort(f"not implemented yet: {raised.message or 'NotImplementedError'}{where}")
        if raised.kind == "submission":
            return Abort(raised.message)
        if raised.kind == "exit":
            return Abort(f"your code called sys.exit({raised.message}); only the grader may end the run")
        if raised.kind == "memory":
            self._stop_child()
            limit = self.limits.memory_mb
            return Abort(f"your code ran out of memory (the limit is {limit} MB)", restart=True)
        if raised.kind == "recursion":
            return LearnerRaised(f"recursion too deep{where}")
        if raised.kind == "assertion":
            return LearnerRaised(f"{raised.message or 'an assertion failed'}{where}")
        return LearnerRaised(f"{raised.type}: {raised.message}{where}")

    # -- running the tests

    def run(self) -> None:
        for test in self.suite.tests:
            self.run_one(test)
        self._stop_child()
        if self.fatal is not None:
            for test in self.suite.tests:
                test.passed, test.points, test.message, test.example = False, 0, self.fatal, ""

    def run_one(self, test: TestResult) -> None:
        started = time.perf_counter()
        self.printed = []
        try:
            if self.fatal is not None:
                raise Abort(self.fatal)
            self._judge(test.name)
        except Interference as exc:
            self.fatal = exc.message
            _fail(test, exc.message)
        except Abort as exc:
            _fail(test, exc.message)
        except LearnerRaised as exc:
            _fail(test, str(exc), _example(exc))
        except AssertionError as exc:
            _fail(test, _first_sentence(str(exc)) or "an assertion failed", _example(exc))
        except GraderError:
            raise
        except Exception as exc:  # Hypothesis's own verdicts (flaky code, ...) and anything unforeseen
            _fail(test, f"{type(exc).__name__}: {_first_sentence(str(exc))}", _example(exc))
        else:
            test.passed, test.points = True, test.max_points
        test.seconds = round(time.perf_counter() - started, 3)
        printed = "".join(self.printed)
        test.output = printed[:MAX_OUTPUT] + ("…" if len(printed) > MAX_OUTPUT else "")


    def _judge(self, name: str) -> None:
        """Run the graded test ``name``: it returns when it passes and raises when it fails."""
        for attempt in range(3):
            self._child()
            try:
                with harness.bound(self):
                    self.suite.functions[name]()
                return
            except SystemError as exc:
                # Python 3.11's ast.parse can fail spuriously when two threads parse at once (CPython
                # gh-106905); Hypothesis parses while it runs, and exercises are judged side by side.
                # The test is deterministic, so running it again gives its real verdict.
                if harness.AST_RACE not in str(exc) or attempt == 2:
                    raise
                self.printed = []


def _fail(test: TestResult, message: str, example: str = "") -> None:
    test.passed, test.points, test.message, test.example = False, 0, message, example


# ---- grading a folder ---------------------------------------------------------------------------


def _workers(jobs: int) -> int:
    """How many exercises are graded side by side (each by its own child)."""
    return max(1, min(jobs, 4))


def grade_folder(
    submission: Path,
    selectors_: Iterable[str] | None = None,
    *,
    tests_root: Path | None = None,
    limits: Limits | None = None,
    sandbox_kind: str | None = None,
    workdir: Path | None = None,
    include_hidden: bool = False,
) -> Report:
    """Grade ``submission`` (a folder holding ``<core>/`` folders) and return the report.

    ``sandbox_kind`` forces a boundary (``bubblewrap``, ``uid``, ``none``);
    by default the strongest that works here is used. ``workdir`` is where
    scratch folders go when the boundary needs them on disk (default: the
    system's temporary folder); it is left empty. ``include_hidden`` runs the
    hidden graded tests too (the instructor's grading); otherwise they are
    only counted in the report.
    """
    started = time.perf_counter()
    root = tests_root or default_tests_root()
    limits = limits or Limits()
    if not submission.is_dir():
        raise GraderError(f"no submission folder at {submission}")
    try:
        boundary = sandbox.choose(sandbox_kind)
    except sandbox.SandboxError as exc:
        raise GraderError(str(exc)) from exc
    suites = discover(root, selectors_, load=False, include_hidden=include_hidden)
    if not suites:
        raise GraderError(f"nothing to grade for {' '.join(selectors_ or []) or 'any core'} under {root}")
    report = Report(submission=str(submission), sandbox=boundary.kind, sandbox_note=boundary.reason)
    snaps: dict[str, sandbox.Snapshot] = {}
    for suite in suites:
        if suite.core not in snaps:
            folder = submission_folder_for(submission, suite.core, [s.exercise for s in suites])
            try:
                snaps[suite.core] = sandbox.snapshot(folder)
            except sandbox.SandboxError as exc:
                raise GraderError(str(exc)) from exc
            expected = [f"{e.slug}.py" for e in course.core(suite.core).exercises]
            if not folder.is_dir():
                report.notes.append(f"no {suite.core}/ folder in {submission}: every {suite.core} test fails")
            elif not any(snaps[suite.core].text(name) is not None for name in expected):
                report.notes.append(
                    f"{folder} holds none of {suite.core}'s files ({', '.join(expected)}): is it the right "
                    "folder? funcpipe grade reads exercises/ unless you give --submission DIR"
                )
    checkout = workbook_root()
    hidden = [root, submission, *([checkout] if checkout is not None else [])]
    if boundary.kind == "uid":
        place = Path(workdir or tempfile.gettempdir())
        assert boundary.uid is not None and boundary.gid is not None
        if not sandbox.reachable_by(place, boundary.uid, boundary.gid):
            raise GraderError(f"the sandbox user cannot reach {place}, where its scratch folder would go; "
                              "grade with a working folder every user may enter (such as /tmp)")
    scratch_root = Path(tempfile.mkdtemp(prefix="funcpipe-grade-", dir=workdir))
    if boundary.kind == "uid":
        os.chmod(scratch_root, 0o711)  # the sandbox user may enter its own scratch folder, list nothing
    sessions = [Session(s, snaps[s.core], limits, boundary, scratch_root, hidden) for s in suites]
    workers = _workers(len(sessions))
    try:
        with sandbox.exclusive(boundary):
            for session in sessions[:workers]:
                session.prestart()  # the children start while the grader imports its side
            for suite in suites:
                suite.load()
            with ThreadPoolExecutor(max_workers=workers) as pool:
                jobs = [pool.submit(session.run) for session in sessions]
                try:
                    for job in jobs:
                        job.result()
                except BaseException:  # Ctrl-C, or the grader failing: stop every child, then every thread
                    for session in sessions:
                        session.interrupt()
                    raise
    finally:
        for session in sessions:
            session._stop_child()
        shutil.rmtree(scratch_root, ignore_errors=True)
    cores: dict[str, CoreReport] = {}
    for session in sessions:
        suite = session.suite
        core = cores.setdefault(suite.core, CoreReport(suite.core))
        core.exercises.append(ExerciseReport(suite.core, suite.exercise, suite.title, suite.tests,
                                             suite.hidden_tests, suite.hidden_points))
        report.notes.extend(session.notes)
    report.cores = list(cores.values())
    report.seconds = time.perf_counter() - started
    return report


__all__ = ["GraderError", "Limits", "Suite", "available_cores", "default_tests_root", "discover",
           "grade_folder", "submission_folder_for"]
