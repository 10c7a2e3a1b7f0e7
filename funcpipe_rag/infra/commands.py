"""``funcpipe serve`` and ``funcpipe demo`` (registered by :mod:`funcpipe_rag.cli`).

Exit status: 0 success; 1 the work ran but something in it failed (an
unknown user, failed chunks, malformed corpus lines); 2 the work could not
start (bad option, port in use, unreadable corpus, unwritable database).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from funcpipe_rag.cli_args import non_negative, non_negative_int, port_number, positive, positive_int, rate

PROG = "funcpipe"


def _corpus(text: str) -> str | Path:
    """``--corpus``: the keywords ``snapshot`` and ``stdlib`` as they are, anything else a file."""
    return text if text in ("snapshot", "stdlib") else Path(text)


def _fail(command: str, message: str) -> int:
    print(f"{PROG} {command}: error: {message}", file=sys.stderr)
    return 2


def _serve(args: argparse.Namespace) -> int:
    from funcpipe_rag.infra.service import HOST, PortInUseError, bind_socket, create_app, serve_forever

    app = create_app(
        latency_ms=args.latency_ms, failure_rate=args.failure_rate, seed=args.seed, slow_ms=args.slow_ms
    )
    try:
        sock = bind_socket(args.port)
    except PortInUseError as exc:
        return _fail("serve", f"{exc.strerror}; choose another with --port, or --port 0 for any free one")
    except OSError as exc:
        return _fail("serve", f"cannot listen on {HOST}:{args.port}: {exc.strerror or exc}")
    port = sock.getsockname()[1]
    print(f"serving on http://{HOST}:{port}  (latency {args.latency_ms:g} ms, failure rate "
          f"{args.failure_rate:g}, seed {args.seed}; Ctrl-C to stop)", flush=True)
    # uvicorn shuts down cleanly on Ctrl-C, then re-raises it for us; the stop is not an error.
    with contextlib.suppress(KeyboardInterrupt):
        serve_forever(app, sock)
    print("stopped", flush=True)
    return 0


def _demo_user(args: argparse.Namespace) -> int:
    from funcpipe_rag.infra.demos import DemoError, run_user_demo

    try:
        return run_user_demo(args.user_id, args.db, sys.stdout, sys.stderr)
    except DemoError as exc:
        return _fail("demo user", str(exc))


def _demo_rag(args: argparse.Namespace) -> int:
    from funcpipe_rag.infra.demos import DemoError, RagOptions, run_rag_demo

    opts = RagOptions(
        concurrency=args.concurrency,
        query=args.query,
        corpus=args.corpus,
        db=args.db,
        failure_rate=args.failure_rate,
        seed=args.seed,
        latency_ms=args.latency_ms,
        limit=args.limit,
        top_k=args.top_k,
        timeout=args.timeout,
        progress=args.progress,
        retry=args.retry,
        timeout_ms=args.timeout_ms,
        batch_units=args.batch_units,
        batch_delay_ms=args.batch_delay_ms,
    )
    try:
        return run_rag_demo(opts, sys.stdout, sys.stderr).exit_code
    except DemoError as exc:
        return _fail("demo rag", str(exc))


def _demo_capstone(args: argparse.Namespace) -> int:
    import dataclasses

    from funcpipe_rag.infra.demos import CapstoneOptions, DemoError, run_capstone_demo

    # Every option of the subcommand is a field of the same name (weights arrive as a list).
    names = [f.name for f in dataclasses.fields(CapstoneOptions) if hasattr(args, f.name)]
    given = {name: getattr(args, name) for name in names}
    opts = CapstoneOptions(**{**given, "weights": tuple(args.weights)})
    try:
        return run_capstone_demo(opts, sys.stdout, sys.stderr).exit_code
    except DemoError as exc:
        return _fail("demo capstone", str(exc))


def _service_options(parser: argparse.ArgumentParser, *, failure_rate: float, latency_ms: float) -> None:
    """The options of the service a demo starts: how often it fails, with which seed, how slowly."""
    parser.add_argument("--failure-rate", type=rate, default=failure_rate,
                        help=f"share of requests the service fails (seeded; default {failure_rate:g})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the failure draws")
    parser.add_argument("--latency-ms", type=non_negative, default=latency_ms,
                        help=f"service delay per request (default {latency_ms:g})")


def register(sub: Any) -> None:
    """Add the service and demo subcommands to ``sub`` (an argparse subparsers object)."""
    from funcpipe_rag.infra.demo_defaults import DEFAULT_DB, DEFAULT_QUERY

    serve = sub.add_parser("serve", help="run the local users/embeddings service on 127.0.0.1")
    serve.add_argument("--port", type=port_number, default=8765, help="port on 127.0.0.1 (0: any free port)")
    serve.add_argument("--latency-ms", type=non_negative, default=0.0, help="delay added to every request")
    serve.add_argument("--failure-rate", type=rate, default=0.0,
                       help="fraction of requests answered with 429, 503 or too late (seeded)")
    serve.add_argument("--seed", type=int, default=0, help="seed of the failure draws")
    serve.add_argument("--slow-ms", type=non_negative, default=5000.0,
                       help="how late an injected slow answer comes (longer than the client timeout)")
    serve.set_defaults(run=_serve)

    demo = sub.add_parser("demo", help="run a pipeline against the real service and SQLite")
    demos = demo.add_subparsers(dest="demo", required=True)

    user = demos.add_parser("user", help="fetch, validate and save one user; replay the same plan")
    user.add_argument("user_id", metavar="ID", help="a user id (the service knows 1 to 12)")
    user.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"SQLite file (default {DEFAULT_DB})")
    user.set_defaults(run=_demo_user)

    rag = demos.add_parser("rag", help="embed a corpus with bounded concurrency, store it, answer a query")
    rag.add_argument("--concurrency", type=positive_int, default=8, help="embeddings in flight at most")
    rag.add_argument("--query", default=DEFAULT_QUERY, help="the question to answer from the stored chunks")
    rag.add_argument("--corpus", type=_corpus, default="snapshot", metavar="snapshot|stdlib|FILE",
                     help="snapshot: the packaged standard-library docstrings, the same on every Python "
                          "(default); stdlib: this Python's own docstrings, which vary by version; "
                          'FILE: a JSONL file, one {"id", "title", "text"} per line (./stdlib for a file '
                          "named stdlib)")
    rag.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"SQLite file (default {DEFAULT_DB})")
    _service_options(rag, failure_rate=0.0, latency_ms=10.0)
    rag.add_argument("--limit", type=positive_int, default=None, help="use only the first N documents")
    rag.add_argument("--top-k", type=positive_int, default=5, help="how many chunks answer the query")
    rag.add_argument("--timeout", type=positive, default=2.0, help="client timeout per request, seconds")
    rag.add_argument("--retry", type=non_negative_int, default=0, metavar="N",
                     help="retry a failed embedding up to N times (backoff, jitter, Retry-After honoured)")
    rag.add_argument("--timeout-ms", type=positive, default=None, metavar="T",
                     help="cancel an embedding attempt after T ms; it counts as TIMEOUT (and may be retried)")
    rag.add_argument("--batch-units", type=positive_int, default=None, metavar="N",
                     help="embed in batches of at most N chunks per /embed request (default: one per chunk)")
    rag.add_argument("--batch-delay-ms", type=non_negative, default=50.0, metavar="M",
                     help="with --batch-units: a batch waits at most M ms for more chunks (default 50)")
    rag.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="show the progress bar (default: only on a terminal)")
    rag.set_defaults(run=_demo_rag)

    cap = demos.add_parser("capstone", help="the whole pipeline: two tenants, fair, bounded, batched, "
                                             "rate-limited, retried, into SQLite, with a progress bar")
    cap.add_argument("--url", default=None,
                     help="a running service (funcpipe serve); default: start one on a free 127.0.0.1 port")
    cap.add_argument("--docs", type=positive_int, default=12, help="documents per tenant (default 12)")
    cap.add_argument("--weights", type=positive_int, nargs=2, default=[2, 1], metavar=("A", "B"),
                     help="the tenants' shares of the pipeline (default 2 1)")
    _service_options(cap, failure_rate=0.2, latency_ms=5.0)
    cap.add_argument("--concurrency", type=positive_int, default=4, help="documents in flight at most")
    cap.add_argument("--batch-units", type=positive_int, default=4, metavar="N", help="chunks per request")
    cap.add_argument("--rate", type=positive, default=200.0, help="requests per second at most")
    cap.add_argument("--burst", type=positive_int, default=4, help="requests back to back after a pause")
    cap.add_argument("--retry", type=non_negative_int, default=6, metavar="N",
                     help="retry a failed request up to N times (backoff, jitter, Retry-After honoured)")
    cap.add_argument("--timeout-ms", type=positive, default=250.0, metavar="T",
                     help="give up on an attempt after T ms (it counts as TIMEOUT and may be retried)")
    cap.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                     help="the progress bar on stderr (redrawn on a terminal, periodic lines elsewhere)")
    cap.set_defaults(run=_demo_capstone)
