"""What class grading writes, checked on reports made here (nothing is graded in this file).

* failure messages that differ only in values group together (a property;
  shown to fail for a normaliser that keeps the values);
* a report survives a trip through its JSON and through Gradescope's
  ``results.json`` (properties), so results merged from elsewhere count
  like results graded here;
* the gradebook's rows, the summary's figures and its page, the merge of a
  folder of results files, and the similarity report.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from grading_support import GRADING
from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag.grading.classroom import similarity
from funcpipe_rag.grading.classroom.gradebook import gradebook_csv, rows, write_gradebook
from funcpipe_rag.grading.classroom.merge import graded_test_names, merge
from funcpipe_rag.grading.classroom.outputs import write_outputs
from funcpipe_rag.grading.classroom.records import Record, report_from_dict, report_from_gradescope
from funcpipe_rag.grading.classroom.summary import normalise, render_html, summarise
from funcpipe_rag.grading.report import CoreReport, ExerciseReport, Report, TestResult

# ---- messages group by shape ------------------------------------------------------------------

KINDS = [  # values of one kind, as a repr shows them; two learners' values of a kind must group together
    st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
    st.text(max_size=12),
    st.one_of(
        st.lists(st.integers(), max_size=4), st.lists(st.lists(st.text(max_size=3), max_size=2), max_size=2)
    ),
    st.dictionaries(st.text(max_size=3), st.lists(st.integers(), max_size=2), max_size=3),
    st.tuples(st.integers(), st.text(max_size=3)),
]

TEMPLATES = [
    "async_pure({}) finished with {}, not Ok",
    "async_bind called f({}) although the plan finished with Err(error=ErrInfo(code={}, msg={}))",
    "TypeError: unsupported operand {} (at ex01_primitives.py, line {}, in run)",
    "embed({}) gave {}; the plan's result should be in input order",
]


def alike_messages_group(norm: Callable[[str], str]) -> Callable[[], None]:
    """The property: a template filled twice with values of the same kinds normalises to one text."""

    @given(template=st.sampled_from(TEMPLATES), data=st.data())
    def check(template: str, data: st.DataObject) -> None:
        kinds = [data.draw(st.sampled_from(KINDS)) for _ in range(template.count("{}"))]
        first = [repr(data.draw(kind)) for kind in kinds]
        second = [repr(data.draw(kind)) for kind in kinds]
        assert norm(template.format(*first)) == norm(template.format(*second))

    return check


def test_messages_that_differ_only_in_values_group_together() -> None:
    alike_messages_group(normalise)()


def test_the_property_catches_a_normaliser_that_keeps_values() -> None:
    keeps_numbers = lambda text: re.sub(r"'[^']*'", "'…'", text)  # strings only
    with pytest.raises(AssertionError):
        alike_messages_group(keeps_numbers)()
    with pytest.raises(AssertionError):
        alike_messages_group(lambda text: text)()


def test_different_messages_stay_apart() -> None:
    assert normalise("async_pure(1) finished with Err('x')") != normalise(
        "async_map(1) finished with Err('x')"
    )
    assert normalise("the plan's result was 'x'") == "the plan's result was '…'"
    assert normalise("got [1, [2, 3]] and {'a': [1]} at 0x7f00, line 67") == "got […] and {…} at 0x…, line N"


# ---- reports through JSON and Gradescope ---------------------------------------------------------

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
LINE = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def reports(draw: st.DrawFn) -> Report:
    cores = []
    for core in draw(st.lists(NAMES.map(lambda n: f"m08c{n}"), min_size=1, max_size=2, unique=True)):
        exercises = []
        for ex in draw(st.lists(NAMES.map(lambda n: f"ex_{n}"), min_size=1, max_size=2, unique=True)):
            tests = []
            for i, name in enumerate(draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))):
                worth = draw(st.integers(0, 5))
                passed = draw(st.booleans())
                tests.append(
                    TestResult(
                        core,
                        ex,
                        f"test_{name}",
                        f"{draw(LINE)} ({i})",
                        worth,
                        points=worth if passed else 0,
                        passed=passed,
                        message="" if passed else draw(LINE),
                        example="" if passed else draw(st.sampled_from(["", "Falsifying example: f(x=1)"])),
                        hint=draw(st.sampled_from(["", "Await the plan."])),
                    )
                )
            exercises.append(ExerciseReport(core, ex, draw(LINE), tests))
        cores.append(CoreReport(core, exercises))
    return Report("learner", cores, notes=draw(st.lists(LINE, max_size=2)), sandbox="bubblewrap")


@given(reports())
def test_a_report_comes_back_whole_from_its_json(report: Report) -> None:
    assert report_from_dict(json.loads(report.to_json())).to_dict() == report.to_dict()


@given(reports())
def test_a_report_comes_back_from_gradescope_with_every_test_and_point(report: Report) -> None:
    names = {(t.core, t.exercise, t.title): t.name for t in report.tests}
    back = report_from_gradescope(json.loads(json.dumps(report.to_gradescope())), names)

    def seen(r: Report) -> list[tuple[object, ...]]:
        return [
            (
                t.test_id,
                t.points,
                t.max_points,
                t.passed,
                t.message,
                t.example,
                t.hint if not t.passed else "",
            )
            for t in r.tests
        ]

    assert seen(back) == seen(report)
    assert back.points == report.points and back.max_points == report.max_points
    assert back.sandbox == "bubblewrap"


# ---- gradebook and summary ------------------------------------------------------------------------


def _test(core: str, ex: str, name: str, worth: int, message: str = "", hint: str = "") -> TestResult:
    return TestResult(
        core,
        ex,
        name,
        f"{name} does its job",
        worth,
        points=0 if message else worth,
        passed=not message,
        message=message,
        hint=hint,
    )


def _record(learner: str, *exercises: ExerciseReport) -> Record:
    by_core: dict[str, CoreReport] = {}
    for e in exercises:
        by_core.setdefault(e.core, CoreReport(e.core)).exercises.append(e)
    report = Report(learner, list(by_core.values()), sandbox="bubblewrap")
    return Record(learner, f"{learner}/", "graded", "", "key", report.to_dict())


def _class() -> list[Record]:
    def ex01(*failures: tuple[str, str]) -> ExerciseReport:
        failed = dict(failures)
        return ExerciseReport(
            "m08c01",
            "ex01_primitives",
            "Primitives",
            [
                _test(
                    "m08c01", "ex01_primitives", "test_pure", 1, failed.get("test_pure", ""), "Return Ok(x)."
                ),
                _test(
                    "m08c01", "ex01_primitives", "test_bind", 2, failed.get("test_bind", ""), "Await first."
                ),
            ],
        )

    ex04 = ExerciseReport(
        "m08c04", "ex01_retry_policy", "Retry", [_test("m08c04", "ex01_retry_policy", "test_retry", 3)]
    )
    return [
        _record("ann", ex01(), ex04),
        _record("ben", ex01(("test_pure", "async_pure(5) finished with Err('x')")), ex04),
        _record(
            "cy",
            ex01(
                ("test_pure", "async_pure(-2) finished with Err('boom')"),
                ("test_bind", "f was called 3 times"),
            ),
        ),
        Record(
            "dee",
            "dee.zip",
            "rejected",
            "the zip unpacks to 900 times its size: a zip bomb; it was not extracted",
        ),
        Record("eve", "eve/", "missing", "no core folder (m08c01/) found; it is empty"),
        Record("fay", "fay/", "error", "the process grading it died (out of memory, or killed)"),
        Record(
            "gus", "gus/", "pending", "not graded yet: the run was interrupted (run the same command again)"
        ),
    ]


def test_the_gradebook_has_one_row_per_learner_and_says_why(tmp_path: Path) -> None:
    table, cols = write_gradebook(tmp_path, _class())
    assert [c.label for c in cols] == ["m08c01/ex01_primitives", "m08c04/ex01_retry_policy"]
    lines = list(csv.reader(io.StringIO((tmp_path / "gradebook.csv").read_text())))
    assert lines[0] == [
        "learner",
        "status",
        "points",
        "max_points",
        "percent",
        "m08c01/ex01_primitives (max 3)",
        "m08c04/ex01_retry_policy (max 3)",
        "reason",
        "source",
    ]
    assert lines[1:] == [
        ["ann", "graded", "6", "6", "100.0", "3", "3", "", "ann/"],
        ["ben", "graded", "5", "6", "83.3", "2", "3", "", "ben/"],
        ["cy", "graded", "0", "6", "0.0", "0", "0", "no m08c04/ folder: its exercises score 0", "cy/"],
        [
            "dee",
            "rejected",
            "0",
            "6",
            "0.0",
            "0",
            "0",
            "the zip unpacks to 900 times its size: a zip bomb; it was not extracted",
            "dee.zip",
        ],
        ["eve", "missing", "0", "6", "0.0", "0", "0", "no core folder (m08c01/) found; it is empty", "eve/"],
        [
            "fay",
            "error",
            "",
            "6",
            "",
            "",
            "",
            "the process grading it died (out of memory, or killed)",
            "fay/",
        ],
        [
            "gus",
            "pending",
            "",
            "6",
            "",
            "",
            "",
            "not graded yet: the run was interrupted (run the same command again)",
            "gus/",
        ],
    ]
    assert gradebook_csv(table, cols) == (tmp_path / "gradebook.csv").read_text()
    report = json.loads((tmp_path / "reports" / "ben.json").read_text())
    assert report == _class()[1].report
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["ann.json", "ben.json", "cy.json"]
    refused = json.loads((tmp_path / "gradescope" / "dee" / "results.json").read_text())
    assert refused["score"] == 0.0 and "zip bomb" in refused["output"]
    scores = list(csv.reader(io.StringIO((tmp_path / "gradescope_scores.csv").read_text())))
    assert scores[0] == [
        "SID",
        "Total Score",
        "Max Points",
        "Status",
        "1: m08c01/ex01_primitives (3.0 pts)",
        "2: m08c04/ex01_retry_policy (3.0 pts)",
    ]
    assert scores[2] == ["ben", "5", "6", "Graded", "2", "3"]
    write_gradebook(tmp_path, _class()[:1])  # a learner gone from the class takes their files along
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["ann.json"]
    assert sorted(p.name for p in (tmp_path / "gradescope").iterdir()) == ["ann"]


def test_the_summary_counts_what_the_class_got_wrong() -> None:
    records = _class()
    summary = summarise(records, rows(records, write_gradebook_columns(records)), similar_pairs=2)
    assert summary.statuses == {"graded": 3, "missing": 1, "rejected": 1, "error": 1, "pending": 1}
    assert summary.percents == [100.0, 83.3, 0.0]
    assert [(t.test_id, t.failed, t.graded) for t in summary.tests] == [
        ("m08c01/ex01_primitives::test_pure", 2, 3),
        ("m08c01/ex01_primitives::test_bind", 1, 3),
        ("m08c04/ex01_retry_policy::test_retry", 0, 2),
    ]
    top = summary.messages[0]
    assert (top.pattern, top.failures, top.learners, top.example_learner) == (
        "async_pure(N) finished with Err('…')",
        2,
        2,
        "ben",
    )
    assert top.example == "async_pure(5) finished with Err('x')"
    assert [(h.test_id, h.shown) for h in summary.hints] == [
        ("m08c01/ex01_primitives::test_pure", 2),
        ("m08c01/ex01_primitives::test_bind", 1),
    ]


def write_gradebook_columns(records: list[Record]) -> list:  # type: ignore[type-arg]
    from funcpipe_rag.grading.classroom.gradebook import columns

    return columns(r for rec in records if (r := rec.to_report()) is not None)


def test_the_summary_page_is_one_file_with_nothing_external() -> None:
    records = _class()
    page = render_html(
        summarise(records, rows(records, write_gradebook_columns(records))), ["m08c01"], "similarity.html"
    )
    assert page.count("<svg") == 2  # the score distribution and the failure rates, inline
    assert not re.search(r"<script|<link|<img|src=|url\((?!#)|@import", page)  # url(#id): inside the SVG
    links = [h for h in re.findall(r"href=['\"]([^'\"]+)", page) if not h.startswith("#")]
    assert links == ["similarity.html"]
    for expected in (
        "async_pure(N) finished with Err(&#x27;…&#x27;)",
        "Return Ok(x).",
        "zip bomb",
        "m08c04/ex01_retry_policy::test_retry",
    ):
        assert expected in page


# ---- merging results from elsewhere ------------------------------------------------------------


def test_results_from_gradescope_and_ci_merge_into_one_gradebook(tmp_path: Path) -> None:
    records = _class()
    ben = records[1].to_report()
    cy = records[2].to_report()
    assert ben is not None and cy is not None
    results = tmp_path / "results"
    (results / "ben" / "results").mkdir(parents=True)
    (results / "ben" / "results" / "results.json").write_text(json.dumps(ben.to_gradescope()))
    (results / "ben" / "m08c01").mkdir()
    (results / "ben" / "m08c01" / "ex01_primitives.py").write_text("def async_pure(x):\n    return x\n")
    (results / "cy.json").write_text(cy.to_json())
    text = json.dumps(ben.to_gradescope())
    (results / "dora").mkdir()
    (results / "dora" / "results.json").write_text(text.replace('"score": 5.0', '"score": 6.0'))
    (results / "dora" / "results.json.complete").write_text(hashlib.sha256(text.encode()).hexdigest() + "\n")
    (results / "ezra").mkdir()
    (results / "fern.json").write_text("{not json")
    (results / "gil.json").write_text(json.dumps({"hello": "world"}))
    out = tmp_path / "out"
    merged = merge(results, out, None)
    assert [(r.learner, r.status) for r in merged] == [
        ("ben", "graded"),
        ("cy", "graded"),
        ("dora", "rejected"),
        ("ezra", "missing"),
        ("fern", "rejected"),
        ("gil", "rejected"),
    ]
    assert merged[2].reason == "results.json does not match its completion marker: it changed after grading"
    assert merged[4].reason.startswith("fern.json is not JSON")
    back = merged[0].to_report()
    assert back is not None and back.points == ben.points and back.max_points == ben.max_points
    # without the graded tests to map titles back to names, a test is known by its title
    assert [(t.core, t.exercise, t.name) for t in back.tests] == [
        (t.core, t.exercise, t.title) for t in ben.tests
    ]
    assert (out / "submissions" / "ben" / "m08c01" / "ex01_primitives.py").is_file()
    written = write_outputs(out, merged, ["m08c01", "m08c04"])
    assert [(r.learner, r.points) for r in written.rows] == [
        ("ben", 5),
        ("cy", 0),
        ("dora", 0),
        ("ezra", 0),
        ("fern", 0),
        ("gil", 0),
    ]
    assert (out / "summary.html").is_file() and (out / "gradebook.csv").is_file()


def test_gradescope_titles_map_back_to_the_graded_tests_names() -> None:
    names = graded_test_names(GRADING)
    assert (
        names[("m08c01", "ex01_primitives", "async_pure(x) finishes with Ok(x), on every run.")]
        == "test_pure"
    )


# ---- similar submissions --------------------------------------------------------------------------

STUB = '''"""Exercise: write the two functions below."""

from funcpipe_rag import Ok


def total(values):
    """The sum of the values, as Ok."""
    raise NotImplementedError("TODO")


def largest(values):
    """The largest value, as Ok."""
    raise NotImplementedError("TODO")
'''

MINE = STUB.replace(
    '''def total(values):
    """The sum of the values, as Ok."""
    raise NotImplementedError("TODO")''',
    '''def total(values):
    """The sum of the values, as Ok."""
    running = 0
    for value in values:
        if value is None:
            continue
        running = running + value * 1
    checked = [v for v in values if isinstance(v, int) and v > 0]
    return Ok(running) if checked or not values else Ok(0)''',
)

THEIRS = MINE.replace("running", "acc").replace("checked", "kept").replace("value", "item")

OTHER = STUB.replace(
    '''def largest(values):
    """The largest value, as Ok."""
    raise NotImplementedError("TODO")''',
    '''def largest(values):
    """The largest value, as Ok."""
    best = None
    for candidate in sorted(values, reverse=True):
        best = candidate
        break
    return Ok(best)''',
)


def test_copies_are_flagged_with_their_lines_and_the_stub_is_not_evidence(tmp_path: Path) -> None:
    files: dict[str, dict[str, Path]] = {"m08c01/ex09_sums": {}}
    for learner, text in (("ann", MINE), ("bo", THEIRS), ("cal", OTHER), ("dot", STUB), ("eli", STUB)):
        path = tmp_path / learner / "ex09_sums.py"
        path.parent.mkdir()
        path.write_text(text)
        files["m08c01/ex09_sums"][learner] = path
    pairs = similarity.find_pairs(files, {"m08c01/ex09_sums": [STUB]})
    assert [(p.a, p.b) for p in pairs] == [("ann", "bo")]  # renamed variables do not hide a copy
    pair = pairs[0]
    assert pair.similarity > 0.9 and pair.overlap >= similarity.MIN_OVERLAP
    covered = {n for first, last in pair.lines_a for n in range(first, last + 1)}
    own = range(
        MINE.splitlines().index("    running = 0") + 1, MINE.splitlines().index("def largest(values):")
    )
    assert set(own) - {max(own)} <= covered and 1 not in covered  # the copied body, not the module's top
    assert similarity.find_pairs(files, {"m08c01/ex09_sums": [STUB]}) == pairs  # the same on every run
    without_boilerplate = similarity.find_pairs(files, {})
    assert ("dot", "eli") in {(p.a, p.b) for p in without_boilerplate}  # the stub alone looks alike
    similarity.write_report(tmp_path, pairs, files, similarity.DEFAULT_THRESHOLD)
    page = (tmp_path / "similarity.html").read_text()
    assert "ann" in page and "running = running + value * 1" in page and "<script" not in page
    assert json.loads((tmp_path / "similarity.json").read_text())["pairs"][0]["a"] == "ann"


def _pair(exercise: str, a: str, b: str, share: float) -> similarity.Pair:
    return similarity.Pair(exercise, min(a, b), max(a, b), share, share, 50, [(1, 2)], [(1, 2)])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["m08c01/ex01", "m08c02/ex01"]), st.integers(0, 9),
                          st.integers(0, 9), st.floats(0.6, 1.0)), max_size=30))
def test_groups_partition_the_learners_and_show_a_tree_that_joins_each_group(
    raw: list[tuple[str, int, int, float]],
) -> None:
    unique = {(ex, min(a, b), max(a, b)): _pair(ex, f"l{a}", f"l{b}", s) for ex, a, b, s in raw if a != b}
    pairs = list(unique.values())
    found = similarity.groups(pairs)
    for exercise in {p.exercise for p in pairs}:
        mine = [g for g in found if g.exercise == exercise]
        named = [m for g in mine for m in g.members]
        assert sorted(named) == sorted({w for p in pairs if p.exercise == exercise for w in (p.a, p.b)})
    assert sum(g.pairs for g in found) == len(pairs)
    for g in found:
        assert len(g.shown) == len(g.members) - 1  # a spanning tree: every member joined, nothing twice
        joined = {g.members[0]}
        for _ in g.members:
            joined |= {w for p in g.shown if {p.a, p.b} & joined for w in (p.a, p.b)}
        assert joined == set(g.members)
    assert similarity.groups(list(reversed(pairs))) == found  # the order pairs come in does not matter


def test_eighty_copies_are_one_group_and_the_page_shows_79_pairs_not_3160(tmp_path: Path) -> None:
    learners = [f"learner{i:02d}" for i in range(80)]
    ex = "m08c01/ex01_primitives"
    pairs = [_pair(ex, a, b, 1.0) for i, a in enumerate(learners) for b in learners[i + 1:]]
    pairs.append(_pair(ex, "x1", "x2", 0.7))  # a separate, smaller group
    found = similarity.groups(pairs)
    assert [len(g.members) for g in found] == [80, 2] and found[0].pairs == 3160
    page = similarity.render_html(pairs, {}, similarity.DEFAULT_THRESHOLD)
    assert page.count("class='pair'") == 79 + 1
    assert "3161 pair(s)" in page and "2 group(s)" in page
    similarity.write_report(tmp_path, pairs, {}, similarity.DEFAULT_THRESHOLD)
    data = json.loads((tmp_path / "similarity.json").read_text())
    assert len(data["pairs"]) == 3161 and [len(g["members"]) for g in data["groups"]] == [80, 2]
