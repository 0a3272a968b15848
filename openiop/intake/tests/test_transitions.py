"""Changes of level of care: recording them, what leaving IOP does to the episode, who may record them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.intake.models import Direction, LevelTransition
from openiop.patients.models import EpisodeStatus


def transition_url(episode):
    return reverse("intake:transition_create", kwargs={"episode_uuid": episode.uuid})


def data(**overrides):
    values = {
        "from_level": "intensive_outpatient",
        "to_level": "inpatient",
        "on": timezone.localdate().isoformat(),
        "reason": "Suicidal ideation with a plan",
        "from_setting": "",
        "to_setting": "County Hospital",
    }
    values.update(overrides)
    return values


def test_the_form_warns_that_leaving_iop_discharges_the_episode(world, client_for):
    page = client_for(world.alice).get(transition_url(world.patient_a.episodes.get())).content.decode()
    assert "Moving from intensive outpatient to another level ends this episode" in page


def test_a_step_up_out_of_iop_discharges_the_episode(world, client_for):
    episode = world.patient_a.episodes.get()
    response = client_for(world.alice).post(transition_url(episode), data(), follow=True)
    transition = LevelTransition.objects.get(episode=episode)
    assert transition.direction == Direction.STEP_UP and transition.to_setting == "County Hospital"
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.DISCHARGED and episode.discharged_on == timezone.localdate()
    page = response.content.decode()
    assert "Recorded: Intensive outpatient → Inpatient." in page and "The episode is discharged" in page
    assert "Intensive outpatient → Inpatient" in page and "step up: Suicidal ideation with a plan" in page
    assert AuditEvent.objects.filter(
        action=Action.CREATE, object_id=str(transition.uuid), actor=world.alice
    ).exists()


def test_a_change_within_iop_keeps_the_episode_open(world, client_for):
    episode = world.patient_a.episodes.get()
    client_for(world.ivan).post(
        transition_url(episode), data(from_level="partial_hospitalization", to_level="intensive_outpatient")
    )
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.ACTIVE
    assert LevelTransition.objects.get(episode=episode).direction == Direction.STEP_DOWN


def test_a_reason_is_required_and_the_future_is_refused(world, client_for):
    episode = world.patient_a.episodes.get()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    page = (
        client_for(world.alice).post(transition_url(episode), data(reason="", on=tomorrow)).content.decode()
    )
    assert "This field is required." in page
    page = client_for(world.alice).post(transition_url(episode), data(on=tomorrow)).content.decode()
    assert "Record a change of level once it has happened." in page
    assert not LevelTransition.objects.exists()


def test_a_discharged_episode_takes_no_more_changes(world, client_for):
    episode = world.patient_a.episodes.get()
    client = client_for(world.alice)
    client.post(transition_url(episode), data())
    response = client.get(transition_url(episode), follow=True)
    assert "This episode has ended" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("alice", 200),
        ("paul", 200),
        ("ivan", 200),
        ("dana", 200),
        ("bob", 403),  # same program but not on the care team: no chart, no transition
        ("charlie", 403),
        ("audrey", 403),
        ("adam", 403),
        ("pat_a", 403),
    ],
)
def test_who_may_record_a_change_of_level(world, client_for, role, expected):
    assert (
        client_for(getattr(world, role)).get(transition_url(world.patient_a.episodes.get())).status_code
        == expected
    )


def test_anonymous_is_sent_to_sign_in(world, client):
    response = client.get(transition_url(world.patient_a.episodes.get()))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
