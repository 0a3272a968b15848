"""Recording an administration: scoring and storing, validation, near-duplicates, entered in error, the
admission's baseline due item, and the audit trail."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.home.models import TaskStatus
from openiop.intake.models import DueItem, DueItemKind
from openiop.measures.models import Administration, MeasureSchedule, Occasion, ScoreStatus
from openiop.measures.registry import get_instrument
from openiop.measures.services import PossibleDuplicate, administration_mark_entered_in_error

from .routes import PHQ9_CALM, episode_of, record

MODERATE = {"1": 2, "2": 2, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1, "8": 1, "9": 0}  # 10


def test_an_administration_stores_answers_version_and_the_whole_result(world):
    recorded = record(world, MODERATE, occasion=Occasion.WEEKLY, language="es")
    a = Administration.objects.get(pk=recorded.administration.pk)
    assert (a.total, a.band, a.status) == (10, "Moderate", ScoreStatus.COMPLETE)
    assert a.instrument_version == get_instrument("PHQ-9").version
    assert a.answers == {**MODERATE, "difficulty": None}
    assert a.language == "es" and a.occasion == Occasion.WEEKLY and a.source == "staff_entry"
    assert a.result["total"] == 10 and a.result["items"][0]["label"] == "Más de la mitad de los días"
    assert a.created_by == world.alice and a.patient == world.patient_a
    assert a.episode == episode_of(world.patient_a)


def test_a_prorated_phq9_is_stored_prorated(world):
    a = record(world, {**MODERATE, "8": None}).administration
    assert a.status == ScoreStatus.PRORATED and a.total == 10


def test_recording_is_audited_once_with_ids_only(world):
    a = record(world, PHQ9_CALM).administration
    [event] = AuditEvent.objects.filter(object_id=str(a.uuid))
    assert event.action == Action.CREATE and event.patient == world.patient_a
    assert event.detail == {
        "instrument": "PHQ-9",
        "version": a.instrument_version,
        "occasion": "on_demand",
        "source": "staff_entry",
    }


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"9": 4}, "answers.9", "4 is not one of its answers (0, 1, 2, 3)"),
        ({"12": 1}, "answers.12", "PHQ-9 has no item 12"),
        ({"1": True}, "answers.1", "True is not one of its answers"),
        ({"1": "2"}, "answers.1", "is not one of its answers"),
        ({"1": None}, "answers", "Answer at least one item"),
    ],
)
def test_bad_answers_are_refused_item_by_item(world, answers, field, message):
    with pytest.raises(ValidationError) as error:
        record(world, answers)
    assert message in " ".join(error.value.message_dict[field])
    assert not Administration.objects.exists()


def test_every_bad_item_is_named_at_once(world):
    with pytest.raises(ValidationError) as error:
        record(world, {**PHQ9_CALM, "3": 7, "9": -1, "x": 0})
    assert {"answers.3", "answers.9", "answers.x"} <= set(error.value.message_dict)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "NOPE-1"}, "instrument"),
        ({"day": timezone.localdate() + datetime.timedelta(days=1)}, "completed_on"),
        ({"day": datetime.date(2026, 8, 1)}, "completed_on"),  # before the referral of 2026-09-01
        ({"occasion": "monthly"}, "occasion"),
        ({"language": "fr"}, "language"),
        ({"context": {"sex": "x"}}, "context"),
    ],
)
def test_the_form_around_the_answers_is_checked(world, kwargs, field):
    with pytest.raises(ValidationError) as error:
        record(world, PHQ9_CALM, **kwargs)
    assert field in error.value.message_dict


def test_the_same_form_entered_twice_warns_instead_of_duplicating(world):
    first = record(world, PHQ9_CALM).administration
    with pytest.raises(PossibleDuplicate) as warning:
        record(world, PHQ9_CALM, by=world.paul)
    assert warning.value.existing == first
    assert "already entered" in str(warning.value) and "Alice Test" in str(warning.value)
    assert Administration.objects.count() == 1
    # Different answers, or another day, are not duplicates; a confirmed one is saved and audited as such.
    record(world, {**PHQ9_CALM, "1": 1})
    record(world, PHQ9_CALM, day=timezone.localdate() - datetime.timedelta(days=1))
    again = record(world, PHQ9_CALM, confirm_duplicate=True).administration
    assert AuditEvent.objects.get(object_id=str(again.uuid)).detail["duplicate_confirmed"] == str(first.uuid)


def test_a_form_entered_in_error_no_longer_blocks_a_corrected_entry(world):
    first = record(world, PHQ9_CALM).administration
    administration_mark_entered_in_error(administration=first, reason="Wrong date", by=world.alice)
    record(world, PHQ9_CALM)
    assert Administration.objects.in_use().count() == 1


def test_entered_in_error_is_kept_marked_and_audited(world):
    recorded = record(world, {**PHQ9_CALM, "9": None})
    a = administration_mark_entered_in_error(
        administration=recorded.administration, reason="  Typed from   another form ", by=world.paul
    )
    assert a.entered_in_error and a.entered_in_error_by == world.paul
    assert a.entered_in_error_reason == "Typed from another form"
    assert Administration.objects.filter(pk=a.pk).exists() and not Administration.objects.in_use().exists()
    assert a.review_task.status == TaskStatus.DONE  # its review task is moot
    event = AuditEvent.objects.get(object_id=str(a.uuid), action=Action.UPDATE, detail__entered_in_error=True)
    assert event.actor == world.paul
    with pytest.raises(ValidationError):
        administration_mark_entered_in_error(administration=a, reason="Again", by=world.paul)


def test_entered_in_error_needs_a_reason(world):
    a = record(world, PHQ9_CALM).administration
    with pytest.raises(ValidationError) as error:
        administration_mark_entered_in_error(administration=a, reason="   ", by=world.alice)
    assert "reason" in error.value.message_dict


def _baseline_item(world):
    return DueItem.objects.create(
        episode=episode_of(world.patient_a),
        kind=DueItemKind.BASELINE_MEASURES,
        due_on=timezone.localdate(),
        owner=world.alice,
    )


def test_the_baseline_due_item_completes_when_every_admission_instrument_is_in(world):
    item = _baseline_item(world)
    for code in ("PHQ-9", "GAD-7"):
        MeasureSchedule.objects.create(
            program=world.program_a, instrument_code=code, occasion=Occasion.ADMISSION
        )
    record(world, PHQ9_CALM, occasion=Occasion.ADMISSION)
    item.refresh_from_db()
    assert item.completed_at is None
    record(world, {str(n): 1 for n in range(1, 8)}, code="GAD-7", occasion=Occasion.ADMISSION)
    item.refresh_from_db()
    assert item.completed_at is not None and item.completed_by == world.alice
    assert "GAD-7, PHQ-9" in item.note


def test_without_admission_schedules_the_first_questionnaire_is_the_baseline(world):
    item = _baseline_item(world)
    record(world, PHQ9_CALM)
    item.refresh_from_db()
    assert item.completed_at is not None
