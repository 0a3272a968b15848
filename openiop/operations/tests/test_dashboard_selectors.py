"""The dashboard's loader turns the database into the core's records: referral source and receipt, the
waitlist, changes of level, a closure lowering the week's target, the track filter and the care teams."""

import datetime

import pytest

from conftest import make_patient
from openiop.intake.models import (
    Direction,
    LevelOfCare,
    LevelTransition,
    Referral,
    ReferralSource,
    WaitlistEntry,
)
from openiop.operations.selectors_dashboard import load_dashboard
from openiop.patients.models import EpisodeStatus
from openiop.scheduling.models import AttendanceStatus, Closure, SessionStatus
from openiop.scheduling.tests.factories import PAST_MONDAY, session_with

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 27)
START, END = D(2026, 9, 1), D(2026, 11, 22)


def load(world, *, track=None, start=START, end=END):
    return load_dashboard(
        program=world.program_a, track=track, start=start, end=end, today=TODAY, with_outcomes=False
    )


def test_referral_source_and_receipt_give_the_time_to_admission(world):
    episode = world.patient_a.episodes.get()
    Referral.objects.create(
        program=world.program_a,
        given_name="Avery",
        family_name="Synthetic",
        source=ReferralSource.INPATIENT,
        reason="Referred",
        received_at=datetime.datetime(2026, 9, 3, 15, tzinfo=datetime.UTC),
        patient=world.patient_a,
        episode=episode,
    )
    board = load(world).board
    assert [(f.id, f.value) for f in board.admissions_by_source] == [
        ("admissions:", 1),
        ("admissions:inpatient", 1),
    ]
    # patient_a: received 09-03, admitted 09-08 (5 days); patient_b: referred 09-01, admitted 09-08 (7 days).
    assert board.time_to_admission.median == 6.0


def test_waitlist_and_changes_of_level_are_read(world):
    waiting = make_patient(
        given="Wren", family="Synthetic", program=world.program_a, status=EpisodeStatus.WAITLIST
    )
    WaitlistEntry.objects.create(
        episode=waiting.episodes.get(), program=world.program_a, added_on=D(2026, 10, 1)
    )
    LevelTransition.objects.create(
        patient=world.patient_b,
        episode=world.patient_b.episodes.get(),
        from_level=LevelOfCare.INTENSIVE_OUTPATIENT,
        to_level=LevelOfCare.PARTIAL_HOSPITALIZATION,
        direction=Direction.STEP_UP,
        on=D(2026, 10, 20),
        reason="Worse",
    )
    board = load(world).board
    assert board.figures["waitlist"].episode_ids == {str(waiting.episodes.get().uuid)}
    step_up = board.figures["step_up"]
    assert (step_up.numerator, step_up.denominator) == (1, 2)


def test_a_closure_lowers_the_target_and_the_track_filter_keeps_its_people(world):
    a = world.patient_a.episodes.get()  # on the Morning track
    b = world.patient_b.episodes.get()  # no track
    for offset in (0, 2, 4):
        session = session_with(world, PAST_MONDAY + datetime.timedelta(days=offset), [a, b])
        if offset == 2:  # a holiday: the program closed and cancelled the session
            Closure.objects.create(program=world.program_a, date=session.date, name="Holiday")
            session.status = SessionStatus.CANCELLED
            session.save()
        else:
            session.attendees.update(status=AttendanceStatus.PRESENT)
    board = load(world, start=PAST_MONDAY).board
    # 6 of 6 hours for both: the holiday's 3 hours came off the 9-hour target.
    assert (board.figures["hours_met"].numerator, board.figures["hours_met"].denominator) == (2, 2)
    assert (board.figures["attendance"].numerator, board.figures["attendance"].denominator) == (4, 4)
    only_morning = load(world, track=world.track_a, start=PAST_MONDAY).board
    assert only_morning.figures["census"].episode_ids == {str(a.uuid)}
    assert only_morning.figures["hours_met"].denominator == 1


def test_caseloads_follow_the_care_teams(world):
    board = load(world).board
    counts = {(member.split(",")[0], role): f.value for member, role, f in board.caseloads}
    assert counts == {
        ("Alice Test", "Primary clinician"): 1,
        ("Bob Test", "Primary clinician"): 1,
        ("Paul Test", "Psychiatrist"): 1,
    }
