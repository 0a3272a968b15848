"""The portal's "pages" part in the role walk (core/tests/test_role_walk.py).

Every page is for patients with a linked record (pat_a, pat_b) and about their own record only; staff are
refused. An object named in a URL that is another person's is not found (404), never refused.
"""

from openiop.core.tests.roles import only
from openiop.safety.tests.factories import signed_plan
from openiop.scheduling.calendars import calendar_feed_create

PATIENTS = ("pat_a", "pat_b")


def _feed_of_a(w):
    feed, _ = calendar_feed_create(owner=w.pat_a, patient=w.patient_a)
    return {"feed_uuid": feed.uuid}


def _signed_safety_plan_of_a(w):
    signed_plan(w.patient_a, w.alice)
    return {"kind": "safety-plan"}


ROUTES = {
    "portal:home": ("get", lambda w: {}, only(*PATIENTS)),
    "portal:schedule": ("get", lambda w: {}, only(*PATIENTS)),
    # Making a calendar link redirects back to the schedule.
    "portal:feed_create": ("post", lambda w: {}, only(*PATIENTS)),
    "portal:feed_revoke": ("post", _feed_of_a, only("pat_a", pat_b="status 404")),
    "portal:plan": ("get", lambda w: {}, only(*PATIENTS)),
    "portal:safety": ("get", lambda w: {}, only(*PATIENTS)),
    # pat_b has no signed safety plan: there is nothing to print (patient_a's is never theirs).
    "portal:safety_pdf": ("get", _signed_safety_plan_of_a, only("pat_a", pat_b="status 404")),
}
