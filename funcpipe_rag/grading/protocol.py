"""The conversation between the grader and the child, and what a well-formed reply is.

One JSON object per line, over a socket only the two of them hold. The
grader writes requests; the child answers each with exactly one reply::

    grader → child   {"op": "init", "seq": 0, "exercise": ..., "module": ..., "label": ..., "source": ...}
                     {"op": "import", "seq": n}
                     {"op": "observe", "seq": n, "observer": name, "case": <codec data>}
    child → grader   {"seq": n, "printed": text, "value": <codec data>}
                     {"seq": n, "printed": text, "raised": {"kind", "type", "message", "file", "line",
                                                           "function"}}

Nothing in a reply is a verdict: ``value`` is the observer's facts, judged
by the grader. :func:`parse_reply` accepts only the reply to the request in
flight, with exactly these keys and types; anything else raises
:class:`ProtocolError`, which the grader reports as interference with
grading. :func:`check_shape` checks a decoded value against an observer's
return annotation.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin, is_typeddict

from funcpipe_rag.grading import codec

MAX_MESSAGE = 4 << 20
"""Bytes in one reply, newline included; a longer one is a protocol violation."""

MAX_PRINTED = 2000
"""Characters of captured output one reply may carry."""

RAISED_KINDS = frozenset(
    {"error", "assertion", "not_implemented", "submission", "exit", "memory", "recursion"}
)


class ProtocolError(Exception):
    """A reply that is not the well-formed answer to the request in flight."""


@dataclass(frozen=True)
class Raised:
    """An exception that ended an observation, as the child described it."""

    kind: str
    type: str
    message: str
    file: str | None
    line: int | None
    function: str | None

    def where(self) -> str:
        """`` (at ex01.py, line 7, in run)`` when the child found the learner's frame."""
        if not self.file:
            return ""
        return f" (at {self.file}, line {self.line}, in {self.function})"


@dataclass(frozen=True)
class Reply:
    seq: int
    printed: str
    value: Any = None
    raised: Raised | None = None


def request(op: str, seq: int, **fields: Any) -> bytes:
    """One request line."""
    return (json.dumps({"op": op, "seq": seq, **fields}, ensure_ascii=True) + "\n").encode("ascii")


def _raised(data: object) -> Raised:
    keys = {"kind", "type", "message", "file", "line", "function"}
    if type(data) is not dict or set(data) != keys:
        raise ProtocolError(f"`raised` must have exactly the keys {sorted(keys)}")
    assert isinstance(data, dict)
    if data["kind"] not in RAISED_KINDS:
        raise ProtocolError(f"unknown kind of exception {data['kind']!r}")
    if type(data["type"]) is not str or type(data["message"]) is not str:
        raise ProtocolError("`raised.type` and `raised.message` must be strings")
    for key, kind in (("file", str), ("line", int), ("function", str)):
        if data[key] is not None and type(data[key]) is not kind:
            raise ProtocolError(f"`raised.{key}` must be a {kind.__name__} or null")
    return Raised(data["kind"], data["type"][:200], data["message"][:1000], data["file"], data["line"],
                  data["function"])


def parse_reply(line: bytes, seq: int) -> Reply:
    """The reply to request ``seq``; :class:`ProtocolError` for anything else."""
    if len(line) > MAX_MESSAGE:
        raise ProtocolError("a reply longer than the grader accepts")
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"a reply that is not JSON ({type(exc).__name__})") from None
    if type(data) is not dict:
        raise ProtocolError("a reply that is not a JSON object")
    if data.get("seq") != seq or type(data.get("seq")) is not int:
        raise ProtocolError(f"a reply to request {data.get('seq')!r} while request {seq} was in flight")
    printed = data.get("printed")
    if type(printed) is not str or len(printed) > MAX_PRINTED + 10:
        raise ProtocolError("`printed` must be a short string")
    keys = set(data)
    if keys == {"seq", "printed", "value"}:
        try:
            return Reply(seq, printed, value=codec.decode(data["value"]))
        except codec.CodecError as exc:
            raise ProtocolError(f"a value that is not well-formed data: {exc}") from None
    if keys == {"seq", "printed", "raised"}:
        return Reply(seq, printed, raised=_raised(data["raised"]))
    raise ProtocolError(f"a reply with the keys {sorted(keys)}")


# ---- the shape of an observation ------------------------------------------------------


def _plain(hint: Any) -> type | None:
    return hint if isinstance(hint, type) else None


def check_shape(value: Any, hint: Any, where: str = "the observation") -> str | None:
    """Why ``value`` does not fit the annotation ``hint``, or ``None`` when it does.

    Understood: ``TypedDict`` (exactly its keys), ``int``, ``float`` (an int
    is accepted), ``str``, ``bytes``, ``bool``, ``None``, ``list[X]``,
    ``tuple[X, ...]`` / ``tuple[X, Y]``, ``dict[K, V]``, unions, ``Literal``,
    ``Any`` / ``object`` (anything), and classes (exact type, so an ``Ok``
    is an ``Ok``; generic arguments are not checked).
    """
    if hint is Any or hint is object:
        return None
    if hint is None or hint is type(None):
        return None if value is None else f"{where} should be None, got {type(value).__name__}"
    origin = get_origin(hint)
    args = get_args(hint)
    if origin is Union or origin is types.UnionType:
        reasons = [check_shape(value, arg, where) for arg in args]
        return None if any(r is None for r in reasons) else f"{where} fits none of {hint}"
    if origin is Literal:
        return None if value in args else f"{where} should be one of {args}, got {value!r}"
    if is_typeddict(hint):
        if type(value) is not dict:
            return f"{where} should be a dict, got {type(value).__name__}"
        fields = typing.get_type_hints(hint)
        if set(value) != set(fields):
            return f"{where} should have the keys {sorted(fields)}, got {sorted(map(str, value))}"
        for key, field_hint in fields.items():
            reason = check_shape(value[key], field_hint, f"{where}[{key!r}]")
            if reason:
                return reason
        return None
    if origin is list:
        if type(value) is not list:
            return f"{where} should be a list, got {type(value).__name__}"
        if not args:
            return None
        return next((r for i, v in enumerate(value) if (r := check_shape(v, args[0], f"{where}[{i}]"))), None)
    if origin is tuple:
        if type(value) is not tuple:
            return f"{where} should be a tuple, got {type(value).__name__}"
        if not args:
            return None
        if len(args) == 2 and args[1] is Ellipsis:
            items = [(v, args[0]) for v in value]
        elif len(args) != len(value):
            return f"{where} should have {len(args)} items, got {len(value)}"
        else:
            items = list(zip(value, args, strict=True))
        return next((r for i, (v, h) in enumerate(items) if (r := check_shape(v, h, f"{where}[{i}]"))), None)
    if origin is dict:
        if type(value) is not dict:
            return f"{where} should be a dict, got {type(value).__name__}"
        if not args:
            return None
        for k, v in value.items():
            reason = check_shape(k, args[0], f"a key of {where}") \
                or check_shape(v, args[1], f"{where}[{k!r}]")
            if reason:
                return reason
        return None
    cls = _plain(origin) or _plain(hint)
    if cls is None:
        return None  # an annotation this checker does not understand: accept, as the type checker did
    if cls is float:
        return None if type(value) in (int, float) else \
            f"{where} should be a number, got {type(value).__name__}"
    if type(value) is not cls:
        return f"{where} should be {cls.__name__}, got {type(value).__name__}"
    return None


__all__ = ["MAX_MESSAGE", "ProtocolError", "Raised", "Reply", "check_shape", "parse_reply", "request"]
