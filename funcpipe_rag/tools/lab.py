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

import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from funcpipe_rag.course import START_PAGE, available, workbook_root
from funcpipe_rag.tools.notebooks import KERNEL_NAME

SETTINGS_OVERRIDES: dict[str, Any] = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}
"""JupyterLab settings the workbook changes: no news feed, no update check, and so no prompts about them."""


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


def main(argv: Sequence[str] | None = None) -> int:
    root = workbook_root()
    if root is None:
        print("funcpipe lab: no workbook checkout found next to this package", file=sys.stderr)
        return 2
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or "jupyter"
    install_settings()
    os.execv(jupyter, [jupyter, "lab", *lab_arguments(root), *(sys.argv[1:] if argv is None else argv)])
    return 0  # not reached: exec replaces this process


if __name__ == "__main__":
    sys.exit(main())
