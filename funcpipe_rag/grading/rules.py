"""Source rules: what a learner's file may import, and what it must contain.

An exercise that asks the learner to *build* something is worth nothing if the
file imports the library's finished answer. The rules are checked on the text
of the submitted file (its AST; nothing is imported from it or run), by the
grader's own process, before any graded test counts. A file that breaks a rule
scores zero for that exercise, with one sentence naming the rule and the line.

Three rules, configured per exercise with :class:`SourceRules`:

``allowed imports only``
    The standard library may be imported, except the import machinery
    (:data:`MACHINERY`). Anything else only if :attr:`SourceRules.allowed`
    lists it: a dotted name of a module (the module, its contents and its
    submodules) or of one object in the library. Library objects are compared
    by identity, so ``from funcpipe_rag.result.types import Ok`` is as good as
    ``from funcpipe_rag import Ok`` when ``funcpipe_rag.Ok`` is allowed, and a
    re-export of a forbidden object under another name is still forbidden.
    Code under ``solutions/``, the learner's other exercise files and relative
    imports are never allowed. ``import funcpipe_rag`` itself is fine; each
    ``funcpipe_rag.<name>`` the file then uses is checked like an import.
``no dynamic imports``
    No ``__import__``, ``exec``, ``eval``, ``compile``, ``globals()``,
    ``__builtins__``, nor ``sys.modules`` and friends: they would reach a
    forbidden module by a name the first rule cannot see.
``properties use Hypothesis``
    Each function named in :attr:`SourceRules.properties` must run a
    Hypothesis property: it is decorated with ``@given``, or it calls a
    function decorated with ``@given`` (nested in it or at module level).

Used by the grader; usable by any core::

    rules = SourceRules(allowed=("funcpipe_rag.Ok", "funcpipe_rag.Err"))
    broken = check_rules(text, "ex01_primitives.py", rules)
    if broken:
        print(broken[0])   # one sentence: the rule, the line, what to do
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType

IMPORTS = "allowed imports only"
DYNAMIC = "no dynamic imports"
HYPOTHESIS = "properties use Hypothesis"

MACHINERY = frozenset({
    "builtins", "code", "codeop", "ctypes", "imp", "importlib", "marshal", "pickle", "pkgutil", "runpy",
    "zipimport",
})
"""Standard-library modules that can load or run code by name: never allowed in a submission."""

TRUSTED_ROOTS = frozenset({"funcpipe_rag"})
FORBIDDEN_ROOTS = frozenset({"solutions", "tests"})
"""Folders of the checkout a submission must never import, whatever the import path makes of them."""
"""Packages the grader resolves (imports in its own process) to compare objects by identity."""

_DYNAMIC_CALLS = frozenset({"__import__", "exec", "eval", "compile", "globals"})
_DYNAMIC_NAMES = frozenset({"__builtins__", "__loader__", "__spec__"})
_SYS_MACHINERY = frozenset({"modules", "meta_path", "path_hooks", "path_importer_cache"})


@dataclass(frozen=True)
class SourceRules:
    """The rules of one exercise's file (see the module docstring)."""

    allowed: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()

    def describe_allowed(self) -> str:
        """The allowed imports, as a learner reads them: ``Ok, Err from funcpipe_rag``."""
        groups: dict[str, list[str]] = {}
        for name in self.allowed:
            obj = resolve(name)
            if isinstance(obj, ModuleType) or obj is _MISSING:
                groups.setdefault(name, [])
            else:
                module, _, attr = name.rpartition(".")
                groups.setdefault(module, []).append(attr)
        parts = [f"{', '.join(attrs)} from {module}" if attrs else module for module, attrs in groups.items()]
        return "the standard library" + "".join(f"; {p}" for p in parts)


@dataclass(frozen=True)
class Broken:
    """One broken rule: which, where, and the sentence the learner reads."""

    rule: str
    line: int
    sentence: str

    def __str__(self) -> str:
        return self.sentence


def _stdlib(name: str) -> bool:
    root = name.split(".")[0]
    return root == "__future__" or (root in sys.stdlib_module_names and root not in MACHINERY)


_MISSING = object()


def resolve(dotted: str) -> object:
    """What a dotted name inside a trusted package refers to (importing it in *this* process).

    Returns a private sentinel when the name does not exist or lies outside
    :data:`TRUSTED_ROOTS` (a learner's or a solution's module is never imported).
    """
    parts = dotted.split(".")
    if parts[0] not in TRUSTED_ROOTS:
        return _MISSING
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr, _MISSING)
            if obj is _MISSING:
                return _MISSING
        return obj
    return _MISSING


OK, THROUGH, FORBIDDEN = "ok", "through", "forbidden"


class _Allowance:
    """The allowed list of one exercise, resolved once."""

    def __init__(self, allowed: Iterable[str], local: Iterable[str] = ()) -> None:
        self.local = frozenset(local)
        self.modules: list[str] = []
        self.objects: list[object] = []
        for name in allowed:
            obj = resolve(name)
            if isinstance(obj, ModuleType):
                self.modules.extend({name, obj.__name__})
            elif obj is not _MISSING:
                self.objects.append(obj)
            elif name.split(".")[0] in TRUSTED_ROOTS:
                raise ValueError(f"the allowed import {name!r} does not exist in the library")
            else:
                self.modules.append(name)  # a third-party package, allowed whole (never imported here)

    def _under_module(self, dotted: str) -> bool:
        return any(dotted == m or dotted.startswith(m + ".") for m in self.modules)

    def judge(self, dotted: str) -> str:
        """``OK``, ``FORBIDDEN``, or ``THROUGH``: a library module, judged by what is used through it."""
        if _stdlib(dotted) or self._under_module(dotted):
            return OK
        root = dotted.split(".")[0]
        if root not in TRUSTED_ROOTS:
            if root in self.local or root in FORBIDDEN_ROOTS:
                return FORBIDDEN
            # A module that is not installed at all is no shortcut: importing it fails with Python's own
            # message, which says more than a rule would.
            return FORBIDDEN if importlib.util.find_spec(root) is not None else OK
        obj = resolve(dotted)
        if obj is _MISSING:
            return OK  # not in the library at all: it fails when imported, and is no shortcut
        if isinstance(obj, ModuleType):
            return OK if self._under_module(obj.__name__) else THROUGH
        return OK if any(obj is allowed for allowed in self.objects) else FORBIDDEN


def _chain(node: ast.expr) -> tuple[str, list[str]] | None:
    """``a.b.c`` → ``("a", ["b", "c"])``; ``None`` for anything that is not a plain name chain."""
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return node.id, attrs[::-1]
    return None


class _Checker(ast.NodeVisitor):
    def __init__(self, filename: str, rules: SourceRules, local: Iterable[str]) -> None:
        self.filename = filename
        self.rules = rules
        self.allowance = _Allowance(rules.allowed, local)
        self.found: list[Broken] = []
        self.modules: dict[str, str] = {}  # local name -> the module it is bound to
        self.names: dict[str, str] = {}  # local name -> dotted name of what `from M import N` bound
        self.through: set[str] = set()  # local names bound to library modules used only through

    # ---- reporting --------------------------------------------------------------------

    def broken(self, rule: str, node: ast.AST, what: str, advice: str) -> None:
        line = getattr(node, "lineno", 0)
        if any(b.rule == rule and b.line == line for b in self.found):
            return
        sentence = f"{self.filename} breaks the rule \"{rule}\" at line {line}: {what}; {advice}."
        self.found.append(Broken(rule, line, sentence))

    def _dynamic(self, node: ast.AST, what: str) -> None:
        self.broken(DYNAMIC, node, what, "import what you need by name, as the exercise lists it")

    def _forbidden(self, node: ast.AST, dotted: str, *, as_value: bool = False) -> None:
        root = dotted.split(".")[0]
        if root in MACHINERY:
            self._dynamic(node, f"it imports {dotted}, which loads code by name")
            return
        if as_value:
            what = f"it uses the module {dotted} as a value"
        elif root == "solutions":
            what = f"it imports {dotted}, a reference solution"
        elif root in TRUSTED_ROOTS:
            what = f"it uses {dotted}, which is what this exercise asks you to write (or does not need)"
        else:
            what = f"it imports {dotted}, which this exercise does not allow"
        self.broken(IMPORTS, node, what, f"this exercise may import {self.rules.describe_allowed()}")

    # ---- imports ----------------------------------------------------------------------

    def _bind(self, local: str, dotted: str, verdict: str) -> None:
        self.modules[local] = dotted
        if verdict == THROUGH:
            self.through.add(local)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            verdict = self.allowance.judge(alias.name)
            if verdict == FORBIDDEN:
                self._forbidden(node, alias.name)
            elif alias.asname:
                self._bind(alias.asname, alias.name, verdict)
            else:  # `import a.b` binds `a`
                root = alias.name.split(".")[0]
                self._bind(root, root, self.allowance.judge(root))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self.broken(IMPORTS, node, "it imports from its own folder (a relative import)",
                        f"this exercise may import {self.rules.describe_allowed()}")
            return
        module = node.module or ""
        for alias in node.names:
            local = alias.asname or alias.name
            if alias.name == "*":
                if self.allowance.judge(module) != OK:
                    self._forbidden(node, module)
                continue
            dotted = f"{module}.{alias.name}"
            if module == "sys" and alias.name in _SYS_MACHINERY:
                self._dynamic(node, f"it imports sys.{alias.name}, which reaches modules by name")
                continue
            verdict = self.allowance.judge(dotted)
            if verdict == FORBIDDEN:
                self._forbidden(node, dotted)
                continue
            self.names[local] = dotted
            if verdict == THROUGH or isinstance(resolve(dotted), ModuleType):
                self._bind(local, dotted, verdict)

    # ---- uses of imported modules -----------------------------------------------------

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain = _chain(node)
        if chain is None or chain[0] not in self.modules:
            self.generic_visit(node)
            return
        base, attrs = chain
        dotted = self.modules[base]
        if dotted == "sys" and attrs[0] in _SYS_MACHINERY:
            self._dynamic(node, f"it uses sys.{attrs[0]}, which reaches modules by name")
            return
        if base not in self.through:
            return
        for attr in attrs:  # the whole chain is judged here, once
            dotted = f"{dotted}.{attr}"
            verdict = self.allowance.judge(dotted)
            if verdict == OK:
                return
            if verdict == FORBIDDEN:
                self._forbidden(node, dotted)
                return
        self._forbidden(node, dotted, as_value=True)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in _DYNAMIC_NAMES:
            self._dynamic(node, f"it uses {node.id}")
        elif node.id in self.through and isinstance(node.ctx, ast.Load):
            self._forbidden(node, self.modules[node.id], as_value=True)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in _DYNAMIC_CALLS:
            self._dynamic(node, f"it calls {node.func.id}()")
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "__import__":
            self._dynamic(node, "it calls __import__()")
        self.generic_visit(node)

    # ---- properties -------------------------------------------------------------------

    def is_given(self, decorator: ast.expr) -> bool:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        chain = _chain(target)
        if chain is None:
            return False
        base, attrs = chain
        if not attrs:
            return self.names.get(base) == "hypothesis.given"
        return self.modules.get(base) == "hypothesis" and attrs == ["given"]


def _functions(body: Iterable[ast.stmt]) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            yield stmt


def _is_stub(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A body that only raises NotImplementedError (after a docstring): not written yet, so no rule applies.

    Its graded tests say "not implemented yet", which is the better message.
    """
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _called_names(fn: ast.AST) -> set[str]:
    return {
        n.func.id for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }


def _check_properties(tree: ast.Module, checker: _Checker) -> None:
    top = {fn.name: fn for fn in _functions(tree.body)}
    given_at_top = {name for name, fn in top.items() if any(map(checker.is_given, fn.decorator_list))}
    for name in checker.rules.properties:
        fn = top.get(name)
        if fn is None or _is_stub(fn):
            continue  # missing or not written yet: the graded tests report it, not a rule
        if name in given_at_top:
            continue
        nested = {
            inner.name for inner in ast.walk(fn)
            if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef) and inner is not fn
            and any(map(checker.is_given, inner.decorator_list))
        }
        if (nested | given_at_top) & _called_names(fn):
            continue
        checker.broken(
            HYPOTHESIS, fn, f"{name} runs no Hypothesis property (it calls no function marked @given)",
            "write the check as a @given property over generated inputs and call it",
        )


def check_rules(source: str, filename: str, rules: SourceRules, *, local: Iterable[str] = ()) -> list[Broken]:
    """Every rule ``source`` breaks, in line order; a file that does not parse breaks none here.

    ``local`` names the other modules of the submission (its other exercise
    files): importing one is not allowed either.

    (A file that does not parse fails every graded test of its exercise anyway,
    with the parser's own message.)
    """
    from funcpipe_rag.grading.harness import parse_python  # one thread at a time (CPython 3.11 ast)

    try:
        tree = parse_python(source, filename)
    except (SyntaxError, ValueError):
        return []
    checker = _Checker(filename, rules, local)
    checker.visit(tree)
    _check_properties(tree, checker)
    return sorted(checker.found, key=lambda b: (b.line, b.rule))


__all__ = ["DYNAMIC", "HYPOTHESIS", "IMPORTS", "MACHINERY", "Broken", "SourceRules", "check_rules", "resolve"]
