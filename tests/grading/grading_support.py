"""Shared by the grader's own tests: paths, grading folders side by side, Gradescope's script."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[2]
GRADING = ROOT / "tests" / "grading"

T = TypeVar("T")
R = TypeVar("R")


def in_parallel(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]``, two at a time (each grading run is its own process)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(fn, items))


def run_autograder(tmp_path: Path, grader: str, submission: Path | None = None) -> dict[str, object]:
    """Run Gradescope's ``run_autograder`` with its folders under ``tmp_path``; return the results it kept.

    ``grader`` is the body of a bash script standing in for the ``funcpipe`` command;
    ``submission`` (a folder) is copied to where Gradescope puts the learner's files.
    """
    text = (ROOT / "funcpipe_rag" / "grading" / "gradescope" / "run_autograder").read_text()
    tmp_path.mkdir()
    fake = tmp_path / "funcpipe"
    fake.write_text("#!/usr/bin/env bash\n" + grader)
    fake.chmod(0o755)
    (tmp_path / "autograder" / "source").mkdir(parents=True)
    if submission is not None:
        shutil.copytree(submission, tmp_path / "autograder" / "submission")
    script = tmp_path / "run_autograder"
    script.write_text(text.replace("/opt/funcpipe/bin/funcpipe", str(fake))
                      .replace("/autograder", str(tmp_path / "autograder")).replace("@CORES@", "m08c01"))
    subprocess.run(["bash", str(script)], check=True, timeout=300)
    results = tmp_path / "autograder" / "results" / "results.json"
    assert not (tmp_path / "autograder" / "results" / "results.json.complete").exists()
    return dict(json.loads(results.read_text()))
