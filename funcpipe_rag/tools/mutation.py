"""``make mutation``: how many slips in a solution do the graded tests notice?

For one core, every solution file in ``solutions/<core>/`` is mutated by
cosmic-ray (its own operators plus :mod:`funcpipe_rag.tools.mutation_ops`),
and each mutant is graded with ``funcpipe grade <core>/<exercise>
--fail-under 100``: a mutant that still scores full marks *survived*. The work
is split into shards graded side by side, each on its own copy of the core
(cosmic-ray edits files in place), under ``build/mutation/<core>/``.

Mutations inside type annotations are not run: with ``from __future__ import
annotations`` annotations are never evaluated, so no test could tell. Every
other survivor must be either killed by a new graded test or listed, with the
reason it changes nothing a learner could get wrong, in
``tests/grading/<core>/equivalent_mutants.toml``::

    [[equivalent]]
    exercise = "ex04_properties"
    operator = "core/NumberReplacer"          # a glob: "core/ReplaceBinaryOperator_*"
    line = "CONFIG = settings(max_examples=40, derandomize=True, database=None, deadline=None)"
    reason = "any number of examples above a dozen finds the same counterexamples"

The score is killed / (run - equivalent). The command fails when it is below
``--threshold`` (95%) or when a survivor is not reviewed, and says which.
``--readme`` writes the score into the README between
``<!-- mutation:<core> -->`` and ``<!-- /mutation:<core> -->``; after a run of
some exercises only (``--exercise``), the line names the exercises it covers.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EQUIVALENTS = "equivalent_mutants.toml"
OTHER_SHARD = "graded in another shard"
IN_ANNOTATION = "inside a type annotation, which is never evaluated"


@dataclass(frozen=True)
class Equivalent:
    """A reviewed survivor: a mutant that changes nothing the graded tests could or should see."""

    exercise: str
    operator: str
    line: str
    reason: str

    def covers(self, mutant: Mutant) -> bool:
        return (
            mutant.exercise == self.exercise
            and fnmatch.fnmatchcase(mutant.operator, self.operator)
            and mutant.source_line.strip() == self.line.strip()
        )


@dataclass
class Mutant:
    """One mutant and what became of it."""

    exercise: str
    operator: str
    line: int
    source_line: str
    outcome: str  # killed / survived / skipped / error
    diff: str = ""
    equivalent: str = ""  # the reviewed reason, for an equivalent survivor


@dataclass
class Summary:
    core: str
    mutants: list[Mutant] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(m.outcome == outcome for m in self.mutants)

    @property
    def equivalent(self) -> list[Mutant]:
        return [m for m in self.mutants if m.outcome == "survived" and m.equivalent]

    @property
    def unreviewed(self) -> list[Mutant]:
        return [m for m in self.mutants if m.outcome == "survived" and not m.equivalent]

    @property
    def score(self) -> float:
        """Killed mutants as a percentage of those run, equivalent survivors left out."""
        judged = self.count("killed") + len(self.unreviewed)
        return 100.0 * self.count("killed") / judged if judged else 100.0


def load_equivalents(path: Path) -> list[Equivalent]:
    """The reviewed equivalent mutants in ``path`` (none when the file does not exist)."""
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found = []
    for number, entry in enumerate(data.get("equivalent", []), start=1):
        missing = {"exercise", "operator", "line", "reason"} - set(entry)
        if missing or not str(entry.get("reason", "")).strip():
            raise ValueError(f"{path}: entry {number} needs exercise, operator, line and a reason")
        found.append(Equivalent(entry["exercise"], entry["operator"], entry["line"], entry["reason"]))
    return found


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the type annotations of ``source`` are, as ((line, col), (end line, end col))."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        notes: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            notes.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            notes.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            notes.append(node.annotation)
        for note in notes:
            if note is not None and note.end_lineno is not None and note.end_col_offset is not None:
                spans.append(((note.lineno, note.col_offset), (note.end_lineno, note.end_col_offset)))
    return spans


def _within(pos: Sequence[int], spans: Iterable[tuple[tuple[int, int], tuple[int, int]]]) -> bool:
    point = (pos[0], pos[1])
    return any(start <= point < end for start, end in spans)


def _config(module: Path, command: str) -> str:
    return (
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(str(module))}\n"
        "timeout = 900.0\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )


def _tool(name: str) -> str:
    """A command installed next to this Python (the virtual environment's), else from PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else name


def _grade_command(core: str, exercise: str, submission: Path) -> str:
    # A roomy per-test limit: on a busy machine a slow test must not pass for a killed mutant.
    return (f"{_tool('funcpipe')} grade {core}/{exercise} --submission {submission} --quiet --fail-under 100 "
            "--time-limit 60")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


def _prepare_shard(core: str, exercise: str, shard: int, shards: int, base: Path) -> Path:
    """A copy of the core, a cosmic-ray session over one exercise, pruned to this shard's mutants."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    folder = base / f"{exercise}-{shard}"
    shutil.rmtree(folder, ignore_errors=True)
    sub = folder / "submission" / core
    sub.mkdir(parents=True)
    for file in (ROOT / "solutions" / core).glob("*.py"):
        shutil.copy2(file, sub / file.name)
    module = sub / f"{exercise}.py"
    (folder / "cosmic-ray.toml").write_text(
        _config(module.relative_to(folder), _grade_command(core, exercise, Path("submission")))
    )
    done = _run([_tool("cosmic-ray"), "init", "cosmic-ray.toml", "session.sqlite"], folder)
    if done.returncode != 0:
        raise RuntimeError(f"cosmic-ray init failed for {exercise}: {done.stderr.strip()[-500:]}")
    spans = annotation_spans(module.read_text(encoding="utf-8"))
    with use_db(str(folder / "session.sqlite"), WorkDB.Mode.open) as db:
        items = sorted(
            db.pending_work_items,
            key=lambda w: (w.mutations[0].start_pos, w.mutations[0].operator_name, w.mutations[0].occurrence),
        )
        for index, item in enumerate(items):
            mutation = item.mutations[0]
            if _within(mutation.start_pos, spans):
                reason = IN_ANNOTATION if index % shards == shard else OTHER_SHARD
            elif index % shards != shard:
                reason = OTHER_SHARD
            else:
                continue
            db.set_result(item.job_id, WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output=reason))
    return folder


def _execute(folder: Path) -> None:
    done = _run([_tool("cosmic-ray"), "exec", "cosmic-ray.toml", "session.sqlite"], folder)
    if done.returncode != 0:
        raise RuntimeError(f"cosmic-ray exec failed in {folder}: {done.stderr.strip()[-500:]}")


def _collect(folder: Path, exercise: str, equivalents: list[Equivalent]) -> list[Mutant]:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    # cosmic-ray restores each file after its mutant: the shard's copy is the solution as it was
    text = next((folder / "submission").rglob(f"{exercise}.py")).read_text(encoding="utf-8").splitlines()
    found = []
    with use_db(str(folder / "session.sqlite"), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.output == OTHER_SHARD:
                continue
            mutation = item.mutations[0]
            line = mutation.start_pos[0]
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                outcome = "skipped"
            elif result.worker_outcome != WorkerOutcome.NORMAL:
                outcome = "error"
            elif result.test_outcome == TestOutcome.SURVIVED:
                outcome = "survived"
            else:
                outcome = "killed"  # a failed grade, a crash or a time-out: the tests noticed
            source_line = text[line - 1] if line <= len(text) else ""
            mutant = Mutant(exercise, mutation.operator_name, line, source_line, outcome, result.diff or "")
            if outcome == "survived":
                mutant.equivalent = next((e.reason for e in equivalents if e.covers(mutant)), "")
            found.append(mutant)
    return found


def run(core: str, exercises: Sequence[str] | None, jobs: int, equivalents: list[Equivalent]) -> Summary:
    """Mutate and grade every exercise of ``core`` (or those named), ``jobs`` shards at a time."""
    solutions = ROOT / "solutions" / core
    if not solutions.is_dir():
        raise SystemExit(f"make mutation: there is no solutions/{core}/")
    names = sorted(p.stem for p in solutions.glob("*.py"))
    wanted = [n for n in names if not exercises or any(n.startswith(e) for e in exercises)]
    if not wanted:
        raise SystemExit(f"make mutation: no exercise of {core} matches {', '.join(exercises or [])}")
    base = ROOT / "build" / "mutation" / core
    for exercise in wanted:
        baseline = _run(_grade_command(core, exercise, solutions.parent).split(), ROOT)
        if baseline.returncode != 0:
            raise SystemExit(f"make mutation: solutions/{core}/{exercise}.py does not score 100% unmutated:\n"
                             f"{baseline.stdout[-2000:]}{baseline.stderr[-500:]}")
    folders = [_prepare_shard(core, e, k, jobs, base) for e in wanted for k in range(jobs)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_execute, folders))
    summary = Summary(core)
    for folder in folders:
        summary.mutants.extend(_collect(folder, folder.name.rsplit("-", 1)[0], equivalents))
    return summary


def report(summary: Summary, equivalents: list[Equivalent]) -> str:
    lines = [f"mutation testing of solutions/{summary.core}/ with the graded tests as the test command", ""]
    by_exercise: dict[str, list[Mutant]] = {}
    for mutant in summary.mutants:
        by_exercise.setdefault(mutant.exercise, []).append(mutant)
    lines.append(f"{'exercise':28} {'mutants':>7} {'killed':>7} {'equiv.':>7} {'survived':>8} {'skipped':>8}")
    for exercise, mutants in sorted(by_exercise.items()):
        part = Summary(summary.core, mutants)
        lines.append(f"{exercise:28} {len(mutants):7} {part.count('killed'):7} {len(part.equivalent):7} "
                     f"{len(part.unreviewed):8} {part.count('skipped'):8}")
    lines.append("")
    judged = summary.count("killed") + len(summary.unreviewed)
    lines.append(f"score: {summary.score:.1f}% killed ({summary.count('killed')} of {judged}; "
                 f"{len(summary.equivalent)} reviewed as equivalent, "
                 f"{summary.count('skipped')} in annotations)")
    errors = [m for m in summary.mutants if m.outcome == "error"]
    if errors:
        lines.append(f"{len(errors)} mutants could not be run (the tool failed on them)")
    for mutant in summary.unreviewed:
        lines.append("")
        lines.append(f"SURVIVED {mutant.exercise}.py line {mutant.line} ({mutant.operator}):")
        lines.extend("    " + d for d in mutant.diff.splitlines() if d.startswith(("+", "-"))
                     and not d.startswith(("+++", "---")))
    used = {id(e) for e in equivalents for m in summary.equivalent if e.covers(m)}
    exercises = {m.exercise for m in summary.mutants}
    for entry in equivalents:
        if id(entry) not in used and entry.exercise in exercises:
            lines.append(f"stale entry in {EQUIVALENTS}: {entry.exercise} {entry.operator} {entry.line!r} "
                         "matches no survivor; remove it")
    return "\n".join(lines)


def update_readme(path: Path, summary: Summary, *, only: Sequence[str] = ()) -> None:
    """Write the score between the core's markers in the README (the markers must exist).

    ``only`` names the exercises run when they were not all of the core's, so the
    line never passes a partial run off as the whole core's score.
    """
    begin, end = f"<!-- mutation:{summary.core} -->", f"<!-- /mutation:{summary.core} -->"
    text = path.read_text(encoding="utf-8")
    if begin not in text or end not in text:
        raise SystemExit(f"make mutation: {path.name} has no {begin} … {end} markers")
    judged = summary.count("killed") + len(summary.unreviewed)
    run = judged + len(summary.equivalent)
    scope = f" ({', '.join(only)} only)" if only else ""
    line = (f"{summary.core}{scope}: **{summary.score:.1f}%** of {judged} mutants killed "
            f"({len(summary.equivalent)} more of the {run} run reviewed as equivalent, "
            f"{len(summary.unreviewed)} unreviewed survivors)")
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    path.write_text(pattern.sub(lambda _m: f"{begin}{line}{end}", text), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("core", help="the core whose solutions are mutated, e.g. m08c01")
    parser.add_argument("--exercise", action="append", help="only this exercise (a name prefix: ex03)")
    parser.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    parser.add_argument("--threshold", type=float, default=95.0, help="the lowest acceptable score (percent)")
    parser.add_argument("--readme", action="store_true", help="write the score into README.md")
    args = parser.parse_args(argv)
    equivalents = load_equivalents(ROOT / "tests" / "grading" / args.core / EQUIVALENTS)
    summary = run(args.core, args.exercise, args.jobs, equivalents)
    print(report(summary, equivalents))
    out = ROOT / "build" / "mutation" / args.core / "report.json"
    out.write_text(json.dumps([asdict(m) for m in summary.mutants], indent=1))
    if args.readme:
        run_only = sorted({m.exercise for m in summary.mutants}) if args.exercise else []
        update_readme(ROOT / "README.md", summary, only=run_only)
    return 1 if summary.score < args.threshold or summary.unreviewed else 0


if __name__ == "__main__":
    sys.exit(main())
