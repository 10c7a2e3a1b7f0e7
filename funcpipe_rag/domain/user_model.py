"""The user record and its pure validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from funcpipe_rag.domain.errors import ErrorCode
from funcpipe_rag.result import Err, ErrInfo, Ok, Result


@dataclass(frozen=True, slots=True)
class UserProfile:
    """A validated user: non-empty ``id`` and ``name``; ``email``, when known, has one ``@``."""

    id: str
    name: str
    email: str | None = None


def validate_user(raw: Mapping[str, Any]) -> Result[UserProfile, ErrInfo]:
    """Check a raw JSON record and build a :class:`UserProfile`, or say what is wrong.

    ``id`` (a string or an integer) and ``name`` are required; ``email`` may be
    missing or null, but if present must look like ``name@host``. Pure: the
    same record always gives the same answer. Failures have code
    ``"VALIDATION"`` and a ``path`` naming the offending field.
    """
    if not isinstance(raw, Mapping):
        return Err(ErrInfo(ErrorCode.VALIDATION, f"expected a JSON object, got {type(raw).__name__}"))
    fields: dict[str, str] = {}
    for name in ("id", "name"):
        value = raw.get(name)
        if name == "id" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            msg = f"field {name!r} must be a non-empty string"
            return Err(ErrInfo(ErrorCode.VALIDATION, msg, path=(name,)))
        fields[name] = value.strip()
    email = raw.get("email")
    if email is None:
        return Ok(UserProfile(id=fields["id"], name=fields["name"]))
    if not isinstance(email, str):
        return Err(ErrInfo(ErrorCode.VALIDATION, "field 'email' must be a string", path=("email",)))
    local, at, domain = email.strip().partition("@")
    if not at or not local or not domain or "@" in domain:
        return Err(ErrInfo(ErrorCode.VALIDATION, "field 'email' must look like name@host", path=("email",)))
    return Ok(UserProfile(id=fields["id"], name=fields["name"], email=email.strip()))
