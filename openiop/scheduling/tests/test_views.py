import datetime

import pytest
from django.urls import reverse

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.scheduling.models import AttendanceStatus, Session, SessionAttendee
from openiop.scheduling.services import engagement_alerts_raise, session_cancel

from .factories import PAST_MONDAY, active_episode, enrol, extra_patients, group_series, session_with


def attendance_url(session):
    return reverse("scheduling:attendance", kwargs={"session_uuid": session.uuid})


def rows_post(session, rows, **extra):
    """POST data for the attendance formset: rows of (episode, status, minutes, note) in screen order."""
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        **extra,
    }
    for i, (episode, status, minutes, note) in enumerate(rows):
        data[f"form-{i}-episode"] = str(episode.uuid)
        data[f"form-{i}-status"] = status
        data[f"form-{i}-minutes_attended"] = "" if minutes is None else str(minutes)
        data[f"form-{i}-note"] = note
    return data


@pytest.fixture
def group_of_three(world):
    episodes = [active_episode(world.patient_a), active_episode(world.patient_b), *extra_patients(world, 1)]
    return session_with(world, PAST_MONDAY, episodes), episodes


# --- The week's sessions ---------------------------------------------------------------------------------


def test_the_week_shows_sessions_by_day_with_attendance_links_for_those_who_lead(
    world, client_for, group_of_three
):
    session, _ = group_of_three
    url = reverse("scheduling:session_list") + "?week=2026-11-18"
    page = client_for(world.alice).get(url).content.decode()
    assert "Sessions, week of 2026-11-16 to 2026-11-22" in page
    assert "Monday 16 November 2026" in page
    assert attendance_url(session) in page
    assert "Generate this week" not in page
    bob_page = client_for(world.bob).get(url).content.decode()
    assert "Monday 16 November 2026" in bob_page and attendance_url(session) not in bob_page


def test_other_programs_do_not_see_the_week(world, client_for, group_of_three):
    page = (
        client_for(world.charlie)
        .get(reverse("scheduling:session_list") + "?week=2026-11-16")
        .content.decode()
    )
    assert "No sessions this week" in page


def test_the_director_generates_the_week_from_the_page(world, client_for):
    series = group_series(world, weekday=2)
    enrol(series, active_episode(world.patient_a))
    client = client_for(world.dana)
    page = client.get(reverse("scheduling:session_list") + "?week=2026-11-16").content.decode()
    assert "Generate this week's sessions (Adult MH)" in page
    data = {"program": str(world.program_a.uuid), "week": "2026-11-18"}
    response = client.post(reverse("scheduling:sessions_generate"), data, follow=True)
    assert "1 sessions created for Adult MH, week of 2026-11-16." in response.content.decode()
    assert Session.objects.get().date == datetime.date(2026, 11, 18)
    response = client.post(reverse("scheduling:sessions_generate"), data, follow=True)
    assert "already generated" in response.content.decode()


def test_a_director_cannot_generate_another_programs_week(world, client_for):
    data = {"program": str(world.program_b.uuid), "week": "2026-11-16"}
    response = client_for(world.dana).post(reverse("scheduling:sessions_generate"), data, follow=True)
    assert "Choose one of your programs" in response.content.decode()
    assert not Session.objects.exists()


# --- Attendance --------------------------------------------------------------------------------------------


def test_the_attendance_screen_lists_everyone_booked(world, client_for, group_of_three):
    session, episodes = group_of_three
    page = client_for(world.alice).get(attendance_url(session)).content.decode()
    for name in ("Avery Synthetic", "Blake Synthetic", "Member00 Synthetic"):
        assert name in page
    assert "Mark all present" in page and "Save attendance" in page
    assert AuditEvent.objects.filter(action=Action.VIEW, object_id=str(session.uuid)).exists()


def test_mark_all_present_fills_every_row_without_saving(world, client_for, group_of_three):
    session, episodes = group_of_three
    data = rows_post(
        session, [(e, "scheduled", None, "kept" if i == 0 else "") for i, e in enumerate(episodes)]
    )
    data["mark_all_present"] = "1"
    response = client_for(world.alice).post(attendance_url(session), data)
    page = response.content.decode()
    assert response.status_code == 200 and "Everyone is marked present" in page
    assert page.count('<option value="present" selected>') == 3
    assert page.count('value="180"') == 3 and 'value="kept"' in page
    assert not SessionAttendee.objects.exclude(status=AttendanceStatus.SCHEDULED).exists()


def test_saving_records_exceptions_and_says_so(world, client_for, group_of_three):
    session, (a, b, c) = group_of_three
    data = rows_post(
        session, [(a, "present", 180, ""), (b, "late", 120, "Traffic"), (c, "absent_unexcused", 180, "")]
    )
    response = client_for(world.alice).post(attendance_url(session), data, follow=True)
    assert "Attendance saved: 3 rows changed." in response.content.decode()
    stored = {x.episode: (x.status, x.minutes_attended) for x in session.attendees.all()}
    assert stored == {a: ("present", 180), b: ("late", 120), c: ("absent_unexcused", 0)}


def test_a_row_that_cannot_be_shows_its_error_and_nothing_is_saved(world, client_for, group_of_three):
    session, (a, b, c) = group_of_three
    data = rows_post(session, [(a, "present", None, ""), (b, "late", None, ""), (c, "present", None, "")])
    response = client_for(world.alice).post(attendance_url(session), data)
    assert "Late or left early: enter the minutes attended (1 to 179)." in response.content.decode()
    assert not SessionAttendee.objects.exclude(status=AttendanceStatus.SCHEDULED).exists()


def test_the_director_may_record_but_another_clinician_may_not(world, client_for, group_of_three):
    session, (a, b, c) = group_of_three
    data = rows_post(session, [(a, "present", None, ""), (b, "present", None, ""), (c, "present", None, "")])
    assert client_for(world.bob).post(attendance_url(session), data).status_code == 403
    assert AuditEvent.objects.filter(action=Action.ACCESS_REFUSED, outcome=Outcome.REFUSED).exists()
    assert not SessionAttendee.objects.exclude(status=AttendanceStatus.SCHEDULED).exists()
    assert client_for(world.dana).post(attendance_url(session), data).status_code == 302


def test_a_group_facilitator_not_listed_on_the_session_may_record(world, client_for):
    series = group_series(world, facilitators=[world.bob])
    session = session_with(
        world, PAST_MONDAY, [active_episode(world.patient_a)], clinicians=[], series=series
    )
    assert client_for(world.bob).get(attendance_url(session)).status_code == 200


def test_a_future_session_is_read_only(world, client_for):
    session = session_with(world, datetime.date(2099, 1, 5), [active_episode(world.patient_a)])
    page = client_for(world.alice).get(attendance_url(session)).content.decode()
    assert "has not happened yet" in page and "Save attendance" not in page


def test_a_cancelled_session_shows_why_and_no_form(world, client_for):
    session = session_with(world, PAST_MONDAY, [active_episode(world.patient_a)])
    session_cancel(session=session, reason="Snow day", by=world.dana)
    page = client_for(world.alice).get(attendance_url(session)).content.decode()
    assert "Cancelled: Snow day" in page and "Mark all present" not in page


def test_anonymous_is_sent_to_sign_in(world, client, group_of_three):
    session, _ = group_of_three
    response = client.get(attendance_url(session))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("size", [3, 8])
def test_the_attendance_screen_reads_in_a_fixed_number_of_queries(
    world, client_for, size, django_assert_max_num_queries
):
    episodes = extra_patients(world, size)
    session = session_with(world, PAST_MONDAY, episodes)
    client = client_for(world.alice)
    client.get(attendance_url(session))  # warm the session and caches
    # The same ceiling for 3 and for 8 people: no query per row.
    with django_assert_max_num_queries(18):
        response = client.get(attendance_url(session))
    assert response.content.decode().count('<th scope="row">Member0') == size


def test_query_count_does_not_grow_with_the_group(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (3, 8):
        session = session_with(world, PAST_MONDAY, extra_patients(world, size, start=len(counts) * 10))
        client = client_for(world.alice)
        client.get(attendance_url(session))
        with CaptureQueriesContext(connection) as queries:
            client.get(attendance_url(session))
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- The weekly hours ledger ---------------------------------------------------------------------------------


def test_the_ledger_marks_a_week_under_target_and_lists_alerts(world, client_for):
    episode = active_episode(world.patient_a)
    session = session_with(world, PAST_MONDAY, [episode])
    session.attendees.update(status="present", minutes_attended=180)
    engagement_alerts_raise(episode=episode, today=PAST_MONDAY + datetime.timedelta(days=7))
    url = reverse("scheduling:ledger", kwargs={"episode_uuid": episode.uuid})
    page = client_for(world.alice).get(url).content.decode()
    assert "Weekly hours: Avery Synthetic" in page
    assert "2026-11-16" in page and "Under target" in page and "3.0" in page
    assert "Week under the hours target" in page and "3.0 h attended of 9 h target" in page
    assert AuditEvent.objects.filter(
        action=Action.VIEW, object_id=str(episode.uuid), patient=world.patient_a
    ).exists()


def test_the_chart_links_to_weekly_hours(world, client_for):
    episode = active_episode(world.patient_a)
    page = client_for(world.alice).get(
        reverse("patients:chart", kwargs={"patient_uuid": world.patient_a.uuid})
    )
    assert reverse("scheduling:ledger", kwargs={"episode_uuid": episode.uuid}) in page.content.decode()
    assert "Weekly hours" in page.content.decode()


def test_a_clinician_off_the_care_team_must_break_the_glass_for_the_ledger(world, client_for):
    episode = active_episode(world.patient_a)
    response = client_for(world.bob).get(reverse("scheduling:ledger", kwargs={"episode_uuid": episode.uuid}))
    assert response.status_code == 302 and "/break-glass/" in response["Location"]
    response = client_for(world.charlie).get(
        reverse("scheduling:ledger", kwargs={"episode_uuid": episode.uuid})
    )
    assert response.status_code == 403


def test_the_sessions_menu_is_for_those_who_work_sessions(world, client_for):
    assert ">Sessions<" in client_for(world.alice).get(reverse("home:my_day")).content.decode()
    assert ">Sessions<" not in client_for(world.ivan).get(reverse("home:my_day")).content.decode()
