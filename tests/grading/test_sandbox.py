"""The boundary: what the child is given, what it can see, and how the grader chooses it."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from grading_support import ROOT

import funcpipe_rag
from funcpipe_rag.grading import sandbox
from funcpipe_rag.grading.sandbox import Boundary, SandboxError, snapshot, unpack


def test_the_snapshot_holds_regular_files_only(tmp_path: Path) -> None:
    folder = tmp_path / "m08c01"
    (folder / "pkg").mkdir(parents=True)
    (folder / "ex01.py").write_text("x = 1\n")
    (folder / "pkg" / "helper.py").write_bytes(b"\x00\x01")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "ex01.cpython-311.pyc").write_bytes(b"junk")
    secret = tmp_path / "secret.txt"
    secret.write_text("the grader's file")
    (folder / "link.txt").symlink_to(secret)
    os.mkfifo(folder / "pipe")
    snap = snapshot(folder)
    assert set(snap.files) == {"ex01.py", "pkg/helper.py"}
    assert set(snap.skipped) == {"link.txt", "pipe"}
    out = tmp_path / "scratch"
    out.mkdir()
    unpack(snap.pack(), out)
    assert (out / "ex01.py").read_text() == "x = 1\n"
    assert (out / "pkg" / "helper.py").read_bytes() == b"\x00\x01"
    assert snapshot(tmp_path / "nowhere").files == {}


def test_a_packed_name_cannot_leave_the_scratch_folder(tmp_path: Path) -> None:
    evil = sandbox.Snapshot({"../escape.py": b"x"})
    with pytest.raises(ValueError, match="leaves the scratch folder"):
        unpack(evil.pack(), tmp_path)
    assert not (tmp_path.parent / "escape.py").exists()


def test_a_submission_too_large_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "SNAPSHOT_MAX_FILES", 3)
    for i in range(5):
        (tmp_path / f"f{i}.py").write_text("")
    with pytest.raises(SandboxError, match="more than 3 files"):
        snapshot(tmp_path)


def test_the_child_environment_carries_nothing_of_the_graders() -> None:
    env = sandbox.child_env("/scratch", "/tmp")
    assert set(env) == {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "PYTHONDONTWRITEBYTECODE",
                        "PYTHONSAFEPATH", "PYTHONHASHSEED", "PYTHONNOUSERSITE", "PYTHONUNBUFFERED"}


def _binds(args: list[str]) -> dict[str, str]:
    found = {}
    for i, arg in enumerate(args):
        if arg in ("--bind", "--ro-bind", "--ro-bind-try", "--bind-try", "--dev-bind"):
            found[args[i + 2]] = arg
    return found


def test_bubblewrap_sees_the_package_read_only_and_never_the_checkout() -> None:
    boundary = Boundary("bubblewrap", bwrap="/usr/bin/bwrap", disable_userns=True)
    args = sandbox.bwrap_args(boundary, hidden=[ROOT / "tests" / "grading", ROOT / "solutions"])
    for flag in ("--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--clearenv",
                 "--disable-userns", "--cap-drop"):
        assert flag in args, flag
    binds = _binds(args)
    package = str(Path(funcpipe_rag.__file__).resolve().parent)
    assert binds[package] == "--ro-bind"
    assert all(kind.startswith("--ro-bind") for kind in binds.values()), "nothing of the host is writable"
    for path in binds:
        assert not (ROOT / "tests").is_relative_to(path), f"{path} would show the graded tests"
        assert not (ROOT / "solutions").is_relative_to(path), f"{path} would show the solutions"
    assert args[args.index("/scratch") - 1] == "--tmpfs" and args[args.index("/tmp") - 1] == "--tmpfs"


def test_a_python_installation_holding_the_graded_tests_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "_python_paths", lambda: [ROOT])
    with pytest.raises(SandboxError, match="must not see"):
        sandbox.bwrap_args(Boundary("bubblewrap", bwrap="/usr/bin/bwrap"), hidden=[ROOT / "solutions"])


def test_choosing_the_boundary() -> None:
    assert sandbox.choose("none").kind == "limits only"
    with pytest.raises(SandboxError, match="unknown sandbox"):
        sandbox.choose("docker")
    chosen = sandbox.choose()
    assert chosen.kind in sandbox.KINDS
    assert chosen.label == f"sandbox: {chosen.kind}"
    if chosen.kind != "bubblewrap":
        assert chosen.reason, "a weaker boundary says why the stronger ones are not used"


ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="running processes as another user needs root")
SPARE_UID = 61_235  # a uid no account uses: the processes below are the only ones it ever has


@ROOT_ONLY
def test_every_process_of_the_sandbox_user_is_killed(tmp_path: Path) -> None:
    """Even one that left the session it was started in (the uid boundary cannot rely on sessions)."""
    proc = subprocess.Popen(["/bin/sh", "-c", "setsid sleep 300 & sleep 300"], user=SPARE_UID,
                            group=SPARE_UID, extra_groups=[], cwd="/", start_new_session=True)
    try:
        for _ in range(200):  # wait until both processes exist
            if len(sandbox.processes_of(SPARE_UID)) >= 2:
                break
            time.sleep(0.01)
        assert len(sandbox.processes_of(SPARE_UID)) >= 2
        sandbox.kill_user(SPARE_UID)
        assert sandbox.processes_of(SPARE_UID) == []
    finally:  # whatever failed above, no sleep outlives the test
        sandbox.kill_user(SPARE_UID)
        proc.kill()
        proc.wait()


@ROOT_ONLY
def test_what_the_sandbox_user_left_in_temporary_folders_is_removed(tmp_path: Path) -> None:
    theirs, ours = tmp_path / "theirs", tmp_path / "ours.txt"
    (theirs / "deep").mkdir(parents=True)
    (theirs / "deep" / "f").write_text("x")
    ours.write_text("kept")
    for path in (theirs, theirs / "deep", theirs / "deep" / "f"):
        os.chown(path, SPARE_UID, SPARE_UID)
    sandbox.remove_files_of(SPARE_UID, [str(tmp_path)])
    assert not theirs.exists() and ours.read_text() == "kept"
