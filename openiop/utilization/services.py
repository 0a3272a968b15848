"""Authorization writes: create, update (optimistic version check) and end. Each validates (django
ValidationError with field keys, shown as form errors), runs in one transaction and writes its audit event."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.patients.models import EpisodeOfCare, EpisodeStatus

from . import usage
from .models import AuthorizationStatus, PayerAuthorization

EDITABLE = ("payer", "number", "unit", "authorized", "starts_on", "ends_on", "notes")
# Episodes that can still be billed: waiting to start, or in treatment.
OPEN_EPISODES = (EpisodeStatus.ACTIVE, EpisodeStatus.WAITLIST)


class StaleAuthorization(ValidationError):
    """Someone saved the authorization after the version this save started from. Nothing was saved."""

    def __init__(self, authorization: PayerAuthorization, started_from: int):
        self.authorization = authorization
        super().__init__(
            _(
                "Someone else saved this authorization while you were editing (your version %(mine)s, saved "
                "version %(theirs)s). Nothing of yours was saved: your entries are still in the form below; "
                "compare them with the saved authorization and save again."
            )
            % {"mine": started_from, "theirs": authorization.version},
            code="stale",
        )


def _validate(fields: dict) -> dict:
    errors: dict[str, str] = {}
    cleaned = {key: (value.strip() if isinstance(value, str) else value) for key, value in fields.items()}
    if not cleaned.get("payer"):
        errors["payer"] = _("Give the payer.")
    if not cleaned.get("number"):
        errors["number"] = _("Give the authorization number.")
    unit = cleaned.get("unit")
    if unit not in usage.UNITS:
        errors["unit"] = _("Choose what the payer authorized: hours, sessions or days.")
    quantity = cleaned.get("authorized")
    if quantity is None or Decimal(quantity) <= 0:
        errors["authorized"] = _("The quantity authorized must be more than zero.")
    elif unit in (usage.SESSIONS, usage.DAYS) and Decimal(quantity) != Decimal(quantity).to_integral_value():
        errors["authorized"] = _("Sessions and days are authorized in whole numbers.")
    starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
    if starts is None:
        errors["starts_on"] = _("Give the first day.")
    if ends is None:
        errors["ends_on"] = _("Give the last day.")
    elif starts is not None and ends < starts:
        errors["ends_on"] = _("The last day cannot be before the first day.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _audit(action, authorization: PayerAuthorization, by, request, **detail):
    audit_record(
        action=action,
        request=request,
        actor=by,
        patient=authorization.episode.patient,
        obj=authorization,
        detail={"payer": authorization.payer, **detail},
    )


def authorization_create(
    *,
    episode: EpisodeOfCare,
    by,
    payer: str,
    number: str,
    unit: str,
    authorized: Decimal,
    starts_on: datetime.date,
    ends_on: datetime.date,
    notes: str = "",
    request=None,
) -> PayerAuthorization:
    """Record an authorization a payer issued for an episode that is waiting or in treatment."""
    if episode.status not in OPEN_EPISODES:
        raise ValidationError(_("Authorizations are recorded for episodes waiting to start or in treatment."))
    fields = _validate(
        {
            "payer": payer,
            "number": number,
            "unit": unit,
            "authorized": authorized,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "notes": notes,
        }
    )
    with transaction.atomic():
        authorization = PayerAuthorization.objects.create(
            episode=episode, created_by=by, updated_by=by, **fields
        )
        _audit(
            Action.CREATE,
            authorization,
            by,
            request,
            unit=authorization.unit,
            authorized=str(authorization.authorized),
            starts_on=authorization.starts_on.isoformat(),
            ends_on=authorization.ends_on.isoformat(),
        )
    return authorization


def authorization_update(*, authorization: PayerAuthorization, version: int, by, request=None, **fields):
    """Save the fields if nobody saved the authorization since `version`; else StaleAuthorization."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if not authorization.is_active:
        raise ValidationError(_("This authorization has ended; it is kept as it was."))
    current = {name: getattr(authorization, name) for name in EDITABLE}
    cleaned = _validate({**current, **fields})
    with transaction.atomic():
        changed = PayerAuthorization.objects.filter(
            pk=authorization.pk, version=version, status=AuthorizationStatus.ACTIVE
        ).update(version=F("version") + 1, updated_by=by, updated_at=timezone.now(), **cleaned)
        fresh = PayerAuthorization.objects.select_related("episode__patient", "episode__program").get(
            pk=authorization.pk
        )
        if not changed:
            if not fresh.is_active:
                raise ValidationError(_("This authorization has ended; it is kept as it was."))
            raise StaleAuthorization(fresh, version)
        _audit(
            Action.UPDATE,
            fresh,
            by,
            request,
            changed=sorted(name for name in EDITABLE if current[name] != cleaned[name]),
        )
    return fresh


def authorization_end(
    *, authorization: PayerAuthorization, by, reason: str, request=None
) -> PayerAuthorization:
    """End an authorization early (withdrawn, the person left, entered in error): it stops counting and
    alerting and is kept as history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the authorization ends.")})
    with transaction.atomic():
        changed = PayerAuthorization.objects.filter(
            pk=authorization.pk, status=AuthorizationStatus.ACTIVE
        ).update(
            status=AuthorizationStatus.ENDED,
            ended_at=timezone.now(),
            ended_by=by,
            end_reason=reason,
            version=F("version") + 1,
            updated_by=by,
            updated_at=timezone.now(),
        )
        if not changed:
            raise ValidationError(_("This authorization has already ended."))
        fresh = PayerAuthorization.objects.select_related("episode__patient", "episode__program").get(
            pk=authorization.pk
        )
        _audit(Action.UPDATE, fresh, by, request, ended=True)
    return fresh
