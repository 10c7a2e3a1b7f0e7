"""Graded: exercise 1, the proof helpers of a pipeline law (``ex01_helpers.py``).

The observers ask the learner's ``fails`` many questions at once (in one
order, then again in another, with other questions in between), hand
``normalise`` pairs of traces, and ``tenant_key`` lists of pairs; the
judges count. Nothing is compared with one particular schedule or encoding:
any answer with the contract's properties scores full marks. Keys, ids and
names include ``""``, ``"0"``, ``"None"``, ``"False"``, slashes, backslashes,
quotes and non-ASCII text.
"""

from __future__ import annotations

from typing import Any, TypedDict

from funcpipe_rag.grading.codec import register
from funcpipe_rag.grading.harness import graded, load, observe, observer, require

register("DocOutcome", "funcpipe_rag.domain.rag_pipeline:DocOutcome")

EXERCISE = "ex01_helpers"
TITLE = "The proof helpers of a pipeline law"
EXAMPLES = 24

# ---- next to the learner's code -------------------------------------------------------------


class Asked(TypedDict):
    first: list[bool]
    again: list[bool]


@observer
def schedule_answers(case: dict[str, Any]) -> Asked:
    """``fails`` on each query, then the same queries again in ``order`` with ``noise`` asked in between."""
    fails = require(load(EXERCISE), "fails")
    queries = [tuple(q) for q in case["queries"]]
    first = [fails(*q) for q in queries]
    again: dict[int, bool] = {}
    for n, i in enumerate(case["order"]):
        if case["noise"]:
            fails(*case["noise"][n % len(case["noise"])])
        again[i] = fails(*queries[i])
    return {"first": first, "again": [again.get(i, a) for i, a in enumerate(first)]}


class Compared(TypedDict):
    same: bool
    stable: bool


@observer
def compare_traces(case: dict[str, Any]) -> Compared:
    """Whether ``normalise`` makes the two traces equal, and gives one trace the same form twice."""
    normalise = require(load(EXERCISE), "normalise")
    a, b = list(case["a"]), list(case["b"])
    return {"same": bool(normalise(a) == normalise(b)), "stable": bool(normalise(a) == normalise(list(a)))}


class Keyed(TypedDict):
    keys: list[object]
    back: list[object]


@observer
def keys_of(case: list[tuple[str, str]]) -> Keyed:
    """``tenant_key`` of every pair, and ``split_key`` of each key it gave."""
    tenant_key, split_key = require(load(EXERCISE), "tenant_key", "split_key")
    keys = [tenant_key(t, d) for t, d in case]
    back = [tuple(split_key(k)) if isinstance(k, str) else None for k in keys]
    return {"keys": keys, "back": back}


# ---- the grader's side ------------------------------------------------------------------------

from collections import Counter  # noqa: E402

from hypothesis import HealthCheck, Phase  # noqa: E402  (grader only)
from hypothesis import strategies as st  # noqa: E402

from funcpipe_rag import Err, ErrInfo, Ok  # noqa: E402
from funcpipe_rag.domain.rag_pipeline import DocOutcome  # noqa: E402
from funcpipe_rag.testing import Strata  # noqa: E402

SETTINGS = {"report_multiple_bugs": False, "suppress_health_check": list(HealthCheck), "print_blob": False,
            "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)}
AWKWARD = ["", "0", "None", "False", "[]", "a/b", "a\\b", 'q"t', "two words", "ünï", "%s"]
KEYS = st.sampled_from(AWKWARD) | st.text(st.sampled_from("ab/\\é 0"), max_size=5)
SEEDS = st.integers(0, 2**16)
MANY = [f"chunk {n}" for n in range(400)]
"""The keys a share is counted over."""


def _call(q: list[Any] | tuple[Any, ...]) -> str:
    return f"fails({', '.join(repr(x) for x in q)})"


def _ask(queries: list[list[Any]], order: list[int] | None = None,
         noise: list[list[Any]] | None = None) -> Asked:
    answers: Asked = observe(schedule_answers, {"queries": queries, "order": order or [],
                                                "noise": noise or []})
    for q, a in zip(queries, answers["first"], strict=True):
        assert isinstance(a, bool), f"{_call(q)} returned {a!r}; it should return True or False"
    return answers


# ---- replayable ----


@st.composite
def _replay_case(draw: st.DrawFn) -> tuple[list[list[Any]], list[int], list[list[Any]]]:
    queries = draw(st.lists(st.tuples(SEEDS, st.sampled_from([0.3, 0.5, 0.7]), KEYS, st.integers(1, 4)),
                            min_size=2, max_size=12, unique=True).map(lambda qs: [list(q) for q in qs]))
    order = draw(st.permutations(range(len(queries))))
    noise = draw(st.lists(st.tuples(SEEDS, st.just(0.5), KEYS, st.integers(1, 4)).map(list), max_size=4))
    return queries, list(order), noise


@graded(
    points=2,
    hint=(
        "Compute the answer from (seed, key, attempt) alone, each time it is asked.",
        "A random.Random kept between calls gives the next number of its sequence, so the answer depends on "
        "what was asked before: hash the arguments instead.",
    ),
)
def test_replayable() -> None:
    """Asked again, in another order and with other questions in between, fails gives the same answers."""

    def judge(_p: str, case: tuple[list[list[Any]], list[int], list[list[Any]]]) -> None:
        queries, order, noise = case
        seen = _ask(queries, order, noise)
        for q, one, two in zip(queries, seen["first"], seen["again"], strict=True):
            assert one == two, (f"{_call(q)} answered {one} the first time and {two} when asked again "
                                f"in another order: a re-run would meet other failures")

    Strata({"asked again": _replay_case()}).run(judge, max_examples=EXAMPLES, **SETTINGS)


# ---- rate 0 and 1 ----


@graded(
    points=1,
    hint="Compare a number in [0, 1) with the rate using `<`: no number is below 0, every one is below 1.",
)
def test_rate_0_and_1() -> None:
    """At rate 0 nothing fails; at rate 1 everything fails."""

    def judge(_p: str, case: tuple[int, list[str]]) -> None:
        seed, keys = case
        for rate, want in ((0.0, False), (1.0, True), (0, False), (1, True)):
            queries = [[seed, rate, k, a] for k in keys for a in (1, 2, 3)]
            for q, got in zip(queries, _ask(queries)["first"], strict=True):
                assert got is want, f"{_call(q)} returned {got}; at rate {rate} it must be {want}"

    case = st.tuples(st.sampled_from([0]) | SEEDS, st.lists(KEYS, min_size=1, max_size=6, unique=True))
    Strata({"rates 0 and 1": case}).run(judge, max_examples=8, **SETTINGS)


# ---- share ----


@graded(
    points=2,
    hint=(
        "Turn the arguments into a number spread evenly over [0, 1) and fail when it is below rate.",
        "blake2b of repr((seed, key, attempt)), its first 8 bytes as an integer, divided by 2**64.",
    ),
)
def test_share() -> None:
    """Over 400 keys, the share that fails is within 0.1 of the rate."""

    def judge(_p: str, case: tuple[int, float, int]) -> None:
        seed, rate, attempt = case
        queries = [[seed, rate, k, attempt] for k in MANY]
        share = sum(_ask(queries)["first"]) / len(MANY)
        assert abs(share - rate) <= 0.1, (
            f"fails({seed}, {rate}, key, {attempt}) failed for {share:.0%} of 400 keys, not about {rate:.0%}")

    case = st.tuples(SEEDS, st.sampled_from([0.1, 0.3, 0.5, 0.8, 0.95]), st.integers(1, 3))
    Strata({"a rate": case}).run(judge, max_examples=8, **SETTINGS)


# ---- fresh draws ----


@graded(
    points=2,
    hint=(
        "Put the seed and the attempt into what you hash, not only the key.",
        "If the attempt is left out, a key that fails on attempt 1 fails on every retry.",
    ),
)
def test_fresh_draws() -> None:
    """At rate 0.5, another seed and another attempt each disagree with the first for about half the keys."""

    def judge(_p: str, case: tuple[int, int, int]) -> None:
        seed, other, attempt = case
        keys = MANY[:200]
        base = _ask([[seed, 0.5, k, attempt] for k in keys])["first"]
        for what, queries in (
            (f"attempt {attempt + 1}", [[seed, 0.5, k, attempt + 1] for k in keys]),
            (f"seed {other}", [[other, 0.5, k, attempt] for k in keys]),
        ):
            got = _ask(queries)["first"]
            differ = sum(a != b for a, b in zip(base, got, strict=True)) / len(keys)
            assert 0.3 <= differ <= 0.7, (
                f"at rate 0.5, {what} gave another answer than seed {seed}, attempt {attempt} "
                f"for {differ:.0%} of 200 keys; a fresh draw disagrees for about half of them")

    case = st.tuples(SEEDS, SEEDS, st.integers(1, 3)).filter(lambda c: c[0] != c[1])
    Strata({"fresh draws": case}).run(judge, max_examples=8, **SETTINGS)


# ---- order taken out ----

CODES = st.sampled_from(["RATE_LIMIT", "TRANSIENT", "TIMEOUT"])
ITEMS = st.one_of(
    st.builds(lambda d, ids, n, e: Ok(DocOutcome(d, ids, n, e)),
              st.sampled_from(["", "0", "a/b", "None"]),
              st.sampled_from([(), ("c1",), ("c1", "c2")]),
              st.sampled_from([0, 1, 2]),
              st.sampled_from([None, None, "TIMEOUT", ""])),
    st.builds(lambda c, m: Err(ErrInfo(c, m)), CODES, st.sampled_from(["", "gave up"])),
)
"""Few distinct values, so that traces share document ids and hold duplicates."""


def _changed(item: Any, field: int, value: Any) -> Any:
    if isinstance(item, Err):
        return Err(ErrInfo(item.error.code, "changed" if item.error.msg == "" else ""))
    o = item.value
    fields = [o.doc_id, o.chunk_ids, o.new_rows, o.error]
    fields[field] = value
    return Ok(DocOutcome(*fields))


@st.composite
def _pair(draw: st.DrawFn, path: str) -> tuple[list[Any], list[Any]]:
    a = draw(st.lists(ITEMS, min_size=1, max_size=7))
    if path != "reordered" and draw(st.booleans()):  # a duplicate in the trace itself
        a.append(a[draw(st.integers(0, len(a) - 1))])
    b = list(draw(st.permutations(a)))
    if path == "an item more or less":
        i = draw(st.integers(0, len(b) - 1))
        if draw(st.booleans()):
            b.pop(i)
        else:
            b.insert(draw(st.integers(0, len(b))), b[i])
    elif path == "an item changed":
        i, field = draw(st.integers(0, len(b) - 1)), draw(st.integers(0, 3))
        value = draw(st.sampled_from({0: ["", "x", "0"], 1: [(), ("c3",)], 2: [0, 3, False],
                                      3: [None, "", "SERVICE"]}[field]))
        b[i] = _changed(b[i], field, value)
    return a, b


TRACES = Strata({p: _pair(p) for p in ("reordered", "an item more or less", "an item changed")})


def path_of_traces(case: tuple[list[Any], list[Any]]) -> str:
    """The path a pair really takes: the same items reordered, a different count, or an item changed."""
    a, b = case
    if Counter(a) == Counter(b):
        return "reordered"
    return "an item more or less" if len(a) != len(b) else "an item changed"


@graded(
    points=3,
    hint=(
        "Keep every item and put them in an order that depends on the items alone.",
        "sorted(items, key=repr): sorting by the document id alone leaves items with the same id in the "
        "order they arrived, and a set drops duplicates.",
    ),
)
def test_order_taken_out() -> None:
    """normalise(a) == normalise(b) exactly when b holds a's items, each as often, in any order."""

    def judge(_p: str, case: tuple[list[Any], list[Any]]) -> None:
        a, b = case
        seen = observe(compare_traces, {"a": a, "b": b})
        assert seen["stable"], f"normalise({a!r}) is not equal to itself when asked twice"
        want = Counter(a) == Counter(b)
        assert seen["same"] == want, (
            f"normalise(a) == normalise(b) is {seen['same']} for\n  a = {a!r}\n  b = {b!r}\n"
            + ("but b is a reordering of a" if want else "but b does not hold the same items as often as a"))

    TRACES.run(judge, max_examples=EXAMPLES, **SETTINGS)


# ---- disjoint keys, inverse ----

PARTS = st.text(st.sampled_from("a/\\\":"), max_size=3)


@st.composite
def _pairs(draw: st.DrawFn, path: str) -> list[tuple[str, str]]:
    pairs = draw(st.lists(st.tuples(PARTS, PARTS), min_size=1, max_size=6))
    a, b, c = draw(PARTS), draw(PARTS), draw(PARTS)
    if path == "collides when joined with /":
        pairs += [(f"{a}/{b}", c), (a, f"{b}/{c}")]
    elif path == "collides when concatenated":
        b = b or "a"
        pairs += [(a + b, c), (a, b + c)]
    return sorted(set(pairs))


def _joined(pairs: list[tuple[str, str]], sep: str) -> bool:
    return len({f"{t}{sep}{d}" for t, d in pairs}) < len(pairs)


def path_of_pairs(pairs: list[tuple[str, str]]) -> str:
    """Which naive key the pairs would break: a slash join, a plain concatenation, or neither."""
    if _joined(pairs, "/"):
        return "collides when joined with /"
    return "collides when concatenated" if _joined(pairs, "") else "anything"


PAIRS = Strata({p: _pairs(p) for p in ("collides when joined with /", "collides when concatenated",
                                         "anything")})


@graded(
    points=2,
    hint=(
        "A separator is only safe when it cannot appear inside the parts.",
        "Escape the separator and the escape character, or use json.dumps([tenant, doc_id]).",
    ),
)
def test_disjoint_keys() -> None:
    """Different (tenant, doc_id) pairs get different keys, all of them str."""

    def judge(_p: str, pairs: list[tuple[str, str]]) -> None:
        keys = observe(keys_of, pairs)["keys"]
        for pair, key in zip(pairs, keys, strict=True):
            assert type(key) is str, f"tenant_key{pair!r} returned {key!r}, not a str"
        owner: dict[object, tuple[str, str]] = {}
        for pair, key in zip(pairs, keys, strict=True):
            other = owner.setdefault(key, pair)
            assert other == pair, f"tenant_key{other!r} and tenant_key{pair!r} are both {key!r}"

    PAIRS.run(judge, max_examples=EXAMPLES, **SETTINGS)


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=6) | st.sampled_from(AWKWARD)


@graded(
    points=1,
    hint="split_key undoes tenant_key: with json.dumps, json.loads gives the two parts back.",
)
def test_inverse() -> None:
    """split_key(tenant_key(tenant, doc_id)) == (tenant, doc_id)."""

    def judge(_p: str, pairs: list[tuple[str, str]]) -> None:
        back = observe(keys_of, pairs)["back"]
        for pair, got in zip(pairs, back, strict=True):
            assert got == pair, f"split_key(tenant_key{pair!r}) gave {got!r}"

    pairs = st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=6)
    Strata({"any names": pairs, "awkward names": _pairs("collides when joined with /")}).run(
        judge, max_examples=16, **SETTINGS)


PATHS = {"test_order_taken_out": (TRACES, path_of_traces, EXAMPLES),
         "test_disjoint_keys": (PAIRS, path_of_pairs, EXAMPLES)}
"""For the grader's own tests: every case drawn for a path really takes it."""
