"""Submissions that look alike: pairs of learners whose files share long runs of code.

``copydetect`` (winnowing, in the style of MOSS) fingerprints each learner's
file of an exercise after tokenising it (names, strings and layout do not
matter), removes every fingerprint of the *boilerplate* — the exercise's
stub and the code cells of the core's notebook, which every learner starts
from or may copy — and compares every pair of learners on the same exercise.
A pair is reported when either side has at least ``threshold`` of its
remaining code in common with the other (and at least :data:`MIN_OVERLAP`
tokens), with the lines that overlap. It flags; it never changes a score.

The fingerprints use Python's ``hash`` of strings, which differs from one
process to the next: the comparison runs in a child process with a fixed
``PYTHONHASHSEED``, so the same files give the same report on every run.

Learners who share one file form a *group* (the pairs' connected
components, per exercise): eighty copies of one file are one group of eighty,
not 3,160 pairs to read. Writes ``similarity.json`` (every group and every
pair, with similarities and overlapping line ranges) and ``similarity.html``
(a table of the groups, then, per group, only the pairs that join it — each
member beside the one it is most alike — side by side with overlaps marked;
one file, nothing external).
"""

from __future__ import annotations

import html
import io
import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from funcpipe_rag import course
from funcpipe_rag.grading.classroom.records import write_atomically

SIMILARITY_HTML = "similarity.html"
SIMILARITY_JSON = "similarity.json"
DEFAULT_THRESHOLD = 0.6
"""Share of one side's own code (boilerplate removed) found in the other side."""
MIN_OVERLAP = 40
"""Fewest overlapping tokens for a pair to be reported: a few shared lines are no evidence."""


@dataclass(frozen=True)
class Pair:
    """Two learners' files of one exercise that look alike."""

    exercise: str  # "m08c01/ex01_primitives"
    a: str
    b: str
    similarity_a: float  # share of a's own code found in b
    similarity_b: float
    overlap: int  # tokens in common
    lines_a: list[tuple[int, int]]  # overlapping line ranges, first and last line, from 1
    lines_b: list[tuple[int, int]]

    @property
    def similarity(self) -> float:
        return max(self.similarity_a, self.similarity_b)


@dataclass(frozen=True)
class Group:
    """Learners whose files of one exercise are joined by reported pairs, and the pairs that join them.

    ``shown`` are the strongest pairs that still connect every member (a
    maximum spanning tree: ``len(members) - 1`` pairs), the ones the HTML
    report sets side by side; ``pairs`` counts every reported pair inside.
    """

    exercise: str
    members: list[str]
    pairs: int
    shown: list[Pair]

    @property
    def similarity(self) -> float:
        return max(p.similarity for p in self.shown)


def _root(parent: dict[str, str], who: str) -> str:
    """The representative of ``who``'s set (union-find, with path halving)."""
    while parent.setdefault(who, who) != who:
        parent[who] = parent[parent[who]]
        who = parent[who]
    return who


def groups(pairs: list[Pair]) -> list[Group]:
    """The pairs gathered into groups per exercise, largest and most alike first (deterministic)."""
    by_exercise: dict[str, list[Pair]] = {}
    for pair in pairs:
        by_exercise.setdefault(pair.exercise, []).append(pair)
    found: list[Group] = []
    for exercise, inside in sorted(by_exercise.items()):
        parent: dict[str, str] = {}
        tree: list[Pair] = []
        for pair in sorted(inside, key=lambda p: (-p.similarity, -p.overlap, p.a, p.b)):  # Kruskal
            ra, rb = _root(parent, pair.a), _root(parent, pair.b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
                tree.append(pair)
        members: dict[str, set[str]] = {}
        for pair in inside:
            members.setdefault(_root(parent, pair.a), set()).update((pair.a, pair.b))
        for names in members.values():
            found.append(Group(
                exercise,
                sorted(names),
                sum(1 for p in inside if p.a in names),
                [p for p in tree if p.a in names],
            ))
    found.sort(key=lambda g: (-len(g.members), -g.similarity, g.exercise, g.members))
    return found


# ---- what every learner may share ------------------------------------------------------------------


def notebook_code(path: Path) -> str:
    """The code cells of a notebook, one after the other (empty when it cannot be read)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return ""
    code = []
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            code.append("".join(source) if isinstance(source, list) else str(source))
    return "\n\n".join(code)


def boilerplate(core: str, exercise: str, root: Path | None = None) -> list[str]:
    """The exercise's stub (made afresh from ``solutions/``, else ``exercises/``) and the notebook's code."""
    from funcpipe_rag.grading.generate import exercise_text

    root = root or course.workbook_root()
    if root is None:
        return []
    texts = []
    solution = root / "solutions" / core / f"{exercise}.py"
    stub = root / "exercises" / core / f"{exercise}.py"
    if solution.is_file():
        texts.append(exercise_text(solution, f"{core}/{exercise}.py"))
    elif stub.is_file():
        texts.append(stub.read_text(encoding="utf-8", errors="replace"))
    try:
        notebook = course.core(core).notebook
    except KeyError:
        notebook = None
    if notebook:
        code = notebook_code(root / notebook)
        if code:
            texts.append(code)
    return texts


# ---- the comparison (in a child process with a fixed hash seed) ------------------------------------


def _line_ranges(text: str, slices: Any) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    if len(slices) == 0 or len(slices[0]) == 0:
        return ranges
    for start, end in zip(slices[0], slices[1], strict=True):
        first = text.count("\n", 0, int(start)) + 1
        last = text.count("\n", 0, max(int(start), int(end) - 1)) + 1
        if ranges and first <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], last))
        else:
            ranges.append((first, last))
    return ranges


def compare(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The pairs above ``request["threshold"]`` (run in the child; see :func:`find_pairs`)."""
    import numpy as np
    from copydetect import CodeFingerprint, compare_files

    k, window = request["k"], request["window"]
    shared_prints: dict[
        str, set[int]
    ] = {}  # the notebook's code is boilerplate of every exercise of its core

    def fingerprint(name: str, text: str, common: Any = None) -> Any:
        return CodeFingerprint(name, k, window, boilerplate=common, fp=io.StringIO(text), language="python")

    found = []
    for exercise, files in sorted(request["files"].items()):
        name = f"{exercise.rsplit('/', 1)[-1]}.py"
        shared: set[int] = set()
        for text in request["boilerplate"].get(exercise, []):
            if text not in shared_prints:
                shared_prints[text] = fingerprint(name, text).hashes
            shared |= shared_prints[text]
        common = np.array(sorted(shared), dtype=np.int64)
        prints = {}
        alike: dict[str, Any] = {}  # identical files are fingerprinted once
        for learner, path in sorted(files.items()):
            text = Path(path).read_text(encoding="utf-8", errors="replace")
            if text not in alike:
                alike[text] = fingerprint(name, text, common)
            if alike[text].token_coverage > 0:
                prints[learner] = alike[text]
        learners = sorted(prints)
        for i, a in enumerate(learners):
            for b in learners[i + 1 :]:
                overlap, (sim_a, sim_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
                if overlap < request["min_overlap"] or max(sim_a, sim_b) < request["threshold"]:
                    continue
                found.append(
                    asdict(
                        Pair(
                            exercise,
                            a,
                            b,
                            round(float(sim_a), 4),
                            round(float(sim_b), 4),
                            int(overlap),
                            _line_ranges(prints[a].raw_code, slices_a),
                            _line_ranges(prints[b].raw_code, slices_b),
                        )
                    )
                )
    return found


def find_pairs(
    files: dict[str, dict[str, Path]],
    shared: dict[str, list[str]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_overlap: int = MIN_OVERLAP,
) -> list[Pair]:
    """Pairs of learners whose files of one exercise look alike, most alike first.

    ``files`` maps ``core/exercise`` to each learner's file; ``shared`` maps
    it to the boilerplate texts. Raises ``RuntimeError`` if ``copydetect``
    cannot run.
    """
    from copydetect import defaults

    request = {
        "k": defaults.NOISE_THRESHOLD,
        "window": defaults.GUARANTEE_THRESHOLD - defaults.NOISE_THRESHOLD + 1,
        "threshold": threshold,
        "min_overlap": min_overlap,
        "files": {
            ex: {learner: str(p) for learner, p in by.items()} for ex, by in files.items() if len(by) > 1
        },
        "boilerplate": shared,
    }
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-m", __name__],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the similarity check failed: {tail}")
    pairs = [
        Pair(
            p["exercise"],
            p["a"],
            p["b"],
            p["similarity_a"],
            p["similarity_b"],
            p["overlap"],
            [(r[0], r[1]) for r in p["lines_a"]],
            [(r[0], r[1]) for r in p["lines_b"]],
        )
        for p in json.loads(done.stdout)
    ]
    pairs.sort(key=lambda p: (-p.similarity, p.exercise, p.a, p.b))
    return pairs


def learner_files(sources: Path, learners: list[str]) -> dict[str, dict[str, Path]]:
    """``core/exercise`` → learner → file, for every exercise file kept under ``sources/<learner>/``."""
    files: dict[str, dict[str, Path]] = {}
    for learner in learners:
        for c in course.CORES:
            for e in c.exercises:
                path = sources / learner / c.slug / f"{e.slug}.py"
                if path.is_file():
                    files.setdefault(f"{c.slug}/{e.slug}", {})[learner] = path
    return files


# ---- the report --------------------------------------------------------------------------------


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
.pair { margin-bottom: 2.5rem; }
.sides { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; }
pre { font-family: ui-monospace, monospace; font-size: 0.8rem; background: #fafafa; padding: 0.5rem;
      overflow-x: auto; margin: 0; }
.hit { background: #ffe08a; display: block; }
.no { color: #999; user-select: none; }
.muted { color: #666; }
table { border-collapse: collapse; margin-bottom: 2rem; }
td, th { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
"""


CONTEXT = 3
"""Lines shown around each overlap; longer stretches between overlaps are folded."""


def _code(path: Path, ranges: list[tuple[int, int]]) -> str:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    marked = {n for first, last in ranges for n in range(first, last + 1)}
    near = {n + d for n in marked for d in range(-CONTEXT, CONTEXT + 1)}
    out = []
    folded = 0
    for n, line in enumerate(lines, start=1):
        if n not in near:
            folded += 1
            continue
        if folded:
            out.append(f"<span class='no'>     ⋮ {folded} line(s)</span>\n")
            folded = 0
        text = f"<span class='no'>{n:4d}</span> {html.escape(line)}"
        out.append(f"<span class='hit'>{text}</span>" if n in marked else text + "\n")
    if folded:
        out.append(f"<span class='no'>     ⋮ {folded} line(s)</span>\n")
    return "<pre>" + "".join(out) + "</pre>"


def _spans(ranges: list[tuple[int, int]]) -> str:
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in ranges)


def _pair_html(p: Pair, by: dict[str, Path]) -> str:
    sides = "".join(
        f"<div><h4>{html.escape(who)}: {share:.0%} of its code, lines {html.escape(_spans(ranges))}</h4>"
        f"{_code(by[who], ranges) if who in by else '<p class=muted>file not kept</p>'}</div>"
        for who, share, ranges in ((p.a, p.similarity_a, p.lines_a), (p.b, p.similarity_b, p.lines_b))
    )
    return (f"<div class='pair'><h3>{html.escape(p.a)} and {html.escape(p.b)}</h3>"
            f"<div class='sides'>{sides}</div></div>")


def render_html(pairs: list[Pair], files: dict[str, dict[str, Path]], threshold: float) -> str:
    found = groups(pairs)
    head = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Similar submissions</title>"
        f"<style>{_STYLE}</style></head><body><h1>Similar submissions</h1>"
        f"<p>{len(pairs)} pair(s) where one side shares at least {threshold:.0%} of its own code (the stub "
        f"and the notebook's code left out) with the other, in {len(found)} group(s) of learners. A flag to "
        "look at, not a verdict: scores are unchanged. Each group shows only the pairs that join it (each "
        "member beside the one it is most alike); similarity.json lists every pair.</p>"
    )
    rows = "".join(
        f"<tr><td>{i}</td><td>{html.escape(g.exercise)}</td><td>{len(g.members)}</td><td>{g.similarity:.0%}</td>"
        f"<td>{html.escape(', '.join(g.members))}</td></tr>"
        for i, g in enumerate(found, start=1)
    )
    table = (
        "<table><thead><tr><th>Group</th><th>Exercise</th><th>Learners</th><th>Most alike</th>"
        f"<th>Who</th></tr></thead><tbody>{rows}</tbody></table>" if found else ""
    )
    body = [
        f"<div class='group'><h2>Group {i}: {html.escape(g.exercise)}, {len(g.members)} learners "
        f"({g.pairs} pair(s) alike)</h2>"
        + "".join(_pair_html(p, files.get(g.exercise, {})) for p in g.shown)
        + "</div>"
        for i, g in enumerate(found, start=1)
    ]
    return head + table + "".join(body) + "</body></html>\n"


def write_report(out: Path, pairs: list[Pair], files: dict[str, dict[str, Path]], threshold: float) -> None:
    data = {
        "threshold": threshold,
        "min_overlap": MIN_OVERLAP,
        "groups": [
            {"exercise": g.exercise, "members": g.members, "pairs": g.pairs,
             "shown": [[p.a, p.b] for p in g.shown]}
            for g in groups(pairs)
        ],
        "pairs": [asdict(p) for p in pairs],
    }
    write_atomically(out / SIMILARITY_JSON, json.dumps(data, indent=2) + "\n")
    write_atomically(out / SIMILARITY_HTML, render_html(pairs, files, threshold))


def _main() -> int:
    request = json.loads(sys.stdin.read())
    json.dump(compare(request), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(_main())


__all__ = [
    "DEFAULT_THRESHOLD",
    "MIN_OVERLAP",
    "SIMILARITY_HTML",
    "SIMILARITY_JSON",
    "Group",
    "Pair",
    "boilerplate",
    "compare",
    "find_pairs",
    "groups",
    "learner_files",
    "notebook_code",
    "render_html",
    "write_report",
]
