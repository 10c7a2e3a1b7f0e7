"""Item 5: how long each notebook takes to execute from top to bottom.

Each ``notebooks/*.ipynb`` is executed in memory with nbclient on the
workbook's kernel (``funcpipe-m08``), from the notebooks folder as ``make
notebooks`` would; nothing is written back. Target: at most 60 s each.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import NOT_AVAILABLE, Settings, Table, fmt_met, fmt_seconds, log, summary
from funcpipe_rag.course import workbook_root

ROOT = workbook_root() or Path.cwd()
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "funcpipe-m08"
TARGET_S = 60.0
CELL_TIMEOUT_S = 600


def execute(path: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(path.parent)}},
    )
    t0 = time.perf_counter()
    client.execute()
    return time.perf_counter() - t0


async def run(settings: Settings) -> dict[str, Any]:
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        log(settings, f"notebooks: {NOT_AVAILABLE} (no notebooks/*.ipynb)")
        return {"status": NOT_AVAILABLE, "reason": "no notebooks/*.ipynb yet", "notebooks": {}}
    reps = 1  # one execution each: the target is absolute (<= 60 s), not a ratio
    out: dict[str, Any] = {"status": "ok", "target_s": TARGET_S, "reps": reps, "notebooks": {}}
    for path in paths:
        log(settings, f"notebooks: {path.name} x{reps}")
        walls: list[float] = []
        error = None
        for _ in range(reps):
            try:
                walls.append(execute(path))
            except Exception as exc:  # a failing notebook is reported, not fatal to the benchmarks
                error = (
                    f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
                )
                break
        entry: dict[str, Any] = {"error": error}
        if walls:
            entry["wall_s"] = summary(walls)
            entry["target_met"] = error is None and summary(walls)["median"] <= TARGET_S
        out["notebooks"][path.name] = entry
    return out


def tables(result: dict[str, Any]) -> list[Table]:
    t = Table(
        "Notebooks: execution time (nbclient, kernel funcpipe-m08)", ["notebook", "wall", "target <= 60 s"]
    )
    if result["status"] != "ok":
        t.add("-", result["reason"], "")
        return [t]
    for name, entry in result["notebooks"].items():
        if "wall_s" in entry:
            w = entry["wall_s"]
            wall = f"{fmt_seconds(w['median'])} [{fmt_seconds(w['min'])}-{fmt_seconds(w['max'])}]"
        else:
            wall = "-"
        if entry["error"]:
            wall += f" (failed: {entry['error'][:80]})"
        t.add(name, wall, fmt_met(entry.get("target_met", False)))
    return [t]
