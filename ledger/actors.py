"""Who acts: a token's actor and its role."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from ledger import errors


class Role(StrEnum):
    """The roles a token can have (stored with every event as `actor_role`)."""

    STAFF = "staff"
    ARTIST = "artist"
    AUDITOR = "auditor"
    PARTNER = "partner"


@dataclass(frozen=True)
class Actor:
    id: str
    role: Role
    participant_id: UUID | None = None
    # The token's label. For partners it names the organisation: tokens with
    # the same name act as one partner (see `webhooks.store.owner_of`).
    name: str = ""

    @property
    def recorded(self) -> tuple[str, str]:
        """(actor_id, actor_role) as every event records them."""
        return self.id, self.role.value

    def check_acts_for(self, participant_id: UUID) -> None:
        """Staff act for anyone; an artist only for their own participant."""
        if self.role == Role.STAFF:
            return
        if self.role == Role.ARTIST and self.participant_id == participant_id:
            return
        raise errors.Forbidden("an artist acts only for themselves")
