"""Reading invitations: a patient's portal access at a glance, and the invitation a link names."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from openiop.accounts.models import hash_token

from .models import PortalInvitation

NO_ACCOUNT, INVITED, ACTIVE = "none", "invited", "active"


@dataclass(frozen=True)
class PortalAccess:
    state: str  # NO_ACCOUNT, INVITED or ACTIVE
    expires_at: datetime | None = None


def portal_access_of(patient, now=None) -> PortalAccess:
    if patient.user_id:
        return PortalAccess(ACTIVE)
    # Only the expiry is shown: no need to load (and compile the selection of) the whole invitation row.
    expires_at = (
        PortalInvitation.objects.filter(patient=patient)
        .open(now)
        .order_by("-expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )
    if expires_at is not None:
        return PortalAccess(INVITED, expires_at)
    return PortalAccess(NO_ACCOUNT)


def open_invitation_for_token(raw_token: str, now=None) -> PortalInvitation | None:
    """The open invitation a link's token names, else None (unknown, used, revoked and expired alike)."""
    if not raw_token or len(raw_token) > 100:
        return None
    return (
        PortalInvitation.objects.open(now or timezone.now())
        .select_related("patient")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )
