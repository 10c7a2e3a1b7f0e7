"""The closed error taxonomy: every failure an adapter reports has one of these codes.

Adapters turn whatever the outside world throws at them (an HTTP status, a
timeout, a refused connection, a locked database) into ``Err(ErrInfo(code,
...))`` with ``code`` taken from :class:`ErrorCode`, so the core can decide
what to do by matching on a small, fixed set of values instead of on library
exception types.

Infrastructure codes (reported by adapters):

========== ==========================================================
AUTH        the service refused our credentials (HTTP 401, 403)
RATE_LIMIT  the service asked us to slow down (HTTP 429)
TRANSIENT   the service is briefly unavailable (HTTP 502, 503, 504)
TIMEOUT     no answer within the client's time limit
NETWORK     the connection could not be made or broke (refused, reset)
SERVICE     the service answered, but wrongly (other 5xx and 4xx, bad JSON)
DB          the database failed (cannot open, read-only, locked, corrupt)
========== ==========================================================

Domain codes (reported by pure validation, or for a resource that does not exist):

========== ==========================================================
NOT_FOUND   the requested record does not exist (HTTP 404)
VALIDATION  a record or input line is malformed
========== ==========================================================

Boundary code (an exception that a boundary deliberately turned into a value):

========== ==========================================================
UNEXPECTED  a wrapped call raised (``io_delay``, the ``lift_sync`` lifts); the message names the exception
========== ==========================================================

The taxonomy is closed: every ``ErrInfo`` the library builds takes its code
from :class:`ErrorCode` (a test reads the source to check it). Build one as
``ErrInfo(ErrorCode.NOT_FOUND, "no user 42", path=("users", "42"))``; the
member is stored as its plain string.

Pure: this module imports nothing from the shell.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from funcpipe_rag.result import ErrInfo


class ErrorCode(StrEnum):
    """The codes an ``ErrInfo`` may carry; each is a ``str``, so ``code == "AUTH"`` holds."""

    AUTH = "AUTH"
    RATE_LIMIT = "RATE_LIMIT"
    TRANSIENT = "TRANSIENT"
    TIMEOUT = "TIMEOUT"
    NETWORK = "NETWORK"
    SERVICE = "SERVICE"
    DB = "DB"
    NOT_FOUND = "NOT_FOUND"
    VALIDATION = "VALIDATION"
    UNEXPECTED = "UNEXPECTED"


INFRA_CODES: frozenset[ErrorCode] = frozenset(
    {
        ErrorCode.AUTH,
        ErrorCode.RATE_LIMIT,
        ErrorCode.TRANSIENT,
        ErrorCode.TIMEOUT,
        ErrorCode.NETWORK,
        ErrorCode.SERVICE,
        ErrorCode.DB,
    }
)
"""The seven codes adapters report for failures of the outside world."""

RETRYABLE_CODES: frozenset[ErrorCode] = frozenset(
    {ErrorCode.RATE_LIMIT, ErrorCode.TRANSIENT, ErrorCode.TIMEOUT, ErrorCode.NETWORK}
)
"""Failures that may go away if the same request is sent again later."""


RETRY_AFTER_MS = "retry_after_ms"
"""The ``ctx`` key of an error that says how long to wait before asking again, in milliseconds.

Adapters set it from an HTTP ``Retry-After`` header (429, 503); a retry
policy (:class:`funcpipe_rag.RetryPolicy`) does not try again sooner, up to
its cap."""


def is_retryable(info: ErrInfo) -> bool:
    """Whether sending the same request again could succeed (see :data:`RETRYABLE_CODES`)."""
    return info.code in RETRYABLE_CODES


def code_for_status(status: int) -> ErrorCode | None:
    """The taxonomy code of an HTTP status, or ``None`` for a success (below 400).

    401/403 → AUTH, 404 → NOT_FOUND, 408 → TIMEOUT, 429 → RATE_LIMIT,
    502/503/504 → TRANSIENT, any other 4xx or 5xx → SERVICE.
    """
    if status < 400:
        return None
    if status in (401, 403):
        return ErrorCode.AUTH
    if status == 404:
        return ErrorCode.NOT_FOUND
    if status == 408:
        return ErrorCode.TIMEOUT
    if status == 429:
        return ErrorCode.RATE_LIMIT
    if status in (502, 503, 504):
        return ErrorCode.TRANSIENT
    return ErrorCode.SERVICE
