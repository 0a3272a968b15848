"""The questionnaire and alert operations in the API role walk (api/tests/test_role_walk.py).

The instrument library is for any token holder (no patient data). Reading follows the chart (alice,
paul, ivan, dana); bob would need break-the-glass, which the API does not offer. Recording, marking
entered in error and closing alerts: the care team (alice, paul). The alert list: clinical staff.
"""

from django.utils import timezone

from openiop.api.tests.walk import CHART_A, CLINICAL, ROLES, Op, expect

from .routes import PHQ9_CALM, PHQ9_ITEM9, record, urgent

TEAM = {"alice", "paul"}


def _record_body(w):
    return {"instrument": "PHQ-9", "answers": PHQ9_ITEM9, "completed_on": timezone.localdate().isoformat()}


OPERATIONS = {
    "GET /instruments": Op(lambda w: "/api/v1/instruments", expect(set(ROLES))),
    "GET /instruments/{code}": Op(lambda w: "/api/v1/instruments/PHQ-9", expect(set(ROLES))),
    "POST /patients/{patient_uuid}/administrations": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/administrations", expect(TEAM, ok=201), _record_body
    ),
    "GET /patients/{patient_uuid}/administrations": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/administrations", expect(CHART_A)
    ),
    "GET /patients/{patient_uuid}/due-questionnaires": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/due-questionnaires", expect(CHART_A)
    ),
    "GET /administrations/{administration_uuid}": Op(
        lambda w: f"/api/v1/administrations/{urgent(w).administration.uuid}", expect(CHART_A)
    ),
    "POST /administrations/{administration_uuid}/entered-in-error": Op(
        lambda w: f"/api/v1/administrations/{record(w, PHQ9_CALM).administration.uuid}/entered-in-error",
        expect(TEAM),
        lambda w: {"reason": "Typed from another patient's form."},
    ),
    "GET /alerts": Op(lambda w: "/api/v1/alerts", expect(CLINICAL)),
    "GET /alerts/{alert_uuid}": Op(lambda w: f"/api/v1/alerts/{urgent(w).alert.uuid}", expect(CHART_A)),
    "POST /alerts/{alert_uuid}/close": Op(
        lambda w: f"/api/v1/alerts/{urgent(w).alert.uuid}/close",
        expect(TEAM),
        lambda w: {"action": "risk_assessed", "note": "Seen today; low risk; plan reviewed."},
    ),
}
