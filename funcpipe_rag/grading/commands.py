"""``funcpipe grade`` and friends (registered by :mod:`funcpipe_rag.cli`)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add the grading subcommands to ``sub`` (an argparse subparsers object)."""
    del sub


__all__ = ["argparse", "register"]
