"""exercises/ is derived from solutions/, and the generator never destroys a learner's work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from grading_support import ROOT

from funcpipe_rag.cli import main
from funcpipe_rag.grading.generate import MANIFEST, MarkerError, make_exercises, strip_solutions

SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


def test_committed_exercises_are_up_to_date() -> None:
    outcome = make_exercises(SOLUTIONS, EXERCISES, check=True)
    assert not outcome.stale, (
        f"exercises/ is stale for {outcome.stale}: run `make exercises` (FORCE=1 if you edited them)"
    )
    assert outcome.unchanged, "no exercise files were found"


def test_every_solution_file_has_marked_parts() -> None:
    for path in sorted((SOLUTIONS / "m08c01").glob("ex*.py")):
        text = path.read_text()
        assert "# BEGIN SOLUTION" in text, f"{path.name} marks nothing for the learner to write"
        assert "NotImplementedError" in strip_solutions(text, path.name)


def test_marked_parts_become_stubs() -> None:
    text = "def f(x):\n    '''doc'''\n    # BEGIN SOLUTION: double x\n    return 2 * x\n    # END SOLUTION\n"
    out = strip_solutions(text)
    assert "return 2 * x" not in out
    assert '    # TODO: double x\n    raise NotImplementedError("TODO: double x")\n' in out
    assert out.startswith("def f(x):\n    '''doc'''\n")


def test_helper_parts_become_comments_only() -> None:
    out = strip_solutions("# BEGIN HELPERS: your strategies\nints = 1\n# END HELPERS\nx = 2\n")
    assert out == "# TODO: your strategies\nx = 2\n"


@pytest.mark.parametrize("bad", ["# BEGIN SOLUTION\nx = 1\n", "x = 1\n# END SOLUTION\n",
                                 "# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n"])
def test_unbalanced_markers_are_rejected(bad: str) -> None:
    with pytest.raises(MarkerError):
        strip_solutions(bad, "bad.py")


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    sol = tmp_path / "solutions" / "m99"
    sol.mkdir(parents=True)
    (sol / "ex.py").write_text("def f():\n    # BEGIN SOLUTION: answer\n    return 42\n    # END SOLUTION\n")
    (sol / "README.md").write_text("read me\n")
    return tmp_path / "solutions", tmp_path / "exercises"


def test_generator_keeps_a_learners_edit_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sol, ex = _tree(tmp_path)
    first = make_exercises(sol, ex)
    assert sorted(first.written) == ["m99/README.md", "m99/ex.py"]
    manifest = json.loads((ex / MANIFEST).read_text())
    assert set(manifest) == {"m99/README.md", "m99/ex.py"}

    learner = "def f():\n    return 41  # my attempt\n"
    (ex / "m99" / "ex.py").write_text(learner)
    revised = "def f():\n    # BEGIN SOLUTION: the answer\n    return 42\n    # END SOLUTION\n"
    (sol / "m99" / "ex.py").write_text(revised)
    args = ["make-exercises", "--solutions", str(sol), "--exercises", str(ex)]
    assert main(args) == 0
    assert (ex / "m99" / "ex.py").read_text() == learner, "the generator overwrote a learner's work"
    assert "skipped  exercises/m99/ex.py" in capsys.readouterr().out

    assert main([*args, "--check"]) == 1
    assert main([*args, "--force"]) == 0
    assert "TODO: the answer" in (ex / "m99" / "ex.py").read_text()
    assert main([*args, "--check"]) == 0


def test_generator_updates_untouched_files(tmp_path: Path) -> None:
    sol, ex = _tree(tmp_path)
    make_exercises(sol, ex)
    (sol / "m99" / "README.md").write_text("read me, revised\n")
    outcome = make_exercises(sol, ex)
    assert outcome.written == ["m99/README.md"] and not outcome.kept
    assert (ex / "m99" / "README.md").read_text() == "read me, revised\n"
