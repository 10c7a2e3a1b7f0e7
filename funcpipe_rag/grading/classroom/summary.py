"""What the class got wrong: one static HTML page, and the same figures as JSON.

``summary.html`` opens in any browser without a network: its style is
inline and its plots (matplotlib) are embedded SVG. It shows

* how many learners were graded, refused (and why), and the score
  distribution of those graded;
* the failure rate of every graded test (failed / graded learners whose
  report has it), in course order;
* the most common failure messages, each with how many failures and learners
  it covers and one real example: messages are grouped after
  :func:`normalise` replaces what differs from learner to learner (numbers,
  quoted strings, the contents of lists and dicts, addresses);
* the hints most often shown (a failing test shows its hint);
* how many pairs of submissions look alike (details in ``similarity.html``).

``summary.json`` holds the same figures for scripts.
"""

from __future__ import annotations

import html
import io
import json
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from funcpipe_rag.grading.classroom.gradebook import Row, course_order
from funcpipe_rag.grading.classroom.records import STATUSES, Record, write_atomically
from funcpipe_rag.grading.report import Report

SUMMARY_HTML = "summary.html"
SUMMARY_JSON = "summary.json"
TOP_MESSAGES = 15
TOP_HINTS = 10

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"0x[0-9a-fA-F]+"), "0x…"),
    # strings in either quotes (repr picks the quotes the text needs), left to right; a quote right
    # after a letter is an apostrophe (the plan's), not the start of a string
    (re.compile(r"""(?<!\w)(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""), "'…'"),
    (re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])"), "N"),
)
_BRACKETS = re.compile(r"\[[^\[\]]*\]|\{[^{}]*\}")


def normalise(message: str) -> str:
    """``message`` with what differs between learners replaced, so that alike failures group together.

    ``"async_pure(5) finished with Err('x')"`` and ``"async_pure(-3) finished
    with Err('boom')"`` both become ``"async_pure(N) finished with Err('…')"``.
    """
    text = message
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    while True:  # innermost brackets first, until a list of lists is one […]
        shorter = _BRACKETS.sub(lambda m: "\x01" if m.group(0)[0] == "[" else "\x02", text)
        if shorter == text:
            break
        text = shorter
    text = text.replace("\x01", "[…]").replace("\x02", "{…}")
    return " ".join(text.split())


@dataclass(frozen=True)
class TestRate:
    """How often one graded test failed across the graded learners whose report has it."""

    __test__ = False

    test_id: str
    title: str
    max_points: int
    failed: int
    graded: int

    @property
    def rate(self) -> float:
        return self.failed / self.graded if self.graded else 0.0


@dataclass(frozen=True)
class MessageGroup:
    """Failures whose messages normalise alike, with one of them as the example."""

    pattern: str
    failures: int
    learners: int
    tests: tuple[str, ...]
    example: str
    example_learner: str
    example_test: str


@dataclass(frozen=True)
class HintCount:
    test_id: str
    hint: str
    shown: int


@dataclass
class ClassSummary:
    """The figures of ``summary.html``; :func:`summarise` computes them from the records."""

    learners: int
    statuses: dict[str, int]
    percents: list[float]
    tests: list[TestRate] = field(default_factory=list)
    messages: list[MessageGroup] = field(default_factory=list)
    hints: list[HintCount] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)
    similar_pairs: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tests"] = [{**asdict(t), "rate": round(t.rate, 4)} for t in self.tests]
        if self.percents:
            data["mean_percent"] = round(statistics.fmean(self.percents), 1)
            data["median_percent"] = round(statistics.median(self.percents), 1)
        return data


def summarise(records: list[Record], table: list[Row], similar_pairs: int = 0) -> ClassSummary:
    """The class's figures: ``records`` in learner order, ``table`` their gradebook rows."""
    statuses = Counter(r.status for r in records)
    graded = [
        (r.learner, rep) for r in records if r.status == "graded" and (rep := r.to_report()) is not None
    ]
    summary = ClassSummary(
        learners=len(records),
        statuses={s: statuses[s] for s in STATUSES if statuses[s]},
        percents=[row.percent for row in table if row.status == "graded" and row.percent is not None],
        refused=[(r.learner, r.status, r.reason) for r in records if r.status != "graded"],
        similar_pairs=similar_pairs,
    )
    summary.tests = _rates(rep for _, rep in graded)
    summary.messages = _messages(graded)
    summary.hints = _hints(rep for _, rep in graded)
    return summary


def _rates(reports: Iterable[Report]) -> list[TestRate]:
    seen: dict[str, list[int]] = {}
    about: dict[str, tuple[str, int, tuple[int, int, str, str], int]] = {}
    for report in reports:
        for t in report.tests:
            counts = seen.setdefault(t.test_id, [0, 0])
            counts[0] += not t.passed
            counts[1] += 1
            about.setdefault(t.test_id, (t.title, t.max_points, course_order(t.core, t.exercise), len(about)))
    ordered = sorted(seen, key=lambda tid: about[tid][2:])
    return [TestRate(tid, about[tid][0], about[tid][1], *seen[tid]) for tid in ordered]


def _messages(graded: list[tuple[str, Report]]) -> list[MessageGroup]:
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for learner, report in graded:
        for t in report.tests:
            if not t.passed and t.message:
                groups.setdefault(normalise(t.message), []).append((learner, t.test_id, t.message))
    found = []
    for pattern, items in groups.items():
        learner, test_id, message = items[0]
        found.append(
            MessageGroup(
                pattern,
                len(items),
                len({i[0] for i in items}),
                tuple(sorted({i[1] for i in items})),
                message,
                learner,
                test_id,
            )
        )
    found.sort(key=lambda g: (-g.failures, -g.learners, g.pattern))
    return found[:TOP_MESSAGES]


def _hints(reports: Iterable[Report]) -> list[HintCount]:
    shown: Counter[tuple[str, str]] = Counter()
    for report in reports:
        for t in report.tests:
            if not t.passed and t.hint:
                shown[(t.test_id, t.hint)] += 1
    ordered = sorted(shown.items(), key=lambda kv: (-kv[1], kv[0]))
    return [HintCount(tid, hint, n) for (tid, hint), n in ordered[:TOP_HINTS]]


# ---- the page ---------------------------------------------------------------------------------


def _svg(fig: Any) -> str:
    """The figure as inline SVG (text drawn as paths: no fonts to fetch), without the XML prologue."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "funcpipe-class-summary"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def distribution_plot(percents: list[float]) -> str:
    """A histogram of the graded learners' scores (percent of the points), as SVG."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(6.5, 2.6))
    ax = fig.subplots()
    ax.hist(percents, bins=[i * 10 for i in range(11)], color="#4477aa", edgecolor="white")
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (% of the points)")
    ax.set_ylabel("learners")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def failure_plot(tests: list[TestRate]) -> str:
    """One bar per graded test: the share of graded learners who failed it, as SVG."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 0.8 + 0.24 * len(tests)))
    ax = fig.subplots()
    labels = [t.test_id for t in tests]
    ax.barh(range(len(tests)), [100 * t.rate for t in tests], color="#cc6677")
    ax.set_yticks(range(len(tests)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("learners who failed it (%)")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th, td.num { white-space: nowrap; overflow-wrap: normal; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.85rem; }
pre { white-space: pre-wrap; margin: 0; }
.muted { color: #666; }
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(header: list[str], lines: Iterable[list[str]], numeric: Iterable[int] = ()) -> str:
    right = set(numeric)
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in right else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in lines
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(title: str, content: str, empty: str) -> str:
    """A titled part of the page: ``content``, or one muted sentence when there is nothing to show."""
    return f"<h2>{_e(title)}</h2>" + (content or f"<p class='muted'>{_e(empty)}</p>")


def render_html(summary: ClassSummary, cores: list[str], similarity_file: str | None) -> str:
    """The whole page: one file, nothing external."""
    title = f"What the class got wrong — {', '.join(cores) or 'no core'}"
    counts = ", ".join(f"{n} {s}" for s, n in summary.statuses.items())
    scores = ""
    if summary.percents:
        mean, median = statistics.fmean(summary.percents), statistics.median(summary.percents)
        scores = f" Graded learners scored {mean:.0f}% on average (median {median:.0f}%)."
    tests = [
        [
            f"<code>{_e(t.test_id)}</code>",
            _e(t.title),
            str(t.max_points),
            str(t.failed),
            str(t.graded),
            f"{100 * t.rate:.0f}%",
        ]
        for t in summary.tests
    ]
    messages = [
        [
            str(m.failures),
            str(m.learners),
            f"<pre>{_e(m.pattern)}</pre>",
            "<br>".join(f"<code>{_e(t)}</code>" for t in m.tests),
            f"<pre>{_e(m.example)}</pre><span class='muted'>{_e(m.example_learner)}, "
            f"<code>{_e(m.example_test)}</code></span>",
        ]
        for m in summary.messages
    ]
    hints = [[str(h.shown), f"<code>{_e(h.test_id)}</code>", _e(h.hint)] for h in summary.hints]
    refused = [[_e(learner), _e(status), _e(reason)] for learner, status, reason in summary.refused]
    similar = ""
    if similarity_file is not None:
        link = f"<a href='{_e(similarity_file)}'>{_e(similarity_file)}</a>"
        similar = (
            f"<p>{summary.similar_pairs} pair(s) of submissions look alike: see {link}. "
            "It flags; scores are unchanged.</p>"
        )
    return "".join(
        [
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{_e(title)}</h1>",
            f"<p>{summary.learners} learners: {_e(counts) or 'none'}.{scores}</p>",
            _section(
                "Score distribution",
                distribution_plot(summary.percents) if summary.percents else "",
                "No learner was graded.",
            ),
            _section(
                "Failure rate of every graded test",
                failure_plot(summary.tests)
                + _table(
                    ["test", "what it checks", "points", "failed", "graded", "rate"],
                    tests,
                    numeric=(2, 3, 4, 5),
                )
                if tests
                else "",
                "No graded test ran.",
            ),
            _section(
                "Most common failure messages",
                "<p class='muted'>Messages that differ only in values (numbers, strings, lists) are counted "
                "together; each comes with one real example.</p>"
                + _table(
                    ["failures", "learners", "message (values replaced)", "tests", "one example"],
                    messages,
                    numeric=(0, 1),
                )
                if messages
                else "",
                "No failures.",
            ),
            _section(
                "Hints most often shown",
                _table(["shown", "test", "hint"], hints, numeric=(0,)) if hints else "",
                "No hint was shown.",
            ),
            _section(
                "Not graded",
                _table(["learner", "status", "reason"], refused) if refused else "",
                "Every submission was graded.",
            ),
            _section("Similar submissions", similar, "Not checked (no submission files)."),
            "</body></html>\n",
        ]
    )


def write_summary(out: Path, summary: ClassSummary, cores: list[str], similarity_file: str | None) -> None:
    write_atomically(out / SUMMARY_HTML, render_html(summary, cores, similarity_file))
    write_atomically(
        out / SUMMARY_JSON,
        json.dumps({"cores": cores, **summary.to_dict()}, indent=2, ensure_ascii=False) + "\n",
    )


__all__ = [
    "SUMMARY_HTML",
    "SUMMARY_JSON",
    "ClassSummary",
    "HintCount",
    "MessageGroup",
    "TestRate",
    "distribution_plot",
    "failure_plot",
    "normalise",
    "render_html",
    "summarise",
    "write_summary",
]
