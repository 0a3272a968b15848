"""Discharge writes: start, update (optimistic version check), aftercare, waivers and closing.

Each service validates (django ValidationError with field keys), runs in one transaction and writes its
audit event. Closing re-reads the checklist inside the transaction, under a row lock on the discharge, so
two people closing at once, or a waiver withdrawn meanwhile, cannot close an episode that is not ready.

Stepped up / stepped down: closing records the LevelTransition through
`openiop.intake.services.level_transition_record` in the same transaction; that service sets the episode
discharged (it always does when a person leaves IOP), so closing does not set it a second time. A
transition out of IOP recorded directly on the change-of-level page stays as it is: an immediate step-up
(e.g. hospitalisation) ends the episode at once, and an open discharge plan, if any, stays open as history
(the outcome report then reads the transition's direction, see measures.selectors_outcomes).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.intake.models import LevelOfCare
from openiop.intake.services.admissions import LEVEL_ORDER, level_transition_record
from openiop.patients.models import EpisodeOfCare, EpisodeStatus
from openiop.scheduling.models import GroupMembership
from openiop.scheduling.services import roster_change

from . import checklist
from .models import AftercareAppointment, Discharge, DischargeReason, DischargeStatus, DischargeWaiver
from .selectors import discharge_checklist

PLAN_AHEAD_DAYS = 30  # a discharge is planned at most this far ahead: further out, it is not yet a plan
IOP = LevelOfCare.INTENSIVE_OUTPATIENT
_IOP_INDEX = LEVEL_ORDER.index(IOP)
EDITABLE = (
    "reason",
    "reason_detail",
    "planned_on",
    "to_level",
    "to_setting",
    "support_groups",
    "crisis_plan",
)


class StaleDischarge(ValidationError):
    """Someone saved the discharge after the version this save started from. Nothing was saved."""

    def __init__(self, discharge: Discharge, started_from: int):
        self.discharge = discharge
        self.started_from = started_from
        super().__init__(
            _(
                "Someone else saved this discharge while you were editing (your version %(mine)s, saved "
                "version %(theirs)s). Nothing of yours was saved: your text is still in the form below; "
                "compare it with the page and save again."
            )
            % {"mine": started_from, "theirs": discharge.version},
            code="stale",
        )


class NotReady(ValidationError):
    """Closing refused: these checklist items are neither done nor waived."""

    def __init__(self, missing: list[checklist.Item]):
        self.missing = missing
        super().__init__(
            {"__all__": [_("The episode cannot close yet:")] + [item.message for item in missing]},
        )


def _today(today):
    return today or timezone.localdate()


def _validate_fields(episode: EpisodeOfCare, fields: dict, today: datetime.date) -> dict:
    errors: dict[str, str] = {}
    cleaned = {key: (value.strip() if isinstance(value, str) else value) for key, value in fields.items()}
    if cleaned.get("reason") not in DischargeReason.values:
        errors["reason"] = _("Choose the reason for discharge.")
    planned = cleaned.get("planned_on")
    if planned is None:
        errors["planned_on"] = _("Give the planned last day.")
    elif episode.admitted_on and planned < episode.admitted_on:
        errors["planned_on"] = _("The last day cannot be before admission (%(day)s).") % {
            "day": episode.admitted_on.isoformat()
        }
    elif planned > today + datetime.timedelta(days=PLAN_AHEAD_DAYS):
        errors["planned_on"] = _("Plan a discharge at most %(n)s days ahead.") % {"n": PLAN_AHEAD_DAYS}
    errors.update(_level_errors(cleaned.get("reason"), cleaned.get("to_level") or "", required=False))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _level_errors(reason: str, to_level: str, *, required: bool) -> dict:
    """A stepped up / down discharge names a level on the right side of IOP; the others name none."""
    if reason not in checklist.LEVEL_CHANGE_REASONS:
        return {"to_level": _("Only a step up or step down names the next level.")} if to_level else {}
    if not to_level:
        return {"to_level": _("Give the level of care the person moves to.")} if required else {}
    if to_level not in LEVEL_ORDER:
        return {"to_level": _("Unknown level of care.")}
    up = LEVEL_ORDER.index(to_level) > _IOP_INDEX
    down = LEVEL_ORDER.index(to_level) < _IOP_INDEX
    if reason == checklist.STEPPED_UP and not up:
        return {"to_level": _("A step up goes to a more intensive level than intensive outpatient.")}
    if reason == checklist.STEPPED_DOWN and not down:
        return {"to_level": _("A step down goes to a less intensive level than intensive outpatient.")}
    return {}


def _require_open(discharge: Discharge) -> None:
    if discharge.status != DischargeStatus.OPEN:
        raise ValidationError(_("This discharge is closed; it is kept as it was."))


def _lock(discharge: Discharge) -> Discharge:
    return (
        Discharge.objects.select_for_update()
        .select_related("episode__patient", "episode__program")
        .get(pk=discharge.pk)
    )


def discharge_start(
    *,
    episode: EpisodeOfCare,
    reason: str,
    planned_on: datetime.date,
    by,
    reason_detail: str = "",
    to_level: str = "",
    to_setting: str = "",
    support_groups: str = "",
    crisis_plan: str = "",
    today: datetime.date | None = None,
    request=None,
) -> Discharge:
    """Start planning the discharge of an active episode (planned last day from admission to
    PLAN_AHEAD_DAYS ahead; a person who already left gets a past day). One discharge per episode."""
    today = _today(today)
    if episode.status != EpisodeStatus.ACTIVE:
        raise ValidationError(_("Only an active episode can be discharged."))
    fields = _validate_fields(
        episode,
        {
            "reason": reason,
            "reason_detail": reason_detail,
            "planned_on": planned_on,
            "to_level": to_level,
            "to_setting": to_setting,
            "support_groups": support_groups,
            "crisis_plan": crisis_plan,
        },
        today,
    )
    with transaction.atomic():
        locked = EpisodeOfCare.objects.select_for_update().get(pk=episode.pk)
        if Discharge.objects.filter(episode=locked).exists():
            raise ValidationError(_("A discharge of this episode is already being planned."))
        discharge = Discharge.objects.create(episode=locked, created_by=by, updated_by=by, **fields)
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=episode.patient,
            obj=discharge,
            detail={"reason": discharge.reason, "planned_on": discharge.planned_on.isoformat()},
        )
    discharge.episode = episode
    return discharge


def discharge_update(
    *, discharge: Discharge, version: int, by, today: datetime.date | None = None, request=None, **fields
) -> Discharge:
    """Save the discharge's fields if nobody saved it since `version`; else StaleDischarge, nothing saved."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    _require_open(discharge)
    current = {name: getattr(discharge, name) for name in EDITABLE}
    cleaned = _validate_fields(discharge.episode, {**current, **fields}, _today(today))
    with transaction.atomic():
        changed = Discharge.objects.filter(
            pk=discharge.pk, version=version, status=DischargeStatus.OPEN
        ).update(version=F("version") + 1, updated_by=by, updated_at=timezone.now(), **cleaned)
        fresh = Discharge.objects.select_related("episode__patient", "episode__program").get(pk=discharge.pk)
        if not changed:
            _require_open(fresh)
            raise StaleDischarge(fresh, version)
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=fresh.episode.patient,
            obj=fresh,
            detail={"version": fresh.version, "fields": sorted(fields)},
        )
    return fresh


def aftercare_add(
    *,
    discharge: Discharge,
    starts_at: datetime.datetime,
    purpose: str,
    by,
    provider=None,
    provider_name: str = "",
    location: str = "",
    is_telehealth: bool = False,
    phone: str = "",
    request=None,
) -> AftercareAppointment:
    """Add an aftercare appointment, with a provider from the directory or a typed name."""
    _require_open(discharge)
    errors = {}
    if provider is None and not provider_name.strip():
        errors["provider"] = _("Pick a provider from the directory or type the provider's name.")
    if provider is not None and provider_name.strip():
        errors["provider_name"] = _("Pick a provider or type a name, not both.")
    if not purpose.strip():
        errors["purpose"] = _("Say what the appointment is for.")
    if starts_at is None:
        errors["starts_at"] = _("Give the date and time.")
    elif discharge.episode.admitted_on and timezone.localdate(starts_at) < discharge.episode.admitted_on:
        errors["starts_at"] = _("An aftercare appointment cannot be before admission.")
    if not is_telehealth and not location.strip():
        errors["location"] = _("Give the location, or mark the appointment as telehealth.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(discharge)
        _require_open(locked)
        appointment = AftercareAppointment.objects.create(
            discharge=locked,
            starts_at=starts_at,
            provider=provider,
            provider_name=provider_name.strip(),
            purpose=purpose.strip(),
            location=location.strip(),
            is_telehealth=is_telehealth,
            phone=phone.strip(),
            created_by=by,
            updated_by=by,
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=locked.episode.patient,
            obj=appointment,
            detail={"discharge": str(locked.uuid)},
        )
    return appointment


def aftercare_remove(*, appointment: AftercareAppointment, by, request=None) -> None:
    with transaction.atomic():
        discharge = _lock(appointment.discharge)
        _require_open(discharge)
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=discharge.episode.patient,
            obj=appointment,
            detail={"discharge": str(discharge.uuid), "removed": True},
        )
        appointment.delete()


def requirement_waive(
    *, discharge: Discharge, requirement: str, reason: str, by, request=None
) -> DischargeWaiver:
    """Waive one requirement with a reason (at least checklist.MIN_WAIVER_REASON characters)."""
    _require_open(discharge)
    errors = {}
    if requirement not in checklist.REQUIREMENTS:
        errors["requirement"] = _("Unknown requirement.")
    elif not checklist.waivable(discharge.reason, requirement):
        errors["requirement"] = _(
            "An aftercare appointment is needed for this reason of discharge; only a discharge against "
            "advice or an administrative one may waive it."
        )
    if not checklist.valid_waiver_reason(reason):
        errors["reason"] = _("Give the reason in at least %(n)s characters.") % {
            "n": checklist.MIN_WAIVER_REASON
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(discharge)
        _require_open(locked)
        if locked.waivers.filter(requirement=requirement).exists():
            raise ValidationError({"requirement": _("This requirement is already waived.")})
        waiver = DischargeWaiver.objects.create(
            discharge=locked, requirement=requirement, reason=reason.strip(), by=by
        )
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=locked.episode.patient,
            obj=locked,
            detail={"waived": requirement},
        )
    return waiver


def _end_rosters(episode: EpisodeOfCare, on: datetime.date, by, request) -> int:
    """Take the person off every recurring group's roster from the day after discharge (their booked
    later sessions without recorded attendance go with it, by scheduling's own service)."""
    after = on + datetime.timedelta(days=1)
    ended = 0
    memberships = (
        GroupMembership.objects.filter(episode=episode).select_related("series").order_by("starts_on", "pk")
    )
    for membership in memberships:
        if membership.starts_on <= after and (membership.ends_on is None or after < membership.ends_on):
            roster_change(
                series=membership.series,
                episode=episode,
                effective=after,
                action="remove",
                by=by,
                request=request,
            )
            ended += 1
    return ended


def discharge_close(
    *, discharge: Discharge, by, on: datetime.date, today: datetime.date | None = None, request=None
) -> Discharge:
    """Close the discharge and end the episode on `on`, if every requirement is done or waived (else
    NotReady listing the missing parts, and nothing changes)."""
    today = _today(today)
    with transaction.atomic():
        locked = _lock(discharge)
        _require_open(locked)
        episode = (
            EpisodeOfCare.objects.select_for_update().select_related("patient").get(pk=locked.episode_id)
        )
        errors = {}
        if episode.status != EpisodeStatus.ACTIVE:
            errors["__all__"] = _("Only an active episode can be discharged.")
        if on is None:
            errors["on"] = _("Give the day of discharge.")
        elif episode.admitted_on and on < episode.admitted_on:
            errors["on"] = _("The discharge cannot be before admission.")
        elif on > today:
            errors["on"] = _("Close the episode on or after its last day, not ahead of it.")
        errors.update(_level_errors(locked.reason, locked.to_level, required=True))
        if errors:
            raise ValidationError(errors)
        items = discharge_checklist(locked)
        if not checklist.may_close(items):
            raise NotReady(checklist.missing(items))
        if locked.reason in checklist.LEVEL_CHANGE_REASONS:
            # Sets the episode discharged on `on` (and audits the transition): not repeated below.
            level_transition_record(
                episode=episode,
                from_level=IOP,
                to_level=locked.to_level,
                on=on,
                reason=_("Discharge: %(reason)s") % {"reason": locked.get_reason_display()},
                to_setting=locked.to_setting,
                by=by,
                request=request,
            )
            episode.refresh_from_db()
        else:
            episode.status = EpisodeStatus.DISCHARGED
            episode.discharged_on = on
            episode.updated_by = by
            episode.save(update_fields=["status", "discharged_on", "updated_by", "updated_at"])
        rosters = _end_rosters(episode, on, by, request)
        locked.status = DischargeStatus.CLOSED
        locked.closed_on = on
        locked.closed_at = timezone.now()
        locked.closed_by = by
        locked.updated_by = by
        locked.version += 1
        locked.save(
            update_fields=[
                "status",
                "closed_on",
                "closed_at",
                "closed_by",
                "updated_by",
                "updated_at",
                "version",
            ]
        )
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=episode.patient,
            obj=locked,
            detail={
                "closed": True,
                "reason": locked.reason,
                "on": on.isoformat(),
                "episode": str(episode.uuid),
                "rosters_ended": rosters,
                "waived": sorted(item.requirement for item in items if item.state == checklist.WAIVED),
            },
        )
    return locked
