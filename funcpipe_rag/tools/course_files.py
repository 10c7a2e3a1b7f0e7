"""Files derived from the course registry: the course map (README and start page) and the Classroom files.

``python -m funcpipe_rag.tools.course_files write`` rewrites them from
:data:`funcpipe_rag.course.CORES` (``make course-files`` calls exactly this);
``check`` exits 1 and names every file that differs from what the registry
gives, which is what the test suite runs. Nobody edits these files by hand:
the README keeps hand-written prose around a marked block, and only the block
is generated.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from funcpipe_rag.course import CORES, START_PAGE, Core, available, workbook_root

MAP_BEGIN = "<!-- course map: generated from funcpipe_rag/course.py by `make course-files`; do not edit -->"
MAP_END = "<!-- end of course map -->"
AUTOGRADING = ".github/classroom/autograding.json"
WORKFLOW = ".github/workflows/classroom.yml"
README = "README.md"
SETUP = "python -m pip install --quiet -e ."
TIMEOUT_MINUTES = 10


def grade_command(core: Core, exercise: str) -> str:
    """The command that grades one exercise and fails unless it scores full marks."""
    return f"funcpipe grade {core.slug}/{exercise} --quiet --fail-under 100"


def _step_id(core: Core, exercise: str) -> str:
    return f"{core.slug}-{exercise}".replace("_", "-")


def _relative(path: str, links_from: str) -> str:
    """``path`` (relative to the workbook root) as seen from the folder ``links_from``."""
    if links_from and path.startswith(links_from):
        return path[len(links_from):]
    return "../" * links_from.count("/") + path


def course_map(cores: Sequence[Core] = CORES, *, links_from: str = "") -> str:
    """The Markdown table of every core, with links to what learners can open.

    Links are relative to the workbook root; ``links_from="notebooks/"`` writes
    them relative to that folder instead (for the start page) and links each
    core's exercise folder to its instructions.
    """
    up = "../" * links_from.count("/")
    lines = ["| Core | Title | Topic | Status |", "|---|---|---|---|"]
    for c in cores:
        if c.status == "available":
            points = sum(e.points for e in c.exercises)
            where = [f"[`{c.notebook}`]({_relative(c.notebook, links_from)})"] if c.notebook else []
            folder = f"`exercises/{c.slug}/`"
            if up:
                folder = f"[{folder}]({_relative(f'exercises/{c.slug}/README.md', links_from)})"
            where.append(f"{folder} ({len(c.exercises)} exercises, {points} points)")
            status = "**available** — " + ", ".join(where)
        else:
            status = "planned"
        lines.append(f"| {c.number} | {c.title} | {c.topic} | {status} |")
    return "\n".join(lines) + "\n"


def readme_with_map(readme: str, cores: Sequence[Core] = CORES) -> str:
    """``readme`` with the text between the course-map markers replaced by :func:`course_map`."""
    start, end = readme.find(MAP_BEGIN), readme.find(MAP_END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no course-map block ({MAP_BEGIN!r} ... {MAP_END!r})")
    head = readme[: start + len(MAP_BEGIN)]
    return f"{head}\n{course_map(cores)}{readme[end:]}"


def _split_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def start_page_with_map(text: str, cores: Sequence[Core] = CORES) -> str:
    """The start notebook's JSON ``text`` with its course-map cell regenerated from ``cores``.

    The map lives in the one Markdown cell holding the course-map markers; its
    links are relative to ``notebooks/``. Text without such a cell (no start
    page yet) comes back unchanged.
    """
    if MAP_BEGIN not in text:
        return text
    nb = json.loads(text)
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown" and MAP_BEGIN in source:
            start, end = source.find(MAP_BEGIN), source.find(MAP_END)
            if end < start:
                raise ValueError(f"{START_PAGE}: the course-map cell has no end marker {MAP_END!r}")
            table = course_map(cores, links_from="notebooks/")
            new = f"{source[: start + len(MAP_BEGIN)]}\n{table}{source[end:]}"
            cell["source"] = _split_lines(new)
    # nbformat's own layout, so that `make notebooks` and this writer never fight over the file
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def autograding_json(cores: Sequence[Core] | None = None) -> str:
    """GitHub Classroom's ``autograding.json``: one scored test per exercise of every available core."""
    tests = [
        {
            "name": f"Core {c.number}, {e.slug}: {e.title}",
            "setup": SETUP,
            "run": grade_command(c, e.slug),
            "input": "",
            "output": "",
            "comparison": "included",
            "timeout": TIMEOUT_MINUTES,
            "points": e.points,
        }
        for c in (available() if cores is None else cores)
        for e in c.exercises
    ]
    return json.dumps({"tests": tests}, indent=2) + "\n"


def classroom_workflow(cores: Sequence[Core] | None = None) -> str:
    """The grade-on-push workflow: the full report, then one scored step per exercise."""
    picked = list(available() if cores is None else cores)
    slugs = " ".join(c.slug for c in picked)
    lines = [
        "# GitHub Classroom autograding: the same grader as `funcpipe grade`, one scored step per exercise.",
        "# Generated from funcpipe_rag/course.py by `make course-files`; do not edit.",
        "name: Autograding Tests",
        "on:",
        "  - push",
        "  - workflow_dispatch",
        "  - repository_dispatch",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        "  run-autograding-tests:",
        "    runs-on: ubuntu-latest",
        "    if: github.actor != 'github-classroom[bot]'",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "      - uses: actions/setup-python@v5",
        "        with:",
        '          python-version: "3.11"',
        "      - name: Install the workbook",
        f"        run: {SETUP}",
        "      - name: Full report (table)",
        f"        run: funcpipe grade {slugs}",
    ]
    steps = []
    for c in picked:
        for e in c.exercises:
            step = _step_id(c, e.slug)
            steps.append(step)
            lines += [
                f"      - name: {json.dumps(f'Core {c.number}, {e.slug}: {e.title}')}",
                f"        id: {step}",
                "        uses: classroom-resources/autograding-command-grader@v1",
                "        with:",
                f"          test-name: {c.slug}/{e.slug}",
                f"          command: {grade_command(c, e.slug)}",
                f"          timeout: {TIMEOUT_MINUTES}",
                f"          max-score: {e.points}",
            ]
    lines += [
        "      - name: Autograding reporter",
        "        uses: classroom-resources/autograding-grading-reporter@v1",
        "        env:",
    ]
    lines += [
        f'          {s.upper().replace("-", "_")}_RESULTS: "${{{{steps.{s}.outputs.result}}}}"' for s in steps
    ]
    lines += ["        with:", f"          runners: {','.join(steps)}"]
    return "\n".join(lines) + "\n"


GENERATORS: dict[str, Callable[[str], str]] = {
    README: readme_with_map,
    START_PAGE: start_page_with_map,
    AUTOGRADING: lambda _old: autograding_json(),
    WORKFLOW: lambda _old: classroom_workflow(),
}
"""Each derived file, relative to the workbook root, and how to compute it from its current text."""


def stale(root: Path) -> list[str]:
    """The derived files under ``root`` whose text differs from what the registry gives."""
    found = []
    for rel, generate in GENERATORS.items():
        path = root / rel
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if generate(current) != current:
            found.append(rel)
    return found


def write(root: Path) -> list[str]:
    """Rewrite every stale derived file under ``root``; return the ones written."""
    written = []
    for rel in stale(root):
        path = root / rel
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(GENERATORS[rel](current), encoding="utf-8")
        written.append(rel)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m funcpipe_rag.tools.course_files", description=__doc__)
    parser.add_argument("command", choices=("write", "check"))
    parser.add_argument("--root", type=Path, default=None, help="the workbook (default: this checkout)")
    args = parser.parse_args(argv)
    root = args.root or workbook_root()
    if root is None:
        print("no workbook checkout found; pass --root", file=sys.stderr)
        return 2
    if args.command == "write":
        for rel in write(root):
            print(f"wrote {rel}")
        return 0
    found = stale(root)
    for rel in found:
        print(f"{rel} differs from funcpipe_rag/course.py; run `make course-files`", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
