"""Committed notebooks are clean: executed in order, on the workbook's kernel, with stable outputs.

The notebooks themselves are executed and compared by ``pytest --nbval
notebooks``; these tests check what nbval does not: that the committed file is
the result of one top-to-bottom run (execution counts 1, 2, 3 …), that it names
the workbook's kernel, that no cell stored an unexpected error, and that the
compared outputs hold nothing that changes from machine to machine (memory
addresses, absolute paths). The second half checks that the checker itself
catches each of these problems.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from funcpipe_rag.tools.notebooks import KERNEL_NAME, check, check_notebook, coalesce_streams, notebook_paths

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
COMMITTED = notebook_paths([NOTEBOOKS])


def test_the_notebook_kernel_is_the_interpreter_running_the_tests() -> None:
    # nbval starts the kernel the notebooks name; if that kernel belonged to another
    # virtual environment, `make test PYTHON=python3.13` would check the notebooks on
    # some other Python. `make` installs the kernel into each environment it creates.
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        pytest.fail(f"no {KERNEL_NAME!r} kernel: run `make test` (it installs one into its environment)")
    kernel_python = Path(spec.argv[0])
    assert kernel_python.parent.parent.resolve() == Path(sys.prefix).resolve(), (
        f"the {KERNEL_NAME!r} kernel runs {kernel_python}, not this environment's Python ({sys.executable})"
    )


def test_the_core_1_notebook_is_present() -> None:
    assert NOTEBOOKS / "m08c01_async_descriptions.ipynb" in COMMITTED


@pytest.mark.parametrize("path", COMMITTED, ids=[p.name for p in COMMITTED])
def test_committed_notebook_is_clean(path: Path) -> None:
    problems = check([path])
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", COMMITTED, ids=[p.name for p in COMMITTED])
def test_every_code_cell_was_executed_and_kept_its_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook without code cells teaches nothing runnable"
    assert any(c.outputs for c in code), "outputs must be committed"


# ---- the checker catches what it should ------------------------------------------------


def _good_notebook(*sources: str) -> Any:
    cells: list[Any] = [new_markdown_cell("# title")]
    for count, source in enumerate(sources, start=1):
        cell = new_code_cell(source, execution_count=count)
        cell.outputs = [new_output("stream", name="stdout", text=f"cell {count}\n")]
        cells.append(cell)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "x", "language": "python"}
    return nb


def test_a_clean_notebook_passes() -> None:
    assert check_notebook(_good_notebook("x = 1", "print(x)")) == []


def test_wrong_kernel_is_reported() -> None:
    nb = _good_notebook("x = 1")
    nb.metadata["kernelspec"]["name"] = "python3"
    assert any("kernelspec" in p for p in check_notebook(nb))


@pytest.mark.parametrize("counts", [(1, 3), (2, 3), (None, 2), (1, 1)])
def test_stale_or_out_of_order_execution_is_reported(counts: tuple[int | None, int]) -> None:
    nb = _good_notebook("a = 1", "b = 2")
    for cell, count in zip([c for c in nb.cells if c.cell_type == "code"], counts, strict=True):
        cell.execution_count = count
    assert any("execution_count" in p for p in check_notebook(nb))


def test_error_output_is_reported_unless_the_cell_is_marked_to_raise() -> None:
    error = new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])
    nb = _good_notebook("1 / 0")
    nb.cells[1].outputs = [error]
    assert any("ZeroDivisionError" in p for p in check_notebook(nb))
    marked = _good_notebook("# NBVAL_RAISES_EXCEPTION\n1 / 0")
    marked.cells[1].outputs = [error]
    assert check_notebook(marked) == []


@pytest.mark.parametrize(
    "text",
    [
        "<function <lambda> at 0x7f3a2b1c4d60>\n",
        "<coroutine object greet at 0x10a2b3c4d>\n",
    ],
)
def test_memory_addresses_are_reported(text: str) -> None:
    nb = _good_notebook("print(f)")
    nb.cells[1].outputs = [new_output("execute_result", data={"text/plain": text}, execution_count=1)]
    assert any("memory address" in p for p in check_notebook(nb))


def test_absolute_paths_are_reported() -> None:
    here = str(Path(__file__).resolve().parent)
    samples = (f"wrote {here}/out.json\n", "see /home/someone/data.csv\n", "/tmp/ipykernel_1/2.py:3\n")
    for text in samples:
        nb = _good_notebook("print(path)")
        nb.cells[1].outputs = [new_output("stream", name="stderr", text=text)]
        assert any("absolute path" in p for p in check_notebook(nb)), text


def test_relative_paths_and_small_hex_numbers_are_fine() -> None:
    nb = _good_notebook("print(x)")
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="../exercises/m08c01 ok, flags 0xff\n")]
    assert check_notebook(nb) == []


def test_images_are_not_scanned_for_addresses() -> None:
    nb = _good_notebook("plot()")
    data = {"image/png": "iVBORw0KGgo0x7f3a2b1c4d60AAA", "text/plain": "<Figure size 640x480 with 1 Axes>"}
    nb.cells[1].outputs = [new_output("display_data", data=data)]
    assert check_notebook(nb) == []


def test_ignoring_output_on_many_cells_is_reported() -> None:
    nb = _good_notebook(*["# NBVAL_IGNORE_OUTPUT\nprint(1)"] * 4)
    assert any("NBVAL_IGNORE_OUTPUT" in p for p in check_notebook(nb))
    assert check_notebook(_good_notebook(*["# NBVAL_IGNORE_OUTPUT\nprint(1)"] * 3)) == []


def test_consecutive_streams_are_merged_by_name() -> None:
    outputs = [
        new_output("stream", name="stdout", text="a\n"),
        new_output("stream", name="stdout", text="b\n"),
        new_output("stream", name="stderr", text="warn\n"),
        new_output("stream", name="stdout", text="c\n"),
    ]
    merged = coalesce_streams(outputs)
    expected = [("stdout", "a\nb\n"), ("stderr", "warn\n"), ("stdout", "c\n")]
    assert [(o["name"], o["text"]) for o in merged] == expected
