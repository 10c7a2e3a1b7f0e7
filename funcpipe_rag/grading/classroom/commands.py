"""``funcpipe grade-class``: grade a folder of submissions, or merge results graded elsewhere.

Exit status: 0 when every learner has a row in the gradebook, whatever the
scores and however many submissions were refused; 130 when interrupted
(the gradebook then holds what was graded, and running the same command
again grades the rest); 2 when nothing can be graded (no graded tests, a
missing folder, ``--out`` inside the submissions), saying why on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from funcpipe_rag.cli_args import bounded, positive, positive_int
from funcpipe_rag.grading.runner import DEFAULT_LIMITS

similarity_share = bounded(float, "a number", 0.0, 1.0, above=True)


def _run(args: argparse.Namespace) -> int:
    from funcpipe_rag.grading.classroom.batch import Settings, default_jobs, grade_class
    from funcpipe_rag.grading.classroom.merge import merge
    from funcpipe_rag.grading.classroom.outputs import describe, write_outputs
    from funcpipe_rag.grading.runner import GraderError, Limits, default_tests_root

    if (args.submissions is None) == (args.merge is None):
        print(
            "funcpipe grade-class: give either SUBMISSIONS (a folder of submissions) or --merge DIR "
            "(a folder of results.json files)",
            file=sys.stderr,
        )
        return 2
    out = Path(args.out)
    tests = Path(args.tests) if args.tests else None
    interrupted = False
    try:
        if args.merge is not None:
            found = merge(Path(args.merge), out, tests or default_tests_root())
            cores = sorted({c["name"] for r in found if r.report for c in r.report.get("cores", [])})
            print(f"merged the results of {len(found)} learner(s) from {args.merge}")
        else:
            settings = Settings(
                selectors=tuple(args.core or ()),
                jobs=args.jobs or default_jobs(),
                limits=Limits(time_limit=args.time_limit, memory_mb=args.memory_mb),
                sandbox=args.sandbox,
                tests_root=tests,
            )
            outcome = grade_class(
                Path(args.submissions),
                out,
                settings,
                progress=not args.quiet,
                log=lambda m: print(m, flush=True),
            )
            found, cores, interrupted = outcome.records, outcome.cores, outcome.interrupted
            print(
                f"graded {outcome.graded}, kept {outcome.reused} unchanged, in {outcome.seconds:.0f} s"
                + ("; interrupted: run the same command again to grade the rest" if interrupted else "")
            )
        written = write_outputs(out, found, cores, threshold=args.similarity)
    except GraderError as exc:
        print(f"funcpipe grade-class: cannot grade: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before grading started, or while the gradebook was written
        print(
            "funcpipe grade-class: interrupted; every result finished is kept: run the same command again",
            file=sys.stderr,
        )
        return 130
    for line in describe(out, written):
        print(line)
    return 130 if interrupted else 0


def register(sub: Any) -> None:
    """Add ``grade-class`` to ``sub`` (an argparse subparsers object)."""
    from funcpipe_rag.grading.classroom.similarity import DEFAULT_THRESHOLD

    p = sub.add_parser(
        "grade-class",
        help="grade a folder of submissions (one per learner) into a gradebook",
        description="Grade every learner's submission (a folder laid out like exercises/, or a .zip of one) "
        "as `funcpipe grade` would, several at a time, resumably; write the gradebook, each "
        "learner's report, Gradescope exports, what the class got wrong (summary.html) and "
        "similar submissions (similarity.html). With --merge, read results.json files graded "
        "elsewhere (Gradescope, CI) instead.",
    )
    p.add_argument(
        "submissions",
        nargs="?",
        metavar="SUBMISSIONS",
        help="folder with one entry per learner (the entry's name is the learner's id); never written",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="where the gradebook and reports go")
    p.add_argument("--merge", metavar="DIR", help="merge results files (one per learner) instead of grading")
    p.add_argument(
        "--core",
        action="append",
        metavar="CORE",
        help="grade only this core (m08c01, or m08c01/ex03 for one exercise); repeatable; "
        "default: every core a submission contains",
    )
    p.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="submissions graded at once (default: the number of CPUs)",
    )
    p.add_argument(
        "--time-limit",
        type=positive,
        default=DEFAULT_LIMITS.time_limit,
        metavar="SECONDS",
        help="per observation of a learner's code, as for funcpipe grade",
    )
    p.add_argument(
        "--memory-mb",
        type=positive_int,
        default=DEFAULT_LIMITS.memory_mb,
        metavar="MB",
        help="address-space limit, as for funcpipe grade",
    )
    p.add_argument(
        "--sandbox",
        choices=("auto", "bubblewrap", "uid", "none"),
        default=None,
        help="the boundary around each submission (default auto, as for funcpipe grade)",
    )
    p.add_argument("--tests", metavar="DIR", help="graded tests (default tests/grading)")
    p.add_argument(
        "--similarity",
        type=similarity_share,
        default=DEFAULT_THRESHOLD,
        metavar="SHARE",
        help=f"flag pairs sharing at least this share of their own code (default {DEFAULT_THRESHOLD})",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_run)


__all__ = ["register"]
