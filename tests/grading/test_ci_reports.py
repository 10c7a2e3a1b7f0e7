"""Grade-on-push: the workflow generated from the registry, the Markdown summary, Classroom 50's result.json.

Credit is per graded test: a submission that passes some tests of an
exercise gets their points, in the job summary as in ``result.json``.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from grading_support import ROOT

from funcpipe_rag import course
from funcpipe_rag.grading import Report, TestResult
from funcpipe_rag.grading.ci import CLASSROOM50_SCHEMA, classroom50_result, markdown
from funcpipe_rag.grading.mutants import list_chaffs, write_chaff
from funcpipe_rag.grading.report import CoreReport, ExerciseReport
from funcpipe_rag.tools import course_files

ENV = {"CLASSROOM": "cs-m08", "ASSIGNMENT": "core-1", "SUBMISSION_TAG": "submit/2026-06-01T14-32-05Z-a1b2c3d",
       "COMMIT_URL": "https://example.org/c", "RELEASE_URL": "https://example.org/r"}


def _report() -> Report:
    ok = TestResult("m08c01", "ex01", "test_a", "A works", 2, points=2, passed=True)
    bad = TestResult("m08c01", "ex01", "test_b", "B works", 3, message="B | broke", hint="look at B")
    exercise = ExerciseReport("m08c01", "ex01", "Ex one", [ok, bad], hidden_tests=1, hidden_points=4)
    return Report("sub", [CoreReport("m08c01", [exercise])])


def test_the_workflow_grades_every_available_core_once_and_keeps_the_results() -> None:
    workflow = yaml.safe_load((ROOT / course_files.WORKFLOW).read_text())
    steps = workflow["jobs"]["grade"]["steps"]
    runs = [s["run"] for s in steps if "run" in s and "funcpipe grade" in s["run"]]
    slugs = " ".join(c.slug for c in course.available())
    assert runs == [f'funcpipe grade {slugs} --format json --output results.json '
                    '--summary "$GITHUB_STEP_SUMMARY"'], "one grading run, its table in the job summary"
    assert "--fail-under" not in runs[0], "the score is the grade; the job fails only if grading cannot run"
    upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert upload and upload[0]["with"]["path"] == "results.json" and upload[0]["if"] == "always()"
    text = (ROOT / course_files.WORKFLOW).read_text()
    assert "classroom-resources" not in text and "autograding" not in text
    assert not (ROOT / ".github" / "classroom").exists(), "GitHub Classroom's files are gone"


def test_the_summary_table_gives_credit_per_test() -> None:
    text = markdown(_report())
    assert text.startswith("## Grade: 2/5 points (40%)")
    assert "| m08c01 | ex01 — Ex one | 2/5 | no |" in text
    assert "| `ex01::test_a` | 2/2 | pass |" in text
    assert "| `ex01::test_b` | 0/3 | FAIL | B \\| broke | look at B |" in text, "a | cannot break the table"
    assert "1 hidden tests (4 points)" in text


def test_classroom50_result_follows_its_contract() -> None:
    result = classroom50_result(_report(), ENV, "2026-06-01T14:32:01Z")
    assert result["schema"] == CLASSROOM50_SCHEMA
    assert {k: result[k] for k in ("classroom", "assignment", "submission", "commit", "release")} == {
        "classroom": "cs-m08", "assignment": "core-1", "submission": ENV["SUBMISSION_TAG"],
        "commit": ENV["COMMIT_URL"], "release": ENV["RELEASE_URL"]}
    assert result["review"] == ENV["COMMIT_URL"], "no REVIEW_URL: the commit's, as Classroom 50 does"
    assert result["datetime"] == "2026-06-01T14:32:01Z"
    assert (result["score"], result["max-score"]) == (2, 5)
    assert all(isinstance(result[k], int) for k in ("score", "max-score"))
    assert [(t["test-name"], t["passed"], t["score"], t["max-score"]) for t in result["tests"]] == [
        ("m08c01/ex01::test_a", True, 2, 2), ("m08c01/ex01::test_b", False, 0, 3)]
    assert sum(t["score"] for t in result["tests"]) == result["score"]
    json.dumps(result)


def test_the_classroom50_autograder_is_generated_for_the_available_cores() -> None:
    text = (ROOT / course_files.CLASSROOM50).read_text()
    tree = ast.parse(text)
    cores = next(n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "CORES")
    assert ast.literal_eval(cores) == [c.slug for c in course.available()]
    assert '"--format", "classroom50", "--output", "result.json"' in text


def test_a_partly_right_submission_gets_partial_credit_end_to_end(tmp_path: Path) -> None:
    core = course.available()[0]
    chaff = list_chaffs(core.slug)[0]
    folder = tmp_path / "submission" / core.slug
    write_chaff(core.slug, chaff.exercise, chaff.name, folder)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier steps\n")
    env = {**os.environ, **ENV}
    proc = subprocess.run(
        [sys.executable, "-m", "funcpipe_rag.cli", "grade", f"{core.slug}/{chaff.exercise}",
         "--submission", str(tmp_path / "submission"), "--format", "classroom50",
         "--output", str(tmp_path / "result.json"), "--summary", str(summary)],
        capture_output=True, text=True, env=env, timeout=600, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "result.json").read_text())
    assert 0 < result["score"] < result["max-score"], "some tests pass, some fail: credit for those that pass"
    assert any(not t["passed"] for t in result["tests"]) and any(t["passed"] for t in result["tests"])
    written = summary.read_text()
    assert written.startswith("earlier steps\n## Grade: "), "the summary is appended to"
    assert f"{result['score']}/{result['max-score']} points" in written
