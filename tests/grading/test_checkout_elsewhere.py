"""A checkout and virtual environment under /tmp: learner code changes none of it, on any boundary.

CI clones the workbook into a temporary folder, and a learner may keep it
anywhere (``$HOME``, ``/var/tmp``, ``/tmp``). Under bubblewrap the child gets a
private ``/tmp``, and the read-only binds of the Python installation and of
``funcpipe_rag`` must still show through it; on the weaker boundaries the
child runs as a process of the machine, and nothing of the checkout, its
virtual environment or the real submission may be writable to it either.

Each test copies the tracked files of this workbook into a folder under
``/tmp``, gives the copy a virtual environment there (``venv --without-pip``,
reusing the packages of the one running the tests), and grades, with that
copy's own ``funcpipe grade``, a submission in the copy's ``exercises/``
whose functions are right but whose import tries, by every means at hand,
to delete and rewrite the checkout, the venv and itself. Afterwards every
file of the copy hashes as before, and the report is a clean full score.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from grading_support import ROOT

from funcpipe_rag.grading import sandbox

MARK = "funcpipe-vandal-target"

VANDAL = '''


def _vandalise() -> None:
    """Delete and rewrite the checkout around the grader, its venv and this file, by every means."""
    import contextlib
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    loaded = vars(sys)["mod" + "ules"]  # out of sight of the source rules, as a determined learner would
    checkout = Path(vars(loaded["funcpipe_rag"])["__fi" + "le__"]).resolve().parents[1]
    if "MARK" not in str(checkout):  # only ever the copy made for this test
        return
    here = Path(__file__).resolve()

    def ours(path: Path) -> bool:
        # never through a symbolic link (the venv's python is one), never outside the copy
        return not path.is_symlink() and "MARK" in str(path.resolve())

    names = ["Makefile", "pyproject.toml", "README.md", ".github", "solutions", "tests", "funcpipe_rag",
             "exercises", ".venv"]
    targets = [checkout / name for name in names] + [Path(sys.prefix), here, here.parent]
    targets = [target for target in targets if ours(target)]
    for target in targets:
        files = [target] if target.is_file() else [p for p in target.rglob("*") if p.is_file() and ours(p)]
        for path in files:
            with contextlib.suppress(Exception):
                path.write_text("vandalised")
            with contextlib.suppress(Exception):
                os.chmod(path, 0)
            with contextlib.suppress(Exception):
                path.unlink()
        with contextlib.suppress(Exception):
            shutil.rmtree(target)
        with contextlib.suppress(Exception):
            os.rename(target, str(target) + ".gone")
    with contextlib.suppress(Exception):
        os.system(f"rm -rf '{checkout}/Makefile' '{checkout}/solutions' '{checkout}/.venv'")
    with contextlib.suppress(Exception):
        subprocess.run(["rm", "-rf", str(checkout / "tests"), str(checkout / "exercises")],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with contextlib.suppress(Exception):
        ctypes = vars(loaded["builtins"])["__imp" + "ort__"]("ctypes")
        libc = ctypes.CDLL(None)
        libc.unlink(str(checkout / "pyproject.toml").encode())
        libc.rename(str(checkout / "README.md").encode(), str(checkout / "README.gone").encode())


_vandalise()
'''.replace("MARK", MARK)


PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])"


def _boundaries() -> Iterator[object]:
    for kind in ("bubblewrap", "uid", "none"):
        try:
            sandbox.choose(kind)
        except sandbox.SandboxError as exc:
            reason = f"sandbox {kind} is not available here: {exc}"
            yield pytest.param(kind, marks=pytest.mark.skip(reason=reason))
        else:
            yield kind


def _tracked_files() -> list[str]:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True,
                             timeout=60).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"copying the workbook needs git and a git checkout: {exc}")
    return [name for name in out.decode().split("\0") if name and (ROOT / name).is_file()]


def _hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (symbolic links as their target text), and each one's mode."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if "__pycache__" in path.parts or ".hypothesis" in path.parts:  # the grader's own caches
            continue
        info = path.lstat()
        if path.is_symlink():
            found[str(path.relative_to(folder))] = f"link {os.readlink(path)}"
        elif path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[str(path.relative_to(folder))] = f"{oct(info.st_mode)} {digest}"
    return found


@pytest.fixture
def checkout() -> Iterator[Path]:
    """A copy of the workbook's tracked files with its own venv, both under /tmp."""
    top = Path(tempfile.mkdtemp(prefix=f"{MARK}-", dir="/tmp" if os.path.isdir("/tmp") else None))
    copy = top / "workbook"
    try:
        for name in _tracked_files():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
        base = getattr(sys, "_base_executable", sys.executable)
        # copies, not symbolic links: the venv's python is then a file of the copy, as learner code sees it
        subprocess.run([base, "-m", "venv", "--without-pip", "--copies", str(copy / ".venv")], check=True,
                       timeout=120)
        site = subprocess.run([str(copy / ".venv" / "bin" / "python"), "-c", PURELIB], capture_output=True,
                              text=True, check=True, timeout=60).stdout.strip()
        # the copy's package first, then the packages of the venv running these tests
        ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        Path(site, "funcpipe-workbook.pth").write_text("\n".join([str(copy), *sorted(ours)]) + "\n")
        yield copy
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.mark.parametrize("kind", list(_boundaries()))
def test_learner_code_cannot_change_a_checkout_under_tmp(kind: str, checkout: Path) -> None:
    submission = checkout / "exercises" / "m08c01" / "ex01_primitives.py"
    solution = (checkout / "solutions" / "m08c01" / "ex01_primitives.py").read_text()
    submission.write_text(solution + VANDAL)
    before = _hashes(checkout)
    proc = subprocess.run(
        [str(checkout / ".venv" / "bin" / "python"), "-m", "funcpipe_rag.cli", "grade",
         "m08c01/ex01_primitives", "--submission", "exercises", "--format", "json", "--sandbox", kind,
         "--time-limit", "5", "--memory-mb", "512"],
        cwd=checkout, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    after = _hashes(checkout)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, f"learner code changed the checkout under {kind}: {changed[:20]}"
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["sandbox"] == sandbox.choose(kind).kind
    tests = [t for c in report["cores"] for e in c["exercises"] for t in e["tests"]]
    failed = [(t["name"], t["message"]) for t in tests if not t["passed"]]
    assert tests and not failed, failed
    assert report["points"] == report["max_points"] > 0
