"""The ``funcpipe`` command: grading, demos, the local service and checks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Command = Callable[[argparse.Namespace], int]


def _check_isolation(args: argparse.Namespace) -> int:
    from funcpipe_rag.isolation import check_package, check_paths

    found = check_paths(args.paths, allow_pragmas=False) if args.paths else check_package()
    for violation in found:
        print(violation)
    if found:
        print(f"interpreter isolation: {len(found)} violation(s)", file=sys.stderr)
        return 1
    print("interpreter isolation: ok (core code never drives a plan; rag/ stays synchronous)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="funcpipe", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    iso = sub.add_parser("check-isolation", help="check that core code never drives a plan")
    iso.add_argument("paths", nargs="*", help="files or folders (default: the package's core)")
    iso.set_defaults(run=_check_isolation)

    # Each part of the workbook registers its own subcommands.
    from funcpipe_rag.grading.classroom.commands import register as register_classroom
    from funcpipe_rag.grading.commands import register as register_grading
    from funcpipe_rag.infra.commands import register as register_services

    register_grading(sub)
    register_classroom(sub)
    register_services(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Command = args.run
    return run(args)


def _run_as_module() -> None:
    """Run ``main`` for ``python -m funcpipe_rag.cli`` and exit with its status.

    A Ctrl-C that lands inside a string ``exec`` (``dataclasses`` and ``namedtuple`` build methods
    that way while the grader imports) sets CPython's "unhandled KeyboardInterrupt" flag even when
    the command catches it and returns 130; under ``-m`` the interpreter then ends itself with
    SIGINT instead of exiting with that status. Every string ``exec`` clears the flag first, so an
    empty one just before exiting keeps the status the command chose.
    """
    status = main()
    exec("")  # clears the flag, see above
    sys.exit(status)


if __name__ == "__main__":
    _run_as_module()
