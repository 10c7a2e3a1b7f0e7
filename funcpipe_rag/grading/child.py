"""The grading child: runs graded tests against a scratch copy of a submission.

Started by :mod:`funcpipe_rag.grading.runner` as ``python -m
funcpipe_rag.grading.child --plan FILE --fd N``. It reports to the parent only
through the pipe ``N`` (never through stdout, which the submission may write
to): one JSON object per line, ``start`` before each test, ``result`` after it,
``done`` at the end, each carrying the run's token so text that merely looks
like a result is ignored. Limits on memory, CPU time and file size are set
before any submitted code runs.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import os
import resource
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

MEMORY_EXIT = 86  # the child exits with this status after a MemoryError, to restart clean


class Channel:
    def __init__(self, fd: int, token: str) -> None:
        self.fd = fd
        self.token = token

    def send(self, **message: Any) -> None:
        message["token"] = self.token
        data = (json.dumps(message) + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]


def set_limits(memory_mb: int, cpu_seconds: int) -> None:
    """Bound the address space, CPU time and size of written files; no core dumps."""
    limit = memory_mb * 1024 * 1024
    for which, value in (
        (resource.RLIMIT_AS, limit),
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_FSIZE, 64 * 1024 * 1024),
        (resource.RLIMIT_CORE, 0),
    ):
        with contextlib.suppress(ValueError, OSError):
            _soft, hard = resource.getrlimit(which)
            new = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (new, hard if hard == resource.RLIM_INFINITY else new))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails instead of killing us


def _hypothesis_profile(overrides: dict[str, Any] | None = None) -> None:
    """Deterministic settings for graded tests; a graded module may adjust them with ``SETTINGS``."""
    from hypothesis import HealthCheck, Phase, settings

    extra = dict(overrides or {})
    if "phases" in extra:
        extra["phases"] = [Phase[p] for p in extra["phases"]]
    chosen: dict[str, Any] = {
        "derandomize": True,
        "database": None,
        "deadline": None,
        "max_examples": 30,
        "phases": [Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no slow "explain"
        "print_blob": False,
        "report_multiple_bugs": False,
        "suppress_health_check": list(HealthCheck),
    }
    chosen.update(extra)
    settings.register_profile("funcpipe-grading", **chosen)
    settings.load_profile("funcpipe-grading")


def _one_sentence(text: str, limit: int = 400) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _example(exc: BaseException) -> str:
    notes = getattr(exc, "__notes__", None) or []
    keep = [
        n for n in notes
        if isinstance(n, str) and (n.startswith("Falsifying") or n.startswith("Failing test case"))
    ]
    return "\n".join(keep)


def _where(exc: BaseException, folder: Path) -> str:
    found = ""
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        try:
            inside = Path(filename).resolve().parent == folder
        except (OSError, ValueError):
            inside = False
        if inside:
            found = f" (at {Path(filename).name}, line {tb.tb_lineno}, in {tb.tb_frame.f_code.co_name})"
        tb = tb.tb_next
    return found


def describe_failure(exc: BaseException, folder: Path, memory_mb: int) -> str:
    """One sentence saying what went wrong, for the learner."""
    from funcpipe_rag.grading.harness import SubmissionError

    if isinstance(exc, SubmissionError):
        return str(exc)
    if isinstance(exc, NotImplementedError):
        return f"not implemented yet: {_one_sentence(str(exc)) or 'NotImplementedError'}{_where(exc, folder)}"
    if isinstance(exc, AssertionError):
        return _one_sentence(str(exc)) or "an assertion failed" + _where(exc, folder)
    if isinstance(exc, SystemExit):
        return f"your code called sys.exit({exc.code!r}); only the grader may end the run"
    if isinstance(exc, MemoryError):
        return f"your code ran out of memory (the limit is {memory_mb} MB)"
    if isinstance(exc, RecursionError):
        return f"recursion too deep{_where(exc, folder)}"
    return f"{type(exc).__name__}: {_one_sentence(str(exc))}{_where(exc, folder)}"


def run_test(fn: Callable[[], Any], folder: Path, memory_mb: int) -> dict[str, Any]:
    buffer = io.StringIO()
    started = time.perf_counter()
    outcome: dict[str, Any] = {"passed": False, "message": "", "example": ""}
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            fn()
        outcome["passed"] = True
    except BaseException as exc:  # a graded test reports every failure, whatever it is
        if isinstance(exc, KeyboardInterrupt):
            raise
        outcome["message"] = describe_failure(exc, folder, memory_mb)
        # a missing implementation fails on any input: its "smallest example" says nothing
        outcome["example"] = "" if isinstance(exc, NotImplementedError) else _example(exc)
        outcome["memory"] = isinstance(exc, MemoryError)
        del exc
    outcome["seconds"] = round(time.perf_counter() - started, 3)
    printed = buffer.getvalue()
    outcome["output"] = printed[:2000] + ("…" if len(printed) > 2000 else "")
    return outcome


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="funcpipe-grading-child")
    parser.add_argument("--plan", required=True)
    parser.add_argument("--fd", type=int, required=True)
    args = parser.parse_args(argv)
    token = os.environ.pop("FUNCPIPE_GRADER_TOKEN", "")
    channel = Channel(args.fd, token)
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    sys.dont_write_bytecode = True
    memory_mb = int(plan["memory_mb"])
    _hypothesis_profile()

    from funcpipe_rag.grading import harness

    folder = Path(plan["submission"]).resolve()
    harness.configure(folder)
    modules = []
    for group in plan["groups"]:  # our own test modules, loaded before any submitted code runs
        modules.append(harness.load_test_module(Path(group["path"]), group["module"]))
    set_limits(memory_mb, int(plan["cpu_seconds"]))
    channel.send(event="ready")
    for group, module in zip(plan["groups"], modules, strict=True):
        _hypothesis_profile(getattr(module, "SETTINGS", None))  # before the submission is imported
        phase = f"import:{group['core']}/{group['exercise']}"
        channel.send(event="start", id=phase)
        importer = functools.partial(_import_quietly, harness, group["exercise"])
        outcome = run_test(importer, folder, memory_mb)
        channel.send(event="result", id=phase, **outcome)
        if outcome.get("memory"):
            os._exit(MEMORY_EXIT)
        for name in group["tests"]:
            test_id = f"{group['core']}/{group['exercise']}::{name}"
            channel.send(event="start", id=test_id)
            outcome = run_test(getattr(module, name), folder, memory_mb)
            channel.send(event="result", id=test_id, **outcome)
            if outcome.get("memory"):
                os._exit(MEMORY_EXIT)
    channel.send(event="done")
    sys.stdout.flush()
    os._exit(0)  # skip exit handlers and threads the submission may have left behind


def _import_quietly(harness: Any, exercise: str) -> None:
    with contextlib.suppress(harness.SubmissionError):
        harness.load(exercise)


if __name__ == "__main__":
    sys.exit(main())
