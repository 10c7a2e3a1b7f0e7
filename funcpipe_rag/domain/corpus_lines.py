"""Reading a JSONL corpus line by line into documents, or saying what is wrong with a line.

Pure: it parses text it is given and touches no file.
"""

from __future__ import annotations

import json
from typing import Any

from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.rag import RawDoc
from funcpipe_rag.result import Err, ErrInfo, Ok, Result


def parse_corpus_line(line: str, lineno: int) -> Result[RawDoc | None, ErrInfo]:
    """Parse one line of a JSONL corpus into a :class:`~funcpipe_rag.rag.RawDoc`.

    A line is a JSON object with non-empty string fields ``id`` and ``text``
    and an optional string ``title`` (default: the id). A blank line gives
    ``Ok(None)``. Anything else is ``Err(VALIDATION)`` with path
    ``("line", lineno)`` and a message naming the problem.
    """
    where: tuple[str | int, ...] = ("line", lineno)
    if not line.strip():
        return Ok(None)
    try:
        raw: Any = json.loads(line)
    except ValueError as exc:
        return Err(ErrInfo(ErrorCode.VALIDATION, f"not valid JSON ({exc})", path=where))
    if not isinstance(raw, dict):
        found = type(raw).__name__
        return Err(ErrInfo(ErrorCode.VALIDATION, f"expected a JSON object, got {found}", path=where))
    fields: dict[str, str] = {}
    for name in ("id", "text"):
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            msg = f"field {name!r} must be a non-empty string"
            return Err(ErrInfo(ErrorCode.VALIDATION, msg, path=where))
        fields[name] = value
    title = raw.get("title", fields["id"])
    if not isinstance(title, str):
        return Err(ErrInfo(ErrorCode.VALIDATION, "field 'title' must be a string", path=where))
    return Ok(RawDoc(doc_id=fields["id"], title=title, text=fields["text"]))
