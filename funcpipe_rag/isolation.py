"""The interpreter-isolation check: core code describes, only shells drive.

It reads Python source as an AST (nothing is imported or run) and reports:

* a call that drives a plan or schedules work — ``asyncio.run``,
  ``create_task``, ``ensure_future``, ``run_until_complete``, ``run_forever``,
  ``perform_async``, ``run_plan``;
* an ``await`` outside any ``async def`` (top-level await);
* an import of the shell, ``funcpipe_rag.infra`` (absolute or relative);
* in the synchronous core (``funcpipe_rag/rag/``, checked with
  ``sync_only=True``), any ``async def``, ``await``, ``async for`` or
  ``async with``: the pure RAG core stays synchronous, so it is tested
  without an event loop and lifted into plans and streams from outside
  (``lift_sync`` and friends).

A line ending in ``# isolation: allowed (reason)`` is exempt when
``allow_pragmas`` is true; the library uses it once, for the worker pool inside
``async_gather``, which starts tasks only while the gather itself is being
driven. Learner submissions are checked with ``allow_pragmas=False``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

DRIVING_CALLS = frozenset(
    {
        "create_task", "ensure_future", "run_until_complete", "run_forever", "perform_async", "run_plan",
        "collect_stream", "run_stream", "stream_items",
    }
)  # fmt: skip
ASYNCIO_DRIVERS = frozenset({"run"})
PRAGMA = "# isolation: allowed"
CORE_PACKAGES = ("domain", "rag")
SYNC_CORE_PACKAGES = ("rag",)


@dataclass(frozen=True, slots=True)
class Violation:
    """One place where core code drives a plan or reaches into the shell."""

    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: str, lines: list[str], allow_pragmas: bool, sync_only: bool = False) -> None:
        self.path = path
        self.lines = lines
        self.allow_pragmas = allow_pragmas
        self.sync_only = sync_only
        self.found: list[Violation] = []
        self.asyncio_names = {"asyncio"}
        self.async_depth = 0

    def _report(self, node: ast.AST, what: str) -> None:
        line = getattr(node, "lineno", 0)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if self.allow_pragmas and PRAGMA in text:
            return
        self.found.append(Violation(self.path, line, what))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "asyncio":
                self.asyncio_names.add(alias.asname or "asyncio")
            if alias.name == "funcpipe_rag.infra" or alias.name.startswith("funcpipe_rag.infra."):
                self._report(node, f"imports the shell module {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        absolute = module == "funcpipe_rag.infra" or module.startswith("funcpipe_rag.infra.")
        relative = node.level > 0 and (module == "infra" or module.startswith("infra."))
        names = {a.name for a in node.names}
        if absolute or relative or (module == "funcpipe_rag" and "infra" in names):
            self._report(node, f"imports the shell module {'.' * node.level}{module}")
        if module == "asyncio":
            for alias in node.names:
                if alias.name in ASYNCIO_DRIVERS:
                    self._report(node, f"imports asyncio.{alias.name}, which drives a plan")

    def _not_synchronous(self, node: ast.AST, what: str) -> None:
        if self.sync_only:
            self._report(node, f"{what} in the synchronous core; keep it sync and lift it (lift_sync)")

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._not_synchronous(node, "async for")
        self.generic_visit(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._not_synchronous(node, "async with")
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if node.is_async:
            self._not_synchronous(node.target, "an async comprehension")
        self.generic_visit(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._not_synchronous(node, f"async def {node.name}")
        self.async_depth += 1
        self.generic_visit(node)
        self.async_depth -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        saved, self.async_depth = self.async_depth, 0
        self.generic_visit(node)
        self.async_depth = saved

    def visit_Lambda(self, node: ast.Lambda) -> None:
        saved, self.async_depth = self.async_depth, 0
        self.generic_visit(node)
        self.async_depth = saved

    def visit_Await(self, node: ast.Await) -> None:
        self._not_synchronous(node, "await")
        if self.async_depth == 0:
            self._report(node, "awaits outside an async def (top-level await drives a plan)")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = None
        if isinstance(func, ast.Attribute):
            name = func.attr
            if (
                name in ASYNCIO_DRIVERS
                and isinstance(func.value, ast.Name)
                and func.value.id in self.asyncio_names
            ):
                self._report(node, f"calls {func.value.id}.{name}(), which drives a plan")
        elif isinstance(func, ast.Name):
            name = func.id
        if name in DRIVING_CALLS:
            self._report(node, f"calls {name}(), which drives a plan; return the plan instead")
        self.generic_visit(node)


def check_source(
    source: str, path: str = "<source>", *, allow_pragmas: bool = True, sync_only: bool = False
) -> list[Violation]:
    """Every violation in ``source``; a file that does not parse is one violation.

    ``sync_only`` adds the rules of the synchronous core: no ``async def``,
    ``await``, ``async for``, ``async with`` or async comprehension.
    """
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        return [Violation(path, exc.lineno or 0, f"does not parse: {exc.msg}")]
    visitor = _Visitor(path, source.splitlines(), allow_pragmas, sync_only)
    visitor.visit(tree)
    return sorted(visitor.found, key=lambda v: (v.path, v.line, v.what))


def _python_files(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            yield from sorted(q for q in p.rglob("*.py") if "__pycache__" not in q.parts)
        else:
            yield p


def check_paths(
    paths: Iterable[Path | str], *, allow_pragmas: bool = True, sync_only: bool = False
) -> list[Violation]:
    """Every violation in the Python files at ``paths`` (folders are walked)."""
    found: list[Violation] = []
    for file in _python_files(Path(p) for p in paths):
        source = file.read_text(encoding="utf-8", errors="replace")
        found.extend(check_source(source, str(file), allow_pragmas=allow_pragmas, sync_only=sync_only))
    return found


def core_paths() -> list[Path]:
    """The folders of this package that must stay pure: ``domain/`` and ``rag/``."""
    root = Path(__file__).resolve().parent
    return [root / name for name in CORE_PACKAGES]


def sync_core_paths() -> list[Path]:
    """The folders of this package that must also stay synchronous: ``rag/``."""
    root = Path(__file__).resolve().parent
    return [root / name for name in SYNC_CORE_PACKAGES]


def check_package() -> list[Violation]:
    """Run the check over this package's core folders (and the synchronous rules over ``rag/``)."""
    sync = {p.resolve() for p in sync_core_paths()}
    found = check_paths(p for p in core_paths() if p.resolve() not in sync)
    found += check_paths(sync_core_paths(), sync_only=True)
    return found
