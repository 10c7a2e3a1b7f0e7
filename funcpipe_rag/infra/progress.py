"""A plain-text progress bar for the shell: redrawn in place on a terminal, periodic lines elsewhere.

``funcpipe demo capstone`` writes it to stderr, so stdout keeps only the
summary. On a terminal one line is redrawn (``\\r``) at most every
``redraw_s`` seconds; when stderr is a file or a pipe (CI logs, a notebook
cell) carriage returns would pile up, so the bar prints a whole line at most
every ``every_s`` seconds instead. Either way the last state is always
printed when the bar is closed. Time is read from ``clock`` (injected, so
tests run it on a fake clock).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO


class ProgressBar:
    """``label [#####.....] done/total  pct  rate/s`` on ``out``, advanced by :meth:`advance`.

    ``tty=None`` asks ``out.isatty()``. ``total`` of 0 shows a full bar.
    Use it as a context manager (or call :meth:`close`) so the final state
    is printed and a terminal's cursor ends on a fresh line.
    """

    def __init__(
        self,
        total: int,
        out: TextIO,
        *,
        label: str = "progress",
        width: int = 30,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        redraw_s: float = 0.1,
        every_s: float = 2.0,
    ) -> None:
        if total < 0 or width < 1:
            raise ValueError(f"ProgressBar needs total >= 0 and width >= 1, got total={total}, width={width}")
        self.total = total
        self.done = 0
        self._out = out
        self._label = label
        self._width = width
        self._tty = out.isatty() if tty is None else tty
        self._clock = clock
        self._started = clock()
        self._last: float | None = None
        self._interval = redraw_s if self._tty else every_s
        self._closed = False

    def render(self) -> str:
        """The bar's current text (no line ending)."""
        share = 1.0 if self.total == 0 else min(self.done / self.total, 1.0)
        filled = round(share * self._width)
        bar = "#" * filled + "." * (self._width - filled)
        elapsed = self._clock() - self._started
        rate = f"{self.done / elapsed:.1f}/s" if elapsed > 0 else "-/s"
        return f"{self._label} [{bar}] {self.done}/{self.total} {share:4.0%}  {rate}"

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more done; draw if the last drawing is at least one interval old."""
        self.done += n
        now = self._clock()
        if self._last is None or now - self._last >= self._interval:
            self._draw(now)

    def close(self) -> None:
        """Draw the final state once, ending the line."""
        if self._closed:
            return
        self._closed = True
        self._draw(self._clock())
        if self._tty:
            self._out.write("\n")
            self._out.flush()

    def _draw(self, now: float) -> None:
        self._last = now
        self._out.write(("\r" if self._tty else "") + self.render() + ("" if self._tty else "\n"))
        self._out.flush()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


__all__ = ["ProgressBar"]
