"""A pytest plugin for ``pytest --nbval``: failures name the cell as a learner sees it, in plain text.

nbval counts code cells from 0 (``Cell 11``), while JupyterLab shows a cell's
execution number (``[12]``): the committed notebooks are executed top to
bottom, so the two differ by one, and a learner looking for "Cell 11" finds
the wrong cell. This plugin names every nbval item ``Cell [12] (id 6686c87b)``
— the number JupyterLab shows and the cell's id, which does not change when
cells are added above it — in the test id, in the failure's heading and in
its text, and it turns nbval's colour codes off, so a report read in a file
or a CI log has no ``\\x1b[94m`` in it.

Load it with ``pytest --nbval -p funcpipe_rag.tools.nbval_cells notebooks``
(``make test`` does).
"""

from __future__ import annotations

from typing import Any

import pytest


def cell_label(cell_num: int, cell: Any) -> str:
    """``Cell [n] (id …)``: ``n`` is the number JupyterLab shows for the ``cell_num``-th code cell."""
    cell_id = getattr(cell, "id", None) or (cell.get("id") if isinstance(cell, dict) else None)
    return f"Cell [{cell_num + 1}]" + (f" (id {cell_id})" if cell_id else "")


def _relabel(item: Any) -> None:
    from nbval.plugin import nocolors  # type: ignore[import-untyped]

    label = cell_label(item.cell_num, item.cell)
    item.colors = nocolors
    item.name = label
    if hasattr(item, "_id") and hasattr(item.parent, "id"):  # pytest 9 keeps a structured id
        item._id = item.parent.id.child(label)
    else:
        item._nodeid = f"{item.parent.nodeid}::{label}"
    original = item.repr_failure

    def repr_failure(excinfo: Any, *args: Any, **kwargs: Any) -> Any:
        text = original(excinfo, *args, **kwargs)
        if isinstance(text, str):
            return text.replace(f"Cell {item.cell_num}:", f"{label}:", 1)
        return text

    item.repr_failure = repr_failure
    item.reportinfo = lambda: (item.fspath, 0, f"{item.parent.nodeid}::{label}")


INSTRUCTOR_CELL = ("funcpipe_rag.grading.mutants", "write_chaff(")
"""What a cell uses to build a wrong answer from ``solutions/``, which only the instructor's copy has."""


def needs_instructor_copy(source: str) -> bool:
    """Whether a cell's code needs ``solutions/`` (it demonstrates grading a wrong answer built from it)."""
    return any(mark in source for mark in INSTRUCTOR_CELL)


def _learner_copy() -> bool:
    from funcpipe_rag.course import workbook_root

    root = workbook_root()
    return root is not None and not (root / "solutions").is_dir()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Rename every nbval cell item after the cell a learner sees.

    In a learner's copy (``funcpipe release``: no ``solutions/``), a cell
    that builds a wrong answer from the solutions cannot run and is skipped,
    saying why; its committed output still shows what it showed.
    """
    learner = _learner_copy()
    for item in items:
        if type(item).__name__ == "IPyNbCell" and hasattr(item, "cell_num"):
            _relabel(item)
            source = getattr(getattr(item, "cell", None), "source", "") or ""
            if learner and needs_instructor_copy(source if isinstance(source, str) else "".join(source)):
                item.add_marker(pytest.mark.skip(reason="needs solutions/, left out of a learner's copy"))
