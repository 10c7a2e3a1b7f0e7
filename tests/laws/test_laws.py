"""Every law of every plan type, from the laws written as data next to each type.

``LAW_SUBJECTS`` lists the plan types (``IOPlan``, ``AsyncPlan``, the
streams of Core 2, ``AsyncGen``) with the algebra their laws are checked on. Each law
is also run against deliberately broken variants of its type: a law test that
cannot fail proves nothing.
"""

from __future__ import annotations

import pytest

from funcpipe_rag.domain.effects.laws import MAP_LAWS, MONAD_LAWS, Law
from funcpipe_rag.testing import CLOSURE, LAW_SUBJECTS, WRONG, LawSubject, bind_law_properties, law_property

HOLDS = [(s, law) for s in LAW_SUBJECTS for law in s.laws.laws]
CAUGHT = [(s, name, law) for s in LAW_SUBJECTS for name, (_, law) in s.wrong.items()]


@pytest.mark.parametrize(("subject", "law"), HOLDS, ids=[f"{s.laws.type_name}: {x.name}" for s, x in HOLDS])
def test_the_law_holds(subject: LawSubject, law: Law) -> None:
    law_property(subject.algebra, law, inputs=subject.inputs)()


@pytest.mark.parametrize(
    ("subject", "wrong", "law"), CAUGHT, ids=[f"{s.laws.type_name}: {w} -> {law}" for s, w, law in CAUGHT]
)
def test_a_broken_variant_is_caught(subject: LawSubject, wrong: str, law: str) -> None:
    broken, _ = subject.wrong[wrong]
    # A wrong pure can also make a later step crash (Ok(Ok(x)) + 1): any failure counts as caught.
    with pytest.raises((AssertionError, TypeError)):
        law_property(broken, subject.laws.law(law), max_examples=200, inputs=subject.inputs)()


def test_every_type_keeps_the_monad_and_map_laws_and_has_a_broken_variant() -> None:
    for subject in LAW_SUBJECTS:
        assert subject.laws.laws == MONAD_LAWS + MAP_LAWS, subject.laws.type_name
        assert subject.wrong, f"no broken variant shows that the laws of {subject.laws.type_name} can fail"


@pytest.mark.parametrize("law", [law.name for law in MONAD_LAWS])
def test_the_chapter_closure_version_keeps_the_monad_laws(law: str) -> None:
    bind_law_properties(CLOSURE, max_examples=50)[law]()


def test_a_reassociating_bind_breaks_associativity_only() -> None:
    laws = bind_law_properties(WRONG["bind reassociates"].algebra, max_examples=200)
    laws["left identity"]()
    laws["right identity"]()
    with pytest.raises(AssertionError, match="associativity"):
        laws["associativity"]()
