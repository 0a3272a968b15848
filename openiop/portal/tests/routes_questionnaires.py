"""The portal's questionnaire pages in the role walk (core/tests/test_role_walk.py): patients only, each
their own. pat_b opening patient_a's draft finds nothing (404, not 403: it does not exist for them)."""

from openiop.core.tests.roles import only
from openiop.measures.models import MeasureSchedule, ResponseDraft
from openiop.measures.services import draft_start


def _due_phq9(world) -> dict:
    MeasureSchedule.objects.get_or_create(
        program=world.program_a, instrument_code="PHQ-9", occasion="admission"
    )
    return {"code": "PHQ-9", "occasion": "admission"}


def _draft_of_a(world) -> dict:
    _due_phq9(world)
    draft = ResponseDraft.objects.filter(patient=world.patient_a).first() or draft_start(
        episode=world.patient_a.episodes.get(status="active"),
        instrument_code="PHQ-9",
        occasion="admission",
        language="en",
        by=world.pat_a,
    )
    return {"draft_uuid": draft.uuid, "number": 1}


ROUTES = {
    "portal:questionnaires": ("get", lambda w: {}, only("pat_a", "pat_b")),
    # patient_b's current episode (a new referral in the walk) has nothing due: starting is "not found".
    "portal:questionnaire_start": ("post", _due_phq9, only("pat_a", pat_b="status 404")),
    "portal:questionnaire_step": ("get", _draft_of_a, only("pat_a", pat_b="status 404")),
    "portal:questionnaire_thanks": ("get", lambda w: {}, only("pat_a", "pat_b")),
}
