"""The corpora the lessons and the demos read: a fixed snapshot, or the live standard library.

* :func:`snapshot_corpus` is the default everywhere an output is compared (the
  notebooks, the graded tests, ``funcpipe demo rag``): docstrings of the
  standard library captured once, on the Python named by
  :data:`SNAPSHOT_PYTHON`, by ``python -m funcpipe_rag.tools.snapshot_corpus``,
  and shipped as package data (``funcpipe_rag/data/stdlib_docs.jsonl``; its
  provenance and licence are in ``funcpipe_rag/data/README.md``). The same
  documents on every Python, so everything computed from them is too.
* :func:`stdlib_corpus` reads the docstrings of the Python that runs it
  (``funcpipe demo rag --corpus stdlib``): real text on every machine, read
  without any download, but it changes with every Python release.
* :func:`parse_corpus` turns JSONL (one ``{"id", "title", "text"}`` per line)
  into documents.

Reading files and importing modules are effects, so this lives in the shell.
"""

from __future__ import annotations

import importlib
import inspect
import warnings
from collections.abc import Iterator, Sequence
from importlib import resources

from funcpipe_rag.domain.corpus_lines import parse_corpus_line
from funcpipe_rag.rag.types import RawDoc
from funcpipe_rag.result import Err

SNAPSHOT_PYTHON = "3.13.0"
"""The CPython release whose standard library the packaged snapshot was captured from."""

SNAPSHOT_FILE = "stdlib_docs.jsonl"
"""The snapshot's file name in ``funcpipe_rag/data/``."""

# A fixed, import-safe list keeps the corpus the same from run to run.
DEFAULT_MODULES: tuple[str, ...] = (
    "abc", "argparse", "asyncio", "base64", "bisect", "calendar", "collections", "contextlib",
    "copy", "csv", "dataclasses", "datetime", "decimal", "difflib", "enum", "fractions",
    "functools", "gzip", "hashlib", "heapq", "hmac", "html", "inspect", "io", "ipaddress",
    "itertools", "json", "logging", "math", "operator", "os", "pathlib", "pickle", "queue",
    "random", "re", "secrets", "shlex", "shutil", "statistics", "string", "struct",
    "subprocess", "tempfile", "textwrap", "threading", "time", "typing", "unittest", "urllib",
    "uuid", "weakref", "zipfile",
)


def _module_docs(name: str) -> Iterator[RawDoc]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = importlib.import_module(name)
    # A package's submodules are part of it: asyncio.gather is defined in asyncio.tasks.
    is_package = hasattr(module, "__path__")
    doc = inspect.getdoc(module)
    if doc:
        yield RawDoc(doc_id=name, title=name, text=doc)
    for attr in sorted(getattr(module, "__all__", None) or dir(module)):
        if attr.startswith("_"):
            continue
        obj = getattr(module, attr, None)
        defined_in = getattr(obj, "__module__", None) or ""
        if not (defined_in == name or (is_package and defined_in.startswith(f"{name}."))):
            continue  # re-exports are documented where they are defined
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        text = inspect.getdoc(obj)
        if text:
            yield RawDoc(doc_id=f"{name}.{attr}", title=f"{name}.{attr}", text=text)


def stdlib_corpus(modules: Sequence[str] = DEFAULT_MODULES, limit: int | None = None) -> list[RawDoc]:
    """Documents made from the docstrings of ``modules`` and their public classes and functions.

    Deterministic for a given Python version, and different from one version
    to the next: modules in the given order, members sorted by name; a
    package's public members defined in its submodules count as the
    package's (``asyncio.gather``, defined in ``asyncio.tasks``). ``limit``
    keeps only the first ``limit`` documents. Use :func:`snapshot_corpus`
    wherever the result must not depend on the Python that runs it.
    """
    docs: list[RawDoc] = []
    for name in modules:
        for doc in _module_docs(name):
            docs.append(doc)
            if limit is not None and len(docs) >= limit:
                return docs
    return docs


def parse_corpus(data: bytes, source: str, limit: int | None = None) -> tuple[list[RawDoc], list[str]]:
    """The documents of JSONL ``data``, and one message per malformed line (``SOURCE:LINE: problem``).

    Malformed lines are skipped and the rest is kept; ``limit`` stops after
    that many documents.
    """
    docs: list[RawDoc] = []
    bad: list[str] = []
    for lineno, raw in enumerate(data.splitlines(), start=1):
        if limit is not None and len(docs) >= limit:
            break
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(f"{source}:{lineno}: not valid UTF-8")
            continue
        parsed = parse_corpus_line(line, lineno)
        if isinstance(parsed, Err):
            bad.append(f"{source}:{lineno}: {parsed.error.msg}")
        elif parsed.value is not None:
            docs.append(parsed.value)
    return docs, bad


def snapshot_bytes() -> bytes:
    """The packaged snapshot file, as it is stored."""
    return (resources.files("funcpipe_rag") / "data" / SNAPSHOT_FILE).read_bytes()


def snapshot_corpus(limit: int | None = None) -> list[RawDoc]:
    """The packaged snapshot of standard-library docstrings: the same documents on every Python.

    In the order they were captured (:func:`stdlib_corpus`'s order);
    ``limit`` keeps only the first ``limit`` documents.
    """
    docs, bad = parse_corpus(snapshot_bytes(), SNAPSHOT_FILE, limit)
    if bad:
        raise RuntimeError(
            f"the packaged corpus is damaged ({bad[0]}); reinstall the workbook (make test does)"
        )
    return docs
