"""Range-checked command-line values: one ``argparse`` type per kind of number the commands take.

Every ``funcpipe`` subcommand uses these, so a bad value is refused the same
way everywhere, with a message naming the value and the range::

    funcpipe serve: error: argument --failure-rate: must be between 0 and 1, got 2
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def bounded(
    convert: Callable[[str], float], what: str, low: float, high: float | None = None, *, above: bool = False
) -> Callable[[str], Any]:
    """An argparse ``type`` that converts a value and checks it lies in a range.

    The range is ``[low, high]``, or ``(low, high]`` when ``above`` is true;
    ``high=None`` leaves it open. Errors name the value and the range.
    """

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
        too_low = value <= low if above else value < low
        if too_low or (high is not None and value > high):
            bound = f"greater than {low:g}" if above else f"at least {low:g}"
            rule = f"between {low:g} and {high:g}" if high is not None and not above else bound
            raise argparse.ArgumentTypeError(f"must be {rule}, got {text}")
        return value

    return parse


rate = bounded(float, "a number", 0.0, 1.0)
"""A fraction between 0 and 1."""
non_negative = bounded(float, "a number", 0.0)
"""A number of at least 0."""
positive = bounded(float, "a number", 0.0, above=True)
"""A number greater than 0."""
positive_int = bounded(int, "an integer", 1)
"""An integer of at least 1."""
non_negative_int = bounded(int, "an integer", 0)
"""An integer of at least 0 (a count that may be none, such as ``--retry``)."""
port_number = bounded(int, "a port number", 0, 65535)
"""A TCP port, or 0 for any free one."""
