"""``funcpipe grade``, ``funcpipe make-exercises`` and ``funcpipe gradescope-zip``.

Exit status of ``grade``: 0 whenever grading completed, whatever the score
(unless ``--fail-under`` asks otherwise); 2 when the grader itself could not
run, with a message on stderr saying why.

With ``--output FILE`` the report is written after every process that ran
the submission is dead, atomically, and then a completion marker
``FILE.complete`` holding the report's SHA-256 is written last. A results
file without a matching marker was not finished by the grader (Gradescope's
``run_autograder`` refuses it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from funcpipe_rag.cli_args import positive, positive_int
from funcpipe_rag.course import workbook_root
from funcpipe_rag.grading.runner import DEFAULT_LIMITS

ROOT = workbook_root() or Path.cwd()


def _write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` in one step, so nothing written there before survives half-way."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".results-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def marker_path(output: Path) -> Path:
    """Where the completion marker of the report ``output`` goes."""
    return output.with_name(output.name + ".complete")


def write_report(output: Path, text: str) -> None:
    """Write the report atomically, then the marker that says the grader finished it."""
    _write_atomically(output, text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    _write_atomically(marker_path(output), digest + "\n")


def _submitted_at() -> str:
    """The committer date of the checked-out commit in UTC (Classroom 50's submission instant), else now."""
    from datetime import UTC, datetime

    try:
        found = subprocess.run(["git", "log", "-1", "--format=%ct"], capture_output=True, text=True,
                               timeout=10, check=True).stdout.strip()
        moment = datetime.fromtimestamp(int(found), UTC)
    except (OSError, ValueError, subprocess.SubprocessError):
        moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _render(report: Any, fmt: str, quiet: bool) -> str:
    from funcpipe_rag.grading.ci import classroom50_result, markdown

    if fmt == "json":
        return str(report.to_json())
    if fmt == "gradescope":
        return json.dumps(report.to_gradescope(), indent=2) + "\n"
    if fmt == "markdown":
        return markdown(report)
    if fmt == "classroom50":
        return json.dumps(classroom50_result(report, os.environ, _submitted_at()), indent=2) + "\n"
    return str(report.table(verbose=not quiet)) + "\n"


def _watch(args: argparse.Namespace) -> int:
    from funcpipe_rag.grading import GraderError, default_submission, grade
    from funcpipe_rag.grading.watch import Watcher, file_changes, targets

    try:
        selectors = targets(args.cores)
    except ValueError as exc:
        print(f"funcpipe grade --watch: {exc}", file=sys.stderr)
        return 2
    folder = Path(args.submission) if args.submission else default_submission()
    if not folder.is_dir():
        print(f"funcpipe grade --watch: no submission folder at {folder}", file=sys.stderr)
        return 2

    def grade_these(picked: list[str]) -> Any:
        return grade(picked, folder, time_limit=args.time_limit, memory_mb=args.memory_mb, tests=args.tests,
                     sandbox=args.sandbox)

    root = workbook_root()
    watcher = Watcher(selectors, folder, grade_these, sys.stdout,
                      solutions=root / "solutions" if root is not None else None)
    try:
        watcher.start()
        watcher.loop(file_changes(folder))
    except GraderError as exc:
        print(f"funcpipe grade --watch: cannot grade: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    print("stopped watching")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from funcpipe_rag.grading import GraderError, grade
    from funcpipe_rag.grading.ci import markdown

    if args.watch:
        return _watch(args)
    if args.output:
        marker_path(Path(args.output)).unlink(missing_ok=True)  # a stale marker must not vouch for anything
    try:
        report = grade(
            args.cores,
            args.submission,
            time_limit=args.time_limit,
            memory_mb=args.memory_mb,
            tests=args.tests,
            sandbox=args.sandbox,
            hidden=args.hidden,
        )
    except GraderError as exc:
        print(f"funcpipe grade: cannot grade: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # every process grading started is already dead
        print("funcpipe grade: interrupted; no report written", file=sys.stderr)
        return 130
    text = _render(report, args.format, args.quiet)
    if args.summary:  # appended, as GitHub's job summary file expects
        with open(args.summary, "a", encoding="utf-8") as summary:
            summary.write(markdown(report))
    if args.output:
        write_report(Path(args.output), text)
        print(f"{report.points}/{report.max_points} points; {args.format} report written to {args.output}")
    else:
        sys.stdout.write(text)
    if args.fail_under is not None and report.percent < args.fail_under:
        return 1
    return 0


def _make_exercises(args: argparse.Namespace) -> int:
    from funcpipe_rag.grading.generate import MarkerError, make_exercises

    solutions, exercises = Path(args.solutions), Path(args.exercises)
    if not solutions.is_dir():
        print(f"funcpipe make-exercises: no solutions folder at {solutions}", file=sys.stderr)
        return 2
    try:
        outcome = make_exercises(solutions, exercises, force=args.force, check=args.check)
    except MarkerError as exc:
        print(f"funcpipe make-exercises: {exc}", file=sys.stderr)
        return 2
    for rel in outcome.written:
        print(f"wrote    exercises/{rel}")
    for rel in outcome.kept:
        print(f"skipped  exercises/{rel}: it differs from what was generated (your work?); "
              "use --force to overwrite it")
    for rel in outcome.stale:
        print(f"stale    exercises/{rel}: differs from what solutions/{rel} generates")
    print(f"{len(outcome.written)} written, {len(outcome.unchanged)} up to date, "
          f"{len(outcome.kept)} kept, {len(outcome.stale)} stale")
    return 1 if outcome.stale else 0


def _gradescope_zip(args: argparse.Namespace) -> int:
    from funcpipe_rag.grading.gradescope import build_zip
    from funcpipe_rag.grading.runner import available_cores, default_tests_root

    cores = args.cores or available_cores(default_tests_root())
    if not cores:
        print("funcpipe gradescope-zip: no graded cores found", file=sys.stderr)
        return 2
    names = build_zip(Path(args.output), cores)
    print(f"wrote {args.output} ({len(names)} files; grades {' '.join(cores)})")
    return 0


def _release(args: argparse.Namespace) -> int:
    from funcpipe_rag.grading.release import MARKER, ReleaseError, build, leaks

    root = Path(args.root) if args.root else workbook_root()
    if root is None or not (root / "solutions").is_dir():
        print("funcpipe release: no instructor's checkout here (it needs solutions/); pass --root",
              file=sys.stderr)
        return 2
    dest = Path(args.dir)
    if args.replace and dest.is_dir() and (dest / MARKER).is_file():
        shutil.rmtree(dest)
    try:
        release = build(root, dest)
    except ReleaseError as exc:
        print(f"funcpipe release: {exc}", file=sys.stderr)
        return 2
    hidden = sum(c.tests for c in release.hidden.values())
    print(f"wrote {dest}: {len(release.copied)} files copied, {len(release.generated)} generated "
          f"(exercise stubs, hidden-test counts), {len(release.dropped)} left out; "
          f"{hidden} hidden graded tests cut")
    found = leaks(dest, root / "solutions")
    for leak in found:
        print(f"funcpipe release: leak: {leak}", file=sys.stderr)
    if found:
        print(f"funcpipe release: {dest} holds solution text; do not hand it out", file=sys.stderr)
        return 1
    print("no solution text found in it")
    return 0


def register(sub: Any) -> None:
    """Add the grading subcommands to ``sub`` (an argparse subparsers object)."""
    grade = sub.add_parser(
        "grade", help="grade exercises (default: every core, exercises/)",
        description="Run the graded tests on a submission in a separate, limited process.",
    )
    grade.add_argument("cores", nargs="*", metavar="CORE", help="m08c01, or m08c01/ex03 for one exercise")
    grade.add_argument("--submission", metavar="DIR", help="folder of <core>/ folders (default exercises/)")
    grade.add_argument("--format", choices=("table", "json", "gradescope", "markdown", "classroom50"),
                       default="table", help="classroom50: Classroom 50's result.json (see README)")
    grade.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    grade.add_argument("--time-limit", type=positive, default=DEFAULT_LIMITS.time_limit, metavar="SECONDS",
                       help="per observation of your code")
    grade.add_argument("--memory-mb", type=positive_int, default=DEFAULT_LIMITS.memory_mb, metavar="MB",
                       help="address-space limit")
    grade.add_argument("--tests", metavar="DIR", help="graded tests (default tests/grading)")
    grade.add_argument("--quiet", action="store_true", help="table without failure details")
    grade.add_argument("--sandbox", choices=("auto", "bubblewrap", "uid", "none"), default=None,
                       help="the boundary around the submission (default auto: the strongest that works "
                            "here; naming one makes grading fail when it is not available)")
    grade.add_argument("--fail-under", type=float, metavar="PERCENT",
                       help="exit 1 when the score is below PERCENT (for CI); default: always 0")
    grade.add_argument("--summary", metavar="FILE",
                       help='also append the grade as a Markdown table to FILE (CI: "$GITHUB_STEP_SUMMARY")')
    grade.add_argument("--hidden", action="store_true",
                       help="also run the hidden graded tests (the instructor's grading)")
    grade.add_argument("--watch", action="store_true",
                       help="grade again on every save of an exercise, showing what changed (Ctrl-C stops)")
    grade.set_defaults(run=_grade)

    make = sub.add_parser("make-exercises", help="derive exercises/ from solutions/")
    make.add_argument("--force", action="store_true", help="also overwrite files a learner has changed")
    make.add_argument("--check", action="store_true", help="write nothing; exit 1 if exercises/ is stale")
    make.add_argument("--solutions", default=str(ROOT / "solutions"))
    make.add_argument("--exercises", default=str(ROOT / "exercises"))
    make.set_defaults(run=_make_exercises)

    release = sub.add_parser("release", help="write the learner's copy of the workbook, without answers",
                             description="Write the learner's copy: no solutions/, no hidden graded tests, "
                                         "exercises as stubs, notebooks as they are; then check it holds "
                                         "no solution text (exit 1 if it does).")
    release.add_argument("dir", metavar="DIR", help="where to write it (a new or empty folder)")
    release.add_argument("--replace", action="store_true",
                         help="first delete DIR if it holds an earlier release")
    release.add_argument("--root", help="the instructor's checkout (default: this one)")
    release.set_defaults(run=_release)

    zipper = sub.add_parser("gradescope-zip", help="build the Gradescope autograder zip")
    zipper.add_argument("--output", default="dist/autograder.zip", metavar="FILE")
    zipper.add_argument("cores", nargs="*", metavar="CORE", help="cores to grade (default: all)")
    zipper.set_defaults(run=_gradescope_zip)


__all__ = ["register"]
