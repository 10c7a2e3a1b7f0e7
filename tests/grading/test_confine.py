"""The child's own confinement on the weaker boundaries: it changes files in its folder only.

Both layers are checked on their own: Landlock in a process of its own (it
cannot be lifted once set), the audit hook as the plain function it is,
without installing it in the test process for good.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from funcpipe_rag.grading.confine import Refused, audit_hook

LANDLOCKED = r"""
import json, os, subprocess, sys
from funcpipe_rag.grading.confine import landlock

inside, outside = sys.argv[1], sys.argv[2]
why = landlock([inside], files=[os.devnull])
seen = {"why": why}
def attempt(name, action):
    try:
        action()
        seen[name] = "done"
    except OSError as exc:
        seen[name] = type(exc).__name__
attempt("write inside", lambda: open(os.path.join(inside, "new.txt"), "w").write("x"))
attempt("remove inside", lambda: os.remove(os.path.join(inside, "old.txt")))
attempt("write /dev/null", lambda: open(os.devnull, "w").write("x"))
attempt("write outside", lambda: open(os.path.join(outside, "kept.txt"), "w").write("x"))
attempt("create outside", lambda: open(os.path.join(outside, "new.txt"), "x").write("x"))
attempt("remove outside", lambda: os.remove(os.path.join(outside, "kept.txt")))
attempt("rename outside", lambda: os.rename(os.path.join(outside, "kept.txt"), os.path.join(inside, "moved")))
seen["rm outside"] = subprocess.run(["rm", "-f", os.path.join(outside, "kept.txt")],
                                    stderr=subprocess.DEVNULL).returncode
print(json.dumps(seen))
"""


def test_landlock_lets_the_process_and_its_children_change_only_their_folder(tmp_path: Path) -> None:
    inside, outside = tmp_path / "scratch", tmp_path / "checkout"
    inside.mkdir()
    outside.mkdir()
    (inside / "old.txt").write_text("x")
    (outside / "kept.txt").write_text("kept")
    proc = subprocess.run([sys.executable, "-c", LANDLOCKED, str(inside), str(outside)], capture_output=True,
                          text=True, timeout=60, check=True)
    seen = json.loads(proc.stdout)
    if seen["why"] is not None:
        pytest.skip(f"the kernel does not enforce Landlock here: {seen['why']}")
    assert seen["write inside"] == seen["remove inside"] == seen["write /dev/null"] == "done", seen
    for what in ("write outside", "create outside", "remove outside", "rename outside"):
        assert seen[what] == "PermissionError", (what, seen)
    assert seen["rm outside"] != 0, "a process started afterwards is restricted too"
    assert (outside / "kept.txt").read_text() == "kept" and not (outside / "new.txt").exists()


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path]:
    inside, outside = tmp_path / "scratch", tmp_path / "checkout"
    inside.mkdir()
    outside.mkdir()
    (outside / "Makefile").write_text("kept")
    return inside, outside


def test_the_hook_refuses_changes_outside_the_folder(places: tuple[Path, Path]) -> None:
    inside, outside = places
    hook = audit_hook([str(inside)], files=[os.devnull])
    target = str(outside / "Makefile")
    for event, args in [
        ("open", (target, "w", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)),
        ("open", (target, "r+", os.O_RDWR)),
        ("open", (target, None, os.O_WRONLY)),
        ("os.remove", (target, -1)),
        ("os.rmdir", (str(outside), -1)),
        ("os.rename", (str(inside / "a"), target, -1, -1)),
        ("os.chmod", (target, 0, -1)),
        ("os.truncate", (target, 0)),
        ("shutil.rmtree", (str(outside), None)),
        ("os.mkdir", (str(outside / "new"), 0o777, -1)),
        ("os.mkdir", (str(inside / ".." / "checkout" / "new"), 0o777, -1)),
    ]:
        with pytest.raises(Refused):
            hook(event, args)
    for event, args in [
        ("open", (target, "r", os.O_RDONLY)),
        ("open", (str(inside / "new.txt"), "w", os.O_WRONLY | os.O_CREAT)),
        ("open", (os.devnull, "w", os.O_WRONLY)),
        ("os.remove", (str(inside / "new.txt"), -1)),
        ("os.truncate", (3, 0)),  # a descriptor: checked when it was opened
    ]:
        hook(event, args)


def test_the_hook_resolves_folder_descriptors_and_symbolic_links(places: tuple[Path, Path]) -> None:
    inside, outside = places
    hook = audit_hook([str(inside)])
    (inside / "link").symlink_to(outside / "Makefile")
    with pytest.raises(Refused):
        hook("open", (str(inside / "link"), "w", os.O_WRONLY))
    fd = os.open(outside, os.O_RDONLY)
    try:
        if not os.path.exists(f"/proc/self/fd/{fd}"):
            pytest.skip("no /proc/self/fd here")
        with pytest.raises(Refused):
            hook("os.remove", ("Makefile", fd))
    finally:
        os.close(fd)


@pytest.mark.parametrize(("event", "args"), [
    ("subprocess.Popen", ("rm", ["rm", "-rf", "/"], None, None)),
    ("os.system", (b"rm -rf /",)),
    ("os.exec", ("/bin/rm", ["rm"], None)),
    ("os.posix_spawn", ("/bin/rm", ["rm"], None)),
    ("os.fork", ()),
    ("os.symlink", ("/", "root", -1)),
    ("os.link", ("/etc/passwd", "p", -1, -1)),
    ("ctypes.dlopen", ("libc.so.6",)),
    ("ctypes.call_function", (0, ())),
    ("os.kill", (1, 9)),
])
def test_the_hook_refuses_what_would_get_round_it(event: str, args: tuple[object, ...]) -> None:
    with pytest.raises(Refused):
        audit_hook(["/nonexistent-scratch"])(event, args)
