"""What may cross between the grader and the child: the codec, the replies, the shapes, the split file."""

from __future__ import annotations

import ast
import json
import math
from typing import Any, Literal, TypedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funcpipe_rag.domain.user_model import UserProfile
from funcpipe_rag.grading import codec, harness
from funcpipe_rag.grading.codec import CodecError, Opaque, decode, encode
from funcpipe_rag.grading.protocol import ProtocolError, check_shape, parse_reply
from funcpipe_rag.grading.split import SplitError, module_facts, split_for_child
from funcpipe_rag.result import Err, ErrInfo, Ok
from funcpipe_rag.testing import Add, Bound, Fail, Then

plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.binary(max_size=5)
    | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    | st.dictionaries(st.integers(), inner, max_size=2)
    | st.builds(Ok, inner) | st.builds(Err, st.builds(ErrInfo, st.text(max_size=3), st.text(max_size=3))),
    max_leaves=8,
)


@settings(max_examples=200, derandomize=True, database=None)
@given(value=plain)
def test_plain_values_travel_unchanged(value: Any) -> None:
    wire = json.loads(json.dumps(encode(value, strict=True)))
    back = decode(wire)
    assert back == value and type(back) is type(value)


def test_special_values_travel() -> None:
    for value in (float("inf"), float("-inf"), {"$x": 1}, {1, 2}, frozenset({"a"}), (1, [2, (3,)]),
                  UserProfile("7", "Ada", None), Bound(Fail("A"), Then(Add(1), Add(2)))):
        assert decode(json.loads(json.dumps(encode(value)))) == value
    assert math.isnan(decode(encode(float("nan"))))


class Forged(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


def test_exact_types_only_a_subclass_arrives_opaque() -> None:
    """A value whose type is not exactly a known one arrives as a description that equals nothing."""
    wire = encode([Forged(3), lambda: 1])
    got, again = decode(wire), decode(wire)
    assert all(isinstance(v, Opaque) for v in got)
    assert got[0] != 3 and got[0] != again[0] and repr(got[0]) == "3"
    with pytest.raises(TypeError):
        encode(Forged(3), strict=True)


def test_a_class_that_merely_looks_like_ok_is_opaque() -> None:
    fake = type("Ok", (), {"__module__": "funcpipe_rag.result.types", "value": 1})()
    assert isinstance(decode(encode(fake)), Opaque)


def test_huge_or_deep_values_become_opaque_not_large_messages() -> None:
    deep: Any = 0
    for _ in range(200):
        deep = [deep]
    assert len(json.dumps(encode(deep))) < 10_000
    for huge in (list(range(10 * codec.MAX_NODES)), [list(range(codec.MAX_ITEMS))] * codec.MAX_ITEMS,
                 ["x" * codec.MAX_CHARS] * 100, {i: b"y" * 1000 for i in range(codec.MAX_ITEMS)}):
        assert len(json.dumps(encode(huge))) < 1_000_000
        assert len(json.dumps(encode({"a": huge, "b": huge, "count": 1}))) < 2_000_000


@pytest.mark.parametrize("wire", [
    {"$nope": 1},
    {"$tuple": [1], "extra": 2},
    {"$data": ["os.system", {}]},
    {"$data": ["Ok", {"value": 1, "other": 2}]},
    {"$data": ["Ok", {}]},
    {"$float": "1e999"},
    {"$bytes": "***"},
    {"$opaque": [1, 2]},
    {"$set": [[1]]},
    1e309,
])
def test_decoding_is_strict(wire: Any) -> None:
    with pytest.raises(CodecError):
        decode(wire)


def _line(**message: Any) -> bytes:
    return json.dumps(message).encode()


def test_only_the_reply_to_the_request_in_flight_is_accepted() -> None:
    assert parse_reply(_line(seq=4, printed="", value=encode(Ok(1))), 4).value == Ok(1)
    raised = {"kind": "error", "type": "TypeError", "message": "bad", "file": "ex.py", "line": 3,
              "function": "run"}
    reply = parse_reply(_line(seq=4, printed="hi", raised=raised), 4)
    assert reply.raised is not None and reply.raised.where() == " (at ex.py, line 3, in run)"
    for bad in (
        _line(seq=3, printed="", value=1),                       # another request's reply
        _line(seq=4, printed="", value=1, passed=True),          # a verdict is not a fact
        _line(seq=4, value=1),                                   # no printed
        _line(seq="4", printed="", value=1),
        _line(seq=4, printed="", raised={**raised, "kind": "pass"}),
        _line(seq=4, printed="", raised={**raised, "line": "3"}),
        _line(seq=4, printed="", value={"$data": ["Nope", {}]}),
        b"not json",
        b"[" * 100_000 + b"]" * 100_000,
        b"x" * (5 << 20),
    ):
        with pytest.raises(ProtocolError):
            parse_reply(bad, 4)


class Seen(TypedDict):
    result: object
    calls: list[str]
    count: int
    ratio: float
    kind: Literal["a", "b"]
    maybe: Ok[int] | None


def test_observations_are_checked_against_the_observer_annotation() -> None:
    good = {"result": object(), "calls": ["x"], "count": 2, "ratio": 1, "kind": "a", "maybe": Ok(1)}
    assert check_shape(good, Seen) is None
    for change in ({"calls": ["x", 1]}, {"count": True}, {"count": "2"}, {"kind": "c"}, {"maybe": Err("e")},
                   {"ratio": "1"}):
        assert check_shape({**good, **change}, Seen) is not None, change
    assert check_shape({k: v for k, v in good.items() if k != "count"}, Seen) is not None
    assert check_shape({**good, "verdict": "pass"}, Seen) is not None
    assert check_shape((1, "a"), tuple[int, str]) is None and check_shape((1, 2), tuple[int, str])
    assert check_shape({"a": 1}, dict[str, int]) is None and check_shape({"a": "1"}, dict[str, int])


GRADED_FILE = '''"""A graded file."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from funcpipe_rag.grading.harness import graded, load, observe, observer
from funcpipe_rag.testing import small_ints

EXERCISE = "ex09_demo"
TITLE = "A demo"
ints = st.integers()
LIMIT = 3


def helper(items: list[int]) -> int:
    return len(items) + LIMIT


@observer
def count(case: list[int]) -> int:
    ints = [x for x in case]  # a local name that shadows a grader-only one
    return helper(ints)


@graded(points=1)
@given(xs=st.lists(small_ints))
def test_count(xs: list[int]) -> None:
    assert observe(count, xs) == len(xs) + LIMIT
'''


def test_the_child_gets_the_file_without_the_graders_side() -> None:
    child = split_for_child(GRADED_FILE, "demo.py")
    assert len(child.splitlines()) == len(GRADED_FILE.splitlines())  # tracebacks keep their line numbers
    for gone in ("hypothesis", "st.integers", "small_ints", "def test_count", "@graded"):
        assert gone not in child, gone
    for kept in ("def helper", "def count", "LIMIT = 3", "from __future__ import annotations"):
        assert kept in child, kept
    namespace: dict[str, Any] = {}
    exec(compile(child, "demo.py", "exec"), namespace)
    assert namespace["count"]([1, 2]) == 5
    facts = module_facts(GRADED_FILE)
    assert facts.constants["EXERCISE"] == "ex09_demo" and facts.graded == ("test_count",)


def test_a_comprehension_that_uses_the_graders_side_is_cut_on_every_python() -> None:
    # Python 3.12+ inlines comprehensions: the names they use must still be seen at top level.
    extra = "\nCASES = {name: st.just(name) for name in ('a', 'b')}\nUSED = [LIMIT for _ in range(2)]\n"
    source = GRADED_FILE + extra
    child = split_for_child(source, "demo.py")
    assert "CASES" not in child and "USED = [LIMIT" in child
    namespace: dict[str, Any] = {}
    exec(compile(child, "demo.py", "exec"), namespace)
    assert namespace["USED"] == [3, 3]


def test_an_observer_that_needs_the_graders_side_is_refused() -> None:
    broken = GRADED_FILE.replace("return helper(ints)", "return helper(ints) + len(st.__name__)")
    with pytest.raises(SplitError, match=r"the observer count .* uses st"):
        split_for_child(broken, "demo.py")


def _upset_parses(monkeypatch: pytest.MonkeyPatch, times: int) -> list[float]:
    """Make ``ast.parse`` fail ``times`` times as a crossing parse would, then work; returns the sleeps."""
    real = ast.parse
    failures = iter([SystemError(f"{harness.AST_RACE} (before=45, after=117)")] * times)

    def flaky(*args: Any, **kwargs: Any) -> Any:
        for failure in failures:
            raise failure
        return real(*args, **kwargs)

    slept: list[float] = []
    monkeypatch.setattr(ast, "parse", flaky)
    monkeypatch.setattr(harness.time, "sleep", slept.append)
    return slept


def test_a_parse_upset_by_another_thread_is_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.11 can fail ast.parse spuriously when threads parse at once; the grader parses again."""
    slept = _upset_parses(monkeypatch, 1)
    assert isinstance(harness.parse_python("x = 1"), ast.Module)
    assert len(slept) == 1 and slept[0] > 0, "a retry first lets the other thread finish its parse"
    monkeypatch.setattr(ast, "parse", lambda *a, **k: (_ for _ in ()).throw(SystemError("something else")))
    with pytest.raises(SystemError, match="something else"):
        harness.parse_python("x = 1")


def test_a_parse_upset_many_times_in_a_row_is_still_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long parse in another thread can upset several retries in a row: the grader waits a bit each time."""
    slept = _upset_parses(monkeypatch, 12)
    assert isinstance(harness.parse_python("x = 1"), ast.Module)
    assert len(slept) == 12 and slept == sorted(slept), "each retry waits a little longer"
