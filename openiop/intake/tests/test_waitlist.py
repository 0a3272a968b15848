"""The waitlist: its pure core (order, expected starts), the service around it and the page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from conftest import make_user
from openiop.accounts.models import Role
from openiop.audit.models import Action, AuditEvent
from openiop.intake import waitlist as core
from openiop.intake.models import WaitlistEntry
from openiop.intake.services.admissions import waitlist_add, waitlist_for_program
from openiop.programs.models import Track

from .test_admissions import referred_patient

MONDAY = datetime.date(2026, 11, 30)


# The pure core.


def test_stepping_down_comes_first_then_urgency_then_date():
    entries = [
        core.Waiting(key="routine-early", added_on=datetime.date(2026, 10, 1)),
        core.Waiting(key="urgent-late", added_on=datetime.date(2026, 11, 20), urgency="urgent"),
        core.Waiting(key="soon", added_on=datetime.date(2026, 11, 1), urgency="soon"),
        core.Waiting(key="step-down", added_on=datetime.date(2026, 11, 25), stepping_down_from="residential"),
        core.Waiting(key="routine-later", added_on=datetime.date(2026, 10, 15)),
    ]
    assert [w.key for w in core.in_priority_order(entries)] == [
        "step-down",
        "urgent-late",
        "soon",
        "routine-early",
        "routine-later",
    ]


def test_stepping_down_from_outpatient_is_no_priority():
    step_down = core.Waiting(key="b", added_on=datetime.date(2026, 11, 2), stepping_down_from="outpatient")
    earlier = core.Waiting(key="a", added_on=datetime.date(2026, 11, 1))
    assert core.in_priority_order([step_down, earlier])[0].key == "a"


def test_free_places_start_at_the_next_meeting_and_the_rest_wait_for_places_to_free():
    queue = [core.Waiting(key=n, added_on=MONDAY) for n in range(3)]
    # Tuesday; the track meets Mon/Wed/Fri; 1 free place; 42-day stays over 6 places: one every 7 days.
    starts = core.expected_starts(
        queue,
        capacity=6,
        active=5,
        today=datetime.date(2026, 12, 1),
        weekdays=[0, 2, 4],
        length_of_stay_days=42,
    )
    assert starts == {
        0: datetime.date(2026, 12, 2),  # Wednesday
        1: datetime.date(2026, 12, 9),  # 7 days later, a Tuesday, so Wednesday
        2: datetime.date(2026, 12, 16),
    }


def test_next_meeting_is_the_same_day_when_the_track_meets_that_day():
    assert core.next_meeting(MONDAY, [0]) == MONDAY
    assert core.next_meeting(MONDAY, [6]) == datetime.date(2026, 12, 6)
    assert core.next_meeting(MONDAY, []) == MONDAY


weekdays_strategy = st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True)
waiting_strategy = st.lists(
    st.builds(
        core.Waiting,
        key=st.uuids(),
        added_on=st.dates(datetime.date(2025, 1, 1), datetime.date(2026, 12, 31)),
        urgency=st.sampled_from(["routine", "soon", "urgent"]),
        stepping_down_from=st.sampled_from(
            ["", "inpatient", "residential", "partial_hospitalization", "outpatient"]
        ),
    ),
    max_size=30,
    unique_by=lambda w: w.key,
)


@given(
    entries=waiting_strategy,
    capacity=st.integers(1, 20),
    active=st.integers(0, 25),
    today=st.dates(datetime.date(2025, 1, 1), datetime.date(2030, 12, 31)),
    weekdays=weekdays_strategy,
    stay=st.floats(0, 365, allow_nan=False),
)
def test_expected_starts_keep_the_order_never_precede_today_and_fall_on_meeting_days(
    entries, capacity, active, today, weekdays, stay
):
    queue = core.in_priority_order(entries)
    starts = core.expected_starts(
        queue, capacity=capacity, active=active, today=today, weekdays=weekdays, length_of_stay_days=stay
    )
    dates = [starts[w.key] for w in queue]
    assert dates == sorted(dates), "someone later in line would start earlier"
    assert all(day >= today for day in dates)
    assert all(day.weekday() in weekdays for day in dates)


@given(entries=waiting_strategy)
def test_priority_order_puts_every_step_down_before_everyone_else(entries):
    ordered = core.in_priority_order(entries)
    flags = [w.stepping_down_from in core.STEP_DOWN_LEVELS for w in ordered]
    assert flags == sorted(flags, reverse=True)
    assert sorted(ordered, key=core.priority) == ordered


# The service and the page.


def wait(world, given, *, by=None, added_on=None, **kwargs):
    patient = referred_patient(world, given=given)
    entry = waitlist_add(episode=patient.episodes.get(), by=by or world.ivan, **kwargs)
    if added_on:
        WaitlistEntry.objects.filter(pk=entry.pk).update(added_on=added_on)
    return patient


def test_the_waitlist_page_lists_people_in_priority_order(world, client_for):
    today = timezone.localdate()
    wait(world, "Routine", added_on=today - datetime.timedelta(days=20))
    wait(world, "Urgent", urgency="urgent", added_on=today - datetime.timedelta(days=2))
    wait(world, "Stepdown", stepping_down_from="inpatient", track=world.track_a, added_on=today)
    response = client_for(world.ivan).get(reverse("intake:waitlist"))
    page = response.content.decode()
    assert page.index("Stepdown") < page.index("Urgent") < page.index("Routine Referral")
    assert "any track" in page and "Inpatient" in page
    assert "come first, then by urgency, then by the date they were added" in page
    rows = response.context["rows"]
    assert [
        (entry.episode.patient.legal_given_name, position, days) for entry, position, _start, days in rows
    ] == [
        ("Stepdown", 1, 0),
        ("Urgent", 2, 2),
        ("Routine", 3, 20),
    ]
    assert all(start >= today for _entry, _position, start, _days in rows)
    assert reverse("intake:admit", kwargs={"episode_uuid": rows[0][0].episode.uuid}) in page
    event = AuditEvent.objects.get(action=Action.LIST, object_type="intake.waitlistentry")
    assert event.detail["shown"] == 3


def test_the_waitlist_has_an_honest_empty_state(world, client_for):
    page = client_for(world.dana).get(reverse("intake:waitlist")).content.decode()
    assert "No one is waiting for this program." in page


def test_changing_a_waiting_persons_entry_keeps_their_place_in_line(world):
    earlier = timezone.localdate() - datetime.timedelta(days=10)
    patient = wait(world, "Keeper", added_on=earlier)
    entry = waitlist_add(episode=patient.episodes.get(), by=world.ivan, track=world.track_a, urgency="soon")
    assert entry.added_on == earlier and entry.urgency == "soon"


def test_someone_waiting_for_a_closed_track_still_gets_a_place_in_line(world):
    evening = Track.objects.create(
        program=world.program_a,
        name="Evening",
        weekdays=[1, 3],
        start_time=datetime.time(18),
        end_time=datetime.time(21),
    )
    wait(world, "Evening", track=evening)
    evening.is_active = False
    evening.save()
    [(entry, position, start)] = waitlist_for_program(world.program_a)
    assert position == 1 and start.weekday() in world.track_a.weekdays


def test_a_track_of_another_program_is_refused(world):
    other = Track.objects.create(
        program=world.program_b,
        name="Teen",
        weekdays=[1],
        start_time=datetime.time(15),
        end_time=datetime.time(18),
    )
    patient = referred_patient(world)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        waitlist_add(episode=patient.episodes.get(), by=world.ivan, track=other)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("ivan", 200),
        ("dana", 200),
        ("alice", 403),
        ("paul", 403),
        ("charlie", 403),
        ("audrey", 403),
        ("adam", 403),
        ("pat_a", 403),
    ],
)
def test_who_may_see_the_waitlist(world, client_for, role, expected):
    assert client_for(getattr(world, role)).get(reverse("intake:waitlist")).status_code == expected


def test_another_programs_waitlist_is_refused(world, client_for):
    irene = make_user("irene", Role.INTAKE_COORDINATOR, programs=[world.program_b])
    wait(world, "Hidden")
    response = client_for(irene).get(reverse("intake:waitlist"), {"program": world.program_a.uuid})
    assert response.status_code == 403 and "Hidden" not in response.content.decode()
    assert AuditEvent.objects.filter(actor=irene, action=Action.ACCESS_REFUSED).exists()
    assert client_for(irene).get(reverse("intake:waitlist")).status_code == 200
