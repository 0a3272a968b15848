"""The portal's "care" part in the role walk (core/tests/test_role_walk.py).

Skills, progress and my record are for patients with a linked record (pat_a, pat_b), about their own record
only; staff are refused. Another person's homework is not found (404), never refused.
"""

from openiop.core.tests.roles import only
from openiop.skills.tests.factories import homework_for

PATIENTS = ("pat_a", "pat_b")


def _homework_of_a(w):
    return {"homework_uuid": homework_for(w, w.patient_a).uuid}


ROUTES = {
    "portal:skills": ("get", lambda w: {}, only(*PATIENTS)),
    "portal:practice_add": ("get", lambda w: {}, only(*PATIENTS)),
    "portal:homework_done": ("get", _homework_of_a, only("pat_a", pat_b="status 404")),
    "portal:progress": ("get", lambda w: {}, only(*PATIENTS)),
    "portal:record": ("get", lambda w: {}, only(*PATIENTS)),
    "portal:record_pdf": ("get", lambda w: {}, only(*PATIENTS)),
    "portal:record_fhir": ("get", lambda w: {}, only(*PATIENTS)),
}
