"""The compliance selectors against real rows: each list shows an obligation while it is due and drops it
once done, no obligation is listed twice, and the number of queries does not grow with the program."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openiop.discharge.selectors import discharge_snapshot
from openiop.discharge.tests import factories as discharge_factories
from openiop.intake.models import Certification, DueItem, DueItemKind
from openiop.intake.services import certification_record, due_item_complete
from openiop.measures.models import MeasureSchedule, Occasion
from openiop.notes.models import GroupNote, Note, NoteStatus
from openiop.notes.tests.factories import draft_note, group_of, written_group_note
from openiop.operations import compliance as core
from openiop.operations.selectors_compliance import compliance_items, discharge_snapshots
from openiop.scheduling.tests.factories import extra_patients
from openiop.treatment.models import PlanReview, ReviewReason, ReviewStatus
from openiop.treatment.services import plan_review_trigger
from openiop.treatment.tests.factories import active_plan_of

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def items_of(world, kind=None, track=None, program=None):
    found = compliance_items(program or world.program_a, track=track, now=timezone.now(), today=today())
    return [i for i in found if kind is None or i.kind == kind]


def episode_a(world):
    return world.patient_a.episodes.get(status="active")


def due_item(episode, kind, days_from_today, owner):
    return DueItem.objects.create(
        episode=episode, kind=kind, due_on=today() + datetime.timedelta(days=days_from_today), owner=owner
    )


def test_initial_plan_is_listed_overdue_until_its_due_item_is_completed(world):
    item = due_item(episode_a(world), DueItemKind.INITIAL_TREATMENT_PLAN, -2, world.alice)
    (found,) = items_of(world, core.INITIAL_PLAN)
    assert (found.status, found.days_overdue) == (core.OVERDUE, 2)
    assert found.candidate.owner == "Alice Test"
    assert found.candidate.record_number == world.patient_a.record_number
    due_item_complete(item=item, by=world.alice)
    assert items_of(world, core.INITIAL_PLAN) == []


def test_obligations_further_than_a_week_ahead_are_not_listed(world):
    due_item(episode_a(world), DueItemKind.INITIAL_TREATMENT_PLAN, 8, world.alice)
    assert items_of(world, core.INITIAL_PLAN) == []


def test_baseline_measures_item_is_listed_under_measures_and_unowned_items_have_no_owner(world):
    due_item(episode_a(world), DueItemKind.BASELINE_MEASURES, 0, None)
    (found,) = items_of(world, core.MEASURES)
    assert found.status == core.DUE_TODAY
    assert found.candidate.owner == ""


def test_certification_is_listed_until_certified_and_then_the_recertification_once(world):
    episode = episode_a(world)
    due_item(episode, DueItemKind.CERTIFICATION, 0, world.paul)
    (found,) = items_of(world, core.CERTIFICATION)
    assert found.status == core.DUE_TODAY
    certification_record(
        episode=episode,
        by=world.paul,
        certified_on=today(),
        hours_per_week=Decimal("9"),
        statement="Needs IOP level of care.",
    )
    assert items_of(world, core.CERTIFICATION) == []
    # The certification expires within the week: its recertification due item is listed, and only once.
    Certification.objects.filter(episode=episode).update(valid_until=today() + datetime.timedelta(days=3))
    DueItem.objects.filter(episode=episode, kind=DueItemKind.RECERTIFICATION).update(
        due_on=today() + datetime.timedelta(days=3)
    )
    (recert,) = items_of(world, core.RECERTIFICATION)
    assert recert.status == core.DUE_SOON
    assert recert.candidate.what == "Physician recertification"


def test_expiring_certification_without_a_recertification_item_is_listed(world):
    episode = episode_a(world)
    Certification.objects.create(
        episode=episode,
        certified_by=world.paul,
        certified_on=today() - datetime.timedelta(days=40),
        hours_per_week=Decimal("9"),
        valid_until=today() - datetime.timedelta(days=10),
        statement="Needs IOP.",
    )
    (found,) = items_of(world, core.RECERTIFICATION)
    assert (found.status, found.days_overdue) == (core.OVERDUE, 10)
    assert found.candidate.owner == "Paul Test"
    # A later certification that is still valid for more than a week: nothing to list.
    Certification.objects.create(
        episode=episode,
        certified_by=world.paul,
        certified_on=today(),
        hours_per_week=Decimal("9"),
        valid_until=today() + datetime.timedelta(days=30),
        is_recertification=True,
        statement="Still needs IOP.",
    )
    assert items_of(world, core.RECERTIFICATION) == []


def test_triggered_plan_review_is_listed_for_the_responsible_clinician_until_completed(world):
    plan = active_plan_of(world)
    assert items_of(world, core.PLAN_REVIEW) == []  # the cadence review is a month away
    review = plan_review_trigger(episode_a(world), ReviewReason.DETERIORATION, by=world.paul)
    (found,) = items_of(world, core.PLAN_REVIEW)
    assert found.status == core.DUE_SOON
    assert found.candidate.due_on == review.due_on
    assert found.candidate.owner == plan.responsible_clinician.get_full_name()
    assert "deterioration" in found.candidate.what
    PlanReview.objects.filter(pk=review.pk).update(status=ReviewStatus.COMPLETED, reviewed_on=today())
    assert items_of(world, core.PLAN_REVIEW) == []


def test_unsigned_note_is_listed_past_72_hours_until_signed(world):
    old = draft_note(world, day=today() - datetime.timedelta(days=5))
    draft_note(world, day=today())  # not yet due
    (found,) = items_of(world, core.UNSIGNED_NOTE)
    assert found.status == core.PAST_72H
    assert found.candidate.owner == "Alice Test"
    Note.objects.filter(pk=old.pk).update(status=NoteStatus.SIGNED, signed_at=timezone.now())
    assert items_of(world, core.UNSIGNED_NOTE) == []


def test_note_awaiting_cosignature_is_not_listed(world):
    note = draft_note(world, day=today() - datetime.timedelta(days=5))
    Note.objects.filter(pk=note.pk).update(status=NoteStatus.AWAITING_COSIGNATURE, signed_at=timezone.now())
    assert items_of(world, core.UNSIGNED_NOTE) == []


def test_unsigned_group_note_is_listed_without_a_patient(world):
    session, episodes, plans = group_of(world, 1, objectives=False)
    group = written_group_note(world, session, episodes, plans)
    (found,) = items_of(world, core.UNSIGNED_NOTE)
    assert found.candidate.record_number == ""
    assert found.candidate.subject is None
    assert found.is_late
    GroupNote.objects.filter(pk=group.pk).update(status=NoteStatus.SIGNED)
    assert items_of(world, core.UNSIGNED_NOTE) == []


def test_weekly_measure_is_overdue_for_the_primary_clinician_until_administered(world):
    yesterday = today() - datetime.timedelta(days=1)
    MeasureSchedule.objects.create(
        program=world.program_a,
        instrument_code="PHQ-9",
        occasion=Occasion.WEEKLY,
        weekday=yesterday.weekday(),
    )
    found = {i.candidate.record_number: i for i in items_of(world, core.MEASURES)}
    assert set(found) == {world.patient_a.record_number, world.patient_b.record_number}
    assert found[world.patient_a.record_number].status == core.OVERDUE
    assert found[world.patient_a.record_number].candidate.owner == "Alice Test"
    assert found[world.patient_b.record_number].candidate.owner == "Bob Test"
    discharge_factories.administered(episode_a(world), "PHQ-9", on=today())
    assert {i.candidate.record_number for i in items_of(world, core.MEASURES)} == {
        world.patient_b.record_number
    }


def test_discharge_missing_parts_is_listed_until_ready(world):
    discharge = discharge_factories.start(
        world.patient_a, world.alice, planned_on=today() + datetime.timedelta(days=3)
    )
    (found,) = items_of(world, core.DISCHARGE)
    assert found.status == core.DUE_SOON
    assert found.candidate.owner == "Alice Test"
    assert "aftercare" in found.candidate.what
    discharge_factories.make_ready(discharge, world.alice)
    assert items_of(world, core.DISCHARGE) == []


def test_discharge_planned_later_than_a_week_is_not_listed(world):
    discharge_factories.start(world.patient_a, world.alice, planned_on=today() + datetime.timedelta(days=10))
    assert items_of(world, core.DISCHARGE) == []


def test_bulk_snapshots_match_the_discharge_apps_snapshot(world):
    discharge_factories.schedule_at_discharge(world.program_a, "PHQ-9")
    a = discharge_factories.start(world.patient_a, world.alice)
    b = discharge_factories.start(world.patient_b, world.bob, reason="left_against_advice")
    discharge_factories.make_ready(a, world.alice)
    discharge_factories.signed_safety_plan(world.patient_b, world.bob)
    discharge_factories.administered(b.episode, "PHQ-9")
    a.refresh_from_db()
    b.refresh_from_db()
    snapshots = discharge_snapshots([a, b])
    assert snapshots[a.pk] == discharge_snapshot(a)
    assert snapshots[b.pk] == discharge_snapshot(b)


def test_track_filter_keeps_only_that_tracks_patients(world):
    due_item(episode_a(world), DueItemKind.INITIAL_TREATMENT_PLAN, 0, world.alice)
    due_item(world.patient_b.episodes.get(status="active"), DueItemKind.INITIAL_TREATMENT_PLAN, 0, world.bob)
    assert len(items_of(world, core.INITIAL_PLAN)) == 2
    (found,) = items_of(world, core.INITIAL_PLAN, track=world.track_a)
    assert found.candidate.record_number == world.patient_a.record_number


def test_other_programs_obligations_are_not_listed(world):
    due_item(
        world.patient_c.episodes.get(status="active"), DueItemKind.INITIAL_TREATMENT_PLAN, 0, world.charlie
    )
    assert items_of(world, core.INITIAL_PLAN) == []
    assert len(items_of(world, core.INITIAL_PLAN, program=world.program_b)) == 1


def _populate(world, count, start):
    """`count` more episodes, each with a due item, a certification, an old draft, a discharge in 3 days."""
    for episode in extra_patients(world, count, start=start):
        due_item(episode, DueItemKind.INITIAL_TREATMENT_PLAN, -1, world.alice)
        Certification.objects.create(
            episode=episode,
            certified_by=world.paul,
            certified_on=today() - datetime.timedelta(days=25),
            hours_per_week=Decimal("9"),
            valid_until=today() + datetime.timedelta(days=5),
            statement="Needs IOP.",
        )
        draft_note(world, patient=episode.patient, day=today() - datetime.timedelta(days=4))
        discharge_factories.start(
            episode.patient, world.alice, planned_on=today() + datetime.timedelta(days=3)
        )


def _queries(world) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        found = compliance_items(world.program_a, now=timezone.now(), today=today())
    return len(captured), len(found)


def test_query_count_does_not_grow_with_the_number_of_episodes(world):
    MeasureSchedule.objects.create(
        program=world.program_a,
        instrument_code="PHQ-9",
        occasion=Occasion.WEEKLY,
        weekday=(today() - datetime.timedelta(days=1)).weekday(),
    )
    discharge_factories.schedule_at_discharge(world.program_a, "GAD-7")
    _populate(world, 2, start=0)
    small, small_items = _queries(world)
    _populate(world, 6, start=2)
    large, large_items = _queries(world)
    assert large_items > small_items
    assert large == small
