"""Cancelling a session, changing a recurring group's roster from a date, and closures that cancel the
sessions already generated: the services and the pages, as every persona that matters."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import make_patient, make_user
from openiop.accounts.models import Role
from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.programs.models import Track
from openiop.scheduling.models import (
    AttendanceStatus,
    Closure,
    GroupMembership,
    Session,
    SessionAttendee,
    SessionStatus,
    WeekPlan,
)
from openiop.scheduling.selectors import ledger_for_episode, week_start_of
from openiop.scheduling.services import (
    attendance_record,
    closure_add,
    engagement_alerts_raise,
    roster_change,
    sessions_generate,
)

from .factories import active_episode, enrol, extra_patients, group_series, session_with

ONE_WEEK = datetime.timedelta(days=7)


@pytest.fixture
def weeks():
    """Mondays relative to today, so the "today or later" rules hold whenever the suite runs."""
    this_monday = week_start_of(timezone.localdate())
    return this_monday - ONE_WEEK, this_monday + ONE_WEEK


def cancel_url(session):
    return reverse("scheduling:session_cancel", kwargs={"session_uuid": session.uuid})


def roster_url(series):
    return reverse("scheduling:roster", kwargs={"series_uuid": series.uuid})


def closures_url(program):
    return reverse("scheduling:closures", kwargs={"program_uuid": program.uuid})


def record_present(session, episode, by):
    attendee = session.attendees.get(episode=episode)
    attendance_record(session=session, entries=[(attendee, AttendanceStatus.PRESENT, None, "")], by=by)


@pytest.fixture
def other_director(world):
    """dora directs program B only."""
    return make_user("dora", Role.PROGRAM_DIRECTOR, programs=[world.program_b])


# --- Cancelling a session ---------------------------------------------------------------------------------


def test_the_facilitator_cancels_their_session_with_a_reason(world, client_for, weeks):
    _, next_monday = weeks
    session = session_with(world, next_monday, [active_episode(world.patient_a)])
    client = client_for(world.alice)
    page = client.get(cancel_url(session)).content.decode()
    assert "Cancel the session" in page and "Avery" not in page
    response = client.post(cancel_url(session), {"reason": "Facilitator ill"}, follow=True)
    assert "Session cancelled: Group therapy" in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED and session.cancel_reason == "Facilitator ill"
    assert session.attendees.get().status == AttendanceStatus.CANCELLED
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, object_id=str(session.uuid), actor=world.alice
    ).exists()


def test_the_director_cancels_any_session_of_the_program(world, client_for, weeks):
    _, next_monday = weeks
    session = session_with(world, next_monday, [active_episode(world.patient_a)], clinicians=[world.bob])
    response = client_for(world.dana).post(cancel_url(session), {"reason": "Building closed"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED


@pytest.mark.parametrize("persona", ["bob", "paul", "ivan", "charlie", "audrey", "pat_a"])
def test_those_who_do_not_lead_the_session_cannot_cancel_it(world, client_for, weeks, persona):
    _, next_monday = weeks
    session = session_with(world, next_monday, [active_episode(world.patient_a)])
    client = client_for(getattr(world, persona))
    assert client.get(cancel_url(session)).status_code == 403
    assert client.post(cancel_url(session), {"reason": "Nope"}).status_code == 403
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    assert AuditEvent.objects.filter(action=Action.ACCESS_REFUSED, outcome=Outcome.REFUSED).exists()


def test_a_director_of_another_program_cannot_cancel(world, client_for, weeks, other_director):
    _, next_monday = weeks
    session = session_with(world, next_monday, [active_episode(world.patient_a)])
    assert client_for(other_director).post(cancel_url(session), {"reason": "x"}).status_code == 403


def test_a_reason_is_required(world, client_for, weeks):
    _, next_monday = weeks
    session = session_with(world, next_monday, [active_episode(world.patient_a)])
    response = client_for(world.alice).post(cancel_url(session), {"reason": "   "})
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_a_session_with_recorded_attendance_cannot_be_cancelled(world, client_for, weeks):
    last_monday, _ = weeks
    session = session_with(world, last_monday, [active_episode(world.patient_a)])
    record_present(session, active_episode(world.patient_a), world.alice)
    client = client_for(world.dana)
    page = client.get(cancel_url(session)).content.decode()
    assert "it took place, so it cannot be cancelled" in page
    response = client.post(cancel_url(session), {"reason": "Too late"})
    assert response.status_code == 200
    assert "Attendance is already recorded for this session" in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    assert session.attendees.get().status == AttendanceStatus.PRESENT


def test_cancelling_twice_only_says_so(world, client_for, weeks):
    _, next_monday = weeks
    session = session_with(world, next_monday, [active_episode(world.patient_a)])
    client = client_for(world.dana)
    client.post(cancel_url(session), {"reason": "Snow"})
    response = client.post(cancel_url(session), {"reason": "Again"}, follow=True)
    assert "already cancelled" in response.content.decode()
    session.refresh_from_db()
    assert session.cancel_reason == "Snow"


def test_the_week_and_the_attendance_screen_link_to_cancelling(world, client_for, weeks):
    _, next_monday = weeks
    session = session_with(world, next_monday, [active_episode(world.patient_a)])
    week = reverse("scheduling:session_list") + f"?week={next_monday.isoformat()}"
    assert cancel_url(session) in client_for(world.alice).get(week).content.decode()
    assert cancel_url(session) not in client_for(world.bob).get(week).content.decode()
    attendance = reverse("scheduling:attendance", kwargs={"session_uuid": session.uuid})
    assert cancel_url(session) in client_for(world.dana).get(attendance).content.decode()


# --- Rosters ----------------------------------------------------------------------------------------------


@pytest.fixture
def monday_group(world, weeks):
    """A Monday group with patient_a on it, generated for last week (recorded) and next week."""
    last_monday, next_monday = weeks
    series = group_series(world, weekday=0, name="Monday process group")
    enrol(series, active_episode(world.patient_a))
    (past,) = sessions_generate(program=world.program_a, week_start=last_monday, by=world.dana)
    record_present(past, active_episode(world.patient_a), world.alice)
    (future,) = sessions_generate(program=world.program_a, week_start=next_monday, by=world.dana)
    return series, past, future


def test_the_director_sees_the_roster_and_the_view_is_audited(world, client_for, monday_group):
    series, _, _ = monday_group
    page = client_for(world.dana).get(roster_url(series)).content.decode()
    assert "Roster: Monday process group" in page and "Avery Synthetic" in page
    assert "recorded (kept as it was)" in page
    assert AuditEvent.objects.filter(
        action=Action.VIEW, object_id=str(series.uuid), detail__page="roster"
    ).exists()


def test_the_director_adds_someone_from_a_date_and_past_sessions_are_untouched(
    world, client_for, monday_group, weeks
):
    series, past, future = monday_group
    _, next_monday = weeks
    (newcomer,) = extra_patients(world, 1)
    data = {"action": "add", "add-episode": str(newcomer.uuid), "add-effective": next_monday.isoformat()}
    response = client_for(world.dana).post(roster_url(series), data, follow=True)
    assert "Member00 Synthetic joins Monday process group from" in response.content.decode()
    assert GroupMembership.objects.get(series=series, episode=newcomer).starts_on == next_monday
    assert future.attendees.filter(episode=newcomer).exists()
    assert list(past.attendees.values_list("episode", flat=True)) == [active_episode(world.patient_a).pk]
    assert AuditEvent.objects.filter(
        object_type="scheduling.groupmembership", patient=newcomer.patient, detail__action="add"
    ).exists()


def test_the_director_removes_someone_from_a_date_and_the_recorded_session_keeps_them(
    world, client_for, monday_group, weeks
):
    series, past, future = monday_group
    _, next_monday = weeks
    episode = active_episode(world.patient_a)
    data = {
        "action": "remove",
        "remove-episode": str(episode.uuid),
        "remove-effective": next_monday.isoformat(),
    }
    response = client_for(world.dana).post(roster_url(series), data, follow=True)
    assert "Avery Synthetic leaves Monday process group from" in response.content.decode()
    assert not future.attendees.filter(episode=episode).exists()
    assert past.attendees.get(episode=episode).status == AttendanceStatus.PRESENT
    assert GroupMembership.objects.get(series=series, episode=episode).ends_on == next_monday


def test_a_roster_change_cannot_start_in_the_past(world, client_for, monday_group, weeks):
    series, past, _ = monday_group
    last_monday, _ = weeks
    (newcomer,) = extra_patients(world, 1)
    data = {"action": "add", "add-episode": str(newcomer.uuid), "add-effective": last_monday.isoformat()}
    response = client_for(world.dana).post(roster_url(series), data)
    assert response.status_code == 200
    assert "Choose today or a later date" in response.content.decode()
    assert not GroupMembership.objects.filter(episode=newcomer).exists()
    assert past.attendees.count() == 1


def test_the_service_errors_re_render_on_the_page(world, client_for, monday_group, weeks):
    series, _, _ = monday_group
    _, next_monday = weeks
    (newcomer,) = extra_patients(world, 1)
    # Added from next Monday, so not on the roster the day before: removing then is refused.
    roster_change(series=series, episode=newcomer, effective=next_monday, action="add", by=world.dana)
    data = {
        "action": "remove",
        "remove-episode": str(newcomer.uuid),
        "remove-effective": (next_monday - datetime.timedelta(days=1)).isoformat(),
    }
    response = client_for(world.dana).post(roster_url(series), data)
    assert response.status_code == 200
    assert "This person is not on the group&#x27;s roster on that date." in response.content.decode()


def test_only_active_patients_of_the_groups_track_are_offered(world, client_for, monday_group, weeks):
    series, _, _ = monday_group
    _, next_monday = weeks
    evening = Track.objects.create(
        program=world.program_a,
        name="Evening",
        weekdays=[0, 1, 3],
        start_time=datetime.time(18),
        end_time=datetime.time(21),
    )
    other_track = active_episode(
        make_patient(given="Eve", family="Evening", program=world.program_a, track=evening)
    )
    page = client_for(world.dana).get(roster_url(series)).content.decode()
    assert "Blake Synthetic" in page  # no track yet: may join
    assert "Eve Evening" not in page and "Casey" not in page
    for episode in (other_track, active_episode(world.patient_c)):
        data = {"action": "add", "add-episode": str(episode.uuid), "add-effective": next_monday.isoformat()}
        response = client_for(world.dana).post(roster_url(series), data)
        assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError, match="another track"):
        roster_change(series=series, episode=other_track, effective=next_monday, action="add", by=world.dana)


def test_an_unknown_action_warns(world, client_for, monday_group):
    series, _, _ = monday_group
    response = client_for(world.dana).post(roster_url(series), {"action": "swap"}, follow=True)
    assert "Choose whether to add or remove someone." in response.content.decode()


@pytest.mark.parametrize("persona", ["alice", "bob", "paul", "ivan", "charlie", "audrey"])
def test_only_the_programs_director_changes_a_roster(world, client_for, monday_group, weeks, persona):
    series, _, future = monday_group
    _, next_monday = weeks
    client = client_for(getattr(world, persona))
    assert client.get(roster_url(series)).status_code == 403
    data = {
        "action": "add",
        "add-episode": str(active_episode(world.patient_b).uuid),
        "add-effective": next_monday.isoformat(),
    }
    assert client.post(roster_url(series), data).status_code == 403
    assert future.attendees.count() == 1


def test_a_director_of_another_program_cannot_see_the_roster(world, client_for, monday_group, other_director):
    series, _, _ = monday_group
    client = client_for(other_director)
    assert client.get(roster_url(series)).status_code == 403
    groups = reverse("scheduling:group_list", kwargs={"program_uuid": world.program_a.uuid})
    assert client.get(groups).status_code == 403


def test_the_groups_page_and_the_week_link_to_the_roster(world, client_for, monday_group, weeks):
    series, _, _ = monday_group
    _, next_monday = weeks
    client = client_for(world.dana)
    groups = reverse("scheduling:group_list", kwargs={"program_uuid": world.program_a.uuid})
    page = client.get(groups).content.decode()
    assert "Monday process group" in page and roster_url(series) in page and "1 / 12" in page
    week = client.get(
        reverse("scheduling:session_list") + f"?week={next_monday.isoformat()}"
    ).content.decode()
    assert roster_url(series) in week and groups in week and closures_url(world.program_a) in week
    assert (
        roster_url(series)
        not in client_for(world.alice)
        .get(reverse("scheduling:session_list") + f"?week={next_monday.isoformat()}")
        .content.decode()
    )


# --- Closures ---------------------------------------------------------------------------------------------


@pytest.fixture
def next_week(world, weeks):
    """Next week generated: a Monday group (patient_a) and a Wednesday group, plus program B's session."""
    _, next_monday = weeks
    monday = group_series(world, weekday=0, name="Monday process group")
    wednesday = group_series(world, weekday=2, name="Wednesday skills group")
    for series in (monday, wednesday):
        enrol(series, active_episode(world.patient_a))
    created = sessions_generate(program=world.program_a, week_start=next_monday, by=world.dana)
    other = session_with(world, next_monday, [active_episode(world.patient_c)])
    other.program = world.program_b
    other.save(update_fields=["program"])
    return {s.series.name: s for s in created}, other


def test_a_closure_cancels_the_days_generated_sessions_with_its_name(world, weeks, next_week):
    _, next_monday = weeks
    sessions, other = next_week
    individual = session_with(world, next_monday, [active_episode(world.patient_b)], start=13, end=14)
    done = closure_add(program=world.program_a, date=next_monday, name="Staff retreat", by=world.dana)
    assert {s.pk for s in done.cancelled} == {sessions["Monday process group"].pk, individual.pk}
    assert done.kept == []
    monday = Session.objects.get(pk=sessions["Monday process group"].pk)
    assert monday.status == SessionStatus.CANCELLED and monday.cancel_reason == "Staff retreat"
    assert set(monday.attendees.values_list("status", flat=True)) == {AttendanceStatus.CANCELLED}
    # Other days and other programs are untouched.
    assert Session.objects.get(pk=sessions["Wednesday skills group"].pk).status == SessionStatus.SCHEDULED
    assert Session.objects.get(pk=other.pk).status == SessionStatus.SCHEDULED
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="scheduling.closure")
    assert event.detail["cancelled"] and event.detail["kept"] == []
    # Generating the week again does not bring the closed day back.
    assert sessions_generate(program=world.program_a, week_start=next_monday, by=world.dana) == []


def test_sessions_with_recorded_attendance_are_kept_and_reported(world, weeks):
    last_monday, _ = weeks
    series = group_series(world, weekday=0, name="Monday process group")
    enrol(series, active_episode(world.patient_a))
    (held,) = sessions_generate(program=world.program_a, week_start=last_monday, by=world.dana)
    record_present(held, active_episode(world.patient_a), world.alice)
    unrecorded = session_with(world, last_monday, [active_episode(world.patient_b)], start=13, end=14)
    done = closure_add(program=world.program_a, date=last_monday, name="Snow day", by=world.dana)
    assert done.kept == [held] and done.cancelled == [unrecorded]
    held.refresh_from_db()
    assert held.status == SessionStatus.SCHEDULED
    assert held.attendees.get().status == AttendanceStatus.PRESENT


def test_an_organization_closure_cancels_every_programs_sessions(world, weeks, next_week):
    _, next_monday = weeks
    sessions, other = next_week
    done = closure_add(program=None, date=next_monday, name="Thanksgiving", by=world.adam)
    assert {s.pk for s in done.cancelled} == {sessions["Monday process group"].pk, other.pk}


def test_a_day_cannot_be_closed_twice_and_needs_a_name(world, weeks):
    _, next_monday = weeks
    closure_add(program=None, date=next_monday, name="Holiday", by=world.adam)
    with pytest.raises(ValidationError, match="already a closure"):
        closure_add(program=world.program_a, date=next_monday, name="Retreat", by=world.dana)
    with pytest.raises(ValidationError):
        closure_add(program=world.program_a, date=next_monday + ONE_WEEK, name="  ", by=world.dana)
    assert Closure.objects.count() == 1


def test_the_director_adds_a_closure_from_the_page_and_is_told_what_happened(world, client_for, weeks):
    last_monday, _ = weeks
    series = group_series(world, weekday=0, name="Monday process group")
    enrol(series, active_episode(world.patient_a), active_episode(world.patient_b))
    (held,) = sessions_generate(program=world.program_a, week_start=last_monday, by=world.dana)
    record_present(held, active_episode(world.patient_a), world.alice)
    WeekPlan.objects.create(program=world.program_a, week_start=last_monday)
    response = client_for(world.dana).post(
        closures_url(world.program_a), {"date": last_monday.isoformat(), "name": "Snow day"}, follow=True
    )
    page = response.content.decode()
    assert f"Closed on {last_monday.isoformat()} (Snow day): 0 sessions cancelled." in page
    assert "Not cancelled, because their attendance is recorded: Monday process group 09:00" in page
    assert "already has a plan; rebuild it" in page
    assert "Snow day" in page.split("Closed days", 1)[1]
    assert SessionAttendee.objects.filter(session=held, status=AttendanceStatus.SCHEDULED).count() == 1


def test_bad_closures_re_render_with_their_errors(world, client_for, weeks):
    _, next_monday = weeks
    client = client_for(world.dana)
    response = client.post(closures_url(world.program_a), {"date": "", "name": ""})
    assert response.status_code == 200 and "Please correct the following" in response.content.decode()
    Closure.objects.create(program=None, date=next_monday, name="Holiday")
    response = client.post(
        closures_url(world.program_a), {"date": next_monday.isoformat(), "name": "Retreat"}
    )
    assert response.status_code == 200
    assert "There is already a closure on that day." in response.content.decode()
    assert Closure.objects.count() == 1


@pytest.mark.parametrize("persona", ["alice", "bob", "paul", "ivan", "charlie", "audrey", "pat_a"])
def test_only_the_programs_director_manages_closures(world, client_for, weeks, persona):
    _, next_monday = weeks
    client = client_for(getattr(world, persona))
    assert client.get(closures_url(world.program_a)).status_code == 403
    data = {"date": next_monday.isoformat(), "name": "Retreat"}
    assert client.post(closures_url(world.program_a), data).status_code == 403
    assert not Closure.objects.exists()


def test_a_director_of_another_program_cannot_close_this_one(world, client_for, weeks, other_director):
    _, next_monday = weeks
    data = {"date": next_monday.isoformat(), "name": "Retreat"}
    assert client_for(other_director).post(closures_url(world.program_a), data).status_code == 403
    assert not Closure.objects.exists()


def test_a_closure_lowers_the_ledger_target_and_raises_no_under_target_alert(world, weeks):
    last_monday, _ = weeks
    episode = world.patient_a.episodes.get(status="active")
    monday, wednesday, friday = (
        session_with(world, last_monday + datetime.timedelta(days=d), [episode]) for d in (0, 2, 4)
    )
    record_present(monday, episode, world.alice)
    record_present(wednesday, episode, world.alice)
    closure_add(program=world.program_a, date=friday.date, name="Snow day", by=world.dana)
    (week,) = ledger_for_episode(episode, today=last_monday + 2 * ONE_WEEK).weeks
    assert (week.target_minutes, week.closed_minutes, week.attended_minutes) == (360, 180, 360)
    assert not week.under_target
    assert engagement_alerts_raise(episode=episode, today=last_monday + 2 * ONE_WEEK, by=world.dana) == []
