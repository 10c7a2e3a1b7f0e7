"""Output formats, exit status and the Gradescope zip."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from grading_support import ROOT, run_autograder

from funcpipe_rag import course
from funcpipe_rag.grading import Report, TestResult
from funcpipe_rag.grading.report import CoreReport, ExerciseReport


def _report() -> Report:
    ok = TestResult("m08c01", "ex01", "test_a", "A works", 2, points=2, passed=True)
    bad = TestResult("m08c01", "ex01", "test_b", "B works", 3, message="B broke", example="Failing: x=0",
                     hint="try harder", output="hello")
    return Report("sub", [CoreReport("m08c01", [ExerciseReport("m08c01", "ex01", "Ex one", [ok, bad])])],
                  sandbox="uid", sandbox_note="bubblewrap is not installed")


def test_gradescope_schema() -> None:
    data = _report().to_gradescope()
    top = {"score", "execution_time", "output", "visibility", "stdout_visibility", "tests", "extra_data",
           "output_format", "test_output_format", "test_name_format", "leaderboard"}
    assert set(data) <= top
    assert data["score"] == 2.0 and isinstance(data["score"], float)
    assert data["visibility"] in {"hidden", "after_due_date", "after_published", "visible"}
    assert data["stdout_visibility"] in {"hidden", "visible"}
    assert len(data["tests"]) == 2
    allowed = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
               "tags", "visibility", "extra_data"}
    for test in data["tests"]:
        assert {"name", "score", "max_score", "output"} <= set(test) <= allowed
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert test["status"] in {"passed", "failed"}
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
    failed = data["tests"][1]
    assert failed["score"] == 0.0 and failed["max_score"] == 3.0
    assert "B broke" in failed["output"] and "x=0" in failed["output"] and "try harder" in failed["output"]
    assert "sandbox: uid (bubblewrap is not installed)" in data["output"], "the report names its boundary"
    json.dumps(data)


def test_json_and_table_views() -> None:
    report = _report()
    data = json.loads(report.to_json())
    assert data["points"] == 2 and data["max_points"] == 5
    ex = data["cores"][0]["exercises"][0]
    assert ex["done"] is False and [t["name"] for t in ex["tests"]] == ["test_a", "test_b"]
    assert data["sandbox"] == "uid" and data["sandbox_note"] == "bubblewrap is not installed"
    text = str(report)
    for piece in ("PASS  2/2  test_a", "FAIL  0/3  test_b", "what failed: B broke", "hint: try harder",
                  "smallest failing example: Failing: x=0", "0/1 exercises done", "Total: 2/5 points",
                  "sandbox: uid (bubblewrap is not installed)"):
        assert piece in text, piece


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "funcpipe_rag.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_grader_errors_exit_non_zero_with_a_reason(tmp_path: Path) -> None:
    proc = _cli("grade", "m99c99", "--submission", str(ROOT / "solutions"), cwd=tmp_path)
    assert proc.returncode == 2 and "unknown core 'm99c99'" in proc.stderr
    proc = _cli("grade", "m08c01", "--submission", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert proc.returncode == 2 and "no submission folder" in proc.stderr


def test_a_written_report_carries_the_graders_completion_marker(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    marker = tmp_path / "results.json.complete"
    marker.write_text("a stale marker vouches for nothing\n")
    proc = _cli("grade", "m08c01/ex03", "--submission", str(tmp_path / "none"), "--format", "gradescope",
                "--output", str(out), cwd=tmp_path)
    assert proc.returncode == 2 and not marker.exists(), "a grading that did not finish leaves no marker"
    (tmp_path / "empty").mkdir()
    proc = _cli("grade", "m08c01/ex03", "--submission", str(tmp_path / "empty"), "--format", "gradescope",
                "--output", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert marker.read_text().strip() == hashlib.sha256(out.read_bytes()).hexdigest()


def test_run_autograder_accepts_only_what_the_grader_finished(tmp_path: Path) -> None:
    write = 'out="${@: -1}"; printf \'{"score": 45.0, "tests": []}\' > "$out"; '
    finished = write + 'sha256sum "$out" | cut -d" " -f1 > "$out.complete"\n'
    assert run_autograder(tmp_path / "a", finished)["score"] == 45.0
    forged = write + "exit 0\n"  # a full score, but no marker: not written by the grader
    assert run_autograder(tmp_path / "b", forged)["score"] == 0.0
    killed = finished + "kill -9 $$\n"  # the grader was killed after writing
    assert run_autograder(tmp_path / "c", killed)["score"] == 0.0
    rewritten = finished + 'printf \'{"score": 45.0, "tests": [], "x": 1}\' > "$out"\n'
    assert run_autograder(tmp_path / "d", rewritten)["score"] == 0.0


def test_empty_submission_is_graded_zero_with_status_zero(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    out = tmp_path / "report.json"
    proc = _cli("grade", "m08c01/ex03", "--submission", str(tmp_path / "empty"), "--format", "json",
                "--output", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["points"] == 0 and data["max_points"] > 0
    tests = data["cores"][0]["exercises"][0]["tests"]
    assert all("no file ex03_bounded_embedding.py" in t["message"] for t in tests)


def test_gradescope_zip(tmp_path: Path) -> None:
    out = tmp_path / "autograder.zip"
    proc = _cli("gradescope-zip", "--output", str(out), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "pyproject.toml"} <= names
        assert "funcpipe_rag/grading/runner.py" in names
        assert not any("chaffs/" in n or "hostile/" in n or "__pycache__" in n for n in names)
        for script in ("setup.sh", "run_autograder"):
            mode = zf.getinfo(script).external_attr >> 16
            assert mode & stat.S_IXUSR, f"{script} is not executable"
        run = zf.read("run_autograder").decode()
        assert "/autograder/submission" in run and "/autograder/results/results.json" in run
        assert "--format gradescope" in run
        for core in course.available():
            assert core.slug in run
            assert f"tests/grading/{core.slug}/test_{core.exercises[0].slug}.py" in names


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(p) for p in task.read_text().split()]
    return found


def test_ctrl_c_stops_grading_at_once_and_leaves_nothing_running(tmp_path: Path) -> None:
    looping = tmp_path / "m08c01"
    looping.mkdir()
    text = (ROOT / "solutions" / "m08c01" / "ex01_primitives.py").read_text()
    marker = "funcpipe-interrupted-test"
    (looping / "ex01_primitives.py").write_text(text.replace(
        '    """The plan that succeeds with ``value`` and does nothing else."""\n',
        f'    """The plan that succeeds with ``value`` and does nothing else."""\n    while "{marker}":\n'
        "        pass\n"))
    proc = subprocess.Popen([sys.executable, "-m", "funcpipe_rag.cli", "grade", "m08c01/ex01", "--submission",
                             str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path)
    started = time.monotonic()
    while not _children(proc.pid) and proc.poll() is None and time.monotonic() - started < 120:
        time.sleep(0.05)  # waiting for the grading process to exist, not for time to pass
    assert proc.poll() is None, "grading ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err, err
    child = f"{os.path.abspath(sys.executable)}\0-m\0funcpipe_rag.grading.child".encode()
    leftover = [p for p in Path("/proc").iterdir()
                if p.name.isdigit() and child in _read_quietly(p / "cmdline")]
    assert not leftover, "a grading process outlived the interrupted grader"


def _read_quietly(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
