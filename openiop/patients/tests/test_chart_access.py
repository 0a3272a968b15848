import pytest
from django.urls import reverse

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.patients.models import BreakGlassAccess


def chart_url(patient):
    return reverse("patients:chart", kwargs={"patient_uuid": patient.uuid})


def test_care_team_clinician_sees_the_chart_header_and_the_view_is_audited(world, client_for):
    response = client_for(world.alice).get(chart_url(world.patient_a))
    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Avery Synthetic",
        world.patient_a.record_number,
        "Adult Mental Health IOP",
        "Active",
        "Alice Test, LCSW",
        "Paul Test, MD",
        "Synthetic (demo or test)",
    ):
        assert text in page
    event = AuditEvent.objects.get(action=Action.VIEW, patient=world.patient_a)
    assert (event.actor, event.outcome, event.object_id) == (
        world.alice,
        Outcome.SUCCESS,
        str(world.patient_a.uuid),
    )
    assert event.request_id and response["X-Request-ID"] == event.request_id


def test_clinician_in_another_program_is_refused_and_the_refusal_is_audited(world, client_for):
    response = client_for(world.charlie).get(chart_url(world.patient_a))
    assert response.status_code == 403
    assert "Avery" not in response.content.decode()
    event = AuditEvent.objects.get(action=Action.ACCESS_REFUSED, actor=world.charlie)
    assert event.patient == world.patient_a and event.outcome == Outcome.REFUSED


def test_clinician_outside_the_care_team_must_break_the_glass(world, client_for):
    client = client_for(world.bob)
    response = client.get(chart_url(world.patient_a))
    assert response["Location"] == reverse(
        "patients:break_glass", kwargs={"patient_uuid": world.patient_a.uuid}
    )
    prompt = client.get(response["Location"])
    assert prompt.status_code == 200 and "Avery" not in prompt.content.decode()


def test_a_short_reason_does_not_open_the_chart(world, client_for):
    url = reverse("patients:break_glass", kwargs={"patient_uuid": world.patient_a.uuid})
    response = client_for(world.bob).post(url, {"reason": "need it"})
    assert response.status_code == 200
    assert "at least 20 characters" in response.content.decode()
    assert not BreakGlassAccess.objects.exists()


def test_breaking_the_glass_opens_the_chart_flags_it_for_review_and_audits_it(world, client_for):
    client = client_for(world.bob)
    url = reverse("patients:break_glass", kwargs={"patient_uuid": world.patient_a.uuid})
    response = client.post(url, {"reason": "Covering the crisis line; alice is out today."})
    assert response["Location"] == chart_url(world.patient_a)
    chart = client.get(chart_url(world.patient_a))
    assert chart.status_code == 200 and "Emergency (break-the-glass) access" in chart.content.decode()
    access = BreakGlassAccess.objects.get()
    assert access.review == BreakGlassAccess.Review.PENDING
    assert (
        AuditEvent.objects.filter(action=Action.BREAK_GLASS, actor=world.bob, patient=world.patient_a).count()
        == 1
    )
    view = AuditEvent.objects.get(action=Action.VIEW, actor=world.bob)
    assert view.detail == {"break_glass": str(access.uuid)}


def test_break_the_glass_is_not_offered_outside_the_program(world, client_for):
    url = reverse("patients:break_glass", kwargs={"patient_uuid": world.patient_a.uuid})
    response = client_for(world.charlie).post(url, {"reason": "I would like to see this chart please."})
    assert response.status_code == 403
    assert not BreakGlassAccess.objects.exists()


@pytest.fixture
def access(world, client_for):
    url = reverse("patients:break_glass", kwargs={"patient_uuid": world.patient_a.uuid})
    client_for(world.bob).post(url, {"reason": "Covering the crisis line; alice is out today."})
    client_for(world.bob).get(chart_url(world.patient_a))
    return BreakGlassAccess.objects.get()


def test_director_reviews_the_access_seeing_what_was_opened(world, client_for, access):
    client = client_for(world.dana)
    day = client.get(reverse("home:my_day")).content.decode()
    review_url = reverse("patients:review_break_glass", kwargs={"access_uuid": access.uuid})
    assert review_url in day
    page = client.get(review_url).content.decode()
    assert "Covering the crisis line" in page and "patients.patient" in page
    response = client.post(review_url, {"outcome": "appropriate", "note": ""})
    assert response.status_code == 302
    access.refresh_from_db()
    assert (access.review, access.reviewed_by) == ("appropriate", world.dana)
    assert AuditEvent.objects.filter(action=Action.REVIEW, actor=world.dana).count() == 1


def test_an_inappropriate_finding_needs_a_note(world, client_for, access):
    review_url = reverse("patients:review_break_glass", kwargs={"access_uuid": access.uuid})
    response = client_for(world.audrey).post(review_url, {"outcome": "inappropriate", "note": " "})
    assert response.status_code == 200
    access.refresh_from_db()
    assert access.review == "pending"
