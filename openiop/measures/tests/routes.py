"""The questionnaire, alert, schedule and cover pages in the role walk (core/tests/test_role_walk.py),
and builders the measures tests share.

Reading follows the chart: the care team (alice, paul), the program's director (dana) and intake
coordinator (ivan); bob, in the program but not on the team, must break the glass. Entering a form and
marking one entered in error: the care team. Closing an alert: the care team (and its assignee). The
alert list: any clinical staff (each sees their own). Schedules and cover: the program's director.
"""

import datetime

from django.utils import timezone

from openiop.core.tests.roles import BTG, CLINICAL, only
from openiop.measures.models import OnCall, StaffAbsence
from openiop.measures.services import administration_record

READERS = ("alice", "paul", "ivan", "dana")
TEAM = ("alice", "paul")

# PHQ-9 with item 9 = 1 and a total of 3: still an urgent alert (issue 6).
PHQ9_ITEM9 = {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0, "9": 1}
PHQ9_CALM = {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1, "6": 0, "7": 0, "8": 0, "9": 0}


def episode_of(patient):
    return patient.episodes.get(status="active")


def record(world, answers=None, *, patient=None, by=None, code="PHQ-9", day=None, **extra):
    """Record an administration through the service (alert, tasks and audit included)."""
    patient = patient or world.patient_a
    return administration_record(
        episode=episode_of(patient),
        instrument_code=code,
        answers=dict(PHQ9_ITEM9 if answers is None else answers),
        completed_on=day or timezone.localdate(),
        by=by or world.alice,
        **extra,
    )


def urgent(world):
    return record(world)


def on_call_entry(world):
    return OnCall.objects.create(program=world.program_a, day=timezone.localdate(), clinician=world.bob)


def absence_of(world, user=None):
    today = timezone.localdate()
    return StaffAbsence.objects.create(
        user=user or world.alice, starts_on=today, ends_on=today + datetime.timedelta(days=2), reason="Leave"
    )


ROUTES = {
    "measures:patient_home": ("get", lambda w: {"patient_uuid": w.patient_a.uuid}, only(*READERS, bob=BTG)),
    "measures:enter_choose": ("get", lambda w: {"patient_uuid": w.patient_a.uuid}, only(*TEAM)),
    "measures:enter": ("get", lambda w: {"patient_uuid": w.patient_a.uuid, "code": "PHQ-9"}, only(*TEAM)),
    "measures:administration_detail": (
        "get",
        lambda w: {"administration_uuid": urgent(w).administration.uuid},
        only(*READERS, bob=BTG),
    ),
    "measures:administration_in_error": (
        "get",
        lambda w: {"administration_uuid": record(w, PHQ9_CALM).administration.uuid},
        only(*TEAM),
    ),
    "measures:administration_share": (
        "post",
        lambda w: {"administration_uuid": record(w, PHQ9_CALM).administration.uuid},
        only(*TEAM),
    ),
    "measures:alert_list": ("get", lambda w: {}, only(*CLINICAL)),
    "measures:alert_detail": (
        "get",
        lambda w: {"alert_uuid": urgent(w).alert.uuid},
        only(*READERS, bob=BTG),
    ),
    # An empty POST re-renders the alert with "choose what was done" and "write a note" (200).
    "measures:alert_close": ("post", lambda w: {"alert_uuid": urgent(w).alert.uuid}, only(*TEAM)),
    "measures:schedules": ("get", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
    "measures:cover": ("get", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
    "measures:on_call_set": ("post", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
    "measures:on_call_clear": (
        "post",
        lambda w: {"program_uuid": w.program_a.uuid, "entry_uuid": on_call_entry(w).uuid},
        only("dana"),
    ),
    "measures:absence_add": ("post", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
    "measures:absence_remove": (
        "post",
        lambda w: {"program_uuid": w.program_a.uuid, "absence_uuid": absence_of(w).uuid},
        only("dana"),
    ),
}
