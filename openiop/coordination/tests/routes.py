"""The coordination pages in the role walk (core/tests/test_role_walk.py).

Directory: clinical staff read it; intake coordinators and directors (ivan, dana) edit it. Consents follow
the chart to read (bob must break the glass); the care team, director and intake coordinator record them.
Disclosures and the accounting: the care team's clinicians (alice, paul) and the director (dana).
"""

from openiop.core.tests.roles import BTG, CLINICAL, only

from .factories import failed_transmission, member, part2_consent, scanned_consent, therapist

READERS = ("alice", "paul", "ivan", "dana")
RECORDERS = ("alice", "paul", "ivan", "dana")
DISCLOSERS = ("alice", "paul", "dana")


def _member(w):
    return {"member_uuid": member(w.patient_a, therapist(), w.alice).uuid}


def _scanned(w):
    return {"consent_uuid": scanned_consent(w.patient_a, therapist(), w.alice).uuid}


def _consent(w):
    return {"consent_uuid": part2_consent(w.patient_a, therapist(), w.alice).uuid}


ROUTES = {
    "coordination:provider_list": ("get", lambda w: {}, only(*CLINICAL)),
    "coordination:provider_create": ("get", lambda w: {}, only("ivan", "dana")),
    "coordination:provider_edit": (
        "get",
        lambda w: {"provider_uuid": therapist().uuid},
        only("ivan", "dana"),
    ),
    "coordination:patient_home": (
        "get",
        lambda w: {"patient_uuid": w.patient_a.uuid},
        only(*READERS, bob=BTG),
    ),
    "coordination:external_member_add": (
        "get",
        lambda w: {"patient_uuid": w.patient_a.uuid},
        only(*RECORDERS),
    ),
    "coordination:external_member_end": ("get", _member, only(*RECORDERS)),
    "coordination:consent_create": ("get", lambda w: {"patient_uuid": w.patient_a.uuid}, only(*RECORDERS)),
    "coordination:consent_detail": ("get", _consent, only(*READERS, bob=BTG)),
    "coordination:consent_revoke": ("get", _consent, only(*RECORDERS)),
    "coordination:consent_scan": ("get", _scanned, only(*READERS, bob=BTG)),
    # A retry redirects to the accounting (sent, or already sent for the next role in the walk).
    "coordination:transmission_retry": (
        "post",
        lambda w: {"transmission_uuid": failed_transmission(w.patient_a, w.alice).uuid},
        only(*DISCLOSERS),
    ),
    "coordination:accounting": ("get", lambda w: {"patient_uuid": w.patient_a.uuid}, only(*DISCLOSERS)),
    "coordination:accounting_csv": ("get", lambda w: {"patient_uuid": w.patient_a.uuid}, only(*DISCLOSERS)),
    "coordination:send_summary": ("get", lambda w: {"patient_uuid": w.patient_a.uuid}, only(*DISCLOSERS)),
}
