"""Files derived from the course registry: the course map (README and start page), the
grade-on-push workflow and the Classroom 50 autograder.

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

from funcpipe_rag.course import CORES, REPOSITORY, START_PAGE, Core, available, workbook_root

MAP_BEGIN = "<!-- course map: generated from funcpipe_rag/course.py by `make course-files`; do not edit -->"
MAP_END = "<!-- end of course map -->"
BADGE_BEGIN = "<!-- binder badge: generated from funcpipe_rag/course.py by `make course-files` -->"
BADGE_END = "<!-- end of binder badge -->"
WORKFLOW = ".github/workflows/grade.yml"
CLASSROOM50 = ".github/classroom50/autograder.py"
GUIDE = "notebooks/INSTRUCTOR.md"
README = "README.md"
SETUP = "python -m pip install --quiet -e ."
PYTHON = "3.12"
TIMEOUT_MINUTES = 20


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
            count = f"{len(c.exercises)} exercise" + ("" if len(c.exercises) == 1 else "s")
            where.append(f"{folder} ({count}, {points} points)")
            status = "**available** — " + ", ".join(where)
        else:
            status = "planned"
        lines.append(f"| {c.number} | {c.title} | {c.topic} | {status} |")
    return "\n".join(lines) + "\n"


def binder_badge() -> str:
    """The Binder badge: JupyterLab in the browser, on the start page (where ``make lab`` opens too)."""
    url = f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?urlpath=lab/tree/{START_PAGE}"
    return f"[![Open in Binder](https://mybinder.org/badge_logo.svg)]({url})\n"


def _replace_block(text: str, begin: str, end: str, body: str) -> str:
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"the README has no block {begin!r} ... {end!r}")
    return f"{text[: start + len(begin)]}\n{body}{text[stop:]}"


def readme_with_map(readme: str, cores: Sequence[Core] = CORES) -> str:
    """``readme`` with its generated blocks (the Binder badge, the course map) made from ``cores``."""
    readme = _replace_block(readme, BADGE_BEGIN, BADGE_END, binder_badge())
    return _replace_block(readme, MAP_BEGIN, MAP_END, course_map(cores))


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


def grade_workflow(cores: Sequence[Core] | None = None) -> str:
    """The grade-on-push workflow: grade every available core once, credit per test.

    The job summary gets the grade table (``--summary``), ``results.json`` (the
    grader's JSON report) is kept as an artifact, and the job fails only when
    the grader itself could not run: the score is the grade, not the status.
    """
    picked = list(available() if cores is None else cores)
    slugs = " ".join(c.slug for c in picked)
    lines = [
        "# Grade on push: the same grader as `funcpipe grade`, partial credit per graded test.",
        "# Generated from funcpipe_rag/course.py by `make course-files`; do not edit.",
        "name: Grade",
        "on:",
        "  push:",
        "  workflow_dispatch:",
        "permissions:",
        "  contents: read",
        "jobs:",
        "  grade:",
        "    runs-on: ubuntu-latest",
        f"    timeout-minutes: {TIMEOUT_MINUTES}",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "      - uses: actions/setup-python@v5",
        "        with:",
        f'          python-version: "{PYTHON}"',
        "      - name: Install the workbook and the grader's boundary",
        "        run: |",
        "          (sudo apt-get update -qq && sudo apt-get install -y -qq bubblewrap) || true",
        f"          {SETUP}",
        f"      - name: Grade {slugs}",
        f"        run: funcpipe grade {slugs} --format json --output results.json "
        '--summary "$GITHUB_STEP_SUMMARY"',
        "      - name: Keep results.json",
        "        if: always()",
        "        uses: actions/upload-artifact@v4",
        "        with:",
        "          name: grade-results",
        "          path: results.json",
    ]
    return "\n".join(lines) + "\n"


def classroom50_autograder(cores: Sequence[Core] | None = None) -> str:
    """Classroom 50's ``autograder.py``: install the workbook, grade, write ``result.json``."""
    picked = [c.slug for c in (available() if cores is None else cores)]
    return f'''"""Classroom 50 autograder for the FuncPipe Module 8 workbook.

Generated from funcpipe_rag/course.py by `make course-files`; do not edit. Copy it to
CLASSROOM/autograders/ASSIGNMENT/autograder.py in your classroom50 repository and give the
assignment the runtime {{"python": "{PYTHON}"}}: the workbook runs on Python 3.11 to 3.13, and
Classroom 50 defaults to a newer Python. The runner starts it in the learner's checkout; it
installs the workbook, grades every available core and writes ./result.json
(schema classroom50/result/v1, one entry per graded test, credit per test). A non-zero exit
means the grader itself could not run.
"""

import subprocess
import sys

CORES = {picked!r}

if not (3, 11) <= sys.version_info[:2] <= (3, 13):
    print("::error::the workbook needs Python 3.11 to 3.13; set the assignment's runtime "
          '{{"python": "{PYTHON}"}}', file=sys.stderr)
    sys.exit(1)
subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", "."], check=True)
graded = subprocess.run([sys.executable, "-m", "funcpipe_rag.cli", "grade", *CORES,
                         "--format", "classroom50", "--output", "result.json"], check=False)
sys.exit(graded.returncode)
'''


GUIDE_HEAD = """# Presenting the workbook — instructor guide

How to present each core of Module 8 live: the notebook's sections in order,
the demos to run against the real local service and what appears on screen,
and the exercises learners take away. The facts of each core are generated
from the course registry (`funcpipe_rag/course.py`) and the notebook itself by
`make course-files`; the prose under each core is written by hand and kept.

Before class: `make lab` (JupyterLab on the workbook, the `funcpipe-m08`
kernel), `make notebooks` if you changed anything, and a terminal inside
JupyterLab for the demos (`funcpipe` is on its `PATH`). *View ▸ Render as
Reveal Slideshow* (`Alt+R`) presents a notebook as slides; each cell's run
time shows under it.
"""

PROSE_PLACEHOLDER = "How to present this core has not been written yet.\n"


def _prose_markers(slug: str) -> tuple[str, str]:
    return (f"<!-- prose {slug}: written by hand, kept by `make course-files` -->",
            f"<!-- end of prose {slug} -->")


def _kept_prose(old: str, slug: str) -> str:
    begin, end = _prose_markers(slug)
    start, stop = old.find(begin), old.find(end)
    if start < 0 or stop < start:
        return PROSE_PLACEHOLDER
    return old[start + len(begin):stop].strip("\n") + "\n"


def notebook_sections(path: Path) -> list[str]:
    """The ``## `` headings of a notebook's Markdown cells, in order (its sections)."""
    if not path.is_file():
        return []
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    found = []
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            source = "".join(cell.get("source", []))
            found += [line[3:].strip() for line in source.splitlines() if line.startswith("## ")]
    return found


def instructor_guide(old: str, root: Path | None = None, cores: Sequence[Core] = CORES) -> str:
    """``notebooks/INSTRUCTOR.md``: per core, registry facts and notebook sections, then the kept prose."""
    base = root or workbook_root() or Path.cwd()
    out = [GUIDE_HEAD]
    for c in cores:
        out.append(f"## Core {c.number} — {c.title}\n")
        if c.status != "available":
            out.append(f"*Not available yet* (planned: {c.topic}).\n")
            continue
        facts = [f"Topic: {c.topic}.", ""]
        if c.notebook:
            link = Path(c.notebook).relative_to("notebooks").as_posix()
            facts.append(f"Notebook: [`{c.notebook}`]({link}). Its sections, in order:")
            facts.append("")
            facts += [f"- {title}" for title in notebook_sections(base / c.notebook)]
            facts.append("")
        if c.demos:
            facts.append("Live demos (a terminal in JupyterLab, at the workbook's root):")
            facts.append("")
            facts += [f"- `{command}`" for command in c.demos]
            facts.append("")
        points = sum(e.points for e in c.exercises)
        facts.append(f"Exercises (`exercises/{c.slug}/`, {points} points; reference answers in "
                     f"`solutions/{c.slug}/`):")
        facts.append("")
        facts += [f"- `{e.slug}` — {e.title} ({e.points} points): {e.taught or 'see its docstring'}."
                  for e in c.exercises]
        facts.append("")
        out.append("\n".join(facts))
        begin, end = _prose_markers(c.slug)
        out.append(f"{begin}\n{_kept_prose(old, c.slug)}{end}\n")
    return "\n".join(out)


GENERATORS: dict[str, Callable[[str], str]] = {
    README: readme_with_map,
    START_PAGE: start_page_with_map,
    WORKFLOW: lambda _old: grade_workflow(),
    CLASSROOM50: lambda _old: classroom50_autograder(),
    GUIDE: instructor_guide,
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
