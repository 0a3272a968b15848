"""The audit inventory over the URL map (issue 11, item 5): every page that shows a patient's PHI writes
exactly one audit event, no page writes more than one, and every refusal of a signed-in user writes exactly
one refusal event.

Driven by the role walk's table (core/tests/test_role_walk.py and each app's routes*.py), so a new page is
inventoried with no extra work: for each GET route, the first role allowed in the walk's order; for each,
the first signed-in role refused.
"""

import pytest
from django.urls import reverse

from openiop.audit.models import Action, AuditEvent, Outcome

from .roles import ALLOW, REFUSE, ROLES
from .test_role_walk import ROUTES, outcome, walked  # noqa: F401 - walked is the fixture the walk builds

SIGNED_IN = [role for role in ROLES if role != "anonymous"]


def first(expected: dict, wanted: str) -> str | None:
    return next((role for role in SIGNED_IN if expected[role] == wanted), None)


GETS = sorted(name for name, (method, _, _) in ROUTES.items() if method == "get")
ALLOWED = [(name, role) for name in GETS if (role := first(ROUTES[name][2], ALLOW))]
REFUSED = [(name, role) for name in GETS if (role := first(ROUTES[name][2], REFUSE))]


def shows_phi(body: str, world) -> bool:
    patient = world.patient_a
    return any(
        secret in body
        for secret in (patient.legal_given_name, patient.legal_family_name, patient.record_number)
    )


def request(client, world, name, role):
    client.force_login(getattr(world, role))
    _, kwargs, _ = ROUTES[name]
    url = reverse(name, kwargs=kwargs(world))
    before = AuditEvent.objects.count()
    # Signing in writes its own event (force_login does not), so everything counted is this request's.
    response = client.get(url)
    written = list(AuditEvent.objects.order_by("seq")[before:])
    return response, written


@pytest.mark.parametrize(("name", "role"), ALLOWED, ids=[f"{n}-{r}" for n, r in ALLOWED])
def test_a_page_writes_at_most_one_event_and_exactly_one_when_it_shows_phi(name, role, walked, client):  # noqa: F811
    response, written = request(client, walked, name, role)
    assert outcome(response, reverse("account_login")) == ALLOW
    assert len(written) <= 1, f"{name} as {role} wrote {[(e.action, e.object_type) for e in written]}"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.status_code == 200 and shows_phi(content.decode(errors="replace"), walked):
        assert len(written) == 1, f"{name} as {role} showed patient_a's PHI without an audit event"


@pytest.mark.parametrize(("name", "role"), REFUSED, ids=[f"{n}-{r}" for n, r in REFUSED])
def test_a_refusal_writes_exactly_one_refusal_event(name, role, walked, client):  # noqa: F811
    response, written = request(client, walked, name, role)
    assert response.status_code == 403
    assert [(e.action, e.outcome) for e in written] == [(Action.ACCESS_REFUSED, Outcome.REFUSED)], (
        f"{name} refused to {role} wrote {[(e.action, e.outcome) for e in written]}"
    )


def test_the_inventory_covers_every_get_route():
    assert {name for name, _ in ALLOWED} == {name for name in GETS if first(ROUTES[name][2], ALLOW)}
    assert len(ALLOWED) > 150 and len(REFUSED) > 150
