"""The source rules catch the shortcuts an exercise forbids, and only those."""

from __future__ import annotations

import pytest

from funcpipe_rag.grading.rules import DYNAMIC, HYPOTHESIS, IMPORTS, SourceRules, check_rules

PRIMITIVES = SourceRules(allowed=(
    "funcpipe_rag.Result", "funcpipe_rag.Ok", "funcpipe_rag.Err", "funcpipe_rag.ErrInfo",
    "funcpipe_rag.assert_never",
))
PROPERTIES = SourceRules(
    allowed=("hypothesis", "funcpipe_rag.Ok", "funcpipe_rag.Err", "funcpipe_rag.ErrInfo"),
    properties=("check_a", "check_b"),
)


def _broken(source: str, rules: SourceRules = PRIMITIVES) -> list[tuple[str, int]]:
    return [(b.rule, b.line) for b in check_rules(source, "ex.py", rules, local={"ex01_primitives"})]


@pytest.mark.parametrize("source", [
    "from __future__ import annotations\nimport asyncio\nfrom collections.abc import Callable\n",
    "from funcpipe_rag import Ok, Err\nfrom funcpipe_rag.result import ErrInfo\n",
    "from funcpipe_rag.result.types import Ok\n",  # the same object, another path
    "import funcpipe_rag\nx = funcpipe_rag.Ok(1)\n",
    "import funcpipe_rag.result as r\nx = r.Err\n",
    "import asyncio as aio\naio.gather()\nimport sys\nsys.getrecursionlimit()\n",
    "import funcpipe_rag\nfuncpipe_rag.no_such_name\n",  # fails when run, and is no shortcut
    "import no_such_module_anywhere\n",  # not installed: Python's own ImportError says more
])
def test_allowed_sources_break_nothing(source: str) -> None:
    assert _broken(source) == []


@pytest.mark.parametrize(("source", "rule", "line"), [
    ("from funcpipe_rag.domain.effects.async_ import async_bind\n", IMPORTS, 1),
    ("import os\nfrom funcpipe_rag.domain.effects.async_.plan import async_pure as p\n", IMPORTS, 2),
    ("import funcpipe_rag\nb = funcpipe_rag.domain.effects.async_.async_bind\n", IMPORTS, 2),
    ("from funcpipe_rag import domain\nb = domain.effects.async_.async_map\n", IMPORTS, 2),
    ("import funcpipe_rag.domain as d\nprint(d)\n", IMPORTS, 2),
    ("from funcpipe_rag.testing import bind_law_properties\n", IMPORTS, 1),
    ("from solutions.m08c01.ex01_primitives import async_bind\n", IMPORTS, 1),
    ("import solutions\n", IMPORTS, 1),
    ("from ex01_primitives import async_bind\n", IMPORTS, 1),
    ("from . import ex01_primitives\n", IMPORTS, 1),
    ("import returns\n", IMPORTS, 1),
    ("import importlib\n", DYNAMIC, 1),
    ("from importlib import import_module\n", DYNAMIC, 1),
    ("x = 1\nm = __import__('funcpipe_rag.domain')\n", DYNAMIC, 2),
    ("import sys\nm = sys.modules['funcpipe_rag']\n", DYNAMIC, 2),
    ("from sys import modules\n", DYNAMIC, 1),
    ("exec('from funcpipe_rag.domain.effects.async_ import async_bind')\n", DYNAMIC, 1),
    ("g = globals()\n", DYNAMIC, 1),
    ("b = __builtins__\n", DYNAMIC, 1),
])
def test_shortcuts_break_a_rule_at_their_line(source: str, rule: str, line: int) -> None:
    assert (rule, line) in _broken(source)


def test_the_sentence_names_the_rule_the_line_and_what_is_allowed() -> None:
    source = "\n\nfrom funcpipe_rag.domain.effects.async_ import async_pure\n"
    (broken,) = check_rules(source, "ex01.py", PRIMITIVES)
    text = str(broken)
    assert text.startswith('ex01.py breaks the rule "allowed imports only" at line 3: ')
    assert "funcpipe_rag.domain.effects.async_.async_pure" in text
    assert "Result, Ok, Err, ErrInfo, assert_never from funcpipe_rag" in text
    assert text.count(".") >= 1 and "\n" not in text


GOOD_PROPERTIES = '''
from hypothesis import given, settings
from hypothesis import strategies as st
import hypothesis


@given(x=st.integers())
def _shared(impl, x):
    assert impl(x) == impl(x)


def check_a(impl):
    @settings(max_examples=10)
    @given(x=st.integers())
    def prop(x):
        assert impl(x) == impl(x)

    prop()


def check_b(impl):
    _shared(impl)
'''


def test_properties_that_run_given_pass() -> None:
    assert _broken(GOOD_PROPERTIES, PROPERTIES) == []
    aliased = "import hypothesis as h\nfrom hypothesis import strategies as st\n" \
              "def check_a(impl):\n    @h.given(st.integers())\n    def p(x):\n        pass\n    p()\n"
    assert _broken(aliased, PROPERTIES) == []


@pytest.mark.parametrize(("source", "line"), [
    ("def check_a(impl):\n    assert impl(1) == impl(1)\n", 1),  # a fixed example
    ("from hypothesis import given\nimport hypothesis.strategies as st\n"
     "def check_a(impl):\n    @given(st.integers())\n    def p(x):\n        pass\n", 3),  # never called
    ("def given(*a):\n    return lambda f: f\n"
     "def check_a(impl):\n    @given(1)\n    def p(x):\n        pass\n    p()\n", 3),  # not Hypothesis' given
])
def test_properties_without_hypothesis_break_the_rule(source: str, line: int) -> None:
    assert (HYPOTHESIS, line) in _broken(source, PROPERTIES)


def test_a_file_that_does_not_parse_breaks_no_rule() -> None:
    assert _broken("def (:\n") == []


def test_an_allowed_name_that_does_not_exist_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="does not exist"):
        check_rules("", "ex.py", SourceRules(allowed=("funcpipe_rag.no_such_thing",)))


def test_an_untouched_stub_breaks_no_property_rule() -> None:
    stub = 'def check_a(impl):\n    """Doc."""\n    raise NotImplementedError("TODO: write it")\n'
    assert _broken(stub, PROPERTIES) == []
    started = 'def check_a(impl):\n    x = 1\n    raise NotImplementedError\n'
    assert (HYPOTHESIS, 1) in _broken(started, PROPERTIES)
