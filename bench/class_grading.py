"""Grading a class: ``funcpipe grade-class`` against a shell loop over ``funcpipe grade``.

A synthetic class (:mod:`funcpipe_rag.grading.classroom.synthetic`: per ten
learners, four solutions (one zipped), two untouched stubs, three kept chaffs
and one hostile or refused entry; 100 learners, 20 with ``--quick``,
``FUNCPIPE_BENCH_CLASS`` to choose) is graded three ways on the first
available core, each from scratch, with the grader's default limits and
boundary:

* a shell loop, ``for d in ...; do funcpipe grade <core> --submission "$d"
  --format json --output ...; done``, over the entries unzipped beforehand
  (the unzipping is not timed; entries nobody would extract are left out);
* ``funcpipe grade-class --jobs 1`` and ``--jobs 2`` on the entries as they
  are (reading the zips is timed).

Reported: submissions per minute for each, the batch's time per submission
against the loop's (target: at most 1x with ``--jobs 1``), and the speed-up
of ``--jobs 2`` over ``--jobs 1`` (target: at least 1.5x, both CPUs at work).
Also the CPU seconds per wall second of the processes the run waited for:
the grader's side only under bubblewrap, whose sandboxed processes are killed
rather than waited for, so their CPU is not counted. The CPU is shared with
whatever else runs on the machine: the load average at the start and end of
each run is recorded next to the figures.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Settings, Table, fmt_met, log
from funcpipe_rag import course
from funcpipe_rag.grading.classroom.synthetic import build_class, class_mix, unzip_all
from funcpipe_rag.grading.mutants import hostile_cases, hostile_specs

ROOT = course.workbook_root() or Path.cwd()
FUNCPIPE = ROOT / ".venv" / "bin" / "funcpipe"
FULL_SIZE = 100
QUICK_SIZE = 20
TIMEOUT_S = 4 * 3600


def _hostile() -> list[str]:
    """Hostile cases that any boundary contains (those needing bubblewrap are left out)."""
    return [case for case in hostile_cases() if not any(s.needs for s in hostile_specs(case))]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(label: str, argv: list[str], size: int, settings: Settings) -> dict[str, Any]:
    log(settings, f"class grading: {label} over {size} submissions")
    load = os.getloadavg()[0]
    cpu0, t0 = _cpu(), time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S)
    wall = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "cpus_busy": round(cpu / wall, 2),
        "per_minute": round(60 * size / wall, 1),
        "seconds_per_submission": round(wall / size, 3),
        "exit": done.returncode,
        "stderr_tail": done.stderr[-300:] if done.returncode else "",
        "load_1min": [round(load, 2), round(os.getloadavg()[0], 2)],
    }


async def run(settings: Settings) -> dict[str, Any]:
    if not FUNCPIPE.exists():
        return {"status": "unavailable", "reason": f"{FUNCPIPE.relative_to(ROOT)} not found"}
    cores = course.available()
    if not cores:
        return {"status": "unavailable", "reason": "no available core"}
    core = cores[0].slug
    size = int(os.environ.get("FUNCPIPE_BENCH_CLASS", QUICK_SIZE if settings.quick else FULL_SIZE))
    kinds = class_mix(size, _hostile())
    out: dict[str, Any] = {
        "status": "ok",
        "core": core,
        "size": size,
        "cpus": os.cpu_count(),
        "kinds": {
            k.split(":")[0]: sum(1 for x in kinds if x.split(":")[0] == k.split(":")[0]) for k in kinds
        },
    }
    with tempfile.TemporaryDirectory(prefix="funcpipe-bench-class-") as tmp:
        place = Path(tmp)
        subs = place / "submissions"
        build_class(subs, kinds)
        folders = unzip_all(subs, place / "unzipped")
        loop_out = place / "loop"
        loop_out.mkdir()
        script = (
            f'for d in "$@"; do "{FUNCPIPE}" grade {core} --submission "$d" --format json '
            f'--output "{loop_out}/$(basename "$d").json" >/dev/null || echo "failed: $d" >&2; done'
        )
        out["loop"] = _run(
            "shell loop over funcpipe grade",
            ["bash", "-c", script, "loop", *map(str, folders)],
            size,
            settings,
        )
        out["loop"]["graded"] = len(folders)
        for jobs in (1, 2):
            target = place / f"batch{jobs}"
            argv = [
                str(FUNCPIPE),
                "grade-class",
                str(subs),
                "--out",
                str(target),
                "--core",
                core,
                "--jobs",
                str(jobs),
                "--quiet",
            ]
            out[f"jobs{jobs}"] = _run(f"grade-class --jobs {jobs}", argv, size, settings)
            shutil.rmtree(target, ignore_errors=True)
    loop, one, two = out["loop"], out["jobs1"], out["jobs2"]
    out["batch_to_loop"] = round(one["seconds_per_submission"] / loop["seconds_per_submission"], 3)
    out["jobs2_speedup"] = round(one["wall_s"] / two["wall_s"], 3)
    out["batch_target_met"] = out["batch_to_loop"] <= 1.0
    out["both_cores_met"] = out["jobs2_speedup"] >= 1.5
    return out


def tables(result: dict[str, Any]) -> list[Table]:
    t = Table(
        "Grading a class: `funcpipe grade-class` against a loop over `funcpipe grade`",
        ["how", "submissions/min", "s per submission", "grader CPU s / s", "load at start, end", "exit"],
    )
    if result["status"] != "ok":
        t.add("-", f"unavailable: {result['reason']}", "", "", "", "")
        return [t]
    for key, label in (
        ("loop", "shell loop over `funcpipe grade`"),
        ("jobs1", "`grade-class --jobs 1`"),
        ("jobs2", "`grade-class --jobs 2`"),
    ):
        r = result[key]
        t.add(
            label,
            f"{r['per_minute']:.1f}",
            f"{r['seconds_per_submission']:.2f}",
            f"{r['cpus_busy']:.2f}",
            f"{r['load_1min'][0]:.1f}, {r['load_1min'][1]:.1f}",
            r["exit"],
        )
    kinds = ", ".join(f"{n} {k}" for k, n in result["kinds"].items())
    t.notes.append(f"{result['size']} submissions of {result['core']} ({kinds}) on {result['cpus']} CPUs "
                   "shared with other work")
    t.notes.append(
        f"--jobs 1 per submission against the loop: {result['batch_to_loop']:.2f}x "
        f"(target <= 1x: {fmt_met(result['batch_target_met'])}); --jobs 2 is "
        f"{result['jobs2_speedup']:.2f}x faster than --jobs 1 (both CPUs: "
        f"{fmt_met(result['both_cores_met'])})"
    )
    return [t]
