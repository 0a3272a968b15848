"""Payer authorizations through the API (/api/v1/): an episode's authorizations with their use, and
recording a new one. Registered in openiop/api/api.py.

The pages' rules apply (rules.py): reading follows the chart (and auditors read); recording is for the
care team's clinicians and psychiatrists and the program's director and intake coordinators. Break-the-
glass is web-only, so a caller who would need it gets 403. Reads are audited like the page (with
"channel": "api"); the write by the service. Invalid fields answer 422 with each field's message.
"""

import datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from openiop.api.policy import api_policy
from openiop.api.problems import PROBLEM_RESPONSES, ApiProblem
from openiop.core.access import refuse
from openiop.patients.selectors import BreakGlassRequired

from . import services
from .selectors import MANAGE, VIEW, Row, episode_for_user, episode_rows

router = Router(tags=["utilization"])

REFUSED = (
    "You may not read this patient's authorizations: they follow the chart. The attempt has been recorded. "
    "Break-the-glass (emergency) access is not available through the API; use the web application."
)


class AuthorizationOut(Schema):
    uuid: UUID
    episode: UUID
    payer: str
    number: str
    unit: str = Field(
        description="hours, sessions or days (a day: a date with at least one attended session)"
    )
    authorized: Decimal
    starts_on: datetime.date
    ends_on: datetime.date
    notes: str
    status: str = Field(description="active or ended")
    version: int = Field(description="Send it back when updating.")
    used: Decimal | None = Field(description="Computed from attendance; null once ended.")
    remaining: Decimal | None
    percent_used: int | None = Field(description="Rounded down.")
    alerts: list[str] = Field(
        description="exhausted or near_limit (>= 80%); expired or ending_soon (7 days)."
    )


class AuthorizationIn(Schema):
    payer: str
    number: str
    unit: str = Field(description="hours, sessions or days")
    authorized: Decimal
    starts_on: datetime.date
    ends_on: datetime.date
    notes: str = ""


def _out(row: Row) -> dict:
    a, u = row.authorization, row.usage
    return {
        "uuid": a.uuid,
        "episode": a.episode.uuid,
        "payer": a.payer,
        "number": a.number,
        "unit": a.unit,
        "authorized": a.authorized,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "notes": a.notes,
        "status": a.status,
        "version": a.version,
        "used": u.used if u else None,
        "remaining": u.remaining if u else None,
        "percent_used": u.percent if u else None,
        "alerts": row.alerts,
    }


def _episode(request, episode_uuid, **kwargs):
    try:
        return episode_for_user(request, episode_uuid, **kwargs)
    except BreakGlassRequired as needed:
        try:
            refuse(request, permission=VIEW, patient=needed.patient, obj=needed.patient)
        except PermissionDenied:
            raise ApiProblem(403, REFUSED) from None


@router.get(
    "/episodes/{episode_uuid}/authorizations",
    response={200: list[AuthorizationOut], **PROBLEM_RESPONSES},
    url_name="episode_authorizations",
)
@api_policy("utilization.view_authorization")
def episode_authorizations(request, episode_uuid: UUID):
    """The episode's payer authorizations, newest first, with use computed from attendance."""
    episode = _episode(request, episode_uuid, detail={"page": "authorizations", "channel": "api"})
    return [_out(row) for row in episode_rows(episode, today=timezone.localdate())]


@router.post(
    "/episodes/{episode_uuid}/authorizations",
    response={201: AuthorizationOut, **PROBLEM_RESPONSES},
    url_name="episode_authorization_create",
)
@api_policy("utilization.manage_authorization")
def episode_authorization_create(request, episode_uuid: UUID, payload: AuthorizationIn):
    """Record an authorization. 422 when the episode is discharged or a field does not fit."""
    episode = _episode(request, episode_uuid, permission=MANAGE, audit=False)
    created = services.authorization_create(
        episode=episode, by=request.user, request=request, **payload.dict()
    )
    [row] = [
        row for row in episode_rows(episode, today=timezone.localdate()) if row.authorization.pk == created.pk
    ]
    return Status(201, _out(row))
