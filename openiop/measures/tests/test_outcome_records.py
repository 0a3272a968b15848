"""outcome_records reads plain rows: each record's discharge reason, primary clinician label, track and
scores must be what the episode's models say (discharge_reason, User.display_name), in either scope."""

import dataclasses
import datetime

import pytest
from django.utils import timezone

from conftest import make_patient, make_user
from openiop.accounts.models import Role, StaffProfile, User
from openiop.discharge import services
from openiop.discharge.tests.factories import make_ready, start
from openiop.intake.models import Direction, LevelOfCare, LevelTransition
from openiop.measures.registry import get_instrument
from openiop.measures.selectors_outcomes import (
    SCOPE_CASELOAD,
    discharge_reason,
    outcome_records,
    outcome_view,
    reason_of_discharge,
)
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeStatus

from .outcome_factories import administer, series

pytestmark = pytest.mark.django_db

ADMITTED = datetime.date(2026, 9, 8)
START, END = datetime.date(2026, 9, 1), datetime.date(2026, 11, 30)
PHQ9 = get_instrument("PHQ-9")


def records(world, user=None, *, scope=None, end=END):
    view = outcome_view(world.dana, world.program_a)
    if scope is not None:
        view = dataclasses.replace(view, scope=scope)
    return {r.key: r for r in outcome_records(view, PHQ9, start=START, end=end, user=user)}


def leave(episode, direction, to_level, on):
    episode.status, episode.discharged_on = EpisodeStatus.DISCHARGED, on
    episode.save()
    LevelTransition.objects.create(
        patient=episode.patient,
        episode=episode,
        from_level=LevelOfCare.INTENSIVE_OUTPATIENT,
        to_level=to_level,
        direction=direction,
        on=on,
        reason="Change of level.",
    )


def test_each_record_has_its_track_clinician_and_scores_in_order(world):
    a = world.patient_a.episodes.get()
    b = world.patient_b.episodes.get()
    series(a, "PHQ-9", [18, 12, 8], start=ADMITTED)
    administer(a, "PHQ-9", 5, END + datetime.timedelta(days=1))  # after the period: not read
    administer(a, "GAD-7", 9, ADMITTED)  # another instrument: not read
    struck = administer(b, "PHQ-9", 20, ADMITTED)
    struck.entered_in_error_at, struck.entered_in_error_reason = timezone.now(), "Wrong patient."
    struck.entered_in_error_by = world.bob
    struck.save()
    got = records(world)
    assert set(got) == {str(a.uuid), str(b.uuid)}
    ra, rb = got[str(a.uuid)], got[str(b.uuid)]
    assert ra.scores == tuple(
        (ADMITTED + datetime.timedelta(days=7 * i), total) for i, total in enumerate([18, 12, 8])
    )
    assert (ra.track, ra.clinician, ra.admitted_on, ra.discharged_on) == (
        "Morning",
        "Alice Test, LCSW",
        ADMITTED,
        None,
    )
    assert (rb.track, rb.clinician, rb.scores) == ("", "Bob Test, LPC", ())


def test_the_caseload_scope_reads_only_the_users_episodes(world):
    a = world.patient_a.episodes.get()
    series(world.patient_b.episodes.get(), "PHQ-9", [12, 14], start=ADMITTED)
    got = records(world, world.alice, scope=SCOPE_CASELOAD)
    assert list(got) == [str(a.uuid)]


def test_clinician_labels_follow_display_name_and_stay_unique(world):
    a = world.patient_a.episodes.get()
    b = world.patient_b.episodes.get()
    # A second "Alice Test" (no credentials) and a primary clinician without a staff profile.
    twin = make_user("alice2", Role.CLINICIAN, programs=[world.program_a])
    twin.first_name = "Alice"
    twin.save()
    bare = User.objects.create_user(username="locum", password="x", role=Role.CLINICIAN)
    assert not StaffProfile.objects.filter(user=bare).exists()
    CareTeamMember.objects.filter(episode=b).delete()
    CareTeamMember.objects.create(episode=b, user=twin, role=CareTeamRole.PRIMARY_CLINICIAN)
    c = make_patient(
        given="Corey",
        family="Synthetic",
        program=world.program_a,
        care_team=[(bare, CareTeamRole.PRIMARY_CLINICIAN)],
    ).episodes.get()
    d = make_patient(given="Drew", family="Synthetic", program=world.program_a).episodes.get()  # no team
    got = records(world)
    # alice2's display name is "Alice Test" (first name given, no credentials), unlike "Alice Test, LCSW".
    assert got[str(a.uuid)].clinician == "Alice Test, LCSW"
    assert got[str(b.uuid)].clinician == twin.display_name == "Alice Test"
    assert got[str(c.uuid)].clinician == bare.display_name == "locum"
    assert got[str(d.uuid)].clinician == ""
    twin.staff_profile.credentials = "LCSW"
    twin.staff_profile.save()
    got = records(world)
    assert got[str(a.uuid)].clinician == "Alice Test, LCSW (alice)"
    assert got[str(b.uuid)].clinician == "Alice Test, LCSW (alice2)"


def test_discharge_reasons_match_the_model_rule(world):
    a = world.patient_a.episodes.get()
    b = world.patient_b.episodes.get()
    c = make_patient(given="Corey", family="Synthetic", program=world.program_a).episodes.get()
    leave(b, Direction.STEP_UP, LevelOfCare.PARTIAL_HOSPITALIZATION, datetime.date(2026, 10, 20))
    leave(c, Direction.STEP_DOWN, LevelOfCare.OUTPATIENT, datetime.date(2026, 10, 21))
    discharge = make_ready(start(world.patient_a, world.alice, reason="left_against_advice"), world.alice)
    services.discharge_close(discharge=discharge, by=world.alice, on=timezone.localdate())
    # A closed record wins over a later transition out of the IOP.
    a.refresh_from_db()
    LevelTransition.objects.create(
        patient=a.patient,
        episode=a,
        from_level=LevelOfCare.INTENSIVE_OUTPATIENT,
        to_level=LevelOfCare.PARTIAL_HOSPITALIZATION,
        direction=Direction.STEP_UP,
        on=a.discharged_on,
        reason="Change of level.",
    )
    got = records(world, end=timezone.localdate())
    for episode in (a, b, c):
        episode.refresh_from_db()
        assert got[str(episode.uuid)].discharge_reason == discharge_reason(
            episode, list(episode.level_transitions.order_by("on", "created_at"))
        )
    assert [got[str(e.uuid)].discharge_reason for e in (a, b, c)] == [
        "left_against_advice",
        "stepped_up",
        "stepped_down",
    ]


def test_the_reason_rule_on_plain_values():
    into = (LevelOfCare.PARTIAL_HOSPITALIZATION, LevelOfCare.INTENSIVE_OUTPATIENT, Direction.STEP_DOWN)
    up = (LevelOfCare.INTENSIVE_OUTPATIENT, LevelOfCare.PARTIAL_HOSPITALIZATION, Direction.STEP_UP)
    down = (LevelOfCare.INTENSIVE_OUTPATIENT, LevelOfCare.OUTPATIENT, Direction.STEP_DOWN)
    day = datetime.date(2026, 10, 1)
    plain = {"record_status": None, "record_reason": None}
    assert reason_of_discharge(discharged_on=None, moves=[up], **plain) is None  # still in treatment
    assert reason_of_discharge(discharged_on=day, moves=[into], **plain) is None  # not recorded
    assert reason_of_discharge(discharged_on=day, moves=[up, down], **plain) == "stepped_down"  # the last
    assert (
        reason_of_discharge(discharged_on=day, record_status="open", record_reason="completed", moves=[up])
        == "stepped_up"
    )
    assert (
        reason_of_discharge(discharged_on=day, record_status="closed", record_reason="completed", moves=[up])
        == "completed"
    )
