"""notebooks/INSTRUCTOR.md: generated facts per core, hand-written prose kept, demos that really run."""

from __future__ import annotations

import shlex

from funcpipe_rag import course
from funcpipe_rag.cli import build_parser
from funcpipe_rag.tools import course_files

ROOT = course.workbook_root()


def test_every_core_is_there_and_planned_ones_say_so() -> None:
    assert ROOT is not None
    guide = (ROOT / course_files.GUIDE).read_text()
    for c in course.CORES:
        assert f"## Core {c.number} — {c.title}" in guide
        assert ("*Not available yet*" in guide.split(f"## Core {c.number} — ")[1].split("## Core")[0]) == (
            c.status != "available")


def test_each_available_core_lists_its_sections_demos_and_exercises() -> None:
    assert ROOT is not None
    guide = (ROOT / course_files.GUIDE).read_text()
    for c in course.available():
        assert c.notebook is not None
        sections = course_files.notebook_sections(ROOT / c.notebook)
        assert sections and all(f"- {title}" in guide for title in sections)
        assert all(f"- `{command}`" in guide for command in c.demos)
        assert all(f"`{e.slug}` — {e.title} ({e.points} points)" in guide for e in c.exercises)


def test_hand_written_prose_is_kept_and_a_core_without_it_says_so() -> None:
    core = course.available()[0]
    begin, end = course_files._prose_markers(core.slug)
    old = f"{begin}\nPresent it slowly.\n{end}\n"
    assert f"{begin}\nPresent it slowly.\n{end}" in course_files.instructor_guide(old)
    assert course_files.PROSE_PLACEHOLDER in course_files.instructor_guide("")


def test_every_demo_is_a_command_funcpipe_accepts() -> None:
    parser = build_parser()
    for c in course.CORES:
        for command in c.demos:
            words = shlex.split(command)
            assert words[0] == "funcpipe", command
            parser.parse_args(words[1:])  # exits (fails the test) on an unknown option
