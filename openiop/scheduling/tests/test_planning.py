"""Planning a week with the optimizer: the instance read from the database, the draft, manual changes,
publishing, and who may do it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from openiop.audit.models import AuditEvent
from openiop.scheduling.models import (
    PlannedBookingKind,
    Room,
    Session,
    SessionAttendee,
    SessionKind,
    SessionStatus,
    SessionType,
    WeeklyTime,
    WeekPlan,
    WeekPlanStatus,
)
from openiop.scheduling.optimizer.checker import check
from openiop.scheduling.planning import (
    INDIVIDUAL,
    build_instance,
    plan_assignments,
    week_plan_build,
    week_plan_change,
    week_plan_publish,
)
from openiop.scheduling.services import closure_add
from openiop.scheduling.tests.factories import active_episode, enrol, extra_patients, group_series

WEEK = datetime.date(2026, 11, 30)  # a Monday


def _available(*, day, start, end, user=None, patient=None):
    WeeklyTime.objects.create(
        user=user,
        patient=patient,
        kind="available",
        weekday=day,
        start_time=datetime.time(*start),
        end_time=datetime.time(*end),
    )


def arrange_week(world, *, extra=4):
    """Program A's week: process groups Mon and Fri 9-12 (alice), skills Wed 9-12 (bob); alice and bob
    take individual sessions on Tuesday afternoon; patient_a is free then too; one extra patient can only
    come on Mondays (3 h of a 9 h target)."""
    SessionType.objects.get_or_create(
        name="Individual therapy",
        defaults={
            "kind": SessionKind.INDIVIDUAL_THERAPY,
            "default_minutes": 50,
            "allowed_credentials": ["LCSW", "LPC"],
        },
    )
    monday = group_series(world, weekday=0, name="Monday process group", facilitators=[world.alice])
    group_series(world, weekday=2, name="Wednesday skills group", facilitators=[world.bob])
    group_series(world, weekday=4, name="Friday process group", facilitators=[world.alice])
    Room.objects.get_or_create(name="Office 1", defaults={"capacity": 3})
    _available(user=world.alice, day=1, start=(13, 0), end=(16, 20))
    _available(user=world.bob, day=1, start=(13, 0), end=(14, 40))
    for day in (0, 2, 4):
        _available(patient=world.patient_a, day=day, start=(9, 0), end=(12, 0))
    _available(patient=world.patient_a, day=1, start=(13, 0), end=(15, 0))
    episodes = extra_patients(world, extra)
    mondays_only = episodes[0].patient
    _available(patient=mondays_only, day=0, start=(9, 0), end=(12, 0))
    enrol(monday, active_episode(world.patient_a), *episodes)
    return episodes


@pytest.fixture
def week(world):
    world.episodes = arrange_week(world)
    return world


def test_build_instance_reads_the_program_week(week):
    plan = week_plan_build(program=week.program_a, week_start=WEEK, by=week.dana, time_limit=1)
    instance = build_instance(week.program_a, WEEK)
    assert plan.week_start == WEEK
    assert len(instance.group_sessions) == 3
    assert all(s.group for s in instance.group_sessions)  # each from a recurring group
    # alice: 13:00-16:20 is four 50-minute slots; bob: 13:00-14:40 is two.
    assert len(instance.slots) == 6
    assert {s.when.day for s in instance.slots} == {1}
    episode_a = active_episode(week.patient_a)
    patient = instance.patient_by_id[str(episode_a.uuid)]
    assert patient.target_minutes == 9 * 60
    assert patient.cap_minutes == 19 * 60
    assert patient.primary_clinician == str(week.alice.uuid)
    assert patient.required == {INDIVIDUAL: 1}
    assert len(patient.current_groups) == 1
    # patient_b has no availability recorded and no track: the program's track hours, Mon/Wed/Fri 9-12.
    patient_b = instance.patient_by_id[str(active_episode(week.patient_b).uuid)]
    assert [(w.day, w.start, w.end) for w in patient_b.availability] == [(d, 540, 720) for d in (0, 2, 4)]
    assert instance.clinician_by_id[str(week.paul.uuid)].credentials == frozenset({"MD"})
    assert instance.clinician_by_id[str(week.alice.uuid)].credentials == frozenset({"LCSW"})
    assert len(instance.patients) == 2 + 4  # patient_c is in program B
    assert len(instance.rooms) == 2


def test_a_built_plan_has_no_violations_and_explains_who_is_below_target(week):
    plan = week_plan_build(program=week.program_a, week_start=WEEK, by=week.dana, time_limit=2)
    instance = build_instance(week.program_a, WEEK)
    assert check(instance, plan_assignments(plan)).violations == []
    assert plan.violations == []
    assert plan.status == WeekPlanStatus.DRAFT
    assert plan.solver_status in ("optimal", "feasible", "greedy")
    assert plan.objective is not None and plan.bound is not None
    episode_a = active_episode(week.patient_a)
    individual = plan.bookings.get(episode=episode_a, kind=PlannedBookingKind.INDIVIDUAL)
    assert individual.clinician == week.alice and individual.date == WEEK + datetime.timedelta(days=1)
    assert plan.bookings.filter(episode=episode_a, kind=PlannedBookingKind.GROUP).count() == 3
    mondays_only = str(week.episodes[0].uuid)
    assert plan.explanations[mondays_only]["message"] == "available 3 h in sessions this week (target 9 h)"
    assert str(episode_a.uuid) not in plan.explanations
    assert AuditEvent.objects.filter(object_type="scheduling.weekplan", object_id=str(plan.uuid)).exists()


def test_rebuilding_replaces_the_draft(week):
    first = week_plan_build(program=week.program_a, week_start=WEEK, by=week.dana, time_limit=1)
    count = first.bookings.count()
    second = week_plan_build(program=week.program_a, week_start=WEEK, by=week.dana, time_limit=1)
    assert second.pk == first.pk
    assert WeekPlan.objects.count() == 1
    assert second.bookings.count() == count


def test_a_change_creating_a_double_booking_is_refused_in_plain_words(week):
    plan = week_plan_build(program=week.program_a, week_start=WEEK, by=week.dana, time_limit=1)
    episode_b = active_episode(week.patient_b)
    # patient_b may not take alice's Tuesday slot at 13:00: alice already sees patient_a then.
    taken = plan.bookings.get(episode=active_episode(week.patient_a), kind=PlannedBookingKind.INDIVIDUAL)
    office = Room.objects.get(name="Office 1")
    with pytest.raises(ValidationError) as refused:
        week_plan_change(
            plan=plan,
            episode=episode_b,
            action="assign_slot",
            slot=taken.slot,
            clinician=week.alice,
            room=office,
            by=week.dana,
        )
    text = " ".join(refused.value.messages)
    assert "Refused" in text
    assert "Blake Synthetic" in text  # names, not ids
    assert str(episode_b.uuid) not in text


def test_a_change_that_stays_valid_is_saved_and_audited(week):
    plan = week_plan_build(program=week.program_a, week_start=WEEK, by=week.dana, time_limit=1)
    episode_b = active_episode(week.patient_b)
    friday = Session.objects.get(series__name="Friday process group", date=WEEK + datetime.timedelta(days=4))
    week_plan_change(plan=plan, episode=episode_b, action="leave_group", session=friday, by=week.dana)
    assert not plan.bookings.filter(episode=episode_b, session=friday).exists()
    assert str(episode_b.uuid) in plan.explanations
    assert AuditEvent.objects.filter(
        object_type="scheduling.weekplan", patient=week.patient_b, detail__change="leave_group"
    ).exists()
    with pytest.raises(ValidationError):
        week_plan_change(plan=plan, episode=episode_b, action="leave_group", session=friday, by=week.dana)


def _snapshot():
    return (
        sorted(Session.objects.values_list("uuid", "status", "room_id", "date", "start_time")),
        sorted(SessionAttendee.objects.values_list("session_id", "episode_id", "status")),
    )


def test_publishing_books_everyone_and_publishing_again_changes_nothing(week):
    plan = week_plan_build(program=week.program_a, week_start=WEEK, by=week.dana, time_limit=1)
    done = week_plan_publish(plan=plan, by=week.dana)
    plan.refresh_from_db()
    assert plan.status == WeekPlanStatus.PUBLISHED
    assert plan.published_by == week.dana and plan.published_at is not None
    assert done.created == plan.bookings.filter(kind=PlannedBookingKind.INDIVIDUAL).count() >= 1
    for booking in plan.bookings.all():
        if booking.kind == PlannedBookingKind.GROUP:
            assert SessionAttendee.objects.filter(session=booking.session, episode=booking.episode).exists()
        else:
            session = Session.objects.get(
                series__isnull=True,
                date=booking.date,
                start_time=booking.start_time,
                clinicians=booking.clinician,
            )
            assert session.attendees.get().episode == booking.episode
    before = _snapshot()
    published_at = plan.published_at
    again = week_plan_publish(plan=plan, by=week.dana)
    assert again.changed == 0
    assert _snapshot() == before
    plan.refresh_from_db()
    assert plan.published_at == published_at
    assert AuditEvent.objects.filter(object_type="scheduling.weekplan", detail__published=True).count() == 2


def test_publishing_takes_people_out_of_groups_the_plan_moved_them_from(week):
    plan = week_plan_build(program=week.program_a, week_start=WEEK, by=week.dana, time_limit=1)
    episode_a = active_episode(week.patient_a)
    monday = Session.objects.get(series__name="Monday process group", date=WEEK)
    assert SessionAttendee.objects.filter(session=monday, episode=episode_a).exists()  # from the roster
    week_plan_change(plan=plan, episode=episode_a, action="leave_group", session=monday, by=week.dana)
    done = week_plan_publish(plan=plan, by=week.dana)
    assert done.unbooked == 1
    assert not SessionAttendee.objects.filter(session=monday, episode=episode_a).exists()


def test_a_week_must_start_on_a_monday(week):
    with pytest.raises(ValidationError):
        week_plan_build(program=week.program_a, week_start=WEEK + datetime.timedelta(days=1), by=week.dana)


# --- Pages and access ---------------------------------------------------------------------------------


def _url(name, world):
    return reverse(f"scheduling:{name}", kwargs={"program_uuid": world.program_a.uuid})


@pytest.fixture
def fast(settings):
    settings.OPENIOP_PLANNING_TIME_LIMIT = 1


def test_director_builds_changes_and_publishes_through_the_pages(week, client_for, fast):
    client = client_for(week.dana)
    page = client.get(_url("week_plan", week) + f"?week={WEEK}")
    assert page.status_code == 200
    assert "Build the week" in page.content.decode()
    response = client.post(_url("week_plan_build", week), {"week": WEEK.isoformat()}, follow=True)
    body = response.content.decode()
    assert "Hours per patient" in body
    assert "Avery Synthetic" in body
    assert "available 3 h in sessions this week (target 9 h)" in body
    assert "Hard violations: none." in body
    plan = WeekPlan.objects.get()
    taken = plan.bookings.get(episode=active_episode(week.patient_a), kind=PlannedBookingKind.INDIVIDUAL)
    refused = client.post(
        _url("week_plan_change", week),
        {
            "week": WEEK.isoformat(),
            "action": "assign_slot",
            "episode": active_episode(week.patient_b).uuid,
            "slot": taken.slot,
            "clinician": week.alice.uuid,
            "room": Room.objects.get(name="Office 1").uuid,
        },
        follow=True,
    )
    assert "Refused" in refused.content.decode()
    published = client.post(_url("week_plan_publish", week), {"week": WEEK.isoformat()}, follow=True)
    assert "Published" in published.content.decode()
    again = client.post(_url("week_plan_publish", week), {"week": WEEK.isoformat()}, follow=True)
    assert "Already published: nothing changed." in again.content.decode()


def test_sessions_page_links_directors_to_planning(week, client_for):
    body = client_for(week.dana).get(reverse("scheduling:session_list")).content.decode()
    assert _url("week_plan", week) in body
    body = client_for(week.alice).get(reverse("scheduling:session_list")).content.decode()
    assert "Plan the week" not in body


@pytest.mark.parametrize("role", ["alice", "bob", "paul", "ivan", "charlie", "audrey", "adam", "pat_a"])
def test_only_the_programs_director_may_plan(week, client_for, role, fast):
    client = client_for(getattr(week, role))
    assert client.get(_url("week_plan", week)).status_code == 403
    assert client.post(_url("week_plan_build", week), {"week": WEEK.isoformat()}).status_code == 403
    assert client.post(_url("week_plan_publish", week), {"week": WEEK.isoformat()}).status_code == 403
    assert not WeekPlan.objects.exists()


def test_a_director_of_another_program_is_refused(week, client_for):
    from conftest import make_user
    from openiop.accounts.models import Role

    other = make_user("olga", Role.PROGRAM_DIRECTOR, programs=[week.program_b])
    response = client_for(other).get(_url("week_plan", week))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(outcome="refused", detail__permission="scheduling.plan_week").exists()


def test_anonymous_is_sent_to_sign_in(week, client):
    response = client.get(_url("week_plan", week))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_plan_with_hard_violations_is_not_published(week):
    plan = week_plan_build(program=week.program_a, week_start=WEEK, by=week.dana, time_limit=1)
    plan.violations = ["Avery Synthetic is booked in two sessions at once"]
    plan.save()
    with pytest.raises(ValidationError):
        week_plan_publish(plan=plan, by=week.dana)
    assert not Session.objects.filter(series__isnull=True).exists()


def test_a_closure_added_after_the_build_stops_publishing_until_the_plan_is_rebuilt(week):
    plan = week_plan_build(program=week.program_a, week_start=WEEK, by=week.dana, time_limit=1)
    day = plan.bookings.order_by("date").first().date
    closure_add(program=week.program_a, date=day, name="Water main repair", by=week.dana)
    before = _snapshot()
    with pytest.raises(ValidationError, match=f"closed on {day.isoformat()}"):
        week_plan_publish(plan=plan, by=week.dana)
    assert _snapshot() == before
    rebuilt = week_plan_build(program=week.program_a, week_start=WEEK, by=week.dana, time_limit=1)
    assert not rebuilt.bookings.filter(date=day).exists()
    week_plan_publish(plan=rebuilt, by=week.dana)
    assert not SessionAttendee.objects.filter(
        session__date=day, session__status=SessionStatus.SCHEDULED
    ).exists()
