"""Item 4: how long a learner waits for feedback from ``funcpipe grade``.

For every available core of the course registry, submissions are graded in a
subprocess, exactly as a learner would run it, behind whatever boundary the
grader chooses on this machine (the table names it): the reference
``solutions/`` as a whole core (target: at most 3 s) and one exercise at a
time (target: at most 2 s each), and a copy of it in which one function loops
forever (the run must still end, bounded by the grader's time limits). The
machine's load average is recorded next to the figures: the CPU is shared, and
a loaded machine stretches every wall-clock time. So each is also graded once
with ``--sandbox none`` to count the CPU seconds it costs (the grader and every
process it starts; under bubblewrap the processes inside the sandbox are not
accounted to the grader): on an idle machine with ``cpus`` cores the wall time
cannot be below ``cpu / cpus``. If ``funcpipe grade`` does not exist yet the
section says so instead of failing.
"""

from __future__ import annotations

import ast
import json
import os
import resource
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
EXERCISE_TARGET_S = 2.0
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


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def grade_once(submission: Path, core: str, sandbox: str | None = None) -> dict[str, Any]:
    """Grade ``core`` (or ``core/exercise``) of ``submission`` with the CLI: wall, CPU, score, boundary."""
    cmd = [str(FUNCPIPE), "grade", core, "--submission", str(submission), "--format", "json"]
    if sandbox is not None:
        cmd += ["--sandbox", sandbox]
    cpu0 = _cpu_of_children()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"wall_s": time.perf_counter() - t0, "exit": None, "timed_out": True,
                "load_1min": round(os.getloadavg()[0], 2)}
    wall = time.perf_counter() - t0
    info: dict[str, Any] = {"wall_s": wall, "cpu_s": round(_cpu_of_children() - cpu0, 3),
                            "exit": proc.returncode, "timed_out": False}
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        info["stdout_tail"] = proc.stdout[-300:]
        info["stderr_tail"] = proc.stderr[-300:]
    else:
        for key in ("score", "total", "max_score", "points", "max_points", "sandbox"):
            if isinstance(report, dict) and key in report:
                info[key] = report[key]
    info["load_1min"] = round(os.getloadavg()[0], 2)
    return info


async def run(settings: Settings) -> dict[str, Any]:
    why = available()
    if why is not None:
        log(settings, f"grading: unavailable ({why})")
        return {"status": "unavailable", "reason": why}
    out: dict[str, Any] = {"status": "ok", "target_s": TARGET_S, "exercise_target_s": EXERCISE_TARGET_S,
                           "cpus": os.cpu_count(), "cores": {}}
    for c in course.available():
        out["cores"][c.slug] = _grade_core(settings, c.slug)
    return out


def _grade_core(settings: Settings, core: str) -> dict[str, Any]:
    reps = settings.reps
    log(settings, f"grading {core}: solutions x{reps}")
    runs = [grade_once(ROOT / "solutions", core) for _ in range(reps)]
    walls = [r["wall_s"] for r in runs]
    met = summary(walls)["median"] <= TARGET_S
    cpu = grade_once(ROOT / "solutions", core, sandbox="none")["cpu_s"]
    out: dict[str, Any] = {"solutions": {"wall_s": summary(walls), "runs": runs, "target_met": met,
                                         "cpu_s": cpu},
                           "sandbox": runs[-1].get("sandbox", "?"),
                           "load_1min": summary([r["load_1min"] for r in runs]), "exercises": {}}
    for exercise in course.core(core).exercises:
        log(settings, f"grading {core}/{exercise.slug}: solutions x{reps}")
        one = [grade_once(ROOT / "solutions", f"{core}/{exercise.slug}") for _ in range(reps)]
        w = summary([r["wall_s"] for r in one])
        met_one = w["median"] <= EXERCISE_TARGET_S
        cpu = grade_once(ROOT / "solutions", f"{core}/{exercise.slug}", sandbox="none")["cpu_s"]
        out["exercises"][exercise.slug] = {"wall_s": w, "runs": one, "target_met": met_one, "cpu_s": cpu}
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


def _cpu(entry: dict[str, Any]) -> str:
    cpu = entry.get("cpu_s")
    return f"{cpu:.1f} s" if isinstance(cpu, int | float) else "-"


def per_core(result: dict[str, Any]) -> dict[str, Any]:
    """The results by core; a results file written before there were several cores had one."""
    cores: dict[str, Any] = result.get("cores") or {result["core"]: result}
    return cores


def tables(result: dict[str, Any]) -> list[Table]:
    headers = ["core", "submission", "wall: median [min-max]", "target", "CPU", "sandbox, load"]
    t = Table("Learner feedback: `funcpipe grade <core>`", headers)
    if result["status"] != "ok":
        t.add("-", "-", f"unavailable: {result['reason']}", "", "", "")
        return [t]
    for core, entry in per_core(result).items():
        s = entry["solutions"]["wall_s"]
        load = entry.get("load_1min", {}).get("median")
        context = f"{entry.get('sandbox', '?')}, load {load:.1f} on {result.get('cpus', '?')} CPUs" \
            if load is not None else entry.get("sandbox", "?")
        t.add(
            core,
            "solutions/",
            f"{fmt_seconds(s['median'])} [{fmt_seconds(s['min'])}-{fmt_seconds(s['max'])}]",
            f"<= {TARGET_S:g} s: {fmt_met(entry['solutions']['target_met'])}",
            _cpu(entry["solutions"]),
            context,
        )
        for name, ex in entry.get("exercises", {}).items():
            w = ex["wall_s"]
            t.add(
                core,
                f"solutions/ {name} alone",
                f"{fmt_seconds(w['median'])} [{fmt_seconds(w['min'])}-{fmt_seconds(w['max'])}]",
                f"<= {EXERCISE_TARGET_S:g} s: {fmt_met(ex['target_met'])}",
                _cpu(ex),
                "",
            )
        loop = entry["infinite_loop"]
        w = loop["wall_s"]
        t.add(
            core,
            f"infinite loop ({loop['function']})",
            f"{fmt_seconds(w['median'])} [{fmt_seconds(w['min'])}-{fmt_seconds(w['max'])}]",
            f"ends (bounded by the grader's limits): {fmt_met(loop['bounded'])}",
            "",
            "",
        )
    return [t]
