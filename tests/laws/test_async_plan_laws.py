"""The monad laws of AsyncPlan, over Ok and Err, with generated values and functions.

Each law is also run against deliberately broken primitives, to show that the
property would catch the bug: a law test that cannot fail proves nothing.
"""

from __future__ import annotations

import pytest

from funcpipe_rag.testing import CLOSURE, LIBRARY, WRONG, bind_law_properties

LAWS = ["left identity", "right identity", "associativity"]


@pytest.mark.parametrize("law", LAWS)
def test_library_satisfies_law(law: str) -> None:
    bind_law_properties(LIBRARY)[law]()


@pytest.mark.parametrize("law", LAWS)
def test_closure_version_satisfies_law(law: str) -> None:
    bind_law_properties(CLOSURE, max_examples=50)[law]()


# ---- wrong primitives: each law-breaking one must be caught by a law ----------------------
# (The others — an eager bind, a lift that reuses or caches — give equal results and are caught
# by the purity and replay tests instead; see tests/unit/test_wrong_algebras.py.)


@pytest.mark.parametrize(
    ("wrong", "law"),
    [
        ("bind drops Err", "right identity"),
        ("bind ignores f", "left identity"),
        ("bind rewrites Err", "right identity"),
        ("pure wraps twice", "right identity"),
        ("bind drops Err of f", "left identity"),
        ("bind rewrites Err of f", "left identity"),
        ("bind loses Err details", "right identity"),
        ("bind reassociates", "associativity"),
    ],
)
def test_law_catches_a_wrong_primitive(wrong: str, law: str) -> None:
    # A wrong pure can also make a later step crash (Ok(Ok(x)) + 1): any failure counts as caught.
    with pytest.raises((AssertionError, TypeError)):
        bind_law_properties(WRONG[wrong].algebra, max_examples=200)[law]()


def test_a_reassociating_bind_breaks_associativity_only() -> None:
    laws = bind_law_properties(WRONG["bind reassociates"].algebra, max_examples=200)
    laws["left identity"]()
    laws["right identity"]()
    with pytest.raises(AssertionError, match="associativity"):
        laws["associativity"]()
