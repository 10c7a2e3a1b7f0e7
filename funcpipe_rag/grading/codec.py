"""Plain data between the grader and the process that runs a submission.

Cases go to the child and observations come back as JSON, with a small
tagged vocabulary for what JSON lacks. A tagged value is a one-key object
whose key starts with ``$``::

    {"$tuple": [...]}                 a tuple
    {"$bytes": "<base64>"}            bytes
    {"$float": "nan" | "inf" | "-inf"}
    {"$set": [...]}, {"$frozenset": [...]}
    {"$dict": [[key, value], ...]}    a dict whose keys are not all plain strings
    {"$data": ["Ok", {"value": ...}]} a registered dataclass (see :data:`REGISTRY`)
    {"$ctx": [[key, value], ...]}     the read-only mapping of an ``ErrInfo``'s ``ctx``
    {"$opaque": ["TypeName", "repr"]} anything else, as a description that equals nothing

Encoding (:func:`encode`, used in the child) checks *exact* types:
``type(v) is int``, never ``isinstance``, so a subclass with a forged
``__eq__`` arrives as an :class:`Opaque` value that compares unequal to
everything. A value too large to send becomes an :class:`Opaque` too.

Decoding (:func:`decode`, used by the grader) is strict: an unknown tag, a
malformed payload or a value nested too deeply raises :class:`CodecError`;
the grader treats that as interference with grading, never as data.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import math
from collections.abc import Callable, Mapping
from typing import Any

MAX_DEPTH = 64
"""How deeply values may nest (cases and observations are small, flat records)."""

MAX_NODES = 20_000
"""Values one encoded field may hold; a value that would take more goes as one opaque description."""

MAX_ITEMS = 10_000
"""A list, tuple, set or dict longer than this is sent as opaque, unread."""

MAX_CHARS = 100_000
"""Characters of text (strings, bytes, descriptions) one encoded field may hold."""

MAX_WORK = 60_000
"""Values one encoded field may look at, counted without refund: the cost of encoding is bounded."""

MAX_REPR = 300
"""Characters kept of the ``repr`` of a value that cannot be sent as data."""

REGISTRY: dict[str, str] = {
    "Ok": "funcpipe_rag.result:Ok",
    "Err": "funcpipe_rag.result:Err",
    "ErrInfo": "funcpipe_rag.result:ErrInfo",
    "UserProfile": "funcpipe_rag.domain.user_model:UserProfile",
    "RawDoc": "funcpipe_rag.rag:RawDoc",
    "CleanDoc": "funcpipe_rag.rag:CleanDoc",
    "ChunkText": "funcpipe_rag.rag:ChunkText",
    "Embedding": "funcpipe_rag.rag:Embedding",
    "ChunkWithoutEmbedding": "funcpipe_rag.rag:ChunkWithoutEmbedding",
    "EmbeddedChunk": "funcpipe_rag.rag:EmbeddedChunk",
    # plan and function specifications (funcpipe_rag.testing) travel as cases
    "Add": "funcpipe_rag.testing:Add",
    "Mul": "funcpipe_rag.testing:Mul",
    "LiftAdd": "funcpipe_rag.testing:LiftAdd",
    "RawLambda": "funcpipe_rag.testing:RawLambda",
    "FailWhen": "funcpipe_rag.testing:FailWhen",
    "Then": "funcpipe_rag.testing:Then",
    "Pure": "funcpipe_rag.testing:Pure",
    "Fail": "funcpipe_rag.testing:Fail",
    "Lift": "funcpipe_rag.testing:Lift",
    "Bound": "funcpipe_rag.testing:Bound",
    "Mapped": "funcpipe_rag.testing:Mapped",
}
"""Dataclasses that travel as data: a short name and where the class lives.

Graded tests of later cores add their own types with :func:`register`.
"""

_resolved: dict[str, type[Any]] = {}


class CodecError(ValueError):
    """A message that is not well-formed data in this vocabulary."""


@dataclasses.dataclass(frozen=True, eq=False)
class Opaque:
    """A value the child could not send as data: its type name and a shortened ``repr``.

    It equals nothing, not even another ``Opaque`` with the same text, so a
    comparison with an expected value always fails and the message shows
    what the learner's code produced.
    """

    type_name: str
    text: str

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


def register(name: str, where: str) -> None:
    """Let the dataclass ``where`` (``"package.module:Class"``) travel as ``name``."""
    known = REGISTRY.get(name)
    if known is not None and known != where:
        raise ValueError(f"{name!r} already names {known}, not {where}")
    REGISTRY[name] = where


def registered(name: str) -> type[Any]:
    """The class registered as ``name`` (imported on first use)."""
    cls = _resolved.get(name)
    if cls is None:
        module, _, attr = REGISTRY[name].partition(":")
        found = getattr(importlib.import_module(module), attr)
        if not (isinstance(found, type) and dataclasses.is_dataclass(found)):
            raise TypeError(f"{REGISTRY[name]} is not a dataclass")
        cls = _resolved[name] = found
    return cls


def _ctx() -> type[Any]:
    from funcpipe_rag.result import Ctx

    return Ctx


# ---- encoding (the child's side) --------------------------------------------------------


def _safe_repr(value: object) -> str:
    try:
        text = repr(value)
    except BaseException:  # a learner's __repr__ may raise anything; the description must not
        text = f"<{type(value).__name__} object>"
    if not isinstance(text, str):  # a forged __repr__ may return anything
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 1] + "…"


def _type_name(value: object) -> str:
    name = getattr(type(value), "__name__", "object")
    return name if isinstance(name, str) else "object"


class _Encoder:
    """Encodes one message within a budget, so a huge value costs the child, never the grader."""

    def __init__(self, strict: bool) -> None:
        self.nodes = 0
        self.chars = 0
        self.work = 0
        self.strict = strict

    def too_large(self, value: object) -> dict[str, Any]:
        if self.strict:
            raise TypeError("a value too large or too deeply nested to send")
        return {"$opaque": [_type_name(value), "… (too large to report)"]}

    def opaque(self, value: object) -> dict[str, Any]:
        if self.strict:
            raise TypeError(f"{_type_name(value)} values cannot be sent as data; register the type or "
                            "send plain values")
        text = _safe_repr(value)
        self.chars += len(text)
        return {"$opaque": [_type_name(value), text]}

    def __call__(self, value: object, depth: int = 0) -> Any:
        self.work += 1
        if self.work > MAX_WORK or self.nodes >= MAX_NODES or depth > MAX_DEPTH or self.chars > MAX_CHARS:
            return self.too_large(value)
        self.nodes += 1
        kind = type(value)
        if value is None or kind is bool or kind is int:
            return value
        if kind is str:
            assert isinstance(value, str)
            if self.chars + len(value) > MAX_CHARS:
                return self.too_large(value)
            self.chars += len(value)
            return value
        if kind is float:
            assert isinstance(value, float)
            if math.isfinite(value):
                return value
            return {"$float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
        if kind is bytes:
            assert isinstance(value, bytes)
            if self.chars + len(value) * 4 // 3 > MAX_CHARS:
                return self.too_large(value)
            self.chars += len(value) * 4 // 3
            return {"$bytes": base64.b64encode(value).decode("ascii")}
        if kind in (list, tuple, set, frozenset, dict):
            assert isinstance(value, list | tuple | set | frozenset | dict)
            if len(value) > MAX_ITEMS:
                return self.too_large(value)
            before = (self.nodes, self.chars)
            encoded = self.container(value, depth)
            if self.nodes > MAX_NODES or self.chars > MAX_CHARS:
                # this value alone is too large: it goes as one description, and what follows it has room
                self.nodes, self.chars = before
                return self.too_large(value)
            return encoded
        if kind is _ctx():
            assert isinstance(value, Mapping)
            return {"$ctx": [[self(k, depth + 1), self(v, depth + 1)] for k, v in list(value.items())]}
        name = getattr(kind, "__name__", None)
        if isinstance(name, str) and name in REGISTRY and registered(name) is kind:
            cls = registered(name)
            fields = {f.name: self(object.__getattribute__(value, f.name), depth + 1)
                      for f in dataclasses.fields(cls)}
            return {"$data": [name, fields]}
        return self.opaque(value)

    def container(self, value: list[Any] | tuple[Any, ...] | set[Any] | frozenset[Any] | dict[Any, Any],
                  depth: int) -> Any:
        kind = type(value)
        if kind is dict:
            assert isinstance(value, dict)
            pairs = list(dict.items(value))
            if all(type(k) is str and not k.startswith("$") for k, _ in pairs):
                return {k: self(v, depth + 1) for k, v in pairs}
            return {"$dict": [[self(k, depth + 1), self(v, depth + 1)] for k, v in pairs]}
        items = [self(v, depth + 1) for v in list(value)]
        if kind is list:
            return items
        if kind is tuple:
            return {"$tuple": items}
        return {"$set" if kind is set else "$frozenset": sorted(items, key=repr)}


def encode(value: object, *, strict: bool = False) -> Any:
    """``value`` as JSON-ready data; what cannot be sent exactly becomes ``$opaque``.

    With ``strict`` (the grader's cases) such a value raises ``TypeError`` instead.
    The fields of a top-level ``dict`` (an observation) each have their own
    budget, so one huge value the learner's code produced cannot crowd out
    the small facts next to it.
    """
    if type(value) is dict and all(type(k) is str and not k.startswith("$") for k in value):
        assert isinstance(value, dict)
        return {k: _Encoder(strict)(v, 1) for k, v in value.items()}
    return _Encoder(strict)(value)


# ---- decoding (the grader's side) -------------------------------------------------------


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise CodecError(what)


def _items(payload: object, what: str) -> list[Any]:
    _expect(type(payload) is list, f"{what} must carry a list")
    assert isinstance(payload, list)
    return payload


def _decode(data: object, depth: int) -> Any:
    _expect(depth <= MAX_DEPTH + 2, "the value is nested too deeply")
    kind = type(data)
    if data is None or kind in (bool, int, str):
        return data
    if kind is float:
        assert isinstance(data, float)
        _expect(math.isfinite(data), "a plain number must be finite")
        return data
    if kind is list:
        assert isinstance(data, list)
        return [_decode(v, depth + 1) for v in data]
    _expect(kind is dict, f"unexpected JSON value of type {kind.__name__}")
    assert isinstance(data, dict)
    tagged = [k for k in data if k.startswith("$")]
    if not tagged:
        return {k: _decode(v, depth + 1) for k, v in data.items()}
    _expect(len(data) == 1, "a tagged value must have exactly one key")
    tag, payload = next(iter(data.items()))
    decoder = _TAGS.get(tag)
    _expect(decoder is not None, f"unknown tag {tag!r}")
    assert decoder is not None
    return decoder(payload, depth)


def _tuple(payload: object, depth: int) -> tuple[Any, ...]:
    return tuple(_decode(v, depth + 1) for v in _items(payload, "$tuple"))


def _bytes(payload: object, depth: int) -> bytes:
    _expect(type(payload) is str, "$bytes must carry base64 text")
    assert isinstance(payload, str)
    try:
        return base64.b64decode(payload.encode("ascii"), validate=True)
    except ValueError as exc:
        raise CodecError(f"$bytes is not base64: {exc}") from None


def _float(payload: object, depth: int) -> float:
    _expect(payload in ("nan", "inf", "-inf"), "$float must be nan, inf or -inf")
    return float(str(payload))


def _set(payload: object, depth: int) -> set[Any]:
    try:
        return {_decode(v, depth + 1) for v in _items(payload, "$set")}
    except TypeError as exc:
        raise CodecError(f"$set holds an unhashable value: {exc}") from None


def _frozenset(payload: object, depth: int) -> frozenset[Any]:
    return frozenset(_set(payload, depth))


def _dict(payload: object, depth: int) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for pair in _items(payload, "$dict"):
        _expect(type(pair) is list and len(pair) == 2, "$dict must carry [key, value] pairs")
        try:
            out[_decode(pair[0], depth + 1)] = _decode(pair[1], depth + 1)
        except TypeError as exc:
            raise CodecError(f"$dict has an unhashable key: {exc}") from None
    return out


def _data(payload: object, depth: int) -> Any:
    items = _items(payload, "$data")
    _expect(len(items) == 2 and type(items[0]) is str and type(items[1]) is dict,
            "$data must carry [name, {field: value}]")
    name, fields = items
    _expect(name in REGISTRY, f"$data names an unregistered type {name!r}")
    cls = registered(name)
    declared = {f.name for f in dataclasses.fields(cls)}
    _expect(set(fields) == declared, f"$data {name} must have exactly the fields {sorted(declared)}")
    values = {k: _decode(v, depth + 1) for k, v in fields.items()}
    try:
        return cls(**values)
    except Exception as exc:
        raise CodecError(f"$data {name} cannot be built: {exc}") from None


def _ctx_tag(payload: object, depth: int) -> Any:
    pairs = _dict(payload, depth)
    _expect(all(type(k) is str for k in pairs), "$ctx keys must be strings")
    return _ctx()(pairs)


def _opaque(payload: object, depth: int) -> Opaque:
    items = _items(payload, "$opaque")
    _expect(len(items) == 2 and all(type(i) is str for i in items), "$opaque must carry [type, text]")
    return Opaque(items[0][:100], items[1][: MAX_REPR + 50])


_TAGS: dict[str, Callable[[object, int], Any]] = {
    "$tuple": _tuple,
    "$bytes": _bytes,
    "$float": _float,
    "$set": _set,
    "$frozenset": _frozenset,
    "$dict": _dict,
    "$data": _data,
    "$ctx": _ctx_tag,
    "$opaque": _opaque,
}


def decode(data: object) -> Any:
    """The value ``data`` describes; :class:`CodecError` if it is not well-formed."""
    try:
        return _decode(data, 0)
    except RecursionError:
        raise CodecError("the value is nested too deeply") from None


__all__ = ["REGISTRY", "CodecError", "Opaque", "decode", "encode", "register", "registered"]
