"""Utilization pages per role: the chart panel, add / edit / end, the program list, my day, the PDF."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.coordination.services import PART2_NOTICE
from openiop.measures.models import MeasureAlert
from openiop.programs.models import Focus
from openiop.utilization import review
from openiop.utilization.models import AuthorizationStatus, PayerAuthorization
from openiop.utilization.views import REVIEW_TEMPLATE

from .factories import active_episode, attended, authorization

pytestmark = pytest.mark.django_db


def chart(client, patient):
    return client.get(reverse("patients:chart", kwargs={"patient_uuid": patient.uuid}))


def form_data(**overrides):
    today = timezone.localdate()
    data = {
        "payer": "Synthetic Health Plan",
        "number": "AUTH-77",
        "unit": "sessions",
        "authorized": "12",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=28)).isoformat(),
        "notes": "",
    }
    data.update(overrides)
    return data


# The chart panel -------------------------------------------------------------------------------------------


def test_chart_panel_shows_use_and_the_alert_in_words(world, client_for):
    today = timezone.localdate()
    authorization(world.patient_a, world.ivan, ends_on=today + datetime.timedelta(days=2))
    body = chart(client_for(world.alice), world.patient_a).content.decode()
    assert "Payer authorizations" in body
    assert "AUTH-0001" in body
    assert "ends within 7 days" in body
    assert reverse("utilization:add", kwargs={"episode_uuid": active_episode(world.patient_a).uuid}) in body
    assert reverse("utilization:review_pdf", kwargs={"patient_uuid": world.patient_a.uuid}) in body


def test_intake_coordinator_manages_but_is_not_offered_the_review(world, client_for):
    authorization(world.patient_a, world.ivan)
    body = chart(client_for(world.ivan), world.patient_a).content.decode()
    assert "AUTH-0001" in body and "Add an authorization" in body
    assert "Utilization-review summary" not in body


# Add / edit / end ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["alice", "paul", "ivan", "dana"])
def test_managers_add_an_authorization(world, client_for, role):
    episode = active_episode(world.patient_a)
    response = client_for(getattr(world, role)).post(
        reverse("utilization:add", kwargs={"episode_uuid": episode.uuid}), form_data()
    )
    assert response.status_code == 302
    created = PayerAuthorization.objects.get(episode=episode)
    assert created.unit == "sessions" and created.authorized == Decimal("12")
    assert created.created_by == getattr(world, role)


@pytest.mark.parametrize("role", ["bob", "charlie", "audrey", "adam", "pat_a"])
def test_others_cannot_add(world, client_for, role):
    episode = active_episode(world.patient_a)
    response = client_for(getattr(world, role)).post(
        reverse("utilization:add", kwargs={"episode_uuid": episode.uuid}), form_data()
    )
    assert response.status_code == 403
    assert not PayerAuthorization.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"authorized": "0"}, "must be more than zero"),
        ({"unit": "days", "authorized": "2.5"}, "whole numbers"),
        ({"ends_on": "2026-01-01", "starts_on": "2026-02-01"}, "cannot be before the first day"),
        ({"payer": ""}, "This field is required"),
        ({"starts_on": "not a date"}, "Enter a valid date"),
    ],
)
def test_bad_input_re_renders_with_the_error(world, client_for, overrides, message):
    episode = active_episode(world.patient_a)
    response = client_for(world.dana).post(
        reverse("utilization:add", kwargs={"episode_uuid": episode.uuid}), form_data(**overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PayerAuthorization.objects.exists()


def test_edit_saves_and_a_stale_form_is_refused_keeping_the_entries(world, client_for):
    created = authorization(world.patient_a, world.ivan)
    url = reverse("utilization:edit", kwargs={"authorization_uuid": created.uuid})
    client = client_for(world.dana)
    page = client.get(url).content.decode()
    assert 'name="version" value="1"' in page
    data = form_data(number="AUTH-0001", payer="Renamed plan", unit="hours", authorized="40", version="1")
    assert client.post(url, data).status_code == 302
    created.refresh_from_db()
    assert created.payer == "Renamed plan" and created.version == 2
    stale = client.post(url, {**data, "payer": "Late edit"})
    body = stale.content.decode()
    assert stale.status_code == 200
    assert "Someone else saved this authorization" in body
    assert "Late edit" in body
    created.refresh_from_db()
    assert created.payer == "Renamed plan"


def test_end_asks_a_reason_then_ends(world, client_for):
    created = authorization(world.patient_a, world.ivan)
    url = reverse("utilization:end", kwargs={"authorization_uuid": created.uuid})
    client = client_for(world.alice)
    assert "This field is required" in client.post(url, {"reason": ""}).content.decode()
    assert client.post(url, {"reason": "Payer withdrew the authorization"}).status_code == 302
    created.refresh_from_db()
    assert created.status == AuthorizationStatus.ENDED
    # An ended authorization is history: its edit page sends back to the chart.
    edit = reverse("utilization:edit", kwargs={"authorization_uuid": created.uuid})
    assert client.get(edit).status_code == 302


def test_reading_the_edit_page_is_audited_once(world, client_for):
    created = authorization(world.patient_a, world.ivan)
    client_for(world.dana).get(reverse("utilization:edit", kwargs={"authorization_uuid": created.uuid}))
    assert AuditEvent.objects.filter(action=Action.VIEW, object_id=str(created.uuid)).count() == 1


# Program list and my day -----------------------------------------------------------------------------------


def test_program_list_filters_to_alerts(world, client_for):
    today = timezone.localdate()
    authorization(world.patient_a, world.ivan, number="SOON", ends_on=today + datetime.timedelta(days=5))
    authorization(world.patient_b, world.ivan, number="QUIET")
    client = client_for(world.dana)
    body = client.get(reverse("utilization:list")).content.decode()
    assert "SOON" in body and "QUIET" in body
    body = client.get(reverse("utilization:list"), {"alert": "on"}).content.decode()
    assert "SOON" in body and "QUIET" not in body
    body = client.get(reverse("utilization:list"), {"program": str(world.program_b.uuid)}).content.decode()
    assert "Select a valid choice" in body  # not one of dana's programs: an error, not program B's list
    event = AuditEvent.objects.filter(
        action=Action.LIST, object_type="utilization.payerauthorization"
    ).first()
    assert event is not None


def test_program_list_is_refused_to_clinicians(world, client_for):
    assert client_for(world.alice).get(reverse("utilization:list")).status_code == 403


def test_my_day_lists_authorizations_needing_attention_for_the_director(world, client_for):
    today = timezone.localdate()
    authorization(world.patient_a, world.ivan, number="SOON", ends_on=today + datetime.timedelta(days=1))
    authorization(world.patient_b, world.ivan, number="QUIET")
    body = client_for(world.dana).get(reverse("home:my_day")).content.decode()
    assert "Payer authorizations needing attention" in body
    assert "SOON" in body and "QUIET" not in body
    assert "Payer authorizations needing attention" not in (
        client_for(world.alice).get(reverse("home:my_day")).content.decode()
    )


# The utilization-review PDF --------------------------------------------------------------------------------


def review_url(patient, **params):
    return reverse("utilization:review_pdf", kwargs={"patient_uuid": patient.uuid}), params


@pytest.mark.parametrize("role", ["alice", "paul", "dana"])
def test_care_team_and_director_print_the_review_and_it_is_audited(world, client_for, role):
    url, _ = review_url(world.patient_a)
    response = client_for(getattr(world, role)).get(url, {"from": "2026-10-01", "to": "2026-10-28"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action=Action.PRINT, patient=world.patient_a)
    assert event.detail["from"] == "2026-10-01" and event.detail["to"] == "2026-10-28"
    assert event.detail["document"] == "utilization_review"


@pytest.mark.parametrize("role", ["bob", "ivan", "audrey", "charlie", "pat_a"])
def test_others_cannot_print_the_review(world, client_for, role):
    url, _ = review_url(world.patient_a)
    assert client_for(getattr(world, role)).get(url).status_code == 403
    assert not AuditEvent.objects.filter(action=Action.PRINT).exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-10-28", "to": "2026-10-01"}, "cannot be before the first day"),
        ({"from": "yesterday", "to": "2026-10-01"}, "Enter a valid date"),
        ({"from": "2024-01-01", "to": "2026-10-01"}, "at most 366 days"),
        ({"from": "2026-01-01", "to": "2026-02-01"}, "not in treatment between these days"),
    ],
)
def test_a_bad_range_re_renders_the_form(world, client_for, params, message):
    url, _ = review_url(world.patient_a)
    response = client_for(world.alice).get(url, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.PRINT).exists()
    read = AuditEvent.objects.get(action=Action.VIEW, patient=world.patient_a)
    assert read.detail["page"] == "utilization_review_range"


def test_review_content_has_what_a_reviewer_needs(world):
    today = timezone.localdate()
    episode = active_episode(world.patient_a)
    start, end = today - datetime.timedelta(days=20), today
    authorization(world.patient_a, world.ivan, number="AUTH-UR", starts_on=start, authorized="30")
    attended(world, episode, today - datetime.timedelta(days=10))
    attended(world, episode, today - datetime.timedelta(days=9), status="absent_unexcused")
    attended(world, episode, today - datetime.timedelta(days=60))  # outside the range
    MeasureAlert.objects.create(patient=world.patient_a, flag="phq9_item9", message="PHQ-9 item 9 answered 2")
    summary = review.build_review(world.patient_a, episode, start=start, end=end, today=today)
    assert summary.attendance.attended == 1
    assert summary.attendance.absent_unexcused == 1
    assert summary.attendance.attended_minutes == 180
    assert summary.attendance.rate == 50
    assert [row.authorization.number for row in summary.authorizations] == ["AUTH-UR"]
    assert summary.authorizations[0].usage.used == Decimal("3.0")
    assert [event.text for event in summary.risk_events] == ["PHQ-9 item 9 answered 2"]
    assert all(week.week_start <= end for week in summary.weeks)
    assert not summary.part2
    html = render_to_string(REVIEW_TEMPLATE, {"review": summary})
    for text in ("Utilization-review summary", "AUTH-UR", "PHQ-9 item 9 answered 2", "Hours per week"):
        assert text in html
    assert "42 CFR" not in html


def test_part2_records_carry_the_redisclosure_notice(world, client_for):
    world.program_a.focus = Focus.SUBSTANCE_USE
    world.program_a.save()
    episode = active_episode(world.patient_a)
    today = timezone.localdate()
    summary = review.build_review(
        world.patient_a, episode, start=today - datetime.timedelta(days=27), end=today, today=today
    )
    assert summary.part2
    html = render_to_string(REVIEW_TEMPLATE, {"review": summary})
    assert PART2_NOTICE in html
    url, _ = review_url(world.patient_a)
    response = client_for(world.alice).get(url)
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.get(action=Action.PRINT).detail["part2"] is True


def test_the_review_never_reads_notes(world):
    import inspect

    source = inspect.getsource(review)
    assert "openiop.notes" not in source


def test_chart_panel_offers_no_add_for_a_discharged_episode(world, client_for):
    from openiop.utilization.panels import chart_panel

    episode = active_episode(world.patient_a)
    authorization(world.patient_a, world.ivan)
    episode.status = "discharged"
    episode.save()

    class Request:
        user = world.dana

    panel = chart_panel(Request(), world.patient_a, episode)
    assert panel["may_manage"] and not panel["may_add"]
    assert len(panel["rows"]) == 1
