"""The shell's progress bar, on a fake clock: redrawn in place on a terminal, periodic lines elsewhere."""

from __future__ import annotations

import io

import pytest

from funcpipe_rag.infra.progress import ProgressBar


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_the_line_is_redrawn_at_most_every_interval() -> None:
    out, clock = io.StringIO(), Clock()
    with ProgressBar(4, out, label="docs", width=4, tty=True, clock=clock, redraw_s=0.5) as bar:
        clock.now += 1
        bar.advance()  # first drawing
        clock.now += 0.1
        bar.advance()  # too soon: not drawn
        clock.now += 0.5
        bar.advance()
    assert out.getvalue() == (
        "\rdocs [#...] 1/4  25%  1.0/s"
        "\rdocs [###.] 3/4  75%  1.9/s"
        "\rdocs [###.] 3/4  75%  1.9/s\n"  # closing draws the last state and ends the line
    )


def test_elsewhere_it_prints_whole_lines_every_few_seconds() -> None:
    out, clock = io.StringIO(), Clock()
    bar = ProgressBar(10, out, label="docs", width=10, tty=False, clock=clock, every_s=2.0)
    for _ in range(10):
        clock.now += 0.5
        bar.advance()
    bar.close()
    bar.close()  # closing twice prints once
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines == [
        "docs [#.........] 1/10  10%  2.0/s",
        "docs [#####.....] 5/10  50%  2.0/s",
        "docs [#########.] 9/10  90%  2.0/s",
        "docs [##########] 10/10 100%  2.0/s",
    ]


def test_the_terminal_is_asked_when_not_told() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    with ProgressBar(0, out, label="x", width=2, clock=Clock()):
        pass
    assert out.getvalue() == "\rx [##] 0/0 100%  -/s\n"  # nothing to do is all done


def test_a_bar_refuses_a_negative_total() -> None:
    with pytest.raises(ValueError, match="total >= 0"):
        ProgressBar(-1, io.StringIO())
