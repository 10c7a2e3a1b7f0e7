"""The user record and its pure validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from funcpipe_rag.result import Err, ErrInfo, Ok, Result


@dataclass(frozen=True, slots=True)
class UserProfile:
    """A validated user: non-empty ``id`` and ``name``, an ``email`` with one ``@``."""

    id: str
    name: str
    email: str


def validate_user(raw: Mapping[str, Any]) -> Result[UserProfile, ErrInfo]:
    """Check a raw JSON record and build a :class:`UserProfile`, or say what is wrong.

    Pure: the same record always gives the same answer. Failures have code
    ``"VALIDATION"`` and a ``path`` naming the offending field.
    """
    if not isinstance(raw, Mapping):
        return Err(ErrInfo("VALIDATION", f"expected a JSON object, got {type(raw).__name__}"))
    fields: dict[str, str] = {}
    for name in ("id", "name", "email"):
        value = raw.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and name == "id":
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            return Err(ErrInfo("VALIDATION", f"field {name!r} must be a non-empty string", (name,)))
        fields[name] = value.strip()
    local, at, domain = fields["email"].partition("@")
    if not at or not local or not domain or "@" in domain:
        return Err(ErrInfo("VALIDATION", "field 'email' must look like name@host", ("email",)))
    return Ok(UserProfile(id=fields["id"], name=fields["name"], email=fields["email"]))
