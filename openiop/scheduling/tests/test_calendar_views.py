"""Calendar pages: a patient's, a clinician's, a room's and a program's week or day, who sees names, audit
events, and a fixed number of queries however many sessions there are."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openiop.audit.models import Action, AuditEvent
from openiop.scheduling.models import Room, SessionStatus

from .factories import PAST_MONDAY, active_episode, extra_patients, group_series, session_with

pytestmark = pytest.mark.django_db


def week(day=PAST_MONDAY):
    return {"week": day.isoformat()}


@pytest.fixture
def calendar(world):
    """Alice's Monday group with patient_a, and bob's Wednesday individual session with patient_b."""
    room = Room.objects.create(name="Room 1", capacity=12)
    monday = session_with(world, PAST_MONDAY, [active_episode(world.patient_a)], clinicians=[world.alice])
    monday.room = room
    monday.save()
    wednesday = session_with(
        world,
        PAST_MONDAY + datetime.timedelta(days=2),
        [active_episode(world.patient_b)],
        clinicians=[world.bob],
    )
    world.room, world.monday, world.wednesday = room, monday, wednesday
    return world


def url(name, **kwargs):
    return reverse(f"scheduling:{name}", kwargs=kwargs)


def test_the_week_view_lists_every_day_with_its_sessions(calendar, client_for):
    response = client_for(calendar.alice).get(
        url("calendar_clinician", user_uuid=calendar.alice.uuid), week()
    )
    assert response.status_code == 200
    days = response.context["days"]
    assert [day.date for day in days] == [PAST_MONDAY + datetime.timedelta(days=i) for i in range(7)]
    assert [entry.session for entry in days[0].entries] == [calendar.monday]
    assert all(not day.entries for day in days[1:])  # bob's Wednesday session is not alice's
    body = response.content.decode()
    assert "09:00–12:00" in body
    assert "Room 1" in body
    assert "Avery Synthetic" in body  # she leads the session


def test_a_day_view_shows_one_day_with_links_to_the_next_and_the_week(calendar, client_for):
    response = client_for(calendar.dana).get(
        url("calendar_program", program_uuid=calendar.program_a.uuid), {"day": "2026-11-18"}
    )
    assert response.status_code == 200
    (day,) = response.context["days"]
    assert [entry.session for entry in day.entries] == [calendar.wednesday]
    assert response.context["previous"] == "?day=2026-11-17"
    assert response.context["next"] == "?day=2026-11-19"
    assert response.context["week_link"] == "?week=2026-11-16"


def test_a_week_is_normalised_to_its_monday_and_links_to_the_neighbouring_weeks(calendar, client_for):
    response = client_for(calendar.alice).get(
        url("calendar_program", program_uuid=calendar.program_a.uuid),
        week(PAST_MONDAY + datetime.timedelta(3)),
    )
    assert response.context["period"].first == PAST_MONDAY
    assert response.context["previous"] == "?week=2026-11-09"
    assert response.context["next"] == "?week=2026-11-23"


def test_a_program_calendar_shows_counts_but_no_patient_names(calendar, client_for):
    response = client_for(calendar.bob).get(
        url("calendar_program", program_uuid=calendar.program_a.uuid), week()
    )
    body = response.content.decode()
    assert {entry.session for day in response.context["days"] for entry in day.entries} == {
        calendar.monday,
        calendar.wednesday,
    }
    assert "Avery" not in body
    assert "Blake" not in body


def test_a_room_calendar_shows_occupancy_only(calendar, client_for):
    response = client_for(calendar.charlie).get(url("calendar_room", room_uuid=calendar.room.uuid), week())
    assert response.status_code == 200
    entries = [entry for day in response.context["days"] for entry in day.entries]
    assert [(entry.session, entry.booked, entry.names) for entry in entries] == [(calendar.monday, 1, None)]
    assert "Avery" not in response.content.decode()


def test_a_telehealth_room_is_shown_as_telehealth(calendar, client_for):
    calendar.monday.room = Room.objects.create(name="Zoom 3", capacity=12, is_telehealth=True)
    calendar.monday.save()
    response = client_for(calendar.alice).get(
        url("calendar_clinician", user_uuid=calendar.alice.uuid), week()
    )
    assert response.context["days"][0].entries[0].place == "Telehealth"


def test_the_director_sees_names_in_a_clinicians_calendar_of_her_program(calendar, client_for):
    response = client_for(calendar.dana).get(url("calendar_clinician", user_uuid=calendar.bob.uuid), week())
    assert response.status_code == 200
    (entry,) = response.context["days"][2].entries
    assert entry.names == ["Blake Synthetic"]


def test_a_clinician_may_not_open_a_colleagues_calendar(calendar, client_for):
    response = client_for(calendar.alice).get(url("calendar_clinician", user_uuid=calendar.bob.uuid), week())
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action=Action.ACCESS_REFUSED, actor=calendar.alice).exists()


def test_a_director_of_another_program_may_not_open_a_clinicians_calendar(calendar, client_for):
    from conftest import make_user
    from openiop.accounts.models import Role

    other = make_user("olga", Role.PROGRAM_DIRECTOR, programs=[calendar.program_b])
    response = client_for(other).get(url("calendar_clinician", user_uuid=calendar.alice.uuid))
    assert response.status_code == 403


def test_a_facilitator_of_the_group_counts_as_leading_it(calendar, client_for):
    series = group_series(calendar, facilitators=[calendar.bob])
    session = session_with(
        calendar, PAST_MONDAY + datetime.timedelta(days=4), [], clinicians=[], series=series
    )
    response = client_for(calendar.bob).get(url("calendar_clinician", user_uuid=calendar.bob.uuid), week())
    assert session in [entry.session for entry in response.context["days"][4].entries]


def test_the_patient_calendar_follows_the_chart_and_is_audited(calendar, client_for):
    response = client_for(calendar.paul).get(
        url("calendar_patient", patient_uuid=calendar.patient_a.uuid), week()
    )
    assert response.status_code == 200
    assert [entry.session for day in response.context["days"] for entry in day.entries] == [calendar.monday]
    listed = AuditEvent.objects.get(actor=calendar.paul, patient=calendar.patient_a)  # one for the page
    assert (listed.action, listed.patient) == (Action.LIST, calendar.patient_a)
    assert listed.detail["calendar"] == "patient"
    assert listed.detail["sessions"] == 1


def test_bob_must_break_the_glass_for_a_patient_calendar(calendar, client_for):
    response = client_for(calendar.bob).get(url("calendar_patient", patient_uuid=calendar.patient_a.uuid))
    assert response.status_code == 302
    assert "/break-glass/" in response["Location"]


def test_cancelled_sessions_say_so(calendar, client_for):
    calendar.monday.status = SessionStatus.CANCELLED
    calendar.monday.save()
    response = client_for(calendar.alice).get(
        url("calendar_clinician", user_uuid=calendar.alice.uuid), week()
    )
    assert "Cancelled" in response.content.decode()


def test_an_unknown_clinician_is_not_found(calendar, client_for):
    response = client_for(calendar.dana).get(url("calendar_clinician", user_uuid=calendar.pat_a.uuid))
    assert response.status_code == 404


def test_the_calendar_index_links_to_my_sessions_programs_and_rooms(calendar, client_for):
    body = client_for(calendar.alice).get(url("calendar")).content.decode()
    assert url("calendar_clinician", user_uuid=calendar.alice.uuid) in body
    assert url("calendar_program", program_uuid=calendar.program_a.uuid) in body
    assert url("calendar_program", program_uuid=calendar.program_b.uuid) not in body
    assert url("calendar_room", room_uuid=calendar.room.uuid) in body


def test_the_chart_links_to_the_patient_calendar(calendar, client_for):
    body = client_for(calendar.alice).get(reverse("patients:chart", args=[calendar.patient_a.uuid])).content
    assert url("calendar_patient", patient_uuid=calendar.patient_a.uuid) in body.decode()


def _many_sessions(world, count, episodes):
    for i in range(count):
        room, _ = Room.objects.get_or_create(name=f"Room {2 + i % 2}", defaults={"capacity": 12})
        session = session_with(
            world,
            PAST_MONDAY + datetime.timedelta(days=i % 5),
            episodes,
            start=8 + i // 5,
            end=9 + i // 5,
            clinicians=[world.alice, world.bob],
        )
        session.room = room
        session.save()


@pytest.mark.parametrize(
    "name,viewer,kwargs",
    [
        ("calendar_clinician", "alice", lambda w: {"user_uuid": w.alice.uuid}),
        ("calendar_clinician", "dana", lambda w: {"user_uuid": w.alice.uuid}),
        ("calendar_program", "bob", lambda w: {"program_uuid": w.program_a.uuid}),
        ("calendar_room", "ivan", lambda w: {"room_uuid": Room.objects.get(name="Room 2").uuid}),
        ("calendar_patient", "dana", lambda w: {"patient_uuid": w.patient_a.uuid}),
    ],
)
def test_pages_read_in_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries, name, viewer, kwargs
):
    episodes = [active_episode(world.patient_a), *extra_patients(world, 3)]
    _many_sessions(world, 2, episodes)
    client = client_for(getattr(world, viewer))
    target = url(name, **kwargs(world))
    client.get(target, week())  # the session and the caches are warm from here on
    with CaptureQueriesContext(connection) as few:
        assert client.get(target, week()).status_code == 200
    _many_sessions(world, 20, episodes)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(target, week())
    # Sessions alternate between Room 2 and Room 3.
    assert sum(len(day.entries) for day in response.context["days"]) == (
        11 if name == "calendar_room" else 22
    )
