"""A plan as text: the tree of nodes it is made of, for a person to read.

A plan is data, so it can be looked at before anything runs.
:func:`describe_plan` renders what exists when the plan is built: its leaves
(``pure``, ``from_result``, ``lift``), the binds and maps that join them, and
each function a bind will call, shown as its source (a ``lambda``) or its
name. What a bind function will return is decided only when it runs, on the
value it receives, so the tree stops there: that is what makes the plan a
*description*.

Rendering reads no more than ``max_lines`` nodes, iteratively: a chain of a
million binds renders as its first and last steps.
"""

from __future__ import annotations

import ast
import functools
import linecache
from collections.abc import Callable, Iterator
from typing import Any

from funcpipe_rag.domain.effects.async_._nodes import Bind, Chain, Done, Lift, Map, MapStep, PlanNode, Pure

_WIDTH = 100


@functools.lru_cache(maxsize=64)
def _lambdas(filename: str) -> tuple[ast.Lambda, ...]:
    source = "".join(linecache.getlines(filename))
    try:
        tree = compile(source, filename, "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError):
        return ()
    return tuple(node for node in ast.walk(tree) if isinstance(node, ast.Lambda))


def _lambda_text(f: Any) -> str | None:
    """The source of the ``lambda`` ``f`` was made from, when it can be found unambiguously enough."""
    code = f.__code__
    names = list(code.co_varnames[: code.co_argcount])
    for node in _lambdas(code.co_filename):
        if node.lineno == code.co_firstlineno and [a.arg for a in node.args.args] == names:
            return " ".join(ast.unparse(node).split())
    return None


def callable_text(f: Callable[..., Any]) -> str:
    """How a function reads in a rendered plan: a lambda's source (and where it is), else its name."""
    name = getattr(f, "__qualname__", None) or type(f).__name__
    code = getattr(f, "__code__", None)
    text = _lambda_text(f) if code is not None and name.endswith("<lambda>") else None
    if text is None:
        text = name.replace("<locals>.", "")
    else:
        enclosing = name.rpartition(".<locals>.<lambda>")[0].replace("<locals>.", "")
        if enclosing and not enclosing.endswith("<lambda>"):
            text += f"  (in {enclosing})"
    return text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


class _Text:
    """A line of text in the tree that is not a plan (a bind's function, a chain's step)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _children(node: Any) -> tuple[str, list[tuple[str, Any]]]:
    """A node's own line, and its children as (label, plan or None for a leaf line)."""
    cls = type(node)
    if cls is _Text:
        return node.text, []
    if cls is Pure:
        return f"pure {_short(node.value)}", []
    if cls is Done:
        return f"from_result {_short(node.result)}", []
    if cls is Lift:
        return f"lift  {callable_text(node.make)}", []
    if cls is Bind:
        return "bind", [("", node.plan), (f"then  {callable_text(node.f)}", None)]
    if cls is Map:
        return "map", [("", node.plan), (f"with  {callable_text(node.f)}", None)]
    if cls is Chain:
        steps: list[tuple[str, Any]] = [("", node.source)]
        ops = node.ops[: node.n]
        shown = ops if len(ops) <= 12 else [*ops[:9], None, *ops[-2:]]
        for op in shown:
            if op is None:
                steps.append((f"… {len(ops) - 11:,} more steps …", None))
            elif type(op) is MapStep:
                steps.append((f"map   {callable_text(op.f)}", None))
            else:
                steps.append((f"bind  {callable_text(op)}", None))
        return f"chain of {node.n:,} steps", steps
    if isinstance(node, PlanNode):
        describe = getattr(node, "describe", None)
        if callable(describe):
            head, plans = describe()
            return head, [("", p) for p in plans]
        return repr(node), []
    if callable(node):
        return f"plan  {callable_text(node)}", []
    return f"not a plan: {_short(node)}", []


def _lines(plan: Any, max_lines: int) -> Iterator[str]:
    # Each entry: the prefix of its own line, the prefix of its children's lines, the node.
    stack: list[tuple[str, str, Any]] = [("", "", plan)]
    count = 0
    while stack:
        prefix, child_prefix, node = stack.pop()
        if count == max_lines:
            yield f"{prefix}…"
            return
        count += 1
        head, children = _children(node)
        yield prefix + head
        items: list[tuple[str, str, Any]] = []
        for i, (label, child) in enumerate(children):
            last = i == len(children) - 1
            branch, cont = ("└─ ", "   ") if last else ("├─ ", "│  ")
            if child is None:
                items.append((child_prefix + branch, child_prefix + cont, _Text(label)))
            else:
                items.append((child_prefix + branch, child_prefix + cont, child))
        stack.extend(reversed(items))


def describe_plan(plan: Any, *, max_lines: int = 40) -> str:
    """The plan ``plan`` as a tree of its nodes, one per line (at most ``max_lines``).

    Building the text runs nothing: no step, no bind function. A foreign
    plan (any zero-argument callable) shows as one leaf.
    """
    return "\n".join(_lines(plan, max_lines))
