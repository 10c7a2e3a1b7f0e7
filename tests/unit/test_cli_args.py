"""Every funcpipe command refuses an out-of-range number the same way, naming the value and the range."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from funcpipe_rag.cli import main
from funcpipe_rag.cli_args import non_negative, port_number, positive, positive_int, rate


@pytest.mark.parametrize(
    ("parse", "text", "value"),
    [(rate, "0", 0.0), (rate, "1", 1.0), (non_negative, "0", 0.0), (positive, "0.5", 0.5),
     (positive_int, "1", 1), (port_number, "0", 0), (port_number, "65535", 65535)],
)  # fmt: skip
def test_values_in_range_are_converted(parse: object, text: str, value: float) -> None:
    assert parse(text) == value  # type: ignore[operator]


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [(rate, "1.5", "must be between 0 and 1, got 1.5"), (non_negative, "-1", "must be at least 0, got -1"),
     (positive, "0", "must be greater than 0, got 0"), (positive_int, "0", "must be at least 1, got 0"),
     (positive_int, "2.5", "not an integer: '2.5'"), (port_number, "70000", "must be between 0 and 65535"),
     (rate, "lots", "not a number: 'lots'")],
)  # fmt: skip
def test_values_out_of_range_are_refused_with_the_range(parse: object, text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message.replace("(", r"\(")):
        parse(text)  # type: ignore[operator]


@pytest.mark.parametrize(
    "argv",
    [["grade", "--time-limit", "0"], ["grade", "--memory-mb", "0"], ["serve", "--failure-rate", "2"],
     ["demo", "rag", "--concurrency", "0"]],
)  # fmt: skip
def test_every_command_uses_them(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert "must be" in capsys.readouterr().err


def test_python_m_keeps_the_chosen_status_after_a_ctrl_c_inside_a_string_exec(tmp_path: Path) -> None:
    # dataclasses and namedtuple build their methods with a string exec; a Ctrl-C landing there
    # used to make `python -m funcpipe_rag.cli grade` die by SIGINT instead of exiting with 130.
    (tmp_path / "interrupted_inside_exec.py").write_text(
        "import funcpipe_rag.cli as cli\n"
        "def main(argv=None):\n"
        "    try:\n"
        "        exec('raise KeyboardInterrupt')\n"
        "    except KeyboardInterrupt:\n"
        "        return 130\n"
        "cli.main = main\n"
        "cli._run_as_module()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "interrupted_inside_exec"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 130, done.stderr


def test_building_the_parser_leaves_the_demos_and_the_class_grader_unimported() -> None:
    # `funcpipe grade` builds every subcommand's parser first; a learner's grade should not pay for
    # the service, httpx, SQLite or the class grader, which only other commands use.
    heavy = ("httpx", "starlette", "aiosqlite", "funcpipe_rag.infra.demos",
             "funcpipe_rag.grading.classroom.batch")
    code = ("import sys, funcpipe_rag.cli as c; c.build_parser(); "
            "print(' '.join(m for m in sys.argv[1:] if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, *heavy], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
