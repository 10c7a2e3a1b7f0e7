"""Names a package exports but imports only when first used.

Hypothesis takes a good part of a second to import. The packages whose
public names include Hypothesis-based helpers (:mod:`funcpipe_rag.testing`,
:mod:`funcpipe_rag.teaching`) export those names through :func:`on_first_use`,
so code that needs only their other names (the grader's child process, the
fakes in a script) does not pay for it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def on_first_use(package: str, modules: Mapping[str, Iterable[str]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``package.<module>`` when one of its names is first used.

    ``modules`` maps a submodule (``"_laws"``) to the names taken from it.
    """
    where = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)  # later lookups find it directly
        return value

    return __getattr__
