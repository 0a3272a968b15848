"""Individual notes: drafts, the lock after signing, stale saves, co-signature, late entries, addenda."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.notes.models import Note, NoteStatus
from openiop.notes.services import (
    NoteLocked,
    StaleEdit,
    addendum_add,
    note_cosign,
    note_create,
    note_sign,
    note_update,
)
from openiop.scheduling.models import AttendanceStatus
from openiop.scheduling.tests.factories import PAST_MONDAY

from .factories import DAP, attended_session, draft_note, episode_of

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def test_a_draft_keeps_the_format_version_and_is_audited_without_content(world):
    note = draft_note(world)
    assert (note.format_id, note.format_version, note.status, note.version) == ("dap", "1.0.0", "draft", 1)
    assert note.episode == episode_of(world.patient_a) and note.minutes == 50
    event = AuditEvent.objects.get(action=Action.CREATE, object_id=str(note.uuid))
    assert event.patient == world.patient_a
    assert "sleep" not in str(event.detail).lower()


def test_a_draft_may_be_incomplete_but_signing_needs_every_required_section(world):
    note = draft_note(world, content={"data": "Only data so far."})
    with pytest.raises(ValidationError) as refused:
        note_sign(note=note, version=note.version, by=world.alice)
    assert set(refused.value.message_dict) == {"content.assessment", "content.plan"}
    assert Note.objects.get(pk=note.pk).status == NoteStatus.DRAFT


def test_unknown_sections_wrong_types_and_group_type_are_refused(world):
    with pytest.raises(ValidationError) as refused:
        draft_note(world, content={"data": "x", "mood": "y"})
    assert "content.mood" in refused.value.message_dict
    with pytest.raises(ValidationError, match="Group notes are written from the group session"):
        draft_note(world, note_type="group")
    with pytest.raises(ValidationError) as refused:
        draft_note(world, format_id="narrative")
    assert "format_id" in refused.value.message_dict


def test_dates_and_times_are_checked(world):
    with pytest.raises(ValidationError) as refused:
        draft_note(world, day=timezone.localdate() + datetime.timedelta(days=1))
    assert "date_of_service" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        note_create(
            patient=world.patient_a,
            note_type="individual",
            format_id="soap",
            by=world.alice,
            date_of_service=PAST_MONDAY,
            start_time=datetime.time(11),
            end_time=datetime.time(10),
        )
    assert "end_time" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        note_create(
            patient=world.patient_a,
            note_type="individual",
            format_id="soap",
            by=world.alice,
            date_of_service=PAST_MONDAY,
            start_time=datetime.time(11),
        )
    assert "end_time" in refused.value.message_dict


def test_a_note_of_a_session_takes_its_date_and_times_and_needs_the_patient_there(world):
    episode = episode_of(world.patient_a)
    session = attended_session(world, [episode])
    note = note_create(
        patient=world.patient_a, note_type="individual", format_id="birp", by=world.alice, session=session
    )
    assert (note.date_of_service, note.start_time, note.end_time) == (
        session.date,
        session.start_time,
        session.end_time,
    )
    absent = attended_session(
        world, [episode], day=PAST_MONDAY + datetime.timedelta(days=2), status=AttendanceStatus.ABSENT_EXCUSED
    )
    with pytest.raises(ValidationError) as refused:
        note_create(
            patient=world.patient_a, note_type="individual", format_id="birp", by=world.alice, session=absent
        )
    assert "session" in refused.value.message_dict


def test_two_saves_from_the_same_version_the_second_is_refused_with_the_saved_text(world):
    note = draft_note(world)
    first = Note.objects.get(pk=note.pk)
    second = Note.objects.get(pk=note.pk)
    note_update(
        note=first,
        version=1,
        content={**DAP, "data": "First edit."},
        by=world.alice,
        date_of_service=PAST_MONDAY,
    )
    with pytest.raises(StaleEdit) as stale:
        note_update(
            note=second,
            version=1,
            content={**DAP, "data": "Second edit."},
            by=world.alice,
            date_of_service=PAST_MONDAY,
        )
    assert stale.value.current.content["data"] == "First edit."
    assert stale.value.current.version == 2
    assert Note.objects.get(pk=note.pk).content["data"] == "First edit."


def test_signing_locks_the_note_against_every_service(world):
    note = draft_note(world)
    stale_copy = Note.objects.get(pk=note.pk)
    note = note_sign(note=note, version=note.version, by=world.alice)
    assert note.status == NoteStatus.SIGNED and note.signed_at is not None
    with pytest.raises(NoteLocked):
        note_update(note=note, version=note.version, content=DAP, by=world.alice, date_of_service=PAST_MONDAY)
    # A copy loaded before signing, with the version it read: the conditional update still refuses.
    with pytest.raises(NoteLocked):
        note_update(
            note=stale_copy,
            version=stale_copy.version,
            content={"data": "changed"},
            by=world.alice,
            date_of_service=PAST_MONDAY,
        )
    with pytest.raises(NoteLocked):
        note_sign(note=stale_copy, version=stale_copy.version, by=world.alice)
    assert Note.objects.get(pk=note.pk).content == DAP


def test_only_the_author_signs_and_signing_a_stale_version_is_refused(world):
    note = draft_note(world)
    with pytest.raises(ValidationError, match="Only the author"):
        note_sign(note=note, version=note.version, by=world.paul)
    note_update(note=note, version=1, content=DAP, by=world.alice, date_of_service=PAST_MONDAY)
    with pytest.raises(StaleEdit):
        note_sign(note=Note.objects.get(pk=note.pk), version=1, by=world.alice)


def test_late_entry_is_signed_more_than_24_hours_after_the_service_ended(world):
    on_time = draft_note(world)  # 10:00-10:50 on PAST_MONDAY
    note_sign(
        note=on_time, version=1, by=world.alice, now=at(PAST_MONDAY + datetime.timedelta(days=1), 10, 50)
    )
    late = draft_note(world)
    note_sign(note=late, version=1, by=world.alice, now=at(PAST_MONDAY + datetime.timedelta(days=1), 10, 51))
    assert not Note.objects.get(pk=on_time.pk).is_late
    assert Note.objects.get(pk=late.pk).is_late


def test_supervised_staff_sign_into_awaiting_cosignature_and_only_the_supervisor_cosigns(world):
    world.bob.staff_profile.supervisor = world.dana
    world.bob.staff_profile.save()
    note = draft_note(world, patient=world.patient_b, by=world.bob)
    note = note_sign(note=note, version=1, by=world.bob)
    assert note.status == NoteStatus.AWAITING_COSIGNATURE and note.cosigner == world.dana
    with pytest.raises(NoteLocked):
        note_update(note=note, version=note.version, content=DAP, by=world.bob, date_of_service=PAST_MONDAY)
    with pytest.raises(ValidationError, match="supervisor"):
        note_cosign(note=note, by=world.bob)
    note = note_cosign(note=note, by=world.dana)
    assert note.status == NoteStatus.SIGNED and note.cosigned_at is not None
    with pytest.raises(ValidationError, match="not awaiting"):
        note_cosign(note=note, by=world.dana)


def test_addenda_only_on_signed_notes_dated_authored_and_audited(world):
    note = draft_note(world)
    with pytest.raises(ValidationError, match="addenda are for signed notes"):
        addendum_add(target=note, text="Too early", by=world.alice)
    note_sign(note=note, version=1, by=world.alice)
    with pytest.raises(ValidationError) as refused:
        addendum_add(target=note, text="   ", by=world.alice)
    assert "text" in refused.value.message_dict
    addendum = addendum_add(target=note, text="Called the next day: sleeping better.", by=world.paul)
    assert addendum.author == world.paul and addendum.signed_at is not None
    assert list(note.addenda.all()) == [addendum]
    event = AuditEvent.objects.get(action=Action.CREATE, object_id=str(addendum.uuid))
    assert event.patient == world.patient_a and event.detail == {"note": str(note.uuid)}
