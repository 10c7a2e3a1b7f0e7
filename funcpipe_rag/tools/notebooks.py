"""Re-execute the workbook's notebooks in place, and check the committed ones.

``python -m funcpipe_rag.tools.notebooks execute notebooks`` runs every
``*.ipynb`` under the given paths top to bottom on a fresh ``funcpipe-m08``
kernel, with the notebook's own folder as the working directory, and writes
the outputs back (``make notebooks`` calls exactly this). It also marks the
slides ``jupyterlab-rise`` shows: a slide per section, a sub-slide per
subsection (:func:`mark_slides`). Cells whose source
contains ``# NBVAL_RAISES_EXCEPTION`` may raise; any other error stops the run
and leaves the file untouched.

``python -m funcpipe_rag.tools.notebooks check notebooks`` (and :func:`check`,
used by the hygiene tests) reports what would make a committed notebook
unreliable: error outputs in cells not marked to raise, an execution order
other than 1, 2, 3 … over the code cells, a kernel other than the workbook's,
memory addresses or this machine's absolute paths in text outputs, and more
than a few cells whose output nbval is told to ignore.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from funcpipe_rag.course import workbook_root

KERNEL_NAME = "funcpipe-m08"
KERNEL_DISPLAY_NAME = "FuncPipe M08 (Python 3)"
RAISES = "# NBVAL_RAISES_EXCEPTION"
IGNORE_OUTPUT = "# NBVAL_IGNORE_OUTPUT"
MAX_IGNORED_CELLS = 3
RAISES_TAG = "raises-exception"

_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_GENERIC_ABSOLUTE = re.compile(r"(?<![\w.~])(/home/|/Users/|/root/|/tmp/|/private/var/|[A-Z]:\\{1,2}Users)")


def _nbformat() -> Any:
    import nbformat  # untyped; imported lazily so that `check` costs nothing until used

    return nbformat


def notebook_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Every ``.ipynb`` at ``paths`` (folders are searched), sorted, checkpoints skipped."""
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found.extend(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        elif p.suffix == ".ipynb":
            found.append(p)
    return sorted(set(found))


def _source(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _text_outputs(cell: Any) -> Iterator[str]:
    """The text of a cell's outputs that nbval compares (never image data)."""
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            text = out.get("text", "")
            yield "".join(text) if isinstance(text, list) else str(text)
        elif kind in ("execute_result", "display_data"):
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    yield "".join(value) if isinstance(value, list) else str(value)
        elif kind == "error":
            yield f"{out.get('ename', '')}: {out.get('evalue', '')}"


def _machine_paths() -> list[str]:
    """Absolute paths that identify this machine: home, working directory, repository."""
    candidates = {str(Path.home()), os.getcwd(), str(workbook_root() or Path.cwd())}
    return sorted((c for c in candidates if len(c) > 1), key=len, reverse=True)


def check_notebook(nb: Any, name: str = "<notebook>", *, max_ignored: int = MAX_IGNORED_CELLS) -> list[str]:
    """Every hygiene problem of the notebook ``nb`` (a parsed ``nbformat`` node or dict)."""
    problems: list[str] = []
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    if kernel != KERNEL_NAME:
        problems.append(f"{name}: kernelspec is {kernel!r}, expected {KERNEL_NAME!r}")
    machine = _machine_paths()
    expected = 1
    ignored = 0
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        where = f"{name}: code cell {expected} (cell {index})"
        source = _source(cell)
        if IGNORE_OUTPUT in source:
            ignored += 1
        count = cell.get("execution_count")
        if count != expected:
            problems.append(f"{where}: execution_count is {count}, expected {expected} (re-execute it)")
        expected += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and RAISES not in source:
                problems.append(
                    f"{where}: error output {out.get('ename')}: {out.get('evalue', '')[:80]!s} "
                    f"in a cell not marked {RAISES}"
                )
        for text in _text_outputs(cell):
            if m := _ADDRESS.search(text):
                problems.append(f"{where}: memory address {m.group(0)} in output")
            for path in machine:
                if path in text:
                    problems.append(f"{where}: absolute path of this machine in output ({path})")
                    break
            else:
                if m := _GENERIC_ABSOLUTE.search(text):
                    problems.append(f"{where}: absolute path in output (starting {m.group(0)!r})")
    if ignored > max_ignored:
        problems.append(f"{name}: {IGNORE_OUTPUT} on {ignored} cells (at most {max_ignored})")
    return problems


def check(paths: Iterable[str | Path], *, max_ignored: int = MAX_IGNORED_CELLS) -> list[str]:
    """Every hygiene problem of the committed notebooks at ``paths``."""
    nbformat = _nbformat()
    problems: list[str] = []
    for path in notebook_paths(paths):
        nb = nbformat.read(path, as_version=4)
        problems.extend(check_notebook(nb, path.name, max_ignored=max_ignored))
    return problems


def coalesce_streams(outputs: list[Any]) -> list[Any]:
    """Merge consecutive stream outputs of the same name into one.

    How a kernel splits printed text into messages depends on timing; merged,
    the stored text is the same on every run, so re-executing does not churn
    the committed file.
    """
    merged: list[Any] = []
    for out in outputs:
        previous = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == out.get("name")
        ):
            previous["text"] = _joined(previous.get("text", "")) + _joined(out.get("text", ""))
        else:
            merged.append(out)
    return merged


def _joined(text: Any) -> str:
    return "".join(text) if isinstance(text, list) else str(text)


def slide_type(cell: Any) -> str | None:
    """The RISE slide type a cell gets: a new slide at each section (``## ``), a sub-slide at each
    subsection (``### ``), the title cell a slide; ``None`` (no metadata: the cell follows on the
    slide before it) otherwise."""
    if cell.get("cell_type") != "markdown":
        return None
    first = _source(cell).lstrip().split("\n", 1)[0]
    if first.startswith(("# ", "## ")):
        return "slide"
    if first.startswith("### "):
        return "subslide"
    return None


def mark_slides(nb: Any) -> None:
    """Set each cell's ``slideshow`` metadata from :func:`slide_type` (other metadata is kept)."""
    for cell in nb.get("cells", []):
        kind = slide_type(cell)
        if kind is None:
            cell.get("metadata", {}).pop("slideshow", None)
        else:
            cell.setdefault("metadata", {})["slideshow"] = {"slide_type": kind}


def execute(path: str | Path, *, timeout: int = 600) -> float:
    """Re-execute one notebook in place on a fresh workbook kernel; return the seconds taken.

    The working directory is the notebook's folder; cells marked
    ``# NBVAL_RAISES_EXCEPTION`` are allowed to raise. On any other error the
    file is left as it was and the error propagates.
    """
    from nbclient import NotebookClient

    nbformat = _nbformat()
    nb_path = Path(path)
    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
    }
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = [t for t in cell.metadata.get("tags", []) if t != RAISES_TAG]
        if RAISES in _source(cell):
            tags.append(RAISES_TAG)
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
    mark_slides(nb)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=timeout,
        record_timing=False,
        store_widget_state=False,  # a progress bar's widget ids change every run; its text is kept
        resources={"metadata": {"path": str(nb_path.parent.resolve())}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    nbformat.validate(nb)
    nbformat.write(nb, nb_path)
    return elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m funcpipe_rag.tools.notebooks", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("execute", help="re-execute notebooks in place")
    ex.add_argument("paths", nargs="+")
    ex.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    ck = sub.add_parser("check", help="report hygiene problems of committed notebooks")
    ck.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)

    if args.command == "execute":
        paths = notebook_paths(args.paths)
        if not paths:
            print("no notebooks found")
        for nb_path in paths:
            seconds = execute(nb_path, timeout=args.timeout)
            print(f"executed {nb_path} in {seconds:.1f} s")
        problems = check(paths)
    else:
        problems = check(args.paths)
        if not problems:
            print("notebooks: ok")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
