"""The course registry is the one description of the course, and everything derived from it agrees.

Checked here: the registry's own consistency, that every available core has
its folders and every planned one has none, that each exercise's points are
the sum of its graded tests' points, and that the README's course map and the
grading workflows are exactly what the registry generates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from funcpipe_rag import course
from funcpipe_rag.grading.runner import default_tests_root, discover
from funcpipe_rag.tools import course_files

ROOT = course.workbook_root()
assert ROOT is not None, "the tests run from a checkout"


def test_ten_cores_and_the_capstone_in_order_with_unique_slugs() -> None:
    assert [c.number for c in course.CORES] == list(range(1, 12))
    assert [c.slug for c in course.CORES] == [f"m08c{n:02d}" for n in range(1, 12)]
    assert course.CORES[-1].slug == course.CAPSTONE and course.CORES[-1].title.startswith("Capstone:")
    assert course.available(), "no core is available"
    assert all(c.status in ("available", "planned") for c in course.CORES)


def test_core_lookup_names_the_valid_slugs() -> None:
    assert course.core("m08c01").number == 1
    with pytest.raises(KeyError, match="m08c01, m08c02"):
        course.core("m08c99")


def test_the_workbook_root_is_this_checkout() -> None:
    assert ROOT is not None
    assert {"tests", "solutions", "exercises", "notebooks"} <= {p.name for p in ROOT.iterdir()}
    assert Path(__file__).resolve().is_relative_to(ROOT)


@pytest.mark.parametrize("core", course.available(), ids=lambda c: c.slug)
def test_an_available_core_has_its_notebook_and_exercises(core: course.Core) -> None:
    assert ROOT is not None
    assert core.notebook is not None and (ROOT / core.notebook).is_file()
    name = "notebooks/m08_capstone." if core.slug == course.CAPSTONE else f"notebooks/{core.slug}_"
    assert core.notebook.startswith(name)
    assert core.exercises, f"{core.slug} is available but has no exercises"
    for ex in core.exercises:
        for folder in ("solutions", "exercises"):
            rel = f"{folder}/{core.slug}/{ex.slug}.py"
            assert (ROOT / rel).is_file(), f"{rel} is missing"
        assert (ROOT / "tests" / "grading" / core.slug / f"test_{ex.slug}.py").is_file()
        assert ex.taught, (f"{core.slug}/{ex.slug} has no `taught` sentence in course.py: "
                           "funcpipe grade --watch says it when the exercise is complete")


@pytest.mark.parametrize("core", [c for c in course.CORES if c.status == "planned"], ids=lambda c: c.slug)
def test_a_planned_core_has_no_folders_yet(core: course.Core) -> None:
    assert ROOT is not None
    assert core.notebook is None and core.exercises == ()
    for folder in ("solutions", "exercises", "tests/grading"):
        where = f"{folder}/{core.slug}"
        assert not (ROOT / where).exists(), f"{where} exists: mark the core available in the registry"


@pytest.mark.parametrize("core", course.available(), ids=lambda c: c.slug)
def test_registry_points_and_titles_equal_the_graded_tests(core: course.Core) -> None:
    suites = discover(default_tests_root(), [core.slug], include_hidden=True)
    graded = {s.exercise: (s.title, sum(t.max_points for t in s.tests)) for s in suites}
    assert graded == {e.slug: (e.title, e.points) for e in core.exercises}


def test_the_readme_map_and_the_grading_workflows_are_generated_from_the_registry() -> None:
    assert ROOT is not None
    assert course_files.stale(ROOT) == [], "run `make course-files`"


def test_the_map_marks_each_core_as_the_registry_says() -> None:
    table = course_files.course_map()
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| Core")]
    assert len(rows) == len(course.CORES)
    for row, c in zip(rows, course.CORES, strict=True):
        assert row.startswith(f"| {c.number} | {c.title} |")
        assert ("**available**" in row) == (c.status == "available")
        if c.notebook:
            assert c.notebook in row


def test_a_stale_file_is_reported(tmp_path: Path) -> None:
    assert ROOT is not None
    readme = (ROOT / "README.md").read_text(encoding="utf-8").replace("| 2 | Async", "| 2 | Sync")
    (tmp_path / "README.md").write_text(readme, encoding="utf-8")
    # A folder without the start page has no map cell to refresh: only the other files are stale.
    assert set(course_files.stale(tmp_path)) == set(course_files.GENERATORS) - {course_files.START_PAGE}
    course_files.write(tmp_path)
    assert course_files.stale(tmp_path) == []


def test_the_start_page_carries_the_generated_map() -> None:
    assert ROOT is not None
    text = (ROOT / course.START_PAGE).read_text(encoding="utf-8")
    assert course_files.MAP_BEGIN in text and course_files.MAP_END in text
    for c in course.available():
        assert c.notebook is not None and Path(c.notebook).name in text
        assert f"../exercises/{c.slug}/README.md" in text


def test_every_command_the_start_page_shows_is_one_the_cli_accepts() -> None:
    """The start page's commands are typed by learners as they read them, so each must parse."""
    import json
    import re
    import shlex

    from funcpipe_rag.cli import build_parser

    assert ROOT is not None
    cells = json.loads((ROOT / course.START_PAGE).read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    commands = re.findall(r"^\s*funcpipe ([^#\n]+?)\s*(?:#.*)?$|`funcpipe ([^`]+)`", text, flags=re.MULTILINE)
    found = [shlex.split(a or b) for a, b in commands]
    assert len(found) >= 5, found
    parser = build_parser()
    for argv in found:
        parser.parse_args(argv)  # exits (a failing test) on a command the CLI does not know
