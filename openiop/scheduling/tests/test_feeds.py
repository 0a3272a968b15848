"""Private calendar feeds: created with a token shown once, stored as a hash, fetched without signing in,
revoked into a 404, audited on every fetch, carrying the minimum necessary."""

import datetime
import hashlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.patients.models import CareTeamMember
from openiop.scheduling import ical
from openiop.scheduling.calendars import calendar_feed_create, calendar_feed_revoke
from openiop.scheduling.models import CalendarFeed, Room, SessionStatus

from .factories import active_episode, extra_patients, session_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(world):
    """Two sessions next week led by alice, patient_a booked in both; one is cancelled."""
    today = timezone.localdate()
    room = Room.objects.create(name="Room 1, east; wing", capacity=12)
    first = session_with(world, today + datetime.timedelta(days=7), [active_episode(world.patient_a)])
    first.room = room
    first.save()
    second = session_with(
        world,
        today + datetime.timedelta(days=8),
        [active_episode(world.patient_a), active_episode(world.patient_b)],
    )
    second.status = SessionStatus.CANCELLED
    second.save()
    world.first, world.second = first, second
    return world


def feed_url(raw):
    return reverse("scheduling:feed_ics", kwargs={"token": raw})


def events_of(response):
    lines = ical.unfold(response.content.decode())
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            key, _, value = line.partition(":")
            current[key] = value
    return events


def test_creating_a_feed_shows_its_address_once_and_stores_only_its_hash(world, client_for):
    client = client_for(world.alice)
    response = client.post(reverse("scheduling:feed_create"))
    assert response.status_code == 302
    page = client.get(reverse("scheduling:feeds"))
    shown = page.context["new_feed"]["url"]
    raw = shown.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get()
    assert feed.owner == world.alice and feed.clinician == world.alice and feed.patient is None
    assert feed.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(CalendarFeed.objects.values().get())
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    again = client.get(reverse("scheduling:feeds"))
    assert again.context["new_feed"] is None
    assert raw not in again.content.decode()
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(feed.uuid)).exists()


def test_a_clinicians_feed_is_valid_icalendar_with_counts_and_no_names(sessions, client):
    feed, raw = calendar_feed_create(owner=sessions.alice, clinician=sessions.alice)
    response = client.get(feed_url(raw))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    first, second = events_of(response)
    assert first["UID"] == f"{sessions.first.uuid}@testserver"
    assert first["SUMMARY"] == "Group therapy (1 booked)"
    assert first["LOCATION"] == "Room 1\\, east\\; wing"
    assert first["STATUS"] == "CONFIRMED"
    assert first["DTSTART"].endswith("Z") and first["DTSTAMP"].endswith("Z")
    assert second["SUMMARY"] == "Group therapy (2 booked)"
    assert second["STATUS"] == "CANCELLED"
    for secret in ("Avery", "Blake", sessions.patient_a.record_number):
        assert secret not in body


def test_a_patients_feed_says_only_the_session_type(sessions, client):
    feed, raw = calendar_feed_create(owner=sessions.alice, patient=sessions.patient_a)
    response = client.get(feed_url(raw))
    events = events_of(response)
    assert [event["SUMMARY"] for event in events] == ["Group therapy", "Group therapy"]
    body = response.content.decode()
    for secret in ("Avery", "Blake", "Adult", "alice", "booked"):
        assert secret not in body


def test_every_fetch_is_audited_as_an_export_with_the_patient(sessions, client):
    feed, raw = calendar_feed_create(owner=sessions.alice, patient=sessions.patient_a)
    client.get(feed_url(raw))
    client.get(feed_url(raw))
    exports = AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(feed.uuid))
    assert exports.count() == 2
    event = exports.first()
    assert event.actor is None
    assert event.actor_username == "calendar-feed"
    assert event.patient == sessions.patient_a
    feed.refresh_from_db()
    assert feed.last_used_at is not None


def test_unknown_and_revoked_tokens_are_both_not_found(sessions, client):
    feed, raw = calendar_feed_create(owner=sessions.alice, clinician=sessions.alice)
    assert client.get(feed_url(raw)).status_code == 200
    calendar_feed_revoke(feed=feed, by=sessions.alice)
    revoked = client.get(feed_url(raw))
    unknown = client.get(feed_url("x" * 43))
    assert revoked.status_code == unknown.status_code == 404

    # The same page, apart from the per-response masking of the CSRF token.
    def page(response):
        return re.sub(r'"X-CSRFToken": "[^"]+"', "", response.content.decode())

    assert page(revoked) == page(unknown)


def test_revoking_through_the_page_ends_the_feed(sessions, client_for):
    feed, raw = calendar_feed_create(owner=sessions.alice, clinician=sessions.alice)
    client = client_for(sessions.alice)
    response = client.post(reverse("scheduling:feed_revoke", kwargs={"feed_uuid": feed.uuid}))
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert client.get(feed_url(raw)).status_code == 404
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(feed.uuid)).exists()


def test_another_users_feed_cannot_be_revoked(sessions, client_for):
    feed, raw = calendar_feed_create(owner=sessions.alice, clinician=sessions.alice)
    response = client_for(sessions.dana).post(
        reverse("scheduling:feed_revoke", kwargs={"feed_uuid": feed.uuid})
    )
    assert response.status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None


def test_a_feed_ends_when_its_owner_leaves_the_care_team(sessions, client):
    feed, raw = calendar_feed_create(owner=sessions.alice, patient=sessions.patient_a)
    CareTeamMember.objects.filter(user=sessions.alice).delete()
    assert client.get(feed_url(raw)).status_code == 404


def test_a_feed_ends_when_its_owner_is_deactivated(sessions, client):
    feed, raw = calendar_feed_create(owner=sessions.alice, clinician=sessions.alice)
    sessions.alice.is_active = False
    sessions.alice.save()
    assert client.get(feed_url(raw)).status_code == 404


def test_staff_who_may_open_the_chart_create_a_patient_feed(world, client_for):
    response = client_for(world.ivan).post(
        reverse("scheduling:feed_create_patient", kwargs={"patient_uuid": world.patient_a.uuid})
    )
    assert response.status_code == 302
    feed = CalendarFeed.objects.get()
    assert (feed.owner, feed.patient, feed.clinician) == (world.ivan, world.patient_a, None)
    assert AuditEvent.objects.get(action=Action.CREATE, object_id=str(feed.uuid)).patient == world.patient_a


def test_a_clinician_of_another_program_may_not_create_a_patient_feed(world, client_for):
    response = client_for(world.charlie).post(
        reverse("scheduling:feed_create_patient", kwargs={"patient_uuid": world.patient_a.uuid})
    )
    assert response.status_code == 403
    assert not CalendarFeed.objects.exists()


def test_a_feed_is_of_exactly_one_subject(world):
    with pytest.raises(ValueError):
        calendar_feed_create(owner=world.alice)
    with pytest.raises(ValueError):
        calendar_feed_create(owner=world.alice, patient=world.patient_a, clinician=world.alice)


def test_the_feed_list_shows_only_my_feeds(sessions, client_for):
    calendar_feed_create(owner=sessions.alice, clinician=sessions.alice)
    calendar_feed_create(owner=sessions.bob, clinician=sessions.bob)
    response = client_for(sessions.alice).get(reverse("scheduling:feeds"))
    assert [feed.owner for feed in response.context["feeds"]] == [sessions.alice]


def test_a_feed_reads_in_a_fixed_number_of_queries(sessions, client, django_assert_max_num_queries):
    feed, raw = calendar_feed_create(owner=sessions.alice, clinician=sessions.alice)
    with CaptureQueriesContext(connection) as few:
        client.get(feed_url(raw))
    episodes = extra_patients(sessions, 3)
    today = timezone.localdate()
    for i in range(15):
        session_with(sessions, today + datetime.timedelta(days=i), episodes, start=6 + i % 10, end=7 + i % 10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(feed_url(raw))
    assert len(events_of(response)) == 17
