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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, NoReturn, TypeAlias, TypeVar

T = TypeVar("T")
U = TypeVar("U")
E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class ErrInfo:
    """What went wrong, as data.

    ``code`` is a short machine-readable tag (``"NOT_FOUND"``, ``"RATE_LIMIT"``),
    ``message`` a sentence for a person, ``path`` where in the input or the
    pipeline the failure happened (for example ``("users", "42", "email")``),
    and ``cause`` an optional underlying ``ErrInfo``. Two ``ErrInfo`` values are
    equal when all four fields are equal, which is what the laws compare.
    """

    code: str
    message: str
    path: tuple[str | int, ...] = ()
    cause: ErrInfo | None = field(default=None, compare=True)

    @classmethod
    def from_exception(
        cls,
        exc: BaseException,
        *,
        code: str = "UNEXPECTED",
        path: tuple[str | int, ...] = (),
    ) -> ErrInfo:
        """Describe ``exc`` as data: its type name and text become the message.

        Use it at an adapter boundary, where an exception from a library is an
        expected failure of the outside world rather than a bug of ours.
        Chained exceptions (``raise ... from ...``) become ``cause``.
        """
        text = str(exc)
        message = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        inner = exc.__cause__ or exc.__context__
        cause = None
        if inner is not None and inner is not exc:
            cause = cls.from_exception(inner, code=code, path=path)
        return cls(code=code, message=message, path=path, cause=cause)

    def at(self, *segments: str | int) -> ErrInfo:
        """The same error, located under ``segments`` (prepended to ``path``)."""
        return ErrInfo(self.code, self.message, (*segments, *self.path), self.cause)


@dataclass(frozen=True, slots=True)
class Ok(Generic[T]):
    """A success holding ``value``."""

    value: T

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


@dataclass(frozen=True, slots=True)
class Err(Generic[E]):
    """A failure holding ``error`` (an :class:`ErrInfo` throughout this package)."""

    error: E

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
