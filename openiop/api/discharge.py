"""Discharges through the API: an episode's discharge (with its checklist), starting one, adding an
aftercare appointment, waiving a requirement and closing.

The pages' rules apply (openiop/discharge/rules.py): reading follows the chart (and auditors read);
writing is for the care team's clinicians and psychiatrists and the program's director. Break-the-glass
is web-only, so a caller who would need it gets 403. A refused close answers 422 with each missing part
in `errors`. Reads are audited like the page (with "channel": "api"); writes by the services.
"""

import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.responses import Status

from openiop.coordination.models import Provider
from openiop.core.access import refuse
from openiop.discharge import services
from openiop.discharge.models import Discharge
from openiop.discharge.selectors import (
    MANAGE,
    VIEW,
    appointments_of,
    discharge_checklist,
    discharge_for_user,
    discharge_of,
    episode_for_discharge,
)
from openiop.patients.selectors import BreakGlassRequired

from .policy import api_policy
from .problems import PROBLEM_RESPONSES, ApiProblem

router = Router(tags=["discharge"])

REFUSED = (
    "You may not read this patient's discharge: it follows the chart. The attempt has been recorded. "
    "Break-the-glass (emergency) access is not available through the API; use the web application."
)


class ChecklistItemOut(Schema):
    requirement: str
    state: str = Field(description="done, waived or missing")
    message: str
    waivable: bool


class AppointmentOut(Schema):
    uuid: UUID
    starts_at: datetime.datetime
    provider: UUID | None
    provider_name: str
    purpose: str
    location: str
    is_telehealth: bool
    phone: str


class DischargeOut(Schema):
    uuid: UUID
    episode: UUID
    reason: str
    reason_detail: str
    planned_on: datetime.date
    to_level: str
    to_setting: str
    support_groups: str
    crisis_plan: str
    status: str
    closed_on: datetime.date | None
    version: int = Field(description="Send it back when updating.")
    ready: bool
    checklist: list[ChecklistItemOut]
    appointments: list[AppointmentOut]


class StartIn(Schema):
    reason: str = Field(
        description="completed, stepped_up, stepped_down, left_against_advice, administrative"
    )
    planned_on: datetime.date
    reason_detail: str = ""
    to_level: str = ""
    to_setting: str = ""
    support_groups: str = ""
    crisis_plan: str = ""


class AftercareIn(Schema):
    starts_at: datetime.datetime
    purpose: str
    provider: UUID | None = Field(None, description="A provider of the directory; or give provider_name.")
    provider_name: str = ""
    location: str = ""
    is_telehealth: bool = False
    phone: str = ""


class WaiveIn(Schema):
    requirement: str
    reason: str = Field(description="At least 10 characters.")


class DischargeCloseIn(Schema):
    on: datetime.date


def _out(discharge: Discharge) -> dict:
    items = discharge_checklist(discharge)
    return {
        "uuid": discharge.uuid,
        "episode": discharge.episode.uuid,
        "reason": discharge.reason,
        "reason_detail": discharge.reason_detail,
        "planned_on": discharge.planned_on,
        "to_level": discharge.to_level,
        "to_setting": discharge.to_setting,
        "support_groups": discharge.support_groups,
        "crisis_plan": discharge.crisis_plan,
        "status": discharge.status,
        "closed_on": discharge.closed_on,
        "version": discharge.version,
        "ready": all(item.ok for item in items),
        "checklist": [vars(item) | {"waivable": item.waivable} for item in items],
        "appointments": [
            {
                "uuid": a.uuid,
                "starts_at": a.starts_at,
                "provider": a.provider.uuid if a.provider_id else None,
                "provider_name": a.provider_display,
                "purpose": a.purpose,
                "location": a.location,
                "is_telehealth": a.is_telehealth,
                "phone": a.phone,
            }
            for a in appointments_of(discharge)
        ],
    }


def _refuse_break_glass(request, needed: BreakGlassRequired):
    try:
        refuse(request, permission=VIEW, patient=needed.patient, obj=needed.patient)
    except PermissionDenied:
        raise ApiProblem(403, REFUSED) from None


def _episode(request, episode_uuid, **kwargs):
    try:
        return episode_for_discharge(request, episode_uuid, **kwargs)
    except BreakGlassRequired as needed:
        _refuse_break_glass(request, needed)


def _discharge(request, discharge_uuid, **kwargs):
    try:
        return discharge_for_user(request, discharge_uuid, **kwargs)
    except BreakGlassRequired as needed:
        _refuse_break_glass(request, needed)


@router.get(
    "/episodes/{episode_uuid}/discharge",
    response={200: DischargeOut, **PROBLEM_RESPONSES},
    url_name="episode_discharge",
)
@api_policy("discharge.view_discharge")
def episode_discharge(request, episode_uuid: UUID):
    """The episode's discharge with its checklist; 404 when none has been started."""
    episode = _episode(request, episode_uuid, detail={"page": "discharge", "channel": "api"})
    discharge = discharge_of(episode)
    if discharge is None:
        raise ApiProblem(404, "No discharge has been started for this episode.")
    discharge.episode = episode
    return _out(discharge)


@router.post(
    "/episodes/{episode_uuid}/discharge",
    response={201: DischargeOut, **PROBLEM_RESPONSES},
    url_name="episode_discharge_start",
)
@api_policy("discharge.manage_discharge")
def episode_discharge_start(request, episode_uuid: UUID, payload: StartIn):
    """Start planning the discharge of an active episode. 422 when the episode is not active, a discharge
    exists already, or the dates or levels do not fit."""
    episode = _episode(request, episode_uuid, permission=MANAGE, audit=False)
    discharge = services.discharge_start(episode=episode, by=request.user, request=request, **payload.dict())
    return Status(201, _out(discharge))


@router.post(
    "/discharges/{discharge_uuid}/aftercare",
    response={201: DischargeOut, **PROBLEM_RESPONSES},
    url_name="discharge_aftercare",
)
@api_policy("discharge.manage_discharge")
def discharge_aftercare(request, discharge_uuid: UUID, payload: AftercareIn):
    """Add an aftercare appointment (a directory provider's uuid, or a typed name)."""
    discharge = _discharge(request, discharge_uuid, permission=MANAGE, audit=False)
    data = payload.dict()
    provider_uuid = data.pop("provider")
    provider = get_object_or_404(Provider, uuid=provider_uuid) if provider_uuid else None
    services.aftercare_add(discharge=discharge, provider=provider, by=request.user, request=request, **data)
    return Status(201, _out(discharge))


@router.post(
    "/discharges/{discharge_uuid}/waivers",
    response={201: DischargeOut, **PROBLEM_RESPONSES},
    url_name="discharge_waive",
)
@api_policy("discharge.manage_discharge")
def discharge_waive(request, discharge_uuid: UUID, payload: WaiveIn):
    """Waive one requirement with a reason."""
    discharge = _discharge(request, discharge_uuid, permission=MANAGE, audit=False)
    services.requirement_waive(discharge=discharge, by=request.user, request=request, **payload.dict())
    return Status(201, _out(discharge))


@router.post(
    "/discharges/{discharge_uuid}/close",
    response={200: DischargeOut, **PROBLEM_RESPONSES},
    url_name="discharge_close",
)
@api_policy("discharge.manage_discharge")
def discharge_close(request, discharge_uuid: UUID, payload: DischargeCloseIn):
    """Close the discharge and end the episode on `on`. 422 lists each missing part in `errors` when a
    requirement is neither done nor waived; nothing changes then."""
    discharge = _discharge(request, discharge_uuid, permission=MANAGE, audit=False)
    closed = services.discharge_close(discharge=discharge, by=request.user, on=payload.on, request=request)
    return _out(closed)
