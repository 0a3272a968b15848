"""Questionnaires through the API: the instrument library, recording an administration (scored, with the
urgent alert it raises), reading a patient's administrations and what is due, marking one entered in
error, and listing, reading and closing urgent alerts.

The pages' rules apply (openiop/measures/rules.py): reading follows the chart, entering is the care team's,
an alert is closed by the care team or the clinician it is assigned to. Break-the-glass is web-only (its
reason is asked for and reviewed there), so a caller who would need it gets 403. Reads are audited as
the pages audit them (with "channel": "api"); writes by the services. Trajectories and outcomes are in
measures_outcomes.py.
"""

import datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError as InputError
from ninja.responses import Status

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.measures.instrument_schema import Instrument
from openiop.measures.models import Administration, AlertStatus, ClosingAction, MeasureAlert
from openiop.measures.registry import current_instruments, get_instrument
from openiop.measures.selectors import (
    VIEW,
    administration_for_user,
    alert_for_user,
    alerts_for_user,
    due_questionnaires,
    patient_administrations,
    patient_for_measures,
)
from openiop.measures.services import (
    AlertAlreadyClosed,
    PossibleDuplicate,
    administration_mark_entered_in_error,
    administration_record,
    alert_close,
)
from openiop.patients.models import EpisodeOfCare
from openiop.patients.selectors import BreakGlassRequired, current_episode

from .policy import TOKEN_HOLDER, api_policy
from .problems import CONFLICT_RESPONSES, PROBLEM_RESPONSES, ApiProblem

router = Router(tags=["measures"])

REFUSED = (
    "You may not read this patient's questionnaires: they follow the chart. The attempt has been recorded. "
    "Break-the-glass (emergency) access is not available through the API; use the web application."
)
ALERT_LIMIT = 200


# --- schemas -----------------------------------------------------------------------------------------------


class OptionOut(Schema):
    value: int
    label: dict[str, str]


class CriticalOut(Schema):
    at_least: int
    triggers: str
    label: str


class ItemOut(Schema):
    key: str
    text: dict[str, str]
    options: list[OptionOut]
    scored: bool
    required: bool
    critical: CriticalOut | None


class BandOut(Schema):
    min: int
    max: int
    label: str


class FlagRuleOut(Schema):
    id: str
    label: str
    triggers: str


class InstrumentSummaryOut(Schema):
    code: str
    version: str
    title: dict[str, str]
    languages: list[str]
    items: int
    licence: str


class InstrumentOut(Schema):
    code: str
    version: str
    title: dict[str, str]
    languages: list[str]
    instructions: dict[str, str] | None
    stem: dict[str, str] | None
    items: list[ItemOut]
    scoring_method: str
    missing_rule: str
    range: dict[str, int] | None = Field(description="Lowest and highest total; null for a screen.")
    bands: list[BandOut]
    flags: list[FlagRuleOut]
    loinc: dict[str, str] | None
    licence: dict[str, str]
    source: str


class PersonOut(Schema):
    uuid: UUID
    name: str


class AlertOut(Schema):
    uuid: UUID
    patient: UUID
    # None while the alert comes from a questionnaire the patient has not finished in the portal.
    administration: UUID | None
    flag: str
    message: str
    status: str
    assigned_to: PersonOut | None
    created_at: datetime.datetime
    closing_action: str
    closing_note: str
    closed_at: datetime.datetime | None
    closed_by: PersonOut | None


class EnteredInErrorOut(Schema):
    at: datetime.datetime
    by: PersonOut | None
    reason: str


class AdministrationOut(Schema):
    uuid: UUID
    patient: UUID
    episode: UUID
    instrument: str
    instrument_version: str
    language: str
    occasion: str
    source: str
    completed_on: datetime.date
    status: str
    total: int | None
    band: str
    urgent: bool
    flags: list[dict[str, Any]]
    result: dict[str, Any] = Field(description="The whole score result as computed when recorded.")
    answers: dict[str, int | None]
    entered_at: datetime.datetime
    entered_by: PersonOut | None
    entered_in_error: EnteredInErrorOut | None
    alerts: list[AlertOut]


class AdministrationIn(Schema):
    instrument: str = Field(description="Instrument code, e.g. PHQ-9; the current version is used.")
    answers: dict[str, Any] = Field(
        description="Item key to the option value; null or left out = unanswered."
    )
    completed_on: datetime.date
    occasion: Literal["admission", "weekly", "discharge", "on_demand"] = "on_demand"
    language: str | None = None
    context: dict[str, str] = Field(default_factory=dict, description='e.g. {"sex": "female"} (AUDIT-C).')
    confirm_duplicate: bool = Field(
        False, description="Record even though the same form (day and answers) is already recorded."
    )
    episode: UUID | None = Field(
        None, description="The episode of care; the patient's current one if left out."
    )


class InErrorIn(Schema):
    reason: str = ""


class AlertCloseIn(Schema):
    action: str = Field("", description="One of: " + ", ".join(ClosingAction.values))
    note: str = ""


class DueOut(Schema):
    instrument: str
    title: str
    occasion: str
    due_on: datetime.date
    overdue: bool
    missed_weeks: int


class AlertQuery(Schema):
    status: Literal["open", "closed", "all"] = "open"


# --- output ------------------------------------------------------------------------------------------------


def _person(user) -> dict | None:
    return {"uuid": user.uuid, "name": user.display_name} if user else None


def _instrument_summary(instrument: Instrument) -> dict:
    return {
        "code": instrument.code,
        "version": instrument.version,
        "title": dict(instrument.title),
        "languages": list(instrument.languages),
        "items": len(instrument.items),
        "licence": instrument.licence.name,
    }


def _instrument(instrument: Instrument) -> dict:
    return {
        "code": instrument.code,
        "version": instrument.version,
        "title": dict(instrument.title),
        "languages": list(instrument.languages),
        "instructions": dict(instrument.instructions) if instrument.instructions else None,
        "stem": dict(instrument.stem) if instrument.stem else None,
        "items": [
            {
                "key": item.key,
                "text": dict(item.text),
                "options": [{"value": o.value, "label": dict(o.label)} for o in item.options],
                "scored": item.scored,
                "required": item.required,
                "critical": {
                    "at_least": item.critical.at_least,
                    "triggers": item.critical.triggers,
                    "label": item.critical.label,
                }
                if item.critical
                else None,
            }
            for item in instrument.items
        ],
        "scoring_method": instrument.scoring.method,
        "missing_rule": instrument.scoring.missing.rule,
        "range": None
        if instrument.min_total is None
        else {"min": instrument.min_total, "max": instrument.max_total},
        "bands": [{"min": b.min, "max": b.max, "label": b.label} for b in instrument.scoring.bands],
        "flags": [{"id": f.id, "label": f.label, "triggers": f.triggers} for f in instrument.scoring.flags],
        "loinc": {
            k: v for k, v in (("panel", instrument.loinc.panel), ("total", instrument.loinc.total)) if v
        }
        or None,
        "licence": {
            "name": instrument.licence.name,
            "text": instrument.licence.text,
            "url": instrument.licence.url,
        },
        "source": instrument.source.citation,
    }


def _alert(alert: MeasureAlert) -> dict:
    return {
        "uuid": alert.uuid,
        "patient": alert.patient.uuid,
        "administration": alert.administration.uuid if alert.administration else None,
        "flag": alert.flag,
        "message": alert.message,
        "status": alert.status,
        "assigned_to": _person(alert.assigned_to),
        "created_at": alert.created_at,
        "closing_action": alert.closing_action,
        "closing_note": alert.closing_note,
        "closed_at": alert.closed_at,
        "closed_by": _person(alert.closed_by),
    }


def _administration(administration: Administration) -> dict:
    return {
        "uuid": administration.uuid,
        "patient": administration.patient.uuid,
        "episode": administration.episode.uuid,
        "instrument": administration.instrument_code,
        "instrument_version": administration.instrument_version,
        "language": administration.language,
        "occasion": administration.occasion,
        "source": administration.source,
        "completed_on": administration.completed_on,
        "status": administration.status,
        "total": administration.total,
        "band": administration.band,
        "urgent": any(flag.get("triggers") == "urgent_alert" for flag in administration.flags),
        "flags": administration.flags,
        "result": administration.result,
        "answers": administration.answers,
        "entered_at": administration.created_at,
        "entered_by": _person(administration.created_by),
        "entered_in_error": {
            "at": administration.entered_in_error_at,
            "by": _person(administration.entered_in_error_by),
            "reason": administration.entered_in_error_reason,
        }
        if administration.entered_in_error
        else None,
        "alerts": [
            _alert(alert)
            for alert in administration.alerts.select_related(
                "patient", "administration", "assigned_to__staff_profile", "closed_by__staff_profile"
            )
        ],
    }


# --- loaders -----------------------------------------------------------------------------------------------


def _refuse_break_glass(request, needed: BreakGlassRequired):
    try:
        refuse(request, permission=VIEW, patient=needed.patient, obj=needed.patient)
    except PermissionDenied:
        raise ApiProblem(403, REFUSED) from None


def _patient(request, patient_uuid: UUID, **kwargs):
    try:
        return patient_for_measures(request, patient_uuid, **kwargs)
    except BreakGlassRequired as needed:
        _refuse_break_glass(request, needed)


def _administration_for(request, administration_uuid: UUID, **kwargs) -> Administration:
    try:
        return administration_for_user(request, administration_uuid, **kwargs)
    except BreakGlassRequired as needed:
        _refuse_break_glass(request, needed)


def _alert_for(request, alert_uuid: UUID, **kwargs) -> MeasureAlert:
    try:
        return alert_for_user(request, alert_uuid, **kwargs)
    except BreakGlassRequired as needed:
        _refuse_break_glass(request, needed)


def _input_errors(error: DjangoValidationError, prefix=("body",)) -> InputError:
    """A service's field errors at their place: "answers.9" -> ["body", "answers", "9"]."""
    return InputError(
        [
            {
                "loc": (*prefix, *(() if field == "__all__" else tuple(field.split(".", 1)))),
                "msg": message,
                "type": "value_error",
            }
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    )


# --- instruments (no patient data) -------------------------------------------------------------------------


@router.get(
    "/instruments", response={200: list[InstrumentSummaryOut], **PROBLEM_RESPONSES}, url_name="instruments"
)
@api_policy(TOKEN_HOLDER)
def instrument_list(request):
    """The instruments a new administration can use (latest version of each). No patient data."""
    return [_instrument_summary(i) for i in sorted(current_instruments(), key=lambda i: i.code)]


@router.get("/instruments/{code}", response={200: InstrumentOut, **PROBLEM_RESPONSES}, url_name="instrument")
@api_policy(TOKEN_HOLDER)
def instrument_detail(request, code: str, version: str | None = None):
    """One instrument: items and options in every language, bands, flag rules, licence. `version` for an
    older one (a stored administration keeps the version it was scored with)."""
    try:
        return _instrument(get_instrument(code, version))
    except LookupError:
        raise ApiProblem(404, "No such instrument (or version).") from None


# --- administrations ---------------------------------------------------------------------------------------


@router.post(
    "/patients/{patient_uuid}/administrations",
    response={201: AdministrationOut, **CONFLICT_RESPONSES},
    url_name="administration_create",
)
@api_policy("measures.enter")
def administration_create(request, patient_uuid: UUID, payload: AdministrationIn):
    """Record a completed questionnaire: scored at once, stored with the instrument version and the whole
    result. 422 names each bad item at ["body", "answers", key]. An urgent flag (PHQ-9 item 9 above 0, a
    positive ASQ...) raises an urgent alert with a same-day task, as on the web; see `alerts`. 409 when
    the same form (day and answers) is already recorded, unless `confirm_duplicate`. For the care team."""
    patient = _patient(request, patient_uuid, write=True, audit=False)
    if payload.episode is not None:
        episode = get_object_or_404(
            EpisodeOfCare.objects.select_related("program"), uuid=payload.episode, patient=patient
        )
    else:
        episode = current_episode(patient)
        if episode is None:
            raise ApiProblem(409, "The patient has no episode of care to record against.")
    try:
        recorded = administration_record(
            episode=episode,
            instrument_code=payload.instrument,
            answers=payload.answers,
            completed_on=payload.completed_on,
            occasion=payload.occasion,
            language=payload.language,
            source="api",
            context=payload.context,
            confirm_duplicate=payload.confirm_duplicate,
            by=request.auth,
            request=request,
        )
    except PossibleDuplicate as exc:
        raise ApiProblem(409, f"{exc} Existing administration: {exc.existing.uuid}.") from None
    except DjangoValidationError as error:
        raise _input_errors(error) from None
    return Status(201, _administration(recorded.administration))


@router.get(
    "/patients/{patient_uuid}/administrations",
    response={200: list[AdministrationOut], **PROBLEM_RESPONSES},
    url_name="administration_list",
)
@api_policy("measures.view")
def administration_list(request, patient_uuid: UUID, instrument: str | None = None):
    """Every administration of the patient, newest first, those entered in error included (marked)."""
    patient = _patient(
        request, patient_uuid, action=Action.LIST, detail={"page": "administrations", "channel": "api"}
    )
    rows = patient_administrations(patient)
    if instrument:
        rows = [a for a in rows if a.instrument_code == instrument.strip().upper()]
    return [_administration(a) for a in rows]


@router.get(
    "/patients/{patient_uuid}/due-questionnaires",
    response={200: list[DueOut], **PROBLEM_RESPONSES},
    url_name="due_questionnaires",
)
@api_policy("measures.view")
def due_list(request, patient_uuid: UUID):
    """What the patient's current episode has due or overdue today from the program's schedules."""
    patient = _patient(request, patient_uuid, detail={"page": "due questionnaires", "channel": "api"})
    return [
        {
            "instrument": d.instrument_code,
            "title": d.title,
            "occasion": d.occasion,
            "due_on": d.due_on,
            "overdue": d.overdue,
            "missed_weeks": d.missed,
        }
        for d in due_questionnaires(current_episode(patient), timezone.localdate())
    ]


@router.get(
    "/administrations/{administration_uuid}",
    response={200: AdministrationOut, **PROBLEM_RESPONSES},
    url_name="administration",
)
@api_policy("measures.view")
def administration_detail(request, administration_uuid: UUID):
    """One administration: answers, the stored result (total, band, flags, items) and its alerts."""
    return _administration(_administration_for(request, administration_uuid, detail={"channel": "api"}))


@router.post(
    "/administrations/{administration_uuid}/entered-in-error",
    response={200: AdministrationOut, **CONFLICT_RESPONSES},
    url_name="administration_in_error",
)
@api_policy("measures.enter")
def administration_in_error(request, administration_uuid: UUID, payload: InErrorIn):
    """Mark it entered in error, with the reason (422 without one; 409 when already marked). It is kept
    and no longer counts. An alert it raised stays open until closed with an action and a note."""
    administration = _administration_for(request, administration_uuid, mark_in_error=True, audit=False)
    if administration.entered_in_error:
        raise ApiProblem(409, "This administration is already marked entered in error.")
    try:
        administration = administration_mark_entered_in_error(
            administration=administration, reason=payload.reason, by=request.auth, request=request
        )
    except DjangoValidationError as error:
        raise _input_errors(error) from None
    return _administration(administration)


# --- alerts ------------------------------------------------------------------------------------------------


@router.get("/alerts", response={200: list[AlertOut], **PROBLEM_RESPONSES}, url_name="alerts")
@api_policy("measures.view")
def alert_list(request, query: Query[AlertQuery]):
    """Urgent alerts assigned to you, on your care teams' patients, or (directors) in your programs."""
    status = "" if query.status == "all" else query.status
    alerts = list(alerts_for_user(request.auth, status=status)[:ALERT_LIMIT])
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="measures.measurealert",
        detail={"status": query.status, "shown": len(alerts), "channel": "api"},
    )
    return [_alert(alert) for alert in alerts]


@router.get("/alerts/{alert_uuid}", response={200: AlertOut, **PROBLEM_RESPONSES}, url_name="alert")
@api_policy("measures.view")
def alert_detail(request, alert_uuid: UUID):
    return _alert(_alert_for(request, alert_uuid, detail={"channel": "api"}))


@router.post(
    "/alerts/{alert_uuid}/close", response={200: AlertOut, **CONFLICT_RESPONSES}, url_name="alert_close"
)
@api_policy("measures.view")
def alert_close_operation(request, alert_uuid: UUID, payload: AlertCloseIn):
    """Close an urgent alert: `action` (what was done) and `note` are both required (422 naming each
    missing one). 409 when it is already closed. For the care team and the clinician it is assigned to."""
    alert = _alert_for(request, alert_uuid, close=True, audit=False)
    if alert.status != AlertStatus.OPEN:
        raise ApiProblem(409, "This alert is already closed.")
    try:
        alert = alert_close(
            alert=alert, action=payload.action, note=payload.note, by=request.auth, request=request
        )
    except AlertAlreadyClosed as exc:
        raise ApiProblem(409, str(exc)) from None
    except DjangoValidationError as error:
        raise _input_errors(error) from None
    return _alert(alert)
