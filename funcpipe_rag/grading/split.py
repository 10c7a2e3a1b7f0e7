"""The child's part of a graded-test file, cut from its text (nothing is imported or run).

The grader keeps a graded-test file whole; the child receives the same text
with these top-level statements blanked out (line numbers are kept, so a
traceback in an observer points at the real line):

* ``@graded`` and ``@before_import`` functions (the judges);
* ``import hypothesis`` / ``from hypothesis import ...``;
* every statement that uses a name defined only by the statements above,
  and so on until nothing changes (a module-level strategy, say);
* imports that nothing left uses (so a strategies module that imports
  Hypothesis is not imported by the child for nothing).

An ``@observer`` that would be cut is an error in the graded-test file,
reported with its name and the names it should not use.
"""

from __future__ import annotations

import ast
import symtable
from dataclasses import dataclass

from funcpipe_rag.grading.harness import parse_python

PARENT_DECORATORS = frozenset({"graded", "before_import"})
PARENT_MODULES = ("hypothesis",)


class SplitError(ValueError):
    """The file cannot be split: an observer depends on the grader's side."""


def _decorator_names(node: ast.stmt) -> set[str]:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return set()
    names = set()
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        while isinstance(target, ast.Attribute):
            names.add(target.attr)
            target = target.value
        if isinstance(target, ast.Name):
            names.add(target.id)
    return names


def _defined(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    found = set()
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
        targets = [node.target]
    for target in targets:
        found |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return found


def _direct_names(node: ast.AST) -> set[str]:
    """Names the statement itself evaluates at module level (not inside functions, classes, lambdas)."""
    found: set[str] = set()
    stack: list[ast.AST] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Name):
            found.add(item.id)
        elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            stack += [*item.decorator_list, *item.args.defaults, *(d for d in item.args.kw_defaults if d)]
        elif isinstance(item, ast.ClassDef):
            stack += [*item.decorator_list, *item.bases, *(k.value for k in item.keywords)]
        elif isinstance(item, ast.Lambda):
            stack += [*item.args.defaults, *(d for d in item.args.kw_defaults if d)]
        elif isinstance(item, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            # Python 3.12 inlines comprehensions (PEP 709): symtable no longer gives them a scope of
            # their own, so the names they use are found here, less the ones their targets bind.
            bound = {n.id for g in item.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
            inner = set().union(*(_direct_names(child) for child in ast.iter_child_nodes(item)))
            found |= (inner - bound) | _direct_names(item.generators[0].iter)
        else:
            stack.extend(ast.iter_child_nodes(item))
    return found


def _globals_of(table: symtable.SymbolTable) -> set[str]:
    """Module-level names a function or class (and everything nested in it) refers to."""
    found = {s.get_name() for s in table.get_symbols() if s.is_referenced() and s.is_global()}
    for child in table.get_children():
        found |= _globals_of(child)
    return found


def _uses(body: list[ast.stmt], source: str, label: str) -> list[set[str]]:
    """For each top-level statement, the module-level names it uses, in its own scope or nested ones."""
    children = symtable.symtable(source, label, "exec").get_children()
    uses = []
    for node in body:
        names = _direct_names(node)
        end = node.end_lineno or node.lineno
        for child in children:
            if _first_line(node) <= child.get_lineno() <= end:
                names |= _globals_of(child)
        uses.append(names)
    return uses


def _is_parent_import(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] in PARENT_MODULES for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] in PARENT_MODULES and node.level == 0
    return False


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def split_for_child(source: str, label: str = "<graded tests>") -> str:
    """The text the child runs: ``source`` with the grader-only statements blanked out."""
    tree = parse_python(source, label)
    body = tree.body
    used = _uses(body, source, label)
    parent_only: set[str] = set()
    dropped: set[int] = set()
    for i, node in enumerate(body):
        if _is_parent_import(node) or _decorator_names(node) & PARENT_DECORATORS:
            dropped.add(i)
            parent_only |= _defined(node)
    changed = True
    while changed:
        changed = False
        for i, node in enumerate(body):
            if i not in dropped and used[i] & parent_only:
                dropped.add(i)
                parent_only |= _defined(node)
                changed = True
    kept_uses = set().union(*(used[i] for i in range(len(body)) if i not in dropped))
    for i, node in enumerate(body):
        future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if i not in dropped and isinstance(node, ast.Import | ast.ImportFrom) and not future \
                and not _defined(node) & kept_uses:
            dropped.add(i)
    for i in sorted(dropped):
        node = body[i]
        if "observer" in _decorator_names(node):
            uses = sorted(used[i] & parent_only)
            raise SplitError(
                f"{label}: the observer {getattr(node, 'name', '?')} (line {node.lineno}) uses "
                f"{', '.join(uses)}, which only the grader's side has; observers run next to the "
                "learner's code and may not use Hypothesis or graded tests"
            )
    lines = source.splitlines(keepends=True)
    for i in dropped:
        node = body[i]
        end = node.end_lineno or node.lineno
        for line in range(_first_line(node), end + 1):
            lines[line - 1] = "\n"
    return "".join(lines)


@dataclass(frozen=True)
class Facts:
    """What discovery needs from a graded-test file without running it."""

    constants: dict[str, str]
    graded: tuple[str, ...]


def module_facts(source: str, label: str = "<graded tests>") -> Facts:
    """The file's top-level string constants (``EXERCISE``, ``TITLE``) and its ``@graded`` functions."""
    constants: dict[str, str] = {}
    graded: list[str] = []
    for node in parse_python(source, label).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
        if "graded" in _decorator_names(node) and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            graded.append(node.name)
    return Facts(constants, tuple(graded))


__all__ = ["Facts", "SplitError", "module_facts", "split_for_child"]
