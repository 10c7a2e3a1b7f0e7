"""Item 4: how long a learner waits for feedback from ``funcpipe grade``.

For every available core of the course registry, two submissions are graded
in a subprocess, exactly as a learner would run it: the reference
``solutions/`` (target: at most 3 s) and a copy of it in which one function
loops forever (the run must still end, bounded by the grader's per-test time
limit). If ``funcpipe grade`` does not exist yet the section says so instead
of failing.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Settings, Table, fmt_met, fmt_seconds, log, summary
from funcpipe_rag import course

ROOT = course.workbook_root() or Path.cwd()
FUNCPIPE = ROOT / ".venv" / "bin" / "funcpipe"
TARGET_S = 3.0
TIMEOUT_S = 600.0


def available() -> str | None:
    """None if ``funcpipe grade`` can run, else why not."""
    if not FUNCPIPE.exists():
        return f"{FUNCPIPE.relative_to(ROOT)} not found"
    try:
        probe = subprocess.run(
            [str(FUNCPIPE), "grade", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        return "`funcpipe grade --help` did not answer within 60 s"
    if probe.returncode != 0:
        return "`funcpipe grade` is not a command yet"
    if not (ROOT / "solutions").is_dir():
        return "solutions/ does not exist yet"
    return None


def _core_files(submission: Path, core: str) -> list[Path]:
    candidates = [submission / core, *submission.glob(f"*{core}*")]
    files: list[Path] = []
    for c in candidates:
        if c.is_dir():
            files += sorted(c.rglob("*.py"))
        elif c.suffix == ".py":
            files.append(c)
    return sorted(dict.fromkeys(files))


def make_looping_submission(solutions: Path, dest: Path, core: str) -> str:
    """Copy ``solutions`` to ``dest`` and make one public function of ``core`` loop forever.

    Returns ``file:function`` for the report. The body keeps its docstring and
    becomes ``while True: pass``, so the call never returns (an ``async def``
    blocks its event loop, which is the harder case for a grader).
    """
    shutil.copytree(solutions, dest, dirs_exist_ok=True)
    for path in _core_files(dest, core):
        lines = path.read_text().splitlines(keepends=True)
        tree = ast.parse("".join(lines))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                body = node.body
                if (
                    len(body) > 1
                    and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)
                ):
                    body = body[1:]
                first, last = body[0], body[-1]
                indent = " " * first.col_offset
                end = last.end_lineno or last.lineno
                new = [*lines[: first.lineno - 1], f"{indent}while True:\n{indent}    pass\n", *lines[end:]]
                path.write_text("".join(new))
                return f"{path.relative_to(dest)}:{node.name}"
    raise FileNotFoundError(f"no public function found in the {core} files of {solutions}")


def grade_once(submission: Path, core: str) -> dict[str, Any]:
    cmd = [str(FUNCPIPE), "grade", core, "--submission", str(submission), "--format", "json"]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"wall_s": time.perf_counter() - t0, "exit": None, "timed_out": True}
    wall = time.perf_counter() - t0
    info: dict[str, Any] = {"wall_s": wall, "exit": proc.returncode, "timed_out": False}
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        info["stdout_tail"] = proc.stdout[-300:]
        info["stderr_tail"] = proc.stderr[-300:]
    else:
        for key in ("score", "total", "max_score", "points", "max_points"):
            if isinstance(report, dict) and key in report:
                info[key] = report[key]
    return info


async def run(settings: Settings) -> dict[str, Any]:
    why = available()
    if why is not None:
        log(settings, f"grading: unavailable ({why})")
        return {"status": "unavailable", "reason": why}
    out: dict[str, Any] = {"status": "ok", "target_s": TARGET_S, "cores": {}}
    for c in course.available():
        out["cores"][c.slug] = _grade_core(settings, c.slug)
    return out


def _grade_core(settings: Settings, core: str) -> dict[str, Any]:
    reps = settings.reps
    log(settings, f"grading {core}: solutions x{reps}")
    runs = [grade_once(ROOT / "solutions", core) for _ in range(reps)]
    walls = [r["wall_s"] for r in runs]
    met = summary(walls)["median"] <= TARGET_S
    out: dict[str, Any] = {"solutions": {"wall_s": summary(walls), "runs": runs, "target_met": met}}
    loop_reps = 1  # bounded by the grader's time limit: one run shows it ends
    with tempfile.TemporaryDirectory(prefix="funcpipe-bench-") as tmp:
        sub = Path(tmp) / "submission"
        where = make_looping_submission(ROOT / "solutions", sub, core)
        log(settings, f"grading {core}: infinite loop in {where} x{loop_reps}")
        loops = [grade_once(sub, core) for _ in range(loop_reps)]
    out["infinite_loop"] = {
        "function": where,
        "wall_s": summary([r["wall_s"] for r in loops]),
        "runs": loops,
        "bounded": all(not r["timed_out"] for r in loops),
    }
    return out


def per_core(result: dict[str, Any]) -> dict[str, Any]:
    """The results by core; a results file written before there were several cores had one."""
    cores: dict[str, Any] = result.get("cores") or {result["core"]: result}
    return cores


def tables(result: dict[str, Any]) -> list[Table]:
    headers = ["core", "submission", "wall: median [min-max]", "target"]
    t = Table("Learner feedback: `funcpipe grade <core>`", headers)
    if result["status"] != "ok":
        t.add("-", "-", f"unavailable: {result['reason']}", "")
        return [t]
    for core, entry in per_core(result).items():
        s = entry["solutions"]["wall_s"]
        t.add(
            core,
            "solutions/",
            f"{fmt_seconds(s['median'])} [{fmt_seconds(s['min'])}-{fmt_seconds(s['max'])}]",
            f"<= {TARGET_S:g} s: {fmt_met(entry['solutions']['target_met'])}",
        )
        loop = entry["infinite_loop"]
        w = loop["wall_s"]
        t.add(
            core,
            f"infinite loop ({loop['function']})",
            f"{fmt_seconds(w['median'])} [{fmt_seconds(w['min'])}-{fmt_seconds(w['max'])}]",
            f"ends (bounded by the per-test limit): {fmt_met(loop['bounded'])}",
        )
    return [t]
