"""``make lab``: JupyterLab at the workbook's root, on the start page.

``python -m funcpipe_rag.tools.lab [extra jupyter options]`` starts
JupyterLab so that a learner sees what they work on:

* its file browser is rooted at the workbook (the folder holding
  ``notebooks/`` and ``exercises/``), so the exercises are one click away;
* it opens the start page (``notebooks/00_start_here.ipynb``), or, without one, the notebook
  of the first available core of the course registry;
* new notebooks use the workbook's kernel (``funcpipe-m08``);
* JupyterLab's news and update prompts are off. That is a settings override
  written into this virtual environment's ``share/jupyter/lab/settings``,
  so it applies to this workbook's JupyterLab only, never to the learner's
  own Jupyter configuration.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from funcpipe_rag.course import START_PAGE, available, workbook_root
from funcpipe_rag.tools.notebooks import KERNEL_NAME

SETTINGS_OVERRIDES: dict[str, Any] = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"recordTiming": True},
}
"""JupyterLab settings the workbook changes: no news feed, no update check, and so no prompts about
them; and cells record when they ran, which jupyterlab-execute-time shows under each cell."""


def overrides_path(prefix: str | Path = sys.prefix) -> Path:
    """Where JupyterLab of the environment at ``prefix`` reads its settings overrides."""
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def install_settings(prefix: str | Path = sys.prefix) -> Path:
    """Write :data:`SETTINGS_OVERRIDES` into the environment at ``prefix``, keeping any other overrides."""
    path = overrides_path(prefix)
    try:
        current: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = {}
    for plugin, values in SETTINGS_OVERRIDES.items():
        current[plugin] = {**current.get(plugin, {}), **values}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    return path


def lab_arguments(root: Path) -> list[str]:
    """The ``jupyter lab`` arguments: the root, the default kernel, and the notebook to open."""
    args = [f"--ServerApp.root_dir={root}", f"--MultiKernelManager.default_kernel_name={KERNEL_NAME}"]
    candidates = (START_PAGE, *(c.notebook for c in available()))
    first = next((n for n in candidates if n and (root / n).is_file()), None)
    if first is not None:
        args.append(str(root / first))  # jupyter reads a relative path from the current folder, not the root
    return args


@contextlib.contextmanager
def running_lab(port: int, token: str, *, log: Path, cwd: Path, root: Path | None = None,
                startup: float = 120.0) -> Iterator[str]:
    """Start JupyterLab exactly as ``make lab`` does, on ``127.0.0.1:port`` with ``token`` and no browser.

    Yields its base URL once ``/api/status`` answers; on exit its whole
    process group is stopped. ``root`` serves another folder than the
    workbook (a scratch copy, say); ``log`` receives its output.
    """
    import httpx

    command = [sys.executable, "-m", "funcpipe_rag.tools.lab", *(["--root", str(root)] if root else []),
               "--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
               f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=cwd, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup
        while True:
            try:
                if httpx.get(f"{url}/api/status", params={"token": token}, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited ({proc.returncode}): "
                                   f"{log.read_text(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer within {startup:.0f} s")
            time.sleep(0.5)  # start-up polling
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """``jupyter lab`` on the workbook; ``--root DIR`` (first) serves a copy of it instead."""
    rest = list(sys.argv[1:] if argv is None else argv)
    root = workbook_root()
    if rest[:1] == ["--root"] and len(rest) > 1:
        root, rest = Path(rest[1]).resolve(), rest[2:]
    if root is None:
        print("funcpipe lab: no workbook checkout found next to this package", file=sys.stderr)
        return 2
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or "jupyter"
    install_settings()
    os.execv(jupyter, [jupyter, "lab", *lab_arguments(root), *rest])
    return 0  # not reached: exec replaces this process


if __name__ == "__main__":
    sys.exit(main())
