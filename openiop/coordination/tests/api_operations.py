"""The coordination operations in the API role walk (api/tests/test_role_walk.py).

As the pages (routes.py): the directory is read by clinical staff and kept by intake coordinators and
directors (ivan, dana). Consents follow the chart to read (bob would need break-the-glass, which the API
does not offer); the care team, the director and the intake coordinator record and revoke them. The
accounting of disclosures: the care team's clinicians (alice, paul) and the director (dana).
"""

from django.utils import timezone

from openiop.api.tests.walk import CHART_A, CLINICAL, Op, expect

from .factories import member, part2_consent, therapist

RECORDERS = {"alice", "paul", "ivan", "dana"}
DISCLOSERS = {"alice", "paul", "dana"}


def consent_body(w, provider=None, **changes):
    """A complete Part 2 consent of patient_a naming `provider` (the walk's therapist by default)."""
    body = {
        "kind": "part2",
        "disclosing_party": "Program A IOP",
        "recipient": str((provider or therapist()).uuid),
        "purposes": ["treatment"],
        "categories": ["attendance", "treatment_plan"],
        "expires_at_discharge": True,
        "signed_name": f"{w.patient_a.legal_given_name} {w.patient_a.legal_family_name}",
        "signed_on": timezone.localdate().isoformat(),
        "revocation_explained": True,
        "witnessed": True,
    }
    body.update(changes)
    return body


def _consent_a(w):
    return part2_consent(w.patient_a, therapist(), w.alice)


OPERATIONS = {
    "GET /providers": Op(lambda w: "/api/v1/providers?q=harbor", expect(CLINICAL)),
    "POST /providers": Op(
        lambda w: "/api/v1/providers",
        expect({"ivan", "dana"}, ok=201),
        lambda w: {"name": "Morgan Prescriber", "role": "psychiatrist", "npi": "1234567893"},
    ),
    "GET /patients/{patient_uuid}/consents": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/consents", expect(CHART_A)
    ),
    "POST /patients/{patient_uuid}/consents": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/consents", expect(RECORDERS, ok=201), consent_body
    ),
    "POST /consents/{consent_uuid}/revoke": Op(
        lambda w: f"/api/v1/consents/{_consent_a(w).uuid}/revoke",
        expect(RECORDERS),
        lambda w: {"note": "In writing, handed to the front desk."},
    ),
    "POST /external-team/{member_uuid}/end": Op(
        lambda w: f"/api/v1/external-team/{member(w.patient_a, therapist(), w.alice).uuid}/end",
        expect(RECORDERS),
        lambda w: {"reason": "Care transferred to another therapist."},
    ),
    "GET /patients/{patient_uuid}/disclosures": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/disclosures", expect(DISCLOSERS)
    ),
}
