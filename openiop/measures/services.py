"""Writes of the measures app: recording an administration (with the urgent alert and tasks it raises),
marking one entered in error, closing an alert, and a program's schedules, on-call days and away periods.

Each service is atomic and writes its audit events. Validation problems raise django's ValidationError
keyed by field ("answers.9" for an item), so the web form and the API show each at its place.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openiop.accounts.models import Role
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.home.models import Task, TaskStatus
from openiop.home.services import task_complete, task_create
from openiop.patients.models import EpisodeOfCare, Patient
from openiop.programs.models import Program

from . import due as due_core
from .instrument_schema import Instrument
from .models import (
    Administration,
    AlertStatus,
    ClosingAction,
    MeasureAlert,
    MeasureSchedule,
    Occasion,
    OnCall,
    ResponseDraft,
    Source,
    StaffAbsence,
)
from .registry import current_instruments, get_instrument
from .review_triggers import not_on_track_check
from .scoring import CRITICAL_ITEM, CRITICAL_UNANSWERED, AnswersError, Flag, ScoreResult, score
from .selectors import is_away, program_staff, responder_for

URGENT, REVIEW = "urgent_alert", "clinician_review"
# A "clinician_review" flag (a critical item left blank, a GAD-7 of 10 or more...) is not an emergency: a
# task due within two days, about the next program day of an IOP that meets three days a week.
REVIEW_TASK_DUE_DAYS = 2
MAX_ON_CALL_DAYS = 62
MAX_ABSENCE_DAYS = 366


class PossibleDuplicate(Exception):
    """The same form (patient, instrument, day and answers) is already recorded: confirm to save again."""

    def __init__(self, existing: Administration):
        super().__init__(
            _(
                "This looks like a form already entered: the same %(code)s for this patient, completed on "
                "%(day)s with the same answers, was entered %(when)s by %(who)s. Save again only if the "
                "patient really filled in the form twice."
            )
            % {
                "code": existing.instrument_code,
                "day": f"{existing.completed_on:%Y-%m-%d}",
                "when": f"{timezone.localtime(existing.created_at):%Y-%m-%d %H:%M}",
                "who": existing.created_by.display_name if existing.created_by else _("someone"),
            }
        )
        self.existing = existing


class AlertAlreadyClosed(Exception):
    """Someone closed the alert first; nothing changed."""

    def __init__(self, alert: MeasureAlert):
        super().__init__(_("This alert has already been closed; your note was not saved."))
        self.alert = alert


@dataclass(frozen=True)
class Recorded:
    administration: Administration
    result: ScoreResult
    alert: MeasureAlert | None
    review_task: Task | None


# --- recording an administration ---------------------------------------------------------------------------


def check_answers(instrument: Instrument, answers) -> dict[str, int | None]:
    """The answers keyed by item, every item present (None when unanswered), or ValidationError naming each
    bad item at "answers.<key>" (the scoring engine's own check says the same things, in one string)."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Give the answers as an object: item key to the answer value.")})
    items = {item.key: item for item in instrument.items}
    errors = {}
    clean = {}
    for raw_key, value in answers.items():
        key = str(raw_key)
        item = items.get(key)
        if item is None:
            errors[f"answers.{key}"] = _("%(code)s has no item %(key)s.") % {
                "code": instrument.code,
                "key": key,
            }
            continue
        if value is None:
            clean[key] = None
        elif isinstance(value, bool) or not isinstance(value, int) or value not in item.values:
            errors[f"answers.{key}"] = _(
                "Item %(key)s: %(value)s is not one of its answers (%(values)s)."
            ) % {
                "key": key,
                "value": value,
                "values": ", ".join(str(v) for v in item.values),
            }
        else:
            clean[key] = value
    if errors:
        raise ValidationError(errors)
    if not any(value is not None for value in clean.values()):
        raise ValidationError({"answers": _("Answer at least one item: an empty form is not recorded.")})
    return {item.key: clean.get(item.key) for item in instrument.items}


def _validate_entry(*, episode, instrument_code, completed_on, occasion, language, source, context):
    errors = {}
    instrument = None
    try:
        instrument = get_instrument(instrument_code)
    except LookupError:
        errors["instrument"] = _("There is no instrument %(code)s.") % {"code": instrument_code}
    today = timezone.localdate()
    if completed_on is None:
        errors["completed_on"] = _("Give the date the patient completed the form.")
    elif completed_on > today:
        errors["completed_on"] = _("The date completed cannot be in the future.")
    elif completed_on < episode.referred_on:
        errors["completed_on"] = _(
            "The date completed cannot be before this episode's referral (%(day)s)."
        ) % {"day": f"{episode.referred_on:%Y-%m-%d}"}
    if occasion not in Occasion.values:
        errors["occasion"] = _("Choose when the form was given: %(choices)s.") % {
            "choices": ", ".join(Occasion.values)
        }
    if source not in Source.values:
        errors["source"] = _("Unknown source.")
    if instrument is not None:
        language = language or instrument.default_language
        if language not in instrument.languages:
            errors["language"] = _("%(code)s is available in %(languages)s.") % {
                "code": instrument.code,
                "languages": ", ".join(instrument.languages),
            }
    try:
        # The engine checks context names and values (today only "sex", for the AUDIT-C cut-offs).
        if instrument is not None and context:
            score(instrument, {}, instrument.default_language, context=context)
    except AnswersError as error:  # a context problem, since no answers were given
        errors["context"] = " ".join(error.problems)
    if errors:
        raise ValidationError(errors)
    return instrument, language


def _same_form(patient, instrument_code, completed_on, answers) -> Administration | None:
    # Compared in Python: JSON equality in the database differs between SQLite and PostgreSQL.
    candidates = (
        Administration.objects.in_use()
        .filter(patient=patient, instrument_code=instrument_code, completed_on=completed_on)
        .select_related("created_by")
        .order_by("-created_at")
    )
    return next((c for c in candidates if c.answers == answers), None)


def administration_record(
    *,
    episode: EpisodeOfCare,
    instrument_code: str,
    answers: dict,
    completed_on: datetime.date,
    by,
    occasion: str = Occasion.ON_DEMAND,
    language: str | None = None,
    source: str = Source.STAFF_ENTRY,
    context: dict | None = None,
    confirm_duplicate: bool = False,
    draft_alert: MeasureAlert | None = None,
    request=None,
) -> Recorded:
    """Score and store one completed questionnaire of the episode's patient.

    Stores the answers as given, the instrument version and the whole ScoreResult. An urgent flag (PHQ-9
    item 9 above 0, a positive ASQ, any critical item) raises an urgent alert with same-day tasks and asks
    for a safety-plan review; "clinician_review" flags raise a non-urgent task (see `_review_task`). An
    administration identical to one already recorded (same patient, instrument, day and answers) raises
    PossibleDuplicate unless `confirm_duplicate`. `draft_alert`: the alert a critical answer already raised
    while the patient was answering in the portal; it is attached to the administration instead of raising a
    second one (portal_critical_answer).
    """
    instrument, language = _validate_entry(
        episode=episode,
        instrument_code=instrument_code,
        completed_on=completed_on,
        occasion=occasion,
        language=language,
        source=source,
        context=context,
    )
    clean = check_answers(instrument, answers)
    result = score(instrument, clean, language, context=context or None)
    with transaction.atomic():
        # Lock the patient so two submissions of one form (a double click) cannot both pass the check.
        patient = Patient.objects.select_for_update().get(pk=episode.patient_id)
        existing = _same_form(patient, instrument.code, completed_on, clean)
        if existing is not None and not confirm_duplicate:
            raise PossibleDuplicate(existing)
        administration = Administration.objects.create(
            episode=episode,
            patient=patient,
            instrument_code=instrument.code,
            instrument_version=instrument.version,
            language=language,
            occasion=occasion,
            source=source,
            completed_on=completed_on,
            answers=clean,
            context=dict(context or {}),
            status=result.status,
            total=result.total,
            band=result.band.label if result.band else "",
            subscales={s.key: s.score for s in result.subscales},
            flags=[flag.to_dict() for flag in result.flags],
            result=result.to_dict(),
            created_by=by,
            updated_by=by,
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=patient,
            obj=administration,
            detail={
                "instrument": instrument.code,
                "version": instrument.version,
                "occasion": occasion,
                "source": source,
                **({"duplicate_confirmed": str(existing.uuid)} if existing is not None else {}),
            },
        )
        if draft_alert is not None:
            alert = _attach_draft_alert(draft_alert, administration, by=by, request=request)
        else:
            alert = _raise_alert(administration, result, by=by, request=request)
        review_task = _review_task(administration, result, by=by, request=request)
        _complete_baseline(episode, by=by, request=request)
    # A new score may show reliable deterioration or no progress by week N: a treatment-plan review.
    not_on_track_check(episode, today=timezone.localdate(), by=by, request=request)
    return Recorded(administration, result, alert, review_task)


def _flag_summary(flag: Flag, administration: Administration) -> str:
    if flag.source == CRITICAL_ITEM and flag.item is not None:
        return _("item %(key)s answered %(value)s") % {
            "key": flag.item,
            "value": administration.answers.get(flag.item),
        }
    if flag.source == CRITICAL_UNANSWERED and flag.item is not None:
        return _("item %(key)s left blank") % {"key": flag.item}
    return flag.id.replace("_", " ")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _raise_alert(administration: Administration, result: ScoreResult, *, by, request) -> MeasureAlert | None:
    """One alert per administration with urgent flags (PHQ-9 item 9, a positive ASQ...): all its urgent
    flags are read and acted on together, so the clinician closes one alert, not one per flag. Same-day
    task for whoever acts today (responder_for); the primary clinician also gets one when someone covers."""
    urgent = [flag for flag in result.flags if flag.triggers == URGENT]
    if not urgent:
        return None
    what = "; ".join(_flag_summary(flag, administration) for flag in urgent)
    headline = _("%(code)s of %(day)s: %(what)s") % {
        "code": administration.instrument_code,
        "day": f"{administration.completed_on:%Y-%m-%d}",
        "what": what,
    }
    return _create_alert(
        episode=administration.episode,
        patient=administration.patient,
        flag_id=urgent[0].id,
        headline=headline,
        administration=administration,
        by=by,
        request=request,
    )


def _create_alert(
    *, episode, patient, flag_id, headline, administration=None, draft=None, by, request
) -> MeasureAlert:
    """The urgent alert itself, wherever it comes from: same-day tasks (responder_for), the alert, its
    audit event and a safety-plan review request."""
    today = timezone.localdate()
    responder = responder_for(episode, today)
    task = primary_task = None
    if responder.assignee is not None:
        if responder.reason == "primary":
            title = _("URGENT today: risk assessment and safety-plan review (%(headline)s)")
        else:
            title = _("URGENT today, covering for the primary clinician: risk assessment (%(headline)s)")
        task = task_create(
            title=_clip(title % {"headline": headline}, 200),
            assigned_to=responder.assignee,
            due_on=today,
            patient=patient,
            created_by=by,
            request=request,
        )
    if responder.primary is not None and responder.primary != responder.assignee:
        primary_task = task_create(
            title=_clip(
                _("Urgent alert while you were away, assigned to %(who)s (%(headline)s)")
                % {
                    "who": responder.assignee.display_name if responder.assignee else _("nobody"),
                    "headline": headline,
                },
                200,
            ),
            assigned_to=responder.primary,
            due_on=today,
            patient=patient,
            created_by=by,
            request=request,
        )
    alert = MeasureAlert.objects.create(
        administration=administration,
        draft=draft,
        patient=patient,
        flag=flag_id,
        message=_clip(headline, 300),
        assigned_to=responder.assignee,
        task=task,
        primary_task=primary_task,
        created_by=by,
        updated_by=by,
    )
    audit_record(
        action=Action.CREATE,
        request=request,
        actor=by,
        patient=patient,
        obj=alert,
        detail={
            **(
                {"administration": str(administration.uuid)}
                if administration is not None
                else {"draft": str(draft.uuid), "unfinished_portal_questionnaire": True}
            ),
            "assigned_to": str(responder.assignee.uuid) if responder.assignee else None,
            "cover": responder.reason,
        },
    )
    from openiop.safety.services import safety_plan_review_request

    safety_plan_review_request(episode, headline, by, request=request)
    return alert


def _previous_flags(administration: Administration) -> set[str]:
    previous = (
        Administration.objects.in_use()
        .filter(episode=administration.episode, instrument_code=administration.instrument_code)
        .exclude(pk=administration.pk)
        .filter(completed_on__lte=administration.completed_on)
        .order_by("-completed_on", "-created_at")
        .first()
    )
    return {flag["id"] for flag in previous.flags} if previous else set()


def _review_task(administration: Administration, result: ScoreResult, *, by, request) -> Task | None:
    """A non-urgent task for "clinician_review" flags: always for a critical item left blank (a blank item
    9 is not a "no"), otherwise only when the flag is new since the previous administration of the
    instrument in this episode, so a GAD-7 that stays at 12 does not add a task every week."""
    seen = _previous_flags(administration)
    flags = [
        flag
        for flag in result.flags
        if flag.triggers == REVIEW and (flag.source == CRITICAL_UNANSWERED or flag.id not in seen)
    ]
    if not flags:
        return None
    responder = responder_for(administration.episode, timezone.localdate())
    if responder.assignee is None:
        return None
    title = _("Review the %(code)s of %(day)s: %(what)s") % {
        "code": administration.instrument_code,
        "day": f"{administration.completed_on:%Y-%m-%d}",
        "what": "; ".join(_flag_summary(flag, administration) for flag in flags),
    }
    task = task_create(
        title=_clip(title, 200),
        assigned_to=responder.assignee,
        due_on=timezone.localdate() + datetime.timedelta(days=REVIEW_TASK_DUE_DAYS),
        patient=administration.patient,
        created_by=by,
        request=request,
    )
    Administration.objects.filter(pk=administration.pk).update(review_task=task)
    administration.review_task = task
    return task


def _complete_baseline(episode: EpisodeOfCare, *, by, request) -> None:
    """The admission's "baseline measures" due item is done once every instrument the program gives at
    admission has an administration in the episode (the first one at all when the program sets none)."""
    from openiop.intake.models import DueItem, DueItemKind
    from openiop.intake.services import due_item_complete

    items = list(DueItem.objects.open().filter(episode=episode, kind=DueItemKind.BASELINE_MEASURES))
    if not items:
        return
    wanted = set(
        MeasureSchedule.objects.filter(
            program=episode.program, occasion=Occasion.ADMISSION, active=True
        ).values_list("instrument_code", flat=True)
    )
    done = set(
        Administration.objects.in_use().filter(episode=episode).values_list("instrument_code", flat=True)
    )
    if not done or not wanted <= done:
        return
    note = _("Baseline questionnaires entered: %(codes)s.") % {"codes": ", ".join(sorted(wanted or done))}
    for item in items:
        due_item_complete(item=item, by=by, note=note, request=request)


def administration_mark_entered_in_error(
    *, administration: Administration, reason: str, by, request=None
) -> Administration:
    """Mark an administration entered in error (wrong patient, wrong form, typing slip): kept, shown struck
    through, no longer counted. Its open urgent alert stays open: closing it needs its own action and note
    ("the answer was entered in error"), so nothing raised is silently dismissed."""
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why this administration was entered in error.")})
    now = timezone.now()
    with transaction.atomic():
        changed = Administration.objects.filter(
            pk=administration.pk, entered_in_error_at__isnull=True
        ).update(
            entered_in_error_at=now,
            entered_in_error_by=by,
            entered_in_error_reason=reason,
            updated_by=by,
            updated_at=now,
        )
        if not changed:
            raise ValidationError({"__all__": _("This administration is already marked entered in error.")})
        administration.refresh_from_db()
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=administration.patient,
            obj=administration,
            detail={"entered_in_error": True},
        )
        task = administration.review_task
        if task is not None and task.status == TaskStatus.OPEN:
            task_complete(task=task, user=by, request=request)
    return administration


# --- alerts ------------------------------------------------------------------------------------------------


def alert_close(*, alert: MeasureAlert, action: str, note: str, by, request=None) -> MeasureAlert:
    """Close an urgent alert with what was done and a note; completes its tasks. Never without both.

    Raises ValidationError for a missing action or note, AlertAlreadyClosed when someone closed it first."""
    note = str(note or "").strip()
    errors = {}
    if action not in ClosingAction.values:
        errors["action"] = _("Choose what was done about the alert.")
    if not note:
        errors["note"] = _("Write a note: what you did, what you found and what happens next.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        changed = MeasureAlert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
            status=AlertStatus.CLOSED,
            closing_action=action,
            closing_note=note,
            closed_at=now,
            closed_by=by,
            updated_by=by,
            updated_at=now,
        )
        if not changed:
            raise AlertAlreadyClosed(alert)
        alert.refresh_from_db()
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=alert.patient,
            obj=alert,
            detail={"status": AlertStatus.CLOSED, "action": action},
        )
        for task in (alert.task, alert.primary_task):
            if task is not None and task.status == TaskStatus.OPEN:
                task_complete(task=task, user=by, request=request)
    return alert


# --- schedules ---------------------------------------------------------------------------------------------


SCHEDULED_OCCASIONS = (Occasion.ADMISSION, Occasion.WEEKLY, Occasion.DISCHARGE)


def program_schedules_update(
    *, program: Program, wanted: list[due_core.ScheduleRule], by, request=None
) -> list[MeasureSchedule]:
    """Make the program's active schedules exactly `wanted`: missing ones created, changed ones updated,
    others switched off (kept, so the history of what was asked stays readable)."""
    known = {instrument.code for instrument in current_instruments()}
    errors = {}
    seen = set()
    for rule in wanted:
        field = f"{rule.instrument_code}.{rule.occasion}"
        if rule.instrument_code not in known:
            errors[field] = _("There is no instrument %(code)s.") % {"code": rule.instrument_code}
        elif rule.occasion not in SCHEDULED_OCCASIONS:
            errors[field] = _("A schedule is at admission, weekly or at discharge (on demand needs none).")
        elif rule.occasion == Occasion.WEEKLY and (rule.weekday is None or not 0 <= rule.weekday <= 6):
            errors[field] = _("Choose the weekday for the weekly %(code)s.") % {"code": rule.instrument_code}
        elif (rule.instrument_code, rule.occasion) in seen:
            errors[field] = _("%(code)s is listed twice for the same occasion.") % {
                "code": rule.instrument_code
            }
        seen.add((rule.instrument_code, rule.occasion))
    if errors:
        raise ValidationError(errors)
    by_key = {(r.instrument_code, r.occasion): r for r in wanted}
    with transaction.atomic():
        existing = {
            (s.instrument_code, s.occasion): s for s in MeasureSchedule.objects.filter(program=program)
        }
        for key, schedule in existing.items():
            rule = by_key.get(key)
            active = rule is not None
            weekday = rule.weekday if rule is not None and rule.occasion == Occasion.WEEKLY else None
            if schedule.active != active or (active and schedule.weekday != weekday):
                schedule.active = active
                if active:
                    schedule.weekday = weekday
                schedule.updated_by = by
                schedule.save(update_fields=["active", "weekday", "updated_by", "updated_at"])
        for key, rule in by_key.items():
            if key not in existing:
                MeasureSchedule.objects.create(
                    program=program,
                    instrument_code=rule.instrument_code,
                    occasion=rule.occasion,
                    weekday=rule.weekday if rule.occasion == Occasion.WEEKLY else None,
                    created_by=by,
                    updated_by=by,
                )
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            obj=program,
            detail={
                "measure_schedules": sorted(
                    f"{r.instrument_code} {r.occasion}{'' if r.weekday is None else f' {r.weekday}'}"
                    for r in wanted
                )
            },
        )
    return list(MeasureSchedule.objects.filter(program=program, active=True))


# --- cover: on call and away -------------------------------------------------------------------------------


def _days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def on_call_set(
    *, program: Program, first_day: datetime.date, last_day: datetime.date, clinician, by, request=None
) -> list[OnCall]:
    """Put `clinician` on call for the program every day from `first_day` to `last_day` (replacing whoever
    was). Refused for someone outside the program's clinical staff or away on one of those days."""
    errors = {}
    if last_day < first_day:
        errors["last_day"] = _("The last day cannot be before the first.")
    elif (last_day - first_day).days + 1 > MAX_ON_CALL_DAYS:
        errors["last_day"] = _("Set at most %(n)s days at once.") % {"n": MAX_ON_CALL_DAYS}
    if not program_staff(program).filter(pk=clinician.pk).exists() or clinician.role not in (
        Role.CLINICIAN,
        Role.PSYCHIATRIST,
        Role.PROGRAM_DIRECTOR,
    ):
        errors["clinician"] = _("Choose a clinician, psychiatrist or director of this program.")
    elif not errors:
        away = [day for day in _days(first_day, last_day) if is_away(clinician, day)]
        if away:
            errors["clinician"] = _("%(name)s is away on %(days)s.") % {
                "name": clinician.display_name,
                "days": ", ".join(f"{day:%Y-%m-%d}" for day in away[:5]),
            }
    if errors:
        raise ValidationError(errors)
    entries = []
    with transaction.atomic():
        for day in _days(first_day, last_day):
            entry, created = OnCall.objects.get_or_create(
                program=program,
                day=day,
                defaults={"clinician": clinician, "created_by": by, "updated_by": by},
            )
            if not created and entry.clinician_id != clinician.pk:
                entry.clinician = clinician
                entry.updated_by = by
                entry.save(update_fields=["clinician", "updated_by", "updated_at"])
            entries.append(entry)
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            obj=program,
            detail={
                "on_call": str(clinician.uuid),
                "from": first_day.isoformat(),
                "to": last_day.isoformat(),
            },
        )
    return entries


def on_call_clear(*, entry: OnCall, by, request=None) -> None:
    with transaction.atomic():
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            obj=entry.program,
            detail={"on_call_cleared": entry.day.isoformat(), "was": str(entry.clinician.uuid)},
        )
        entry.delete()


def absence_record(
    *,
    program: Program,
    user,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str = "",
    by,
    request=None,
) -> StaffAbsence:
    """Record that a member of the program's staff is away from `starts_on` to `ends_on` (both included)."""
    errors = {}
    if not program_staff(program).filter(pk=user.pk).exists():
        errors["user"] = _("Choose a member of this program's clinical staff.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The last day away cannot be before the first.")
    elif (ends_on - starts_on).days + 1 > MAX_ABSENCE_DAYS:
        errors["ends_on"] = _("Record at most a year at once.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        absence = StaffAbsence.objects.create(
            user=user,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=" ".join(reason.split())[:120],
            created_by=by,
            updated_by=by,
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            obj=absence,
            detail={"program": str(program.uuid), "user": str(user.uuid)},
        )
    return absence


def absence_remove(*, absence: StaffAbsence, by, request=None) -> None:
    with transaction.atomic():
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            obj=absence,
            detail={"removed": True, "user": str(absence.user.uuid)},
        )
        absence.delete()


# --- the portal: a questionnaire answered one question per screen ----------------------------------------


def portal_language(instrument: Instrument, patient: Patient, active: str | None) -> str:
    """The language the patient reads the questionnaire in: their recorded language when the instrument has
    it and it is not the default, else the language the portal is shown in, else the instrument's first."""
    for language in (patient.language, (active or "")[:2]):
        if language in instrument.languages and language != instrument.default_language:
            return language
    return instrument.default_language


def draft_start(
    *, episode: EpisodeOfCare, instrument_code: str, occasion: str, language: str, by, request=None
) -> ResponseDraft:
    """The patient's draft of this questionnaire for this occasion: the one in progress, or a new one."""
    try:
        instrument = get_instrument(instrument_code)
    except LookupError as error:
        raise ValidationError(
            {"instrument": _("There is no questionnaire %(code)s.") % {"code": instrument_code}}
        ) from error
    if occasion not in Occasion.values:
        raise ValidationError({"occasion": _("Unknown occasion.")})
    if language not in instrument.languages:
        language = instrument.default_language
    with transaction.atomic():
        draft, created = ResponseDraft.objects.get_or_create(
            episode=episode,
            instrument_code=instrument.code,
            occasion=occasion,
            defaults={
                "patient": episode.patient,
                "instrument_version": instrument.version,
                "language": language,
                "created_by": by,
                "updated_by": by,
            },
        )
        if created:
            audit_record(
                action=Action.CREATE,
                request=request,
                actor=by,
                patient=episode.patient,
                obj=draft,
                detail={"instrument": instrument.code, "occasion": occasion, "portal": True},
            )
    return draft


def draft_instrument(draft: ResponseDraft) -> Instrument:
    return get_instrument(draft.instrument_code, draft.instrument_version)


def draft_answer(
    *, draft: ResponseDraft, item_key: str, value, by, language: str | None = None, request=None
) -> MeasureAlert | None:
    """Save one answer to the draft at once (progress kept). A critical answer raises the urgent alert now
    (portal_critical_answer); returns that alert (or the one raised earlier for this draft), else None.
    An answer that is not one of the item's options raises ValidationError and saves nothing."""
    instrument = draft_instrument(draft)
    item = next((item for item in instrument.items if item.key == str(item_key)), None)
    if item is None:
        raise ValidationError({"answer": _("This question is not part of the questionnaire.")})
    if isinstance(value, bool) or not isinstance(value, int) or value not in item.values:
        raise ValidationError({"answer": _("Choose one of the answers.")})
    with transaction.atomic():
        draft = ResponseDraft.objects.select_for_update().get(pk=draft.pk)
        draft.answers = {**draft.answers, item.key: value}
        if language in instrument.languages:
            draft.language = language  # the language the patient is reading it in now
        draft.updated_by = by
        draft.save(update_fields=["answers", "language", "updated_by", "updated_at"])
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=draft.patient,
            obj=draft,
            detail={"item": item.key, "portal": True},
        )
        if is_urgent_answer(item, value):
            return portal_critical_answer(draft, item, by, request=request)
    return MeasureAlert.objects.filter(draft=draft).first()


def is_urgent_answer(item, value) -> bool:
    """The instrument's own rule: a critical item answered at or above its threshold, asking for an alert."""
    critical = item.critical
    return (
        critical is not None
        and critical.triggers == URGENT
        and value is not None
        and value >= critical.at_least
    )


def portal_critical_answer(draft: ResponseDraft, item, by, request=None) -> MeasureAlert:
    """Raise the urgent alert for a critical answer given in an unfinished portal questionnaire, at once: the
    person may stop there. One alert per draft, however often they go back and change it; when the draft is
    submitted, the administration takes this alert over (administration_record's `draft_alert`)."""
    with transaction.atomic():
        draft = ResponseDraft.objects.select_for_update().get(pk=draft.pk)
        existing = MeasureAlert.objects.filter(draft=draft).first()
        if existing is not None:
            return existing
        with translation.override(settings.LANGUAGE_CODE):  # staff read it, not the patient
            headline = _("%(code)s being answered in the portal (not finished), %(day)s: %(what)s") % {
                "code": draft.instrument_code,
                "day": f"{timezone.localdate():%Y-%m-%d}",
                "what": _("item %(key)s answered %(value)s")
                % {"key": item.key, "value": draft.answers.get(item.key)},
            }
            return _create_alert(
                episode=draft.episode,
                patient=draft.patient,
                flag_id=f"critical_item_{item.key}",
                headline=headline,
                draft=draft,
                by=by,
                request=request,
            )


def _attach_draft_alert(alert: MeasureAlert, administration: Administration, *, by, request) -> MeasureAlert:
    alert.administration = administration
    alert.updated_by = by
    alert.save(update_fields=["administration", "updated_by", "updated_at"])
    audit_record(
        action=Action.UPDATE,
        request=request,
        actor=by,
        patient=administration.patient,
        obj=alert,
        detail={"administration": str(administration.uuid), "from_draft": True},
    )
    return alert


def draft_submit(*, draft: ResponseDraft, by, request=None) -> Recorded:
    """Record the finished draft as an administration (source portal, the draft's language) and delete the
    draft, in one transaction. An unanswered item is recorded as skipped, as on paper."""
    with transaction.atomic():
        draft = ResponseDraft.objects.select_for_update().select_related("episode").get(pk=draft.pk)
        # The alert, tasks and review requests it raises are read by staff: in the site's language, not the
        # language the patient answered in.
        with translation.override(settings.LANGUAGE_CODE):
            recorded = administration_record(
                episode=draft.episode,
                instrument_code=draft.instrument_code,
                answers=dict(draft.answers),
                completed_on=timezone.localdate(),
                by=by,
                occasion=draft.occasion,
                language=draft.language,
                source=Source.PORTAL,
                confirm_duplicate=True,
                draft_alert=MeasureAlert.objects.filter(draft=draft).first(),
                request=request,
            )
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=draft.patient,
            obj=draft,
            detail={"submitted": str(recorded.administration.uuid), "portal": True},
        )
        draft.delete()
    return recorded


def administration_share(*, administration: Administration, shared: bool, by, request=None) -> Administration:
    """Show (or stop showing) an administration's total and band to the patient in the portal: a clinician's
    choice per result, never automatic."""
    with transaction.atomic():
        Administration.objects.filter(pk=administration.pk).update(
            shared_with_patient=shared, updated_by=by, updated_at=timezone.now()
        )
        administration.refresh_from_db()
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=administration.patient,
            obj=administration,
            detail={"shared_with_patient": shared},
        )
    return administration
