"""The trajectory page and the chart's "Progress on measures" panel: who sees them, what they show, and the
one audit event of each read."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import AuditEvent
from openiop.patients.services import break_glass_open

from .outcome_factories import administer, series

ADMITTED = datetime.date(2026, 9, 8)


def url(patient, code="PHQ-9", **query):
    base = reverse(
        "measures:trajectory_detail", kwargs={"patient_uuid": patient.uuid, "instrument_code": code}
    )
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def improving(world):
    episode = world.patient_a.episodes.get()
    series(episode, "PHQ-9", [18, 15, 11, 8], start=ADMITTED, by=world.alice)
    return episode


@pytest.mark.parametrize("role", ["alice", "paul", "dana", "ivan"])
def test_the_care_team_and_program_leads_see_the_trajectory(role, world, improving, client_for):
    response = client_for(getattr(world, role)).get(url(world.patient_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert "PHQ-9 trajectory — Avery Synthetic" in body
    assert 'role="img"' in body and '<title id="trajectory-title">PHQ-9 scores over time</title>' in body
    assert "Reliable improvement" in body
    assert "−10 points" in body  # 18 to 8
    assert "Week 2 (2026-09-22)" in body  # 18 to 11: the first drop of 6 or more
    assert "Every PHQ-9 score in this episode, oldest first" in body  # the data table's caption
    assert "a change of 6 or more points" in body and "NHS Talking Therapies" in body  # cited criteria


def test_response_and_remission_are_shown(world, client_for):
    episode = world.patient_a.episodes.get()
    series(episode, "PHQ-9", [16, 4], start=ADMITTED)
    body = client_for(world.alice).get(url(world.patient_a)).content.decode()
    assert "<dt>Response</dt><dd>Yes</dd>" in body
    assert "<dt>Remission</dt><dd>Yes</dd>" in body


def test_deterioration_is_announced(world, client_for):
    series(world.patient_a.episodes.get(), "PHQ-9", [9, 16], start=ADMITTED)
    body = client_for(world.alice).get(url(world.patient_a)).content.decode()
    assert "Reliable deterioration" in body
    assert "a treatment-plan review is raised" in body


def test_reading_the_trajectory_leaves_one_view_event(world, improving, client_for):
    client = client_for(world.alice)
    before = AuditEvent.objects.count()
    client.get(url(world.patient_a))
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert len(events) == 1
    assert events[0].action == "view" and events[0].patient_record_number == world.patient_a.record_number
    assert events[0].detail == {"page": "trajectory", "instrument": "PHQ-9"}


@pytest.mark.parametrize("role", ["charlie", "audrey", "adam", "pat_a"])
def test_others_are_refused_and_the_refusal_is_recorded(role, world, improving, client_for):
    client = client_for(getattr(world, role))
    before = AuditEvent.objects.filter(action="access_refused").count()
    response = client.get(url(world.patient_a))
    assert response.status_code == 403
    assert "Avery" not in response.content.decode()
    assert AuditEvent.objects.filter(action="access_refused").count() == before + 1


def test_bob_outside_the_care_team_must_break_the_glass(world, improving, client_for):
    client = client_for(world.bob)
    response = client.get(url(world.patient_a))
    assert response.status_code == 302 and "/break-glass/" in response["Location"]
    access = break_glass_open(
        user=world.bob, patient=world.patient_a, reason="Covering the crisis line tonight"
    )
    response = client.get(url(world.patient_a))
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action="view").order_by("-seq").first()
    assert event.detail["break_glass"] == str(access.uuid)


def test_anonymous_is_sent_to_sign_in(world, client):
    response = client.get(url(world.patient_a))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_instrument_or_screen_is_not_found(world, client_for):
    client = client_for(world.alice)
    assert client.get(url(world.patient_a, "NOPE-1")).status_code == 404
    assert client.get(url(world.patient_a, "ASQ")).status_code == 404  # a screen: no total to chart


def test_lowercase_code_finds_the_instrument(world, improving, client_for):
    assert client_for(world.alice).get(url(world.patient_a, "phq-9")).status_code == 200


def test_empty_states(world, client_for):
    client = client_for(world.alice)
    assert "No scored PHQ-9 in this episode yet." in client.get(url(world.patient_a)).content.decode()
    administer(world.patient_a.episodes.get(), "PHQ-9", 12, ADMITTED)
    body = client.get(url(world.patient_a)).content.decode()
    assert "One score only: a follow-up is needed to judge change." in body


def test_administrations_entered_in_error_are_left_out(world, improving, client_for):
    administer(
        world.patient_a.episodes.get(),
        "PHQ-9",
        24,
        datetime.date(2026, 10, 20),
        entered_in_error_at=timezone.now(),
        entered_in_error_by=world.alice,
        entered_in_error_reason="Another patient's form.",
    )
    body = client_for(world.alice).get(url(world.patient_a)).content.decode()
    assert "2026-10-20" not in body


def test_an_earlier_episode_can_be_chosen(world, improving, client_for):
    from openiop.patients.models import EpisodeOfCare

    current = world.patient_a.episodes.get()
    earlier = EpisodeOfCare.objects.create(
        patient=world.patient_a,
        program=world.program_a,
        status="discharged",
        referred_on=datetime.date(2025, 1, 2),
        admitted_on=datetime.date(2025, 1, 6),
        discharged_on=datetime.date(2025, 3, 1),
    )
    administer(earlier, "PHQ-9", 22, datetime.date(2025, 1, 6))
    client = client_for(world.alice)
    assert "2025-01-06" in client.get(url(world.patient_a, episode=earlier.uuid)).content.decode()
    body = client.get(url(world.patient_a)).content.decode()
    assert f'href="?episode={earlier.uuid}"' in body and "Reliable improvement" in body
    assert current.uuid


# --- the chart panel ---------------------------------------------------------------------------------------


def chart(client, patient):
    return client.get(reverse("patients:chart", kwargs={"patient_uuid": patient.uuid})).content.decode()


def test_the_chart_shows_a_compact_trajectory_per_instrument(world, improving, client_for):
    series(improving, "GAD-7", [12, 11], start=ADMITTED)
    body = chart(client_for(world.alice), world.patient_a)
    assert "Progress on measures" in body
    assert 'aria-labelledby="panel-PHQ-9-title panel-PHQ-9-desc"' in body
    assert "Baseline 18, latest 8 (−10):" in body and "reliable improvement" in body
    assert "Baseline 12, latest 11 (−1):" in body and "no reliable change" in body
    assert url(world.patient_a) + f"?episode={improving.uuid}" in body


def test_the_panel_has_an_empty_state(world, client_for):
    assert "No scored questionnaires in this episode yet." in chart(client_for(world.alice), world.patient_a)


def test_the_panel_reads_nothing_more_into_the_audit_trail(world, improving, client_for):
    client = client_for(world.alice)
    before = AuditEvent.objects.count()
    chart(client, world.patient_a)
    assert AuditEvent.objects.count() == before + 1  # the chart's own VIEW


def test_the_panel_is_hidden_before_admission(world, client_for):
    episode = world.patient_a.episodes.get()
    episode.admitted_on = None
    episode.status = "referral"
    episode.save()
    assert "Progress on measures" not in chart(client_for(world.alice), world.patient_a)
