"""Program schedules and cover (on call, away): the services, the director's pages, and the due
questionnaires they produce on the chart and on "my day"."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.measures.due import ScheduleRule
from openiop.measures.models import MeasureSchedule, Occasion, OnCall, StaffAbsence
from openiop.measures.selectors import due_questionnaires
from openiop.measures.services import absence_record, on_call_set, program_schedules_update

from .routes import PHQ9_CALM, episode_of, record

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


def weekly_today(world, code="PHQ-9"):
    return MeasureSchedule.objects.create(
        program=world.program_a, instrument_code=code, occasion=Occasion.WEEKLY, weekday=today().weekday()
    )


# --- schedules ----------------------------------------------------------------------------------------------


def test_schedules_are_set_changed_and_switched_off(world):
    program_schedules_update(
        program=world.program_a,
        wanted=[ScheduleRule("PHQ-9", "admission"), ScheduleRule("PHQ-9", "weekly", 0)],
        by=world.dana,
    )
    program_schedules_update(
        program=world.program_a,
        wanted=[ScheduleRule("PHQ-9", "weekly", 3), ScheduleRule("GAD-7", "discharge")],
        by=world.dana,
    )
    rows = {
        (s.instrument_code, s.occasion): s for s in MeasureSchedule.objects.filter(program=world.program_a)
    }
    assert rows[("PHQ-9", "admission")].active is False  # kept, switched off
    assert rows[("PHQ-9", "weekly")].weekday == 3 and rows[("PHQ-9", "weekly")].active
    assert rows[("GAD-7", "discharge")].weekday is None
    event = (
        AuditEvent.objects.filter(object_id=str(world.program_a.uuid), action=Action.UPDATE)
        .order_by("seq")
        .last()
    )
    assert event.detail["measure_schedules"] == ["GAD-7 discharge", "PHQ-9 weekly 3"]


@pytest.mark.parametrize(
    "rule",
    [
        ScheduleRule("NOPE", "admission"),
        ScheduleRule("PHQ-9", "on_demand"),
        ScheduleRule("PHQ-9", "weekly", None),
    ],
)
def test_a_bad_schedule_is_refused(world, rule):
    with pytest.raises(ValidationError):
        program_schedules_update(program=world.program_a, wanted=[rule], by=world.dana)


def test_the_director_sets_schedules_on_the_page(world, client_for):
    url = reverse("measures:schedules", kwargs={"program_uuid": world.program_a.uuid})
    client = client_for(world.dana)
    assert "PHQ-9" in client.get(url).content.decode()
    response = client.post(url, {"PHQ-9__admission": "on", "PHQ-9__weekly": "on", "PHQ-9__weekday": "2"})
    assert response.status_code == 302
    assert set(MeasureSchedule.objects.values_list("instrument_code", "occasion", "weekday")) == {
        ("PHQ-9", "admission", None),
        ("PHQ-9", "weekly", 2),
    }


def test_weekly_without_a_weekday_re_renders_with_the_reason(world, client_for):
    url = reverse("measures:schedules", kwargs={"program_uuid": world.program_a.uuid})
    response = client_for(world.dana).post(url, {"GAD-7__weekly": "on"})
    assert response.status_code == 200
    assert "Choose the weekday for the weekly GAD-7." in response.content.decode()
    assert not MeasureSchedule.objects.exists()


def test_a_director_of_another_program_is_refused(world, client_for):
    from conftest import make_user
    from openiop.accounts.models import Role

    other = make_user("olga", Role.PROGRAM_DIRECTOR, programs=[world.program_b])
    url = reverse("measures:schedules", kwargs={"program_uuid": world.program_a.uuid})
    assert client_for(other).get(url).status_code == 403


# --- due questionnaires -------------------------------------------------------------------------------------


def test_due_questionnaires_follow_the_schedule_and_the_administrations(world):
    weekly_today(world)
    episode = episode_of(world.patient_a)
    [due] = due_questionnaires(episode, today())
    assert (due.instrument_code, due.occasion, due.due_on, due.overdue) == ("PHQ-9", "weekly", today(), False)
    assert due.title.startswith("Patient Health Questionnaire-9")
    administration = record(world, PHQ9_CALM).administration
    assert due_questionnaires(episode, today()) == []
    # Entered in error: it no longer counts, so the questionnaire is due again.
    from openiop.measures.services import administration_mark_entered_in_error

    administration_mark_entered_in_error(
        administration=administration, reason="Wrong patient", by=world.alice
    )
    assert len(due_questionnaires(episode, today())) == 1


def test_a_switched_off_schedule_asks_nothing(world):
    schedule = weekly_today(world)
    schedule.active = False
    schedule.save()
    assert due_questionnaires(episode_of(world.patient_a), today()) == []


def test_the_chart_panel_shows_what_is_due_and_the_enter_link(world, client_for):
    weekly_today(world)
    body = client_for(world.alice).get(
        reverse("patients:chart", kwargs={"patient_uuid": world.patient_a.uuid})
    )
    body = body.content.decode()
    assert 'id="chart-due-questionnaires"' in body and "Enter the PHQ-9" in body
    assert "Enter a questionnaire" in body
    # Directors read but do not enter.
    body = client_for(world.dana).get(
        reverse("patients:chart", kwargs={"patient_uuid": world.patient_a.uuid})
    )
    assert "Enter a questionnaire" not in body.content.decode()


def test_my_day_lists_the_caseload_due_and_open_alerts(world, client_for):
    weekly_today(world)
    body = client_for(world.alice).get(reverse("home:my_day")).content.decode()
    assert 'id="my-due-questionnaires"' in body and "Avery Synthetic</a>: PHQ-9" in body
    record(world, PHQ9_CALM)
    record(world, {**PHQ9_CALM, "9": 2})
    body = client_for(world.alice).get(reverse("home:my_day")).content.decode()
    assert "1 open urgent alert" in body and "(yours today)" in body
    assert 'id="my-due-questionnaires"' not in body
    # bob is primary for patient_b only: nothing of patient_a's.
    body = client_for(world.bob).get(reverse("home:my_day")).content.decode()
    assert "No open urgent alerts." in body and "Avery" not in body


def test_my_day_gives_directors_their_programs_links(world, client_for):
    body = client_for(world.dana).get(reverse("home:my_day")).content.decode()
    assert reverse("measures:schedules", kwargs={"program_uuid": world.program_a.uuid}) in body
    assert reverse("measures:cover", kwargs={"program_uuid": world.program_a.uuid}) in body


# --- cover ----------------------------------------------------------------------------------------------------


def test_on_call_is_set_for_a_range_and_replaces_whoever_was(world):
    on_call_set(
        program=world.program_a,
        first_day=today(),
        last_day=today() + 2 * DAY,
        clinician=world.bob,
        by=world.dana,
    )
    on_call_set(
        program=world.program_a,
        first_day=today() + DAY,
        last_day=today() + DAY,
        clinician=world.paul,
        by=world.dana,
    )
    assert [e.clinician for e in OnCall.objects.order_by("day")] == [world.bob, world.paul, world.bob]


@pytest.mark.parametrize(
    ("who", "days", "field"),
    [("charlie", 1, "clinician"), ("ivan", 1, "clinician"), ("bob", 0, "last_day"), ("bob", 70, "last_day")],
)
def test_on_call_is_refused_outside_the_rules(world, who, days, field):
    first = today()
    last = first + (days - 1) * DAY if days else first - DAY
    with pytest.raises(ValidationError) as error:
        on_call_set(
            program=world.program_a,
            first_day=first,
            last_day=last,
            clinician=getattr(world, who),
            by=world.dana,
        )
    assert field in error.value.message_dict


def test_someone_away_cannot_be_on_call(world):
    absence_record(program=world.program_a, user=world.bob, starts_on=today(), ends_on=today(), by=world.dana)
    with pytest.raises(ValidationError) as error:
        on_call_set(
            program=world.program_a, first_day=today(), last_day=today(), clinician=world.bob, by=world.dana
        )
    assert "is away on" in error.value.message_dict["clinician"][0]


def test_the_cover_page_sets_on_call_and_away(world, client_for):
    client = client_for(world.dana)
    program = world.program_a.uuid
    page = client.get(reverse("measures:cover", kwargs={"program_uuid": program}))
    assert "Nobody (the director receives alerts)" in page.content.decode()
    response = client.post(
        reverse("measures:on_call_set", kwargs={"program_uuid": program}),
        {
            "clinician": world.bob.pk,
            "first_day": today().isoformat(),
            "last_day": (today() + DAY).isoformat(),
        },
    )
    assert response.status_code == 302 and OnCall.objects.count() == 2
    response = client.post(
        reverse("measures:absence_add", kwargs={"program_uuid": program}),
        {
            "user": world.alice.pk,
            "starts_on": today().isoformat(),
            "ends_on": today().isoformat(),
            "reason": "Leave",
        },
    )
    assert response.status_code == 302
    absence = StaffAbsence.objects.get()
    assert absence.user == world.alice and absence.reason == "Leave"
    body = client.get(reverse("measures:cover", kwargs={"program_uuid": program})).content.decode()
    assert "Bob Test, LPC" in body and "Alice Test, LCSW" in body
    client.post(
        reverse("measures:absence_remove", kwargs={"program_uuid": program, "absence_uuid": absence.uuid})
    )
    entry = OnCall.objects.first()
    client.post(reverse("measures:on_call_clear", kwargs={"program_uuid": program, "entry_uuid": entry.uuid}))
    assert not StaffAbsence.objects.exists() and OnCall.objects.count() == 1


def test_a_bad_away_period_re_renders_the_cover_page(world, client_for):
    response = client_for(world.dana).post(
        reverse("measures:absence_add", kwargs={"program_uuid": world.program_a.uuid}),
        {"user": world.alice.pk, "starts_on": today().isoformat(), "ends_on": (today() - DAY).isoformat()},
    )
    assert response.status_code == 200
    assert "The last day away cannot be before the first." in response.content.decode()
    assert not StaffAbsence.objects.exists()


def test_cover_pages_are_refused_to_clinicians(world, client_for):
    response = client_for(world.alice).get(
        reverse("measures:cover", kwargs={"program_uuid": world.program_a.uuid})
    )
    assert response.status_code == 403
