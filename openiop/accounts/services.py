"""Changes to accounts. Personal access tokens for the JSON API are created, revoked and checked here."""

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from openiop.audit.models import Action
from openiop.audit.services import audit_record

from .models import PersonalAccessToken, User, hash_token

TOKEN_PREFIX = "oiop_"
# Recording every use would write a row per API call; a minute is precise enough to spot stale tokens.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def token_create(
    *, user: User, name: str, expires_in_days: int | None = None, request=None
) -> tuple[PersonalAccessToken, str]:
    """Issue a token for `user` and return it with the raw value, which is never stored and shown once.

    Only the SHA-256 of the token is kept, with its first characters so the owner can recognise it.
    Without `request` (management command) the audit event names the command as the actor.
    """
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None
    with transaction.atomic():
        token = PersonalAccessToken.objects.create(
            user=user, name=name, prefix=raw[:12], token_hash=hash_token(raw), expires_at=expires_at
        )
        audit_record(
            action=Action.TOKEN_CREATED,
            request=request,
            obj=token,
            username="" if request else "manage.py issue_token",
            detail={
                "owner": str(user.uuid),
                "prefix": token.prefix,
                "expires_at": expires_at.isoformat() if expires_at else None,
                "channel": "web" if request else "command",
            },
        )
    return token, raw


def token_revoke(*, token: PersonalAccessToken, user: User, request=None) -> PersonalAccessToken:
    """Revoke `token` on behalf of `user` (who must already be allowed to). Revoking twice changes nothing."""
    with transaction.atomic():
        token = PersonalAccessToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            action=Action.TOKEN_REVOKED,
            request=request,
            actor=user,
            obj=token,
            detail={"owner": str(token.user.uuid), "prefix": token.prefix},
        )
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user holding the usable token `raw`, or None. Notes the use, at most once a minute."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        PersonalAccessToken.objects.usable().select_related("user").filter(token_hash=hash_token(raw)).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
