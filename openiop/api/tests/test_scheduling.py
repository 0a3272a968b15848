"""Scheduling through the API: the week's sessions, attendance, cancelling, the weekly hours ledger and
week plans. Who may do what is walked in test_role_walk.py; here, what each operation does and records."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_user
from openiop.accounts.models import Role
from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.scheduling.models import (
    AttendanceStatus,
    PlannedBookingKind,
    Session,
    SessionAttendee,
    SessionStatus,
    WeekPlan,
    WeekPlanStatus,
)
from openiop.scheduling.selectors import ledger_for_episode
from openiop.scheduling.services import attendance_record, engagement_alerts_raise
from openiop.scheduling.tests.factories import PAST_MONDAY, active_episode, extra_patients, session_with
from openiop.scheduling.tests.test_planning import WEEK, arrange_week

from .test_authentication import assert_problem
from .test_intake_care import field_errors

API = "/api/v1"
JSON = "application/json"


@pytest.fixture
def group_of_three(world):
    """A past session of program A led by alice: patient_a, patient_b and one more, none recorded."""
    episodes = [active_episode(world.patient_a), active_episode(world.patient_b), *extra_patients(world, 1)]
    return session_with(world, PAST_MONDAY, episodes), episodes


def rows(*entries) -> dict:
    """An attendance body from (episode, status, minutes) triples."""
    return {
        "attendance": [
            {"episode": str(episode.uuid), "status": status, "minutes_attended": minutes}
            for episode, status, minutes in entries
        ]
    }


def stored(session) -> dict:
    return {a.episode: (a.status, a.minutes_attended) for a in session.attendees.all()}


def api_events(**filters):
    return AuditEvent.objects.filter(detail__channel="api", **filters)


# --- the week's sessions ----------------------------------------------------------------------------------


def test_the_week_lists_sessions_with_bookings_and_who_may_record(world, api_client, group_of_three):
    session, _ = group_of_three
    response = api_client(world.alice).get(f"{API}/sessions?week=2026-11-18")
    assert response.status_code == 200
    week = response.json()
    assert (week["week_start"], week["week_end"]) == ("2026-11-16", "2026-11-22")
    [item] = week["items"]
    assert item["uuid"] == str(session.uuid) and item["booked"] == 3 and item["may_record"] is True
    assert item["clinicians"] == [{"uuid": str(world.alice.uuid), "name": "Alice Test, LCSW"}]
    assert item["minutes"] == 180 and item["status"] == "scheduled" and "id" not in item
    assert "Avery" not in response.content.decode()  # counts, never names
    event = api_events(action=Action.LIST, object_type="scheduling.session").get()
    assert event.actor == world.alice
    assert (event.detail["week"], event.detail["sessions"]) == ("2026-11-16", 1)


def test_a_colleague_sees_the_session_but_may_not_record_it(world, api_client, group_of_three):
    [item] = api_client(world.bob).get(f"{API}/sessions?week=2026-11-16").json()["items"]
    assert item["may_record"] is False


def test_another_programs_clinician_sees_an_empty_week(world, api_client, group_of_three):
    assert api_client(world.charlie).get(f"{API}/sessions?week=2026-11-16").json()["items"] == []


def test_a_week_that_is_not_a_date_is_a_422(world, api_client):
    body = assert_problem(api_client(world.alice).get(f"{API}/sessions?week=next-week"), 422)
    assert ("query", "week") in field_errors(body)


# --- one session ------------------------------------------------------------------------------------------


def test_the_session_lists_everyone_booked_and_is_audited(world, api_client, group_of_three):
    session, (a, b, c) = group_of_three
    response = api_client(world.alice).get(f"{API}/sessions/{session.uuid}")
    assert response.status_code == 200
    detail = response.json()
    assert detail["recordable"] is True
    assert [row["patient"]["legal_given_name"] for row in detail["attendees"]] == [
        "Avery",
        "Blake",
        "Member00",
    ]
    assert detail["attendees"][0]["episode_uuid"] == str(a.uuid)
    assert detail["attendees"][0]["status"] == "scheduled" and detail["attendees"][0]["recorded_by"] is None
    event = api_events(action=Action.VIEW, object_id=str(session.uuid)).get()
    assert event.detail["attendees"] == 3


def test_the_week_and_the_session_read_in_queries_that_do_not_grow_with_the_group(
    world, api_client, group_of_three
):
    session, _ = group_of_three
    client = api_client(world.alice)
    urls = (f"{API}/sessions?week=2026-11-16", f"{API}/sessions/{session.uuid}")

    def queries():
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    queries()  # the first request of a token also records its use
    before = queries()
    for episode in extra_patients(world, 8, start=10):
        SessionAttendee.objects.create(session=session, episode=episode)
    assert queries() == before


def test_a_colleague_who_does_not_lead_the_session_is_refused_and_recorded(world, api_client, group_of_three):
    session, _ = group_of_three
    body = assert_problem(api_client(world.bob).get(f"{API}/sessions/{session.uuid}"), 403)
    assert "Avery" not in str(body)
    assert AuditEvent.objects.filter(
        action=Action.ACCESS_REFUSED, outcome=Outcome.REFUSED, object_id=str(session.uuid)
    ).exists()


def test_an_unknown_session_is_a_404(world, api_client):
    assert_problem(api_client(world.alice).get(f"{API}/sessions/{uuid.uuid4()}"), 404)


# --- attendance -------------------------------------------------------------------------------------------


def test_recording_attendance_saves_each_row_and_audits_each_person(world, api_client, group_of_three):
    session, (a, b, c) = group_of_three
    body = rows((a, "present", None), (b, "late", 120), (c, "absent_unexcused", 180))
    body["attendance"][1]["note"] = "Traffic"
    response = api_client(world.alice).post(
        f"{API}/sessions/{session.uuid}/attendance", body, content_type=JSON
    )
    assert response.status_code == 200
    result = response.json()
    assert result["changed"] == 3
    assert stored(session) == {a: ("present", 180), b: ("late", 120), c: ("absent_unexcused", 0)}
    late = next(row for row in result["session"]["attendees"] if row["episode_uuid"] == str(b.uuid))
    assert late["note"] == "Traffic" and late["recorded_by"]["uuid"] == str(world.alice.uuid)
    updates = AuditEvent.objects.filter(action=Action.UPDATE, object_type="scheduling.sessionattendee")
    assert {event.patient for event in updates} == {a.patient, b.patient, c.patient}


def test_sending_the_same_attendance_again_changes_nothing(world, api_client, group_of_three):
    session, (a, b, c) = group_of_three
    client = api_client(world.alice)
    url = f"{API}/sessions/{session.uuid}/attendance"
    body = rows((a, "present", 180), (b, "absent_excused", None))
    assert client.post(url, body, content_type=JSON).json()["changed"] == 2
    updates = AuditEvent.objects.filter(action=Action.UPDATE).count()
    assert client.post(url, body, content_type=JSON).json()["changed"] == 0
    assert AuditEvent.objects.filter(action=Action.UPDATE).count() == updates
    assert stored(session)[c] == ("scheduled", None)  # rows not sent stay as they were


def test_bad_rows_are_each_named_and_nothing_is_written(world, api_client, group_of_three):
    session, (a, b, c) = group_of_three
    stranger = active_episode(world.patient_c)
    body = rows(
        (a, "present", None),
        (b, "late", None),
        (stranger, "present", None),
        (c, "present", 90),
        (a, "absent_excused", None),
    )
    response = api_client(world.alice).post(
        f"{API}/sessions/{session.uuid}/attendance", body, content_type=JSON
    )
    problem = assert_problem(response, 422)
    errors = field_errors(problem)
    row = ("body", "attendance")
    assert errors == {
        (*row, 1, "minutes_attended"): "Late or left early: enter the minutes attended (1 to 179).",
        (*row, 2, "episode"): "This person is not booked into this session.",
        (*row, 3, "minutes_attended"): "Present means the whole 180 minutes; choose late or left early.",
        (*row, 4, "episode"): "Listed twice.",
    }
    assert "Blake" not in response.content.decode() and "Casey" not in response.content.decode()
    assert not SessionAttendee.objects.exclude(status=AttendanceStatus.SCHEDULED).exists()
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_input_that_is_not_attendance_is_a_422(world, api_client, group_of_three):
    session, (a, *_rest) = group_of_three
    client = api_client(world.alice)
    url = f"{API}/sessions/{session.uuid}/attendance"
    errors = field_errors(
        assert_problem(client.post(url, rows((a, "on_holiday", None)), content_type=JSON), 422)
    )
    assert ("body", "attendance", 0, "status") in errors
    errors = field_errors(assert_problem(client.post(url, {"attendance": []}, content_type=JSON), 422))
    assert ("body", "attendance") in errors


def test_attendance_of_a_future_or_cancelled_session_is_a_409(world, api_client):
    episode = active_episode(world.patient_a)
    future = session_with(world, timezone.localdate() + datetime.timedelta(days=3), [episode])
    client = api_client(world.alice)
    assert_problem(
        client.post(
            f"{API}/sessions/{future.uuid}/attendance", rows((episode, "present", None)), content_type=JSON
        ),
        409,
    )
    past = session_with(world, PAST_MONDAY, [episode])
    Session.objects.filter(pk=past.pk).update(status=SessionStatus.CANCELLED)
    assert_problem(
        client.post(
            f"{API}/sessions/{past.uuid}/attendance", rows((episode, "present", None)), content_type=JSON
        ),
        409,
    )
    assert not SessionAttendee.objects.filter(status=AttendanceStatus.PRESENT).exists()


def test_the_director_records_and_a_colleague_is_refused(world, api_client, group_of_three):
    session, (a, *_rest) = group_of_three
    url = f"{API}/sessions/{session.uuid}/attendance"
    assert_problem(api_client(world.bob).post(url, rows((a, "present", None)), content_type=JSON), 403)
    assert stored(session)[a] == ("scheduled", None)
    assert api_client(world.dana).post(url, rows((a, "present", None)), content_type=JSON).status_code == 200
    assert stored(session)[a] == ("present", 180)


# --- cancelling -------------------------------------------------------------------------------------------


def test_cancelling_cancels_every_booking_and_again_changes_nothing(world, api_client, group_of_three):
    session, _ = group_of_three
    client = api_client(world.alice)
    url = f"{API}/sessions/{session.uuid}/cancel"
    response = client.post(url, {"reason": "Facilitator ill."}, content_type=JSON)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["cancel_reason"] == "Facilitator ill."
    assert {status for status, _ in stored(session).values()} == {AttendanceStatus.CANCELLED}
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(session.uuid))
    assert event.actor == world.alice
    again = client.post(url, {"reason": "Other words."}, content_type=JSON)
    assert again.status_code == 200 and again.json()["cancel_reason"] == "Facilitator ill."
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(session.uuid)).count() == 1


def test_a_colleague_who_does_not_lead_the_session_may_not_cancel_it(world, api_client, group_of_three):
    session, _ = group_of_three
    response = api_client(world.bob).post(
        f"{API}/sessions/{session.uuid}/cancel", {"reason": "Snow"}, content_type=JSON
    )
    assert_problem(response, 403)
    refused = AuditEvent.objects.get(outcome=Outcome.REFUSED, object_id=str(session.uuid))
    assert refused.detail["permission"] == "scheduling.cancel_session"  # the cancel page's rule
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    assert (
        api_client(world.dana)
        .post(f"{API}/sessions/{session.uuid}/cancel", {"reason": "Snow"}, content_type=JSON)
        .json()["status"]
        == "cancelled"
    )


def test_cancelling_needs_a_reason(world, api_client, group_of_three):
    session, _ = group_of_three
    client = api_client(world.alice)
    url = f"{API}/sessions/{session.uuid}/cancel"
    assert ("body", "reason") in field_errors(assert_problem(client.post(url, {}, content_type=JSON), 422))
    blank = assert_problem(client.post(url, {"reason": "   "}, content_type=JSON), 422)
    assert field_errors(blank) == {("body", "reason"): "Say why the session is cancelled."}
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_a_session_that_took_place_cannot_be_cancelled(world, api_client, group_of_three):
    session, (a, *_rest) = group_of_three
    attendance_record(
        session=session, entries=[(session.attendees.get(episode=a), "present", None, "")], by=world.alice
    )
    response = api_client(world.alice).post(
        f"{API}/sessions/{session.uuid}/cancel", {"reason": "Snow"}, content_type=JSON
    )
    assert "took place" in assert_problem(response, 409)["detail"]
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


# --- the weekly hours ledger ------------------------------------------------------------------------------


def test_the_ledger_adds_up_each_week_against_the_target_with_its_alerts(world, api_client):
    episode = active_episode(world.patient_a)
    monday = session_with(world, PAST_MONDAY, [episode])
    wednesday = session_with(world, PAST_MONDAY + datetime.timedelta(days=2), [episode])
    friday = session_with(world, PAST_MONDAY + datetime.timedelta(days=4), [episode])
    session_with(world, timezone.localdate(), [episode], start=13, end=15)  # this week, not recorded
    for session, status, minutes in (
        (monday, "present", None),
        (wednesday, "late", 120),
        (friday, "absent_excused", None),
    ):
        attendance_record(
            session=session, entries=[(session.attendees.get(), status, minutes, "")], by=world.alice
        )
    engagement_alerts_raise(episode=episode, today=PAST_MONDAY + datetime.timedelta(days=7))
    response = api_client(world.alice).get(f"{API}/episodes/{episode.uuid}/ledger")
    assert response.status_code == 200
    ledger = response.json()
    assert ledger["episode_uuid"] == str(episode.uuid)
    assert ledger["patient"]["uuid"] == str(world.patient_a.uuid)
    assert Decimal(ledger["target_hours"]) == 9
    latest, past = ledger["weeks"]  # newest first
    today = timezone.localdate()
    assert latest["week_start"] == (today - datetime.timedelta(days=today.weekday())).isoformat()
    assert {k: latest[k] for k in ("scheduled_minutes", "not_recorded", "ended", "under_target")} == {
        "scheduled_minutes": 120,
        "not_recorded": 1,
        "ended": False,  # a week in progress is never under target
        "under_target": False,
    }
    # 180 present + 120 late + 0 absent of 3 x 180 scheduled, against 9 h.
    assert {
        k: past[k] for k in ("week_start", "scheduled_minutes", "attended_minutes", "target_minutes")
    } == {
        "week_start": "2026-11-16",
        "scheduled_minutes": 540,
        "attended_minutes": 300,
        "target_minutes": 540,
    }
    assert [Decimal(past[k]) for k in ("scheduled_hours", "attended_hours", "target_hours")] == [9, 5, 9]
    assert {k: past[k] for k in ("sessions", "not_recorded", "ended", "partial", "under_target")} == {
        "sessions": 3,
        "not_recorded": 0,
        "ended": True,
        "partial": False,
        "under_target": True,
    }
    # The same numbers as the web ledger's selector.
    book = ledger_for_episode(episode, today=timezone.localdate())
    assert [w["attended_minutes"] for w in ledger["weeks"]] == [
        w.attended_minutes for w in reversed(book.weeks)
    ]
    [alert] = ledger["alerts"]
    assert alert["kind"] == "under_target" and alert["week_start"] == "2026-11-16" and alert["task_uuid"]
    assert AuditEvent.objects.filter(
        action=Action.VIEW, object_id=str(episode.uuid), patient=world.patient_a
    ).exists()


def test_the_ledger_follows_the_chart_and_offers_no_break_the_glass(world, api_client):
    episode = active_episode(world.patient_a)
    url = f"{API}/episodes/{episode.uuid}/ledger"
    body = assert_problem(api_client(world.bob).get(url), 403)
    assert "Break-the-glass" in body["detail"]
    assert_problem(api_client(world.charlie).get(url), 403)
    refused = AuditEvent.objects.filter(action=Action.ACCESS_REFUSED, patient=world.patient_a)
    assert {event.actor for event in refused} == {world.bob, world.charlie}
    assert_problem(api_client(world.alice).get(f"{API}/episodes/{uuid.uuid4()}/ledger"), 404)


# --- week plans -------------------------------------------------------------------------------------------


@pytest.fixture
def week(world, settings):
    settings.OPENIOP_PLANNING_TIME_LIMIT = 1
    world.episodes = arrange_week(world)
    return world


def plans_url(world) -> str:
    return f"{API}/programs/{world.program_a.uuid}/week-plans"


def snapshot():
    return (
        sorted(Session.objects.values_list("uuid", "status", "date", "start_time")),
        sorted(SessionAttendee.objects.values_list("session_id", "episode_id", "status")),
    )


def test_the_director_builds_reads_and_publishes_a_week(week, api_client):
    client = api_client(week.dana)
    response = client.post(
        plans_url(week), {"week": (WEEK + datetime.timedelta(days=2)).isoformat()}, content_type=JSON
    )
    assert response.status_code == 201
    plan = response.json()
    assert plan["week_start"] == WEEK.isoformat() and plan["status"] == "draft"
    report = plan["report"]
    assert report["solver_status"] in ("optimal", "feasible", "greedy")
    assert report["objective"] is not None and report["bound"] is not None and report["violations"] == []
    mondays_only = str(week.episodes[0].uuid)
    [why] = [e for e in report["explanations"] if e["episode_uuid"] == mondays_only]
    assert why["message"] == "available 3 h in sessions this week (target 9 h)"
    episode_a = str(active_episode(week.patient_a).uuid)
    kinds = [b["kind"] for b in plan["assignments"] if b["episode_uuid"] == episode_a]
    assert sorted(kinds) == ["group", "group", "group", "individual"]
    hours_a = next(row for row in plan["hours"] if row["episode_uuid"] == episode_a)
    assert hours_a["target_minutes"] == 540 and hours_a["below_target"] is False
    stored_plan = WeekPlan.objects.get()
    assert plan["uuid"] == str(stored_plan.uuid)
    assert len(plan["assignments"]) == stored_plan.bookings.count()
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=plan["uuid"]).exists()

    listed = client.get(f"{plans_url(week)}?week={WEEK.isoformat()}").json()
    assert [(p["uuid"], p["bookings"], p["violations"]) for p in listed] == [
        (plan["uuid"], len(plan["assignments"]), 0)
    ]
    next_week = (WEEK + datetime.timedelta(days=7)).isoformat()
    assert client.get(f"{plans_url(week)}?week={next_week}").json() == []
    assert api_events(action=Action.LIST, object_type="scheduling.weekplan").count() == 2
    assert client.get(f"{API}/week-plans/{plan['uuid']}").json()["assignments"] == plan["assignments"]
    assert api_events(action=Action.VIEW, object_id=plan["uuid"]).count() == 2  # after building, and read

    published = client.post(f"{API}/week-plans/{plan['uuid']}/publish", content_type=JSON).json()
    assert published["already_published"] is False and published["changed"] > 0
    assert published["created"] == stored_plan.bookings.filter(kind=PlannedBookingKind.INDIVIDUAL).count()
    assert published["plan"]["status"] == "published"
    before = snapshot()
    again = client.post(f"{API}/week-plans/{plan['uuid']}/publish", content_type=JSON).json()
    assert again["already_published"] is True
    counts = ("changed", "booked", "unbooked", "created", "cancelled")
    assert [again[k] for k in counts] == [0, 0, 0, 0, 0]
    assert snapshot() == before


def test_rebuilding_a_week_replaces_its_draft(week, api_client):
    client = api_client(week.dana)
    first = client.post(plans_url(week), {"week": WEEK.isoformat()}, content_type=JSON)
    WeekPlan.objects.update(status=WeekPlanStatus.PUBLISHED)
    second = client.post(plans_url(week), {"week": WEEK.isoformat()}, content_type=JSON)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["uuid"] == first.json()["uuid"] and second.json()["status"] == "draft"
    assert WeekPlan.objects.count() == 1


def test_a_plan_with_hard_violations_is_not_published(world, api_client):
    plan = WeekPlan.objects.create(
        program=world.program_a, week_start=WEEK, violations=["Two places at once"]
    )
    response = api_client(world.dana).post(f"{API}/week-plans/{plan.uuid}/publish", content_type=JSON)
    assert "hard violations" in assert_problem(response, 409)["detail"]
    plan.refresh_from_db()
    assert plan.status == WeekPlanStatus.DRAFT


def test_a_director_of_another_program_may_not_plan_it(world, api_client):
    olga = make_user("olga", Role.PROGRAM_DIRECTOR, programs=[world.program_b])
    plan = WeekPlan.objects.create(program=world.program_a, week_start=WEEK)
    client = api_client(olga)
    assert_problem(client.get(plans_url(world)), 403)
    assert_problem(client.post(plans_url(world), {"week": WEEK.isoformat()}, content_type=JSON), 403)
    assert_problem(client.get(f"{API}/week-plans/{plan.uuid}"), 403)
    assert_problem(client.post(f"{API}/week-plans/{plan.uuid}/publish", content_type=JSON), 403)
    refused = AuditEvent.objects.filter(outcome=Outcome.REFUSED, detail__permission="scheduling.plan_week")
    assert refused.count() == 4
    plan.refresh_from_db()
    assert plan.status == WeekPlanStatus.DRAFT and WeekPlan.objects.count() == 1


def test_unknown_programs_and_plans_are_404(world, api_client):
    client = api_client(world.dana)
    assert_problem(client.get(f"{API}/programs/{uuid.uuid4()}/week-plans"), 404)
    assert_problem(client.get(f"{API}/week-plans/{uuid.uuid4()}"), 404)
    assert_problem(client.post(f"{API}/week-plans/{uuid.uuid4()}/publish", content_type=JSON), 404)
