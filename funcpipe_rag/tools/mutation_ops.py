"""Mutation operators for plan code, added to cosmic-ray's own (``make mutation``).

cosmic-ray's built-in operators change arithmetic, comparisons, numbers and
booleans. The exercise solutions are mostly awaits, returns, lambdas and
``match`` on ``Ok``/``Err``, where those operators find almost nothing to
change, so a grade that misses a plausible slip there would look perfect.
These operators make the slips a learner makes with plans:

``funcpipe/ReturnNone``       ``return x``  →  ``return None``
``funcpipe/DropAwait``        ``await p()``  →  ``p()`` (a coroutine instead of its result)
``funcpipe/LambdaNone``       ``lambda: x``  →  ``lambda: None``
``funcpipe/SwapOkErr``        ``Ok`` ↔ ``Err`` (outside imports)
``funcpipe/DeleteStatement``  an assignment or a call statement  →  ``pass``

They are registered with cosmic-ray through the ``cosmic_ray.operator_providers``
entry point in ``pyproject.toml``. cosmic-ray is installed by ``make mutation``
only (the ``mutation`` extra); the operators need just parso (which cosmic-ray
and Jupyter both bring) and follow cosmic-ray's operator protocol by shape, so
:func:`mutate_source` can try them without cosmic-ray.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import parso
from parso.python.tree import Keyword, Name
from parso.tree import BaseNode

Position = tuple[tuple[int, int], tuple[int, int]]


class Operator:
    """cosmic-ray's operator protocol: where a node can be mutated, and the mutation itself."""

    def mutation_positions(self, node: Any) -> Iterator[Position]:
        raise NotImplementedError

    def mutate(self, node: Any, index: int) -> Any:
        raise NotImplementedError

    @classmethod
    def arguments(cls) -> tuple[Any, ...]:
        return ()

    @classmethod
    def examples(cls) -> tuple[tuple[str, str], ...]:
        """``(before, after)`` pairs: the first mutation of ``before`` gives ``after``."""
        return ()


def mutate_source(source: str, operator: Operator, occurrence: int = 0) -> str | None:
    """``source`` with the ``occurrence``-th mutation of ``operator`` applied (``None``: there is none).

    Walks the parso tree in cosmic-ray's order (pre-order, children left to right).
    """
    seen = 0
    done = False

    def walk(node: Any) -> Any:
        nonlocal seen, done
        if not done:
            for _ in operator.mutation_positions(node):
                if seen == occurrence:
                    done = True
                    return operator.mutate(node, 0)
                seen += 1
        if isinstance(node, BaseNode):
            node.children = [c for c in map(walk, node.children) if c is not None]
        return node

    tree = walk(parso.parse(source))  # type: ignore[no-untyped-call]
    return tree.get_code() if done else None


def _none_like(node: Any) -> Any:
    """A ``None`` keyword standing where ``node`` stood (same position and leading whitespace)."""
    first = node.get_first_leaf()
    return Keyword("None", first.start_pos, prefix=first.prefix)


def _inside(node: Any, kinds: set[str]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in kinds:
            return True
        parent = parent.parent
    return False


class ReturnNone(Operator):
    """``return x`` becomes ``return None``."""

    def mutation_positions(self, node: Any) -> Iterator[Position]:
        if node.type == "return_stmt" and len(node.children) == 2:
            value = node.children[1]
            if not (value.type == "keyword" and value.value == "None"):
                yield (node.start_pos, node.end_pos)

    def mutate(self, node: Any, index: int) -> Any:
        node.children[1] = _none_like(node.children[1])
        node.children[1].parent = node
        return node

    @classmethod
    def examples(cls) -> tuple[tuple[str, str], ...]:
        return (("def f():\n    return x + 1\n", "def f():\n    return None\n"),)


class DropAwait(Operator):
    """``await p()`` becomes ``p()``."""

    def mutation_positions(self, node: Any) -> Iterator[Position]:
        if isinstance(node, Keyword) and node.value == "await":
            yield (node.start_pos, node.end_pos)

    def mutate(self, node: Any, index: int) -> Any:
        node.value = ""
        return node

    @classmethod
    def examples(cls) -> tuple[tuple[str, str], ...]:
        return (("async def f():\n    return await g()\n", "async def f():\n    return  g()\n"),)


class LambdaNone(Operator):
    """``lambda ...: x`` becomes ``lambda ...: None``."""

    def mutation_positions(self, node: Any) -> Iterator[Position]:
        if node.type == "lambdef":
            body = node.children[-1]
            if not (body.type == "keyword" and body.value == "None"):
                yield (body.start_pos, body.end_pos)

    def mutate(self, node: Any, index: int) -> Any:
        node.children[-1] = _none_like(node.children[-1])
        node.children[-1].parent = node
        return node

    @classmethod
    def examples(cls) -> tuple[tuple[str, str], ...]:
        return (("f = lambda: g(1)\n", "f = lambda: None\n"),)


class SwapOkErr(Operator):
    """``Ok`` becomes ``Err`` and ``Err`` becomes ``Ok`` wherever they are used (imports excepted)."""

    SWAP = {"Ok": "Err", "Err": "Ok"}  # noqa: RUF012  (a constant table)

    def mutation_positions(self, node: Any) -> Iterator[Position]:
        if isinstance(node, Name) and node.value in self.SWAP and not _inside(
            node, {"import_from", "import_name"}
        ):
            yield (node.start_pos, node.end_pos)

    def mutate(self, node: Any, index: int) -> Any:
        node.value = self.SWAP[node.value]
        return node

    @classmethod
    def examples(cls) -> tuple[tuple[str, str], ...]:
        return (("x = Ok(1)\n", "x = Err(1)\n"),)


class DeleteStatement(Operator):
    """An assignment, or a statement that is only a call, becomes ``pass``."""

    KINDS = frozenset({"expr_stmt", "atom_expr", "power"})

    def mutation_positions(self, node: Any) -> Iterator[Position]:
        if node.type in self.KINDS and node.parent is not None and node.parent.type == "simple_stmt":
            yield (node.start_pos, node.end_pos)

    def mutate(self, node: Any, index: int) -> Any:
        first = node.get_first_leaf()
        return Keyword("pass", first.start_pos, prefix=first.prefix)

    @classmethod
    def examples(cls) -> tuple[tuple[str, str], ...]:
        return (("def f():\n    log.append(1)\n", "def f():\n    pass\n"),)


_OPERATORS: dict[str, type[Operator]] = {
    cls.__name__: cls for cls in (ReturnNone, DropAwait, LambdaNone, SwapOkErr, DeleteStatement)
}


class OperatorProvider:
    """cosmic-ray's operator provider protocol: iterate over names, look operators up by name."""

    def __iter__(self) -> Iterator[str]:
        return iter(_OPERATORS)

    def __getitem__(self, name: str) -> type[Operator]:
        return _OPERATORS[name]
