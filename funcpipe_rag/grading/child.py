"""The grading child: an observation server next to the learner's code.

Started by :mod:`funcpipe_rag.grading.runner` (inside the boundary chosen by
:mod:`.sandbox`) as ``python -m funcpipe_rag.grading.child --fd N ...``, with
its working directory the scratch copy of one core's submission folder. It
holds no token and decides nothing: it receives the child-side part of one
graded-test file, then answers requests one by one (see :mod:`.protocol`),
running the learner's code and replying with plain facts. Hard limits on
memory, CPU time, file size and processes are set before anything else, so
the learner's code cannot raise them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import linecache
import os
import resource
import signal
import socket
import sys
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from funcpipe_rag.grading import codec, harness
from funcpipe_rag.grading.confine import confine
from funcpipe_rag.grading.protocol import MAX_MESSAGE, MAX_PRINTED
from funcpipe_rag.grading.sandbox import unpack


def set_limits(memory_mb: int, cpu_seconds: int, fsize_mb: int, nproc: int) -> None:
    """Hard limits equal to the soft ones: address space, CPU, file size, processes; no core files.

    A limit already lower stays as it is; ``nproc`` 0 leaves the process count alone.
    """
    wanted = [
        (resource.RLIMIT_AS, memory_mb * 1024 * 1024),
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_FSIZE, fsize_mb * 1024 * 1024),
        (resource.RLIMIT_CORE, 0),
    ]
    if nproc > 0 and hasattr(resource, "RLIMIT_NPROC"):
        wanted.append((resource.RLIMIT_NPROC, nproc))
    for which, value in wanted:
        with contextlib.suppress(ValueError, OSError):
            _soft, hard = resource.getrlimit(which)
            new = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (new, new))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails instead of killing us


def _one_sentence(text: str, limit: int = 400) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _learner_frame(exc: BaseException, folder: Path) -> tuple[str | None, int | None, str | None]:
    """File, line and function of the innermost frame of the learner's own code."""
    found: tuple[str | None, int | None, str | None] = (None, None, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        try:
            inside = Path(filename).resolve().parent == folder
        except (OSError, ValueError):
            inside = False
        if inside:
            found = (Path(filename).name, tb.tb_lineno, tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    return found


def describe(exc: BaseException, folder: Path) -> dict[str, Any]:
    """The ``raised`` part of a reply for ``exc``."""
    file, line, function = _learner_frame(exc, folder)
    if isinstance(exc, harness.SubmissionError):
        kind = "submission"
    elif isinstance(exc, NotImplementedError):
        kind = "not_implemented"
    elif isinstance(exc, AssertionError):
        kind = "assertion"
    elif isinstance(exc, SystemExit):
        kind = "exit"
    elif isinstance(exc, MemoryError):
        kind = "memory"
    elif isinstance(exc, RecursionError):
        kind = "recursion"
    else:
        kind = "error"
    try:
        text = str(exc.code) if isinstance(exc, SystemExit) else str(exc)
    except BaseException:  # a learner's exception whose __str__ fails still gets reported
        text = ""
    if not text and kind == "assertion" and file is not None and line is not None:
        text = linecache.getline(str(folder / file), line).strip()
    return {"kind": kind, "type": type(exc).__name__[:200], "message": _one_sentence(text),
            "file": file, "line": line, "function": function}


class Server:
    """Reads requests from the grader's socket and answers each one."""

    def __init__(self, sock: socket.socket, folder: Path) -> None:
        self.sock = sock
        self.folder = folder
        self.buffer = b""
        self.observers: dict[str, Callable[[Any], Any]] = {}
        self.exercise = ""

    def read(self) -> dict[str, Any] | None:
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
            if len(self.buffer) > 16 * MAX_MESSAGE:
                return None
        line, _, self.buffer = self.buffer.partition(b"\n")
        message = json.loads(line)
        return message if isinstance(message, dict) else None

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message, ensure_ascii=True) + "\n").encode("ascii")
        if len(data) > MAX_MESSAGE:
            message = {"seq": message["seq"], "printed": message["printed"], "value": {
                "$opaque": ["observation", "… (an observation too large to report)"]}}
            data = (json.dumps(message, ensure_ascii=True) + "\n").encode("ascii")
        self.sock.sendall(data)

    def run(self, seq: int, step: Callable[[], Any]) -> None:
        buffer = io.StringIO()
        reply: dict[str, Any] = {"seq": seq}
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                value = step()
            encoded = codec.encode(value)
        except BaseException as exc:  # every failure of the learner's code is a fact to report
            reply["raised"] = describe(exc, self.folder)
            del exc
        else:
            reply["value"] = encoded
        printed = buffer.getvalue()
        reply["printed"] = printed[:MAX_PRINTED] + ("…" if len(printed) > MAX_PRINTED else "")
        self.send(reply)

    def init(self, message: dict[str, Any]) -> None:
        self.exercise = str(message["exercise"])
        module = types.ModuleType(str(message["module"]))
        module.__file__ = str(message["label"])
        sys.modules[module.__name__] = module
        source, label = str(message["source"]), str(message["label"])
        linecache.cache[label] = (len(source), None, source.splitlines(keepends=True), label)
        code = compile(source, label, "exec")
        exec(code, module.__dict__)
        for value in vars(module).values():
            name = harness.observer_name(value)
            if name is not None and callable(value):
                self.observers[name] = value

    def import_submission(self) -> None:
        harness.load(self.exercise)

    def serve(self) -> None:
        while True:
            message = self.read()
            if message is None:
                return
            op, seq = message.get("op"), message.get("seq")
            if not isinstance(seq, int):
                return
            if op == "init":
                self.run(seq, lambda m=message: self.init(m))  # type: ignore[misc]
            elif op == "import":
                self.run(seq, self.import_submission)
            elif op == "observe":
                fn = self.observers.get(str(message.get("observer")))
                if fn is None:
                    return
                case = codec.decode(message.get("case"))
                self.run(seq, lambda fn=fn, case=case: fn(case))  # type: ignore[misc]
            else:
                return


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="funcpipe-grading-child")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--snapshot-fd", type=int, required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    parser.add_argument("--fsize-mb", type=int, default=16)
    parser.add_argument("--nproc", type=int, default=0)
    parser.add_argument("--confine", action="store_true",
                        help="restrict writes to the scratch folder (when bubblewrap is not the boundary)")
    args = parser.parse_args(argv)
    set_limits(args.memory_mb, args.cpu_seconds, args.fsize_mb, args.nproc)
    sys.dont_write_bytecode = True
    folder = Path.cwd().resolve()
    with os.fdopen(args.snapshot_fd, "rb") as fh:
        unpack(fh.read(), folder)
    harness.configure(folder)
    if args.confine:  # before any learner code: the checkout around us may be writable to our user
        confine(str(folder))
    sock = socket.socket(fileno=args.fd)
    try:
        Server(sock, folder).serve()
    finally:
        with contextlib.suppress(OSError):
            sys.stdout.flush()
    os._exit(0)  # skip exit handlers and threads the submission may have left behind


if __name__ == "__main__":
    sys.exit(main())
