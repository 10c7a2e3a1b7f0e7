"""``funcpipe serve`` and ``funcpipe demo`` (registered by :mod:`funcpipe_rag.cli`)."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Add the service and demo subcommands to ``sub`` (an argparse subparsers object)."""
    del sub
