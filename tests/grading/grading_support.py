"""Shared by the grader's own tests: paths, grading folders side by side, Gradescope's script,
and what every core's chaffs, alternatives, solutions and stubs must show."""

from __future__ import annotations

import ast
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, TypeVar

from funcpipe_rag.grading import Report, grade
from funcpipe_rag.grading.mutants import Spec, write_spec

ROOT = Path(__file__).resolve().parents[2]
GRADING = ROOT / "tests" / "grading"

T = TypeVar("T")
R = TypeVar("R")


def in_parallel(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]``, two at a time (each grading run is its own process)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(fn, items))


def run_autograder(tmp_path: Path, grader: str, submission: Path | None = None) -> dict[str, object]:
    """Run Gradescope's ``run_autograder`` with its folders under ``tmp_path``; return the results it kept.

    ``grader`` is the body of a bash script standing in for the ``funcpipe`` command;
    ``submission`` (a folder) is copied to where Gradescope puts the learner's files.
    """
    text = (ROOT / "funcpipe_rag" / "grading" / "gradescope" / "run_autograder").read_text()
    tmp_path.mkdir()
    fake = tmp_path / "funcpipe"
    fake.write_text("#!/usr/bin/env bash\n" + grader)
    fake.chmod(0o755)
    (tmp_path / "autograder" / "source").mkdir(parents=True)
    if submission is not None:
        shutil.copytree(submission, tmp_path / "autograder" / "submission")
    script = tmp_path / "run_autograder"
    script.write_text(text.replace("/opt/funcpipe/bin/funcpipe", str(fake))
                      .replace("/autograder", str(tmp_path / "autograder")).replace("@CORES@", "m08c01"))
    subprocess.run(["bash", str(script)], check=True, timeout=300)
    results = tmp_path / "autograder" / "results" / "results.json"
    assert not (tmp_path / "autograder" / "results" / "results.json.complete").exists()
    return dict(json.loads(results.read_text()))


# ---- what the graded tests of every core must show about known answers ---------------------------


class _Folders(Protocol):
    def mktemp(self, basename: str, numbered: bool = True) -> Path: ...


def grade_specs(specs: Iterable[Spec], folders: _Folders) -> dict[str, Report]:
    """Each spec (chaff or alternative) written alone into a fresh folder and graded: reports by label.

    ``folders`` is pytest's ``tmp_path_factory``; every folder is made before the
    threads start, as that factory is not thread-safe.
    """
    built = []
    for spec in specs:
        folder = folders.mktemp(spec.name) / spec.core
        write_spec(spec, folder)
        built.append((spec, folder))

    def run(item: tuple[Spec, Path]) -> tuple[str, Report]:
        spec, folder = item
        return spec.label, grade(f"{spec.core}/{spec.exercise}", submission=folder.parent)

    return dict(in_parallel(run, built))


def assert_full_marks(report: Report, what: str) -> None:
    """Every graded test of ``report`` passed: ``what`` (a solution, an alternative) lost nothing."""
    failed = [f"{t.test_id}: {t.message}" for t in report.tests if not t.passed]
    assert not failed, f"{what} is correct but lost points:\n" + "\n".join(failed)
    assert report.points == report.max_points > 0


def assert_stub_scores_zero(report: Report) -> None:
    """No graded test passes on an untouched stub, and each says why it failed and what to try."""
    passing = [t.test_id for t in report.tests if t.points]
    assert not passing, f"these graded tests pass on an untouched stub: {passing}"
    assert report.max_points > 0
    for t in report.tests:
        assert t.message, f"{t.test_id} failed without saying why"
        assert t.hint, f"{t.test_id} has no hint"


def assert_chaff_loses(spec: Spec, report: Report) -> None:
    """The chaff loses points on each test it names; one breaking a source rule scores zero, naming it."""
    chaff = f"{spec.core}/{spec.exercise}/{spec.name}"
    for test_name in spec.catches:
        result = report.test(test_name)
        assert result.points < result.max_points, f"{chaff} should lose points on {test_name}, but it passed"
        assert result.message, f"{test_name} failed on {chaff} without saying why"
    assert report.points < report.max_points
    if spec.rule:  # a forbidden shortcut: zero for the exercise, and every test says which rule
        assert report.points == 0, f"{chaff} breaks the rule {spec.rule!r} yet scores {report.points}"
        unnamed = [t.name for t in report.tests if f'breaks the rule "{spec.rule}"' not in t.message]
        assert not unnamed, f"{chaff}: these tests do not name the rule {spec.rule!r}: {unnamed}"
    elif "test_properties_pass_on_correct" not in spec.catches:  # that one gates the rest
        assert report.points > 0, f"{chaff} scores 0: it should be plausible, failing only what it gets wrong"


def chaffs_per_exercise(specs: Iterable[Spec]) -> dict[str, int]:
    """How many chaffs each exercise has."""
    per: dict[str, int] = {}
    for spec in specs:
        per[spec.exercise] = per.get(spec.exercise, 0) + 1
    return per


def hide_first_test(tests_root: Path, core: str, exercise: str) -> tuple[str, int]:
    """Copy the graded tests of ``core`` to ``tests_root``, the first graded test of ``exercise`` hidden.

    Returns that test's name and points.
    """
    shutil.copytree(GRADING / core, tests_root / core)
    path = tests_root / core / f"test_{exercise}.py"
    source = path.read_text()
    for node in ast.parse(source).body:
        decorators = getattr(node, "decorator_list", [])
        calls = [d for d in decorators if isinstance(d, ast.Call) and getattr(d.func, "id", "") == "graded"]
        call = calls[0] if calls else None
        if call is not None:
            lines = source.splitlines(keepends=True)
            line = lines[call.lineno - 1]
            lines[call.lineno - 1] = line.replace("@graded(", "@graded(hidden=True, ", 1)
            path.write_text("".join(lines))
            points = next(k.value.value for k in call.keywords if k.arg == "points")
            assert isinstance(node, ast.FunctionDef)
            return node.name, points
    raise AssertionError(f"no graded test in {path}")


# ---- processes this test run started ------------------------------------------------------------

_PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> bool:
    """Make this process the subreaper of what it starts (Linux): a daemon that detaches is re-parented
    here instead of to init, so :func:`descendants` still finds it. Whether that worked."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    return bool(ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)


def _process_table() -> dict[int, tuple[int, bytes]]:
    """Every live process: its parent and its command line (zombies, already dead, are left out)."""
    table: dict[int, tuple[int, bytes]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(os.path.join(entry.path, "stat"), "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            if fields[0] in (b"Z", b"X"):
                continue
            with open(os.path.join(entry.path, "cmdline"), "rb") as fh:
                table[int(entry.name)] = (int(fields[1]), fh.read().replace(b"\0", b" "))
        except (OSError, IndexError, ValueError):
            continue
    return table


def descendants(containing: str = "") -> dict[int, str]:
    """Live processes descended from this one whose command line holds ``containing``.

    Only this test run's own processes: other runs on the same machine (which
    grade the same hostile cases, with the same markers) are never counted.
    """
    table = _process_table()
    me = os.getpid()
    found = {}
    for pid, (_, cmdline) in table.items():
        seen, at = set(), pid
        while at in table and at not in seen and at != me:
            seen.add(at)
            at = table[at][0]
        if at == me and pid != me and containing.encode() in cmdline:
            found[pid] = cmdline.decode(errors="replace")[:200]
    return found


def kill_descendants(containing: str) -> list[str]:
    """Kill this run's processes whose command line holds ``containing``; what was killed."""
    killed = []
    for pid, cmdline in descendants(containing).items():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
        killed.append(f"{pid}: {cmdline}")
    return killed
