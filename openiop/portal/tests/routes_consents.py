"""The portal's "consents" part in the role walk (core/tests/test_role_walk.py).

Patients only, about their own consents; a consent of another person is not found (404), never refused.
"""

import datetime

from django.utils import timezone

from openiop.core.tests.roles import only

PATIENTS = ("pat_a", "pat_b")


def _prepared_consent_of_a(w):
    from openiop.coordination import services
    from openiop.coordination.tests.factories import therapist

    consent = services.consent_prepare_for_portal(
        patient=w.patient_a,
        kind="part2",
        disclosing_party="Program A IOP",
        recipient=therapist(),
        purposes=["treatment"],
        categories=["attendance"],
        expires_on=timezone.localdate() + datetime.timedelta(days=365),
        by=w.alice,
    )
    return {"consent_uuid": consent.uuid}


ROUTES = {
    "portal:consents": ("get", lambda w: {}, only(*PATIENTS)),
    "portal:consent_sign": ("get", _prepared_consent_of_a, only("pat_a", pat_b="status 404")),
}
