"""Rules that more than one place applies, each written once, without I/O.

The aggregates and the roster call these; the audit's invariants keep their
own copies on purpose (it must not trust the write side).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger import errors


def grant_active(grant: Mapping[str, Any], at: Any) -> bool:
    """Whether a grant (`granted_at`, `expires_at`, `revoked_at`) covers the
    instant `at`. Instants are datetimes or RFC 3339 UTC strings, compared
    alike: granted at or before `at`, not expired and not revoked by then."""
    return (
        grant["granted_at"] <= at
        and (grant["expires_at"] is None or at < grant["expires_at"])
        and (grant["revoked_at"] is None or at < grant["revoked_at"])
    )


def check_date_order(start_field: str, start: Any, end_field: str, end: Any) -> None:
    """An end date is not before its start date."""
    if end < start:
        raise errors.InvalidField(end_field, f"must not be before {start_field}")
