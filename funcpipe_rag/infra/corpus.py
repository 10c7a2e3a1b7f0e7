"""The default corpus: docstrings of the installed Python standard library.

Real text that is on every machine, read without any download. Reading it
imports modules, which is an effect, so it lives in the shell.
"""

from __future__ import annotations

import importlib
import inspect
import warnings
from collections.abc import Iterator, Sequence

from funcpipe_rag.rag.types import RawDoc

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
    doc = inspect.getdoc(module)
    if doc:
        yield RawDoc(doc_id=name, title=name, text=doc)
    for attr in sorted(getattr(module, "__all__", None) or dir(module)):
        if attr.startswith("_"):
            continue
        obj = getattr(module, attr, None)
        if getattr(obj, "__module__", None) != name:
            continue  # re-exports are documented where they are defined
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        text = inspect.getdoc(obj)
        if text:
            yield RawDoc(doc_id=f"{name}.{attr}", title=f"{name}.{attr}", text=text)


def stdlib_corpus(modules: Sequence[str] = DEFAULT_MODULES, limit: int | None = None) -> list[RawDoc]:
    """Documents made from the docstrings of ``modules`` and their public classes and functions.

    Deterministic for a given Python version: modules in the given order,
    members sorted by name. ``limit`` keeps only the first ``limit`` documents.
    """
    docs: list[RawDoc] = []
    for name in modules:
        for doc in _module_docs(name):
            docs.append(doc)
            if limit is not None and len(docs) >= limit:
                return docs
    return docs
