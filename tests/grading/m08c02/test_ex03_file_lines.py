"""Graded: exercise 3, files held only while their lines stream (``ex03_file_lines.py``).

Observers give the learner's streams a recording opener — it logs every
open, read and close, with how the file was left — and report the items and
that log; the graded tests check the items against the files and the log
against "one file open at a time, each closed as soon as it is done".
Generated cases are stratified by path: every file readable, a file that
cannot be read, a consumer that stops early, a stage downstream that raises.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from typing import Any, TypedDict

from hypothesis import HealthCheck
from hypothesis import strategies as st

from funcpipe_rag import Err, ErrInfo, Ok, Result, async_gen_map, run_stream, run_sync
from funcpipe_rag.grading.harness import graded, load, observe, observer, require
from funcpipe_rag.testing import Strata

EXERCISE = "ex03_file_lines"
TITLE = "Hold each file only while its lines stream"
EXAMPLES = 32
MISSING = "NOT_FOUND"


class Case(TypedDict):
    files: list[tuple[str, list[str] | None]]  # path, lines (None: cannot be read)
    how: str  # "end", "stop after k", "raise at k"
    k: int


# ---- generated cases, by path ---------------------------------------------------------------

lines = st.lists(st.sampled_from(["alpha", "", "beta", "0", "gamma"]), max_size=4)


def _files(
    readable: st.SearchStrategy[list[str] | None],
) -> st.SearchStrategy[list[tuple[str, list[str] | None]]]:
    return st.lists(readable, min_size=1, max_size=4).map(
        lambda lines: [(f"f{i}.txt", line) for i, line in enumerate(lines)]
    )


def _case(files: st.SearchStrategy[Any], how: str) -> st.SearchStrategy[Case]:
    return st.builds(lambda fs, k: {"files": fs, "how": how, "k": k}, files, st.integers(1, 6))


STRATA: Strata[Case] = Strata(
    {
        "all read": _case(_files(lines), "end"),
        "a file cannot be read": _case(
            st.tuples(_files(lines), st.integers(0, 3)).map(
                lambda p: [(path, None if i == p[1] % len(p[0]) else ls) for i, (path, ls) in enumerate(p[0])]
            ),
            "end",
        ),
        "stopped early": _case(_files(lines.filter(bool)), "stop after k"),
        "a stage raises": _case(_files(lines.filter(bool)), "raise at k"),
    }
)


def expected_items(case: Case) -> list[object]:
    out: list[object] = []
    for path, ls in case["files"]:
        out += [Err(ErrInfo(MISSING, f"cannot read {path}"))] if ls is None else [Ok(x) for x in ls]
    return out


def _limit(case: Case) -> int:
    total = len(expected_items(case))
    return min(case["k"], total) if case["how"] != "end" else total


def classify(case: Case) -> str:
    if case["how"] == "stop after k":
        return "stopped early" if _limit(case) < len(expected_items(case)) else "all read"
    if case["how"] == "raise at k":
        return "a stage raises"
    return "a file cannot be read" if any(ls is None for _, ls in case["files"]) else "all read"


PATHS = {"test_one_file_at_a_time": (STRATA, classify, EXAMPLES)}


# ---- next to the learner's code -------------------------------------------------------------


class _File:
    def __init__(self, path: str, lines: list[str] | None, log: list[str]) -> None:
        self.path, self.lines, self.log = path, lines, log

    async def read_lines(self) -> Result[list[str], ErrInfo]:
        await asyncio.sleep(0)
        self.log.append(f"read {self.path}")
        if self.lines is None:
            return Err(ErrInfo(MISSING, f"cannot read {self.path}"))
        return Ok(list(self.lines))


class _Opening(AbstractAsyncContextManager[_File]):
    def __init__(self, file: _File) -> None:
        self.file = file

    async def __aenter__(self) -> _File:
        await asyncio.sleep(0)
        self.file.log.append(f"open {self.file.path}")
        return self.file

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.file.log.append(f"close {self.file.path}")


class RecordingOpener:
    """Opens the files of a case and logs every open, read and close."""

    def __init__(self, files: list[tuple[str, list[str] | None]]) -> None:
        self.files = dict(files)
        self.log: list[str] = []

    def open(self, path: str) -> _Opening:
        self.log.append(f"request {path}")
        return _Opening(_File(path, self.files[path], self.log))


class _Boom(Exception):
    pass


class Run(TypedDict):
    items: list[object]
    log: list[str]
    outcome: str
    built_log: list[str]


@observer
def run_case(case: Case) -> Run:
    """lines_of over the case's files, run as the case says; the opener's log read when closing returns."""
    lines_of = require(load(EXERCISE), "lines_of")
    opener = RecordingOpener([(p, ls) for p, ls in case["files"]])
    stream = lines_of([p for p, _ in case["files"]], opener)
    if not callable(stream):
        raise AssertionError(
            f"lines_of returned {type(stream).__name__}, not a stream (a zero-argument callable)"
        )
    built_log = list(opener.log)
    items: list[object] = []

    if case["how"] == "raise at k":
        k = case["k"]

        def stage(line: str) -> str:
            if len(items) + 1 >= k:
                raise _Boom("a later stage failed")
            return line

        stream = async_gen_map(stream, stage)

    async def main() -> str:
        outcome = "ended"
        run = stream()
        try:
            async for item in run:
                items.append(item)
                if case["how"] == "stop after k" and len(items) >= case["k"]:
                    outcome = "stopped early"
                    break
        except _Boom:
            outcome = "raised"
        finally:
            closer = getattr(run, "aclose", None)
            if closer is not None:
                await closer()
        return outcome

    outcome = run_sync(main)
    return {"items": items, "log": list(opener.log), "outcome": outcome, "built_log": built_log}


class Single(TypedDict):
    items: list[object]
    log: list[str]


@observer
def one_file(case: tuple[str, list[str] | None]) -> Single:
    """file_lines over one file, run to the end."""
    file_lines = require(load(EXERCISE), "file_lines")
    opener = RecordingOpener([case])
    stream = file_lines(case[0], opener)
    if not callable(stream):
        raise AssertionError(f"file_lines returned {type(stream).__name__}, not a stream")
    return {"items": run_stream(stream), "log": list(opener.log)}


class Replay(TypedDict):
    first: list[object]
    second: list[object]
    opens: int


@observer
def twice(files: list[tuple[str, list[str] | None]]) -> Replay:
    lines_of = require(load(EXERCISE), "lines_of")
    opener = RecordingOpener(files)
    stream = lines_of([p for p, _ in files], opener)
    first = run_stream(stream)
    return {
        "first": first,
        "second": run_stream(stream),
        "opens": sum(e.startswith("open ") for e in opener.log),
    }


# ---- the graded tests ------------------------------------------------------------------------


def _open_files(log: list[str]) -> tuple[list[str], int]:
    """The files still open at the end of ``log``, and the most ever open at once."""
    open_now: list[str] = []
    most = 0
    for entry in log:
        verb, _, path = entry.partition(" ")
        if verb == "open":
            open_now.append(path)
            most = max(most, len(open_now))
        elif verb == "close" and path in open_now:
            open_now.remove(path)
    return open_now, most


def _one_at_a_time(_path: str, case: Case) -> None:
    seen = observe(run_case, case)
    log = seen["log"]
    assert not seen["built_log"], f"building the stream already did {seen['built_log']}"
    want = expected_items(case)[: len(seen["items"])]
    assert seen["items"] == want, f"the lines came out as {seen['items']!r}, expected {want!r}"
    if case["how"] == "end":
        assert seen["items"] == expected_items(case), f"the stream ended after {len(seen['items'])} item(s)"
    still_open, most = _open_files(log)
    assert not still_open, (
        f"the run {seen['outcome']}, but {', '.join(still_open)} was still open when closing returned: {log}"
    )
    assert most <= 1, f"{most} files were open at once: {log}"
    opened = [e.split(" ", 1)[1] for e in log if e.startswith("open ")]
    paths = [path for path, _ in case["files"]]
    assert opened == paths[: _files_needed(case, seen)], (
        f"opened {opened}; the items delivered needed exactly {paths[: _files_needed(case, seen)]}, in order"
    )


def _files_needed(case: Case, seen: Run) -> int:
    """How many files the run had to open: all at the end, else up to the one of the last item pulled."""
    if seen["outcome"] == "ended":
        return len(case["files"])
    pulled = len(seen["items"]) + (1 if seen["outcome"] == "raised" else 0)
    count = 0
    for i, (_, ls) in enumerate(case["files"], start=1):
        count += 1 if ls is None else len(ls)
        if count >= pulled:
            return i
    return len(case["files"])


@graded(
    points=4,
    hint="Hold each file with async_gen_using(lambda: opener.open(path), ...) inside and_then: "
    "the library closes it when its lines end, and when the run stops.",
)
def test_one_file_at_a_time() -> None:
    """Every file's lines in order; one file open at a time; none left open, however the run ends."""
    STRATA.run(_one_at_a_time, max_examples=EXAMPLES, suppress_health_check=list(HealthCheck))


@graded(
    points=2,
    hint="read_lines gives Ok(lines) or an Err: emit each line, or the Err itself.",
    examples=EXAMPLES,
)
def test_file_lines() -> None:
    """file_lines gives a file's lines (or its one Err), opened and closed once."""

    def check(_path: str, case: Case) -> None:
        path, ls = case["files"][0]
        seen = observe(one_file, (path, ls))
        want = [Err(ErrInfo(MISSING, f"cannot read {path}"))] if ls is None else [Ok(x) for x in ls]
        assert seen["items"] == want, f"file_lines({path!r}) gave {seen['items']!r}, expected {want!r}"
        assert [e for e in seen["log"] if e.startswith(("open", "close"))] == [
            f"open {path}",
            f"close {path}",
        ], f"file_lines({path!r}) should open and close the file once: {seen['log']}"

    Strata({k: STRATA.cases[k] for k in ("all read", "a file cannot be read")}).run(
        check, max_examples=EXAMPLES, suppress_health_check=list(HealthCheck)
    )


@graded(
    points=1, hint="Build streams only; every call of the stream is a fresh run that opens the files again."
)
def test_replay() -> None:
    """Running lines_of twice reads every file twice and gives equal items."""
    files: list[tuple[str, list[str] | None]] = [("a.txt", ["1", "2"]), ("b.txt", None), ("c.txt", ["3"])]
    seen = observe(twice, files)
    assert seen["first"] == seen["second"], "the two runs gave different items"
    assert seen["opens"] == 6, f"two runs opened files {seen['opens']} times, expected 6"
