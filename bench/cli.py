"""``python -m bench``: run the benchmarks, print the tables, write the JSON and the plot."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from bench import (
    backpressure,
    batching,
    class_grading,
    common,
    gather,
    grading,
    notebooks,
    plans,
    rate_limits,
    resilience,
    streams,
)
from bench.common import Settings, Table, fmt_met, fmt_ratio

HERE = Path(__file__).resolve().parent
SECTIONS = {
    "plans": plans,
    "gather": gather,
    "streams": streams,
    "backpressure": backpressure,
    "resilience": resilience,
    "rate_limits": rate_limits,
    "batching": batching,
    "grading": grading,
    "class": class_grading,
    "notebooks": notebooks,
}
QUICK_SECTIONS = frozenset({"plans", "gather", "streams", "backpressure", "resilience", "rate_limits",
                            "batching"})
ALIASES = {"grade": "grading", "plan": "plans", "notebook": "notebooks", "stream": "streams",
           "grade-class": "class", "class-grading": "class", "rate": "rate_limits", "batch": "batching"}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="FuncPipe benchmarks. A full run writes bench/results.json and bench/per_bind_cost.png; "
        "--quick or --only write to bench/_scratch/ unless --output/--plot say otherwise.",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="small sizes, 3 repetitions; plans, gather and streams only unless --only names more",
    )
    p.add_argument(
        "--only",
        default="",
        help=f"comma-separated sections to run: {','.join(SECTIONS)} (default: all)",
    )
    p.add_argument("--reps", type=int, default=None, help="repetitions per measurement (default 5, quick 3)")
    p.add_argument("--output", type=Path, default=None, help="where to write the JSON results")
    p.add_argument("--plot", type=Path, default=None, help="where to write the per-bind cost plot")
    p.add_argument("--no-write", action="store_true", help="print the tables only")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument(
        "--show", type=Path, default=None, help="print the tables of an earlier results file; run nothing"
    )
    return p.parse_args(argv)


def _only(text: str) -> frozenset[str]:
    names = {ALIASES.get(s.strip(), s.strip()) for s in text.split(",") if s.strip()}
    unknown = names - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown section(s) {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    return frozenset(names)


def _meta(settings: Settings) -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "git_commit": commit,
        "mode": "quick" if settings.quick else "full",
        "reps": settings.reps,
        "sections": sorted(settings.only) if settings.only else sorted(SECTIONS),
        "command": "python -m bench " + " ".join(sys.argv[1:]),
    }


def targets(results: dict[str, Any]) -> Table:
    """One line per target of the issue: what was asked, what was measured, met or not."""
    t = Table("Targets", ["item", "target", "measured (median [min-max])", "met"])
    p = results.get("plans")
    if p:
        for n in p["table_sizes"]:
            for name in ("library left", "library right"):
                row = p["by_size"][str(n)]["rows"].get(name, {})
                goal = f"<= {row.get('target_ratio', plans.target_ratio(name, n)):g}x raw await chain"
                if "ratio_to_raw" in row:
                    measured = fmt_ratio(row["ratio_to_raw"])
                    t.add(f"plans, {n:,} binds, {name}", goal, measured, fmt_met(row["target_met"]))
                else:
                    t.add(f"plans, {n:,} binds, {name}", goal, row.get("skipped", "-"), "NO")
            fresh = p["by_size"][str(n)]["rows"].get("library left, fresh closures")
            if fresh and "ratio_to_raw" in fresh:
                t.add(f"plans, {n:,} binds, library left, fresh closures", "(context)",
                      fmt_ratio(fresh["ratio_to_raw"]), "-")
        for name in ("library left", "library right"):
            d = p["deepest"][name]
            met = d["deepest"] >= plans.TARGET_DEPTH if d["largest_tried"] >= plans.TARGET_DEPTH else None
            t.add(
                f"plans, deepest chain, {name}",
                ">= 1,000,000 binds",
                f"{d['deepest']:,}" + ("" if d["failure"] is None else f" ({d['failure']})"),
                fmt_met(met),
            )
    g = results.get("gather")
    if g:
        for sc in g["scenarios"]:
            lib = sc["rows"]["library"]
            tgt = lib["target"]
            t.add(
                f"gather, {sc['scenario']}",
                "<= 1.05x fastest alternative",
                fmt_ratio(lib["ratio_to_fastest_alternative"]),
                fmt_met(tgt["ratio_met"]),
            )
            t.add(
                f"gather, {sc['scenario']}",
                f"live tasks <= c + 2 = {tgt['live_tasks_bound']:,}",
                f"{lib['peak_live_tasks']:,}",
                fmt_met(tgt["live_tasks_met"]),
            )
    s = results.get("streams")
    if s:
        streams.target_rows(s, t)
    bp = results.get("backpressure")
    if bp:
        backpressure.target_rows(bp, t)
    rs = results.get("resilience")
    if rs:
        for label, rows in rs["overhead"]["rows"].items():
            t.add(f"retry overhead per attempt, {label}", "(context: x tenacity)",
                  fmt_ratio(rows["library"]["ratio_to_tenacity"]), "n/a")
        v = rs["virtual_rag"]
        t.add("resilient RAG in virtual time", "minutes of logical time well under 1 s",
              f"{v['logical_s'] / 60:.1f} min in {v['wall_s']['median']:.2f} s",
              fmt_met(v["logical_s"] >= 60 and v["wall_s"]["median"] < 1.0))
    rl = results.get("rate_limits")
    if rl:
        lib = rl["exactness"]["rows"]["library TokenGate"]
        late = lib["late_ms"]["max"]
        t.add("rate limit in virtual time", "0 calls beyond the envelope, none early, none late",
              f"{lib['excess_calls']:g} beyond, {lib['early_calls']} early, {late:.3f} ms late",
              fmt_met(lib["excess_calls"] == 0 and lib["early_calls"] == 0 and late < 1e-3))
        t.add("cost per token, TokenGate", "(context: x aiolimiter)",
              fmt_ratio(rl["overhead"]["rows"]["library TokenGate"]["ratio_to_aiolimiter"]), "n/a")
    ba = results.get("batching")
    if ba:
        beyond = batching.beyond_bound_ms(ba)
        t.add("batching in virtual time", "no request later than max_delay_ms after its batch's first chunk",
              f"{beyond:.3f} ms beyond the bound at worst", fmt_met(beyond < 1e-6))
    gr = results.get("grading")
    if gr:
        if gr["status"] == "ok":
            for core, entry in grading.per_core(gr).items():
                w = entry["solutions"]["wall_s"]
                t.add(
                    f"grade {core} solutions",
                    "<= 3 s",
                    f"{w['median']:.2f} s [{w['min']:.2f}-{w['max']:.2f}]",
                    fmt_met(entry["solutions"]["target_met"]),
                )
                for name, ex in entry.get("exercises", {}).items():
                    e = ex["wall_s"]
                    t.add(
                        f"grade {core}/{name} solution",
                        "<= 2 s",
                        f"{e['median']:.2f} s [{e['min']:.2f}-{e['max']:.2f}]",
                        fmt_met(ex["target_met"]),
                    )
                t.add(
                    f"grade {core} infinite loop",
                    "ends (per-test limit)",
                    f"{entry['infinite_loop']['wall_s']['median']:.1f} s",
                    fmt_met(entry["infinite_loop"]["bounded"]),
                )
        else:
            t.add("grade", "<= 3 s", f"unavailable: {gr['reason']}", "n/a")
    cl = results.get("class")
    if cl:
        if cl["status"] == "ok":
            t.add(f"grade-class --jobs 1, {cl['size']} submissions",
                  "<= 1x a loop over funcpipe grade, per submission",
                  f"{cl['batch_to_loop']:.2f}x ({cl['jobs1']['per_minute']:.1f} against "
                  f"{cl['loop']['per_minute']:.1f} per minute)", fmt_met(cl["batch_target_met"]))
            t.add(f"grade-class --jobs 2, {cl['size']} submissions", "uses both CPUs (>= 1.5x --jobs 1)",
                  f"{cl['jobs2_speedup']:.2f}x ({cl['jobs2']['per_minute']:.1f} per minute)",
                  fmt_met(cl["both_cores_met"]))
        else:
            t.add("grade-class", "-", f"unavailable: {cl['reason']}", "n/a")
    nb = results.get("notebooks")
    if nb:
        if nb["status"] == "ok":
            for name, entry in nb["notebooks"].items():
                med = f"{entry['wall_s']['median']:.1f} s" if "wall_s" in entry else "-"
                t.add(
                    f"notebook {name}",
                    "<= 60 s",
                    med if not entry["error"] else f"{med}, failed",
                    fmt_met(entry.get("target_met", False)),
                )
        else:
            t.add("notebooks", "<= 60 s each", nb["reason"], "n/a")
    return t


async def _run(settings: Settings) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, module in SECTIONS.items():
        if settings.wants(name):
            t0 = time.perf_counter()
            results[name] = await module.run(settings)
            results[name]["section_wall_s"] = time.perf_counter() - t0
    return results


def render(results: dict[str, Any]) -> str:
    parts: list[str] = []
    for name, module in SECTIONS.items():
        if name in results:
            parts += [tbl.render() for tbl in module.tables(results[name])]
    parts.append(targets(results).render())
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.show is not None:
        report = json.loads(args.show.read_text())
        meta = report.get("meta", {})
        print(render({k: v for k, v in report.items() if k in SECTIONS}))
        print(
            f"\n{meta.get('mode')} run of {meta.get('date_utc')}, {meta.get('reps')} repetitions, "
            f"Python {meta.get('python')} on {meta.get('cpus')} CPUs"
        )
        return 0
    only = _only(args.only)
    reps = args.reps if args.reps is not None else (3 if args.quick else 5)
    if reps < 1:
        raise SystemExit("--reps must be at least 1")
    if args.quick and not only:
        only = QUICK_SECTIONS  # grading and notebooks take tens of seconds: ask for them with --only
    settings = Settings(quick=args.quick, reps=reps, only=only, verbose=not args.quiet)
    common.GC_GENERATION = 1 if settings.quick else 2
    # Chains that fail on purpose (RecursionError) leave coroutines that were never awaited.
    warnings.filterwarnings("ignore", message=r"coroutine .* was never awaited", category=RuntimeWarning)

    partial = settings.quick or bool(only)
    out_dir = HERE / "_scratch" if partial else HERE
    output = args.output or out_dir / "results.json"
    plot_path = args.plot or out_dir / "per_bind_cost.png"

    started = time.perf_counter()
    meta = _meta(settings)
    results = asyncio.run(_run(settings))
    meta["wall_s"] = time.perf_counter() - started
    meta["load_average_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    report = {"meta": meta, **results}

    print()
    print(render(results))
    print(
        f"\n{meta['mode']} run, {settings.reps} repetitions, {meta['wall_s']:.0f} s, "
        f"Python {meta['python']} on {meta['cpus']} CPUs"
    )
    if not args.no_write:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
        print(f"wrote {output}")
        if "plans" in results:
            from bench.plot import per_bind_cost

            plot_path.parent.mkdir(parents=True, exist_ok=True)
            per_bind_cost(results["plans"], plot_path)
            print(f"wrote {plot_path}")
    return 0
