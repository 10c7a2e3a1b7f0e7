"""nbval failures name the cell a learner sees, in plain text (funcpipe_rag.tools.nbval_cells).

A small notebook whose second cell's stored output is wrong is checked with
nbval, once with the workbook's plugin and once without: with it, the
failure names ``Cell [2]`` (the number JupyterLab shows) and the cell's id,
and carries no colour codes; without it, nbval says ``Cell 1`` and colours
its text, which is what the plugin exists to fix.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from funcpipe_rag.tools.notebooks import KERNEL_NAME


def _notebook(folder: Path) -> str:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "x", "language": "python"}
    first = new_code_cell("print(1)", execution_count=1)
    first.outputs = [new_output("stream", name="stdout", text="1\n")]
    second = new_code_cell("print(2)", execution_count=2)
    second.outputs = [new_output("stream", name="stdout", text="3\n")]  # stale: the cell prints 2
    nb.cells = [first, second]
    nbformat.write(nb, folder / "stale.ipynb")
    return str(second.id)


def _nbval(folder: Path, *plugin: str) -> str:
    command = [sys.executable, "-m", "pytest", "--nbval", "stale.ipynb", "-p", "no:cacheprovider", *plugin]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stdout


def test_a_failure_names_the_cell_as_jupyterlab_shows_it(tmp_path: Path) -> None:
    cell_id = _notebook(tmp_path)
    with_plugin = _nbval(tmp_path, "-p", "funcpipe_rag.tools.nbval_cells")
    assert f"Cell [2] (id {cell_id}): Cell outputs differ" in with_plugin
    assert f"FAILED stale.ipynb::Cell [2] (id {cell_id})" in with_plugin
    assert "\x1b[" not in with_plugin

    without = _nbval(tmp_path)
    assert "Cell 1" in without and "Cell [2]" not in without
    assert "\x1b[" in without  # nbval colours its report unless told not to
