import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.discharge.models import Discharge, DischargeStatus

from .factories import active_episode, make_ready, provider, start

pytestmark = pytest.mark.django_db


def test_plan_discharge_from_the_chart(world, client_for):
    client = client_for(world.alice)
    chart = client.get(reverse("patients:chart", args=[world.patient_a.uuid]))
    episode = active_episode(world.patient_a)
    start_url = reverse("discharge:start", args=[episode.uuid])
    assert start_url in chart.content.decode()
    response = client.post(start_url, {"reason": "completed", "planned_on": timezone.localdate().isoformat()})
    discharge = Discharge.objects.get(episode=episode)
    assert response.status_code == 302 and response["Location"] == reverse(
        "discharge:detail", args=[discharge.uuid]
    )
    page = client.get(response["Location"]).content.decode()
    assert "discharge-checklist" in page and "Write the discharge note" in page and "Missing" in page
    assert "No aftercare appointment yet." in page


def test_start_form_shows_errors(world, client_for):
    client = client_for(world.alice)
    url = reverse("discharge:start", args=[active_episode(world.patient_a).uuid])
    response = client.post(url, {"reason": "completed", "planned_on": "2026-09-01"})
    assert response.status_code == 200 and "before admission" in response.content.decode()


def test_close_refused_shows_missing_parts(world, client_for):
    discharge = start(world.patient_a, world.alice)
    response = client_for(world.alice).post(
        reverse("discharge:close", args=[discharge.uuid]), {"on": timezone.localdate().isoformat()}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "missing-parts" in body and "aftercare appointment" in body
    discharge.refresh_from_db()
    assert discharge.status == DischargeStatus.OPEN


def test_close_when_ready(world, client_for):
    discharge = make_ready(start(world.patient_a, world.alice), world.alice)
    response = client_for(world.dana).post(
        reverse("discharge:close", args=[discharge.uuid]), {"on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302
    discharge.refresh_from_db()
    assert discharge.status == DischargeStatus.CLOSED


def test_stale_edit_keeps_the_text(world, client_for):
    discharge = start(world.patient_a, world.alice)
    url = reverse("discharge:edit", args=[discharge.uuid])
    form = {
        "reason": "completed",
        "planned_on": discharge.planned_on.isoformat(),
        "version": discharge.version,
    }
    client = client_for(world.alice)
    assert client.post(url, {**form, "support_groups": "First save"}).status_code == 302
    response = client.post(url, {**form, "support_groups": "My careful text"})
    body = response.content.decode()
    assert response.status_code == 200 and "Someone else saved" in body and "My careful text" in body


def test_aftercare_and_waiver_forms(world, client_for):
    discharge = start(world.patient_a, world.alice, reason="administrative")
    client = client_for(world.paul)
    response = client.post(
        reverse("discharge:aftercare_add", args=[discharge.uuid]),
        {
            "starts_at": (timezone.localdate() + timezone.timedelta(days=4)).isoformat() + "T10:00",
            "provider": str(provider().uuid),
            "purpose": "Medication follow-up",
            "is_telehealth": "on",
        },
    )
    assert response.status_code == 302 and discharge.appointments.count() == 1
    response = client.post(
        reverse("discharge:waive", args=[discharge.uuid]), {"requirement": "summary_note", "reason": "short"}
    )
    assert response.status_code == 200 and "at least 10" in response.content.decode()
    response = client.post(
        reverse("discharge:waive", args=[discharge.uuid]),
        {"requirement": "summary_note", "reason": "Administrative discharge, summary by the director"},
    )
    assert response.status_code == 302 and discharge.waivers.count() == 1


def test_read_only_roles_see_no_actions(world, client_for):
    discharge = start(world.patient_a, world.alice)
    for user in (world.ivan, world.audrey):
        body = client_for(user).get(reverse("discharge:detail", args=[discharge.uuid])).content.decode()
        assert "discharge-checklist" in body and reverse("discharge:close", args=[discharge.uuid]) not in body
    assert (
        client_for(world.ivan).post(reverse("discharge:close", args=[discharge.uuid]), {}).status_code == 403
    )


def test_my_day_lists_discharges_not_ready(world, client_for):
    discharge = start(world.patient_a, world.alice)
    body = client_for(world.alice).get(reverse("home:my_day")).content.decode()
    assert reverse("discharge:detail", args=[discharge.uuid]) in body
    body = client_for(world.bob).get(reverse("home:my_day")).content.decode()
    assert "No discharge in the next 7 days" in body
