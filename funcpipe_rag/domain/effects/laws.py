"""The laws of plan types, written once as data.

Each plan type states, next to its definition, which laws it keeps
(``LAWS`` in :mod:`.io_plan` and :mod:`.async_.plan`; the streams of Core 2
will add theirs the same way). A law is data: a name, the equation a learner
reads, the kinds of input it quantifies over, and how to build its two
sides from an algebra of primitives. One generic checker
(:func:`funcpipe_rag.testing.law_property`) turns any law of any type into a
Hypothesis property, and one parametrised test runs every law of every type,
so a new type is one entry there.

"Equal" in an equation means: running both sides gives equal results. An
algebra here is anything with ``pure``, ``bind`` and ``map`` attributes
(:class:`funcpipe_rag.testing.PlanAlgebra` is one). Pure: nothing here runs a
plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Input = Literal["value", "plan", "fn", "pure_fn"]
"""What a law quantifies over: a plain value, a plan, a function ``value -> plan``,
or a plain function ``value -> value``."""


@dataclass(frozen=True)
class Law:
    """One law: ``left(alg, **inputs)`` and ``right(alg, **inputs)`` must run to equal results.

    ``inputs`` names each input (as the equation does) and says what kind of
    thing it is; a checker generates one of each and passes them by name.
    """

    name: str
    equation: str
    inputs: tuple[tuple[str, Input], ...]
    left: Callable[..., Any]
    right: Callable[..., Any]


@dataclass(frozen=True)
class Laws:
    """The laws a plan type keeps, with the primitives they are stated in."""

    type_name: str
    pure: Callable[[Any], Any]
    bind: Callable[[Any, Callable[[Any], Any]], Any]
    map: Callable[[Any, Callable[[Any], Any]], Any]
    laws: tuple[Law, ...]

    def law(self, name: str) -> Law:
        """The law called ``name``; ``KeyError`` naming the laws this type keeps otherwise."""
        for law in self.laws:
            if law.name == name:
                return law
        kept = ", ".join(x.name for x in self.laws)
        raise KeyError(f"{self.type_name} has no law {name!r}; it keeps {kept}")


MONAD_LAWS: tuple[Law, ...] = (
    Law(
        "left identity",
        "bind(pure(x), f) == f(x)",
        (("x", "value"), ("f", "fn")),
        left=lambda a, x, f: a.bind(a.pure(x), f),
        right=lambda a, x, f: f(x),
    ),
    Law(
        "right identity",
        "bind(m, pure) == m",
        (("m", "plan"),),
        left=lambda a, m: a.bind(m, a.pure),
        right=lambda a, m: m,
    ),
    Law(
        "associativity",
        "bind(bind(m, f), g) == bind(m, lambda x: bind(f(x), g))",
        (("m", "plan"), ("f", "fn"), ("g", "fn")),
        left=lambda a, m, f, g: a.bind(a.bind(m, f), g),
        right=lambda a, m, f, g: a.bind(m, lambda x: a.bind(f(x), g)),
    ),
)
"""Bind and pure form a monad over ``Result``: the three laws that make regrouping steps safe."""

MAP_LAWS: tuple[Law, ...] = (
    Law(
        "map is bind then pure",
        "map(m, h) == bind(m, lambda x: pure(h(x)))",
        (("m", "plan"), ("h", "pure_fn")),
        left=lambda a, m, h: a.map(m, h),
        right=lambda a, m, h: a.bind(m, lambda x: a.pure(h(x))),
    ),
    Law(
        "map identity",
        "map(m, lambda x: x) == m",
        (("m", "plan"),),
        left=lambda a, m: a.map(m, lambda x: x),
        right=lambda a, m: m,
    ),
    Law(
        "map composition",
        "map(map(m, h), k) == map(m, lambda x: k(h(x)))",
        (("m", "plan"), ("h", "pure_fn"), ("k", "pure_fn")),
        left=lambda a, m, h, k: a.map(a.map(m, h), k),
        right=lambda a, m, h, k: a.map(m, lambda x: k(h(x))),
    ),
)
"""``map`` agrees with ``bind`` and ``pure``, and keeps the functor laws."""
