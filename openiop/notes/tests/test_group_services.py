"""Group notes: written once, fanned out to exactly one entry per attendee present, linked to their own
plan objectives, signed once with every entry, locked afterwards."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from openiop.audit.models import Action, AuditEvent
from openiop.notes.models import GroupNote, GroupNoteEntry, NoteStatus
from openiop.notes.services import (
    EntryErrors,
    EntryInput,
    NoteLocked,
    StaleEdit,
    addendum_add,
    group_note_cosign,
    group_note_save,
    group_note_sign,
)
from openiop.scheduling.models import AttendanceStatus, SessionAttendee
from openiop.scheduling.tests.factories import PAST_MONDAY, extra_patients

from .factories import ENTRY, active_plan_with_objectives, group_of, written_group_note

pytestmark = pytest.mark.django_db
NEXT_DAY = PAST_MONDAY + datetime.timedelta(days=1)


def _set_status(session, episode, status, minutes=None):
    SessionAttendee.objects.filter(session=session, episode=episode).update(
        status=status, minutes_attended=minutes
    )


def _entries(note):
    return set(GroupNoteEntry.objects.filter(group_note=note).values_list("episode__uuid", flat=True))


def test_one_entry_per_attendee_present_late_or_left_early_and_none_for_absent_or_cancelled(world):
    session, episodes, plans = group_of(world, 6)
    _set_status(session, episodes[1], AttendanceStatus.LATE, 150)
    _set_status(session, episodes[2], AttendanceStatus.LEFT_EARLY, 90)
    _set_status(session, episodes[3], AttendanceStatus.ABSENT_EXCUSED, 0)
    _set_status(session, episodes[4], AttendanceStatus.ABSENT_UNEXCUSED, 0)
    _set_status(session, episodes[5], AttendanceStatus.CANCELLED, 0)
    note = group_note_save(session=session, by=world.alice, topic="Sleep hygiene", today=NEXT_DAY)
    assert _entries(note) == {episodes[0].uuid, episodes[1].uuid, episodes[2].uuid}
    attendance = dict(note.entries.values_list("episode__uuid", "attendance"))
    assert attendance[episodes[1].uuid] == AttendanceStatus.LATE


def test_resaving_never_duplicates_entries_and_keeps_text_of_rows_not_sent(world):
    session, episodes, plans = group_of(world, 4)
    note = written_group_note(world, session, episodes, plans)
    for _ in range(3):
        note = group_note_save(
            session=session,
            by=world.alice,
            topic="Challenging unhelpful thoughts",
            entries={episodes[0].uuid: EntryInput(**{**ENTRY, "participation": "Quiet today."})},
            version=note.version,
            today=NEXT_DAY,
        )
    assert GroupNoteEntry.objects.filter(group_note=note).count() == 4
    assert _entries(note) == {e.uuid for e in episodes}
    by_episode = {e.episode.uuid: e for e in note.entries.select_related("episode")}
    assert by_episode[episodes[0].uuid].participation == "Quiet today."
    assert by_episode[episodes[1].uuid].participation == ENTRY["participation"]
    assert GroupNote.objects.filter(session=session).count() == 1


def test_attendance_corrected_before_signing_adds_and_removes_entries(world):
    session, episodes, plans = group_of(world, 3)
    latecomer = extra_patients(world, 1, start=50)[0]
    SessionAttendee.objects.create(
        session=session, episode=latecomer, status=AttendanceStatus.ABSENT_UNEXCUSED
    )
    note = written_group_note(world, session, episodes, plans)
    assert _entries(note) == {e.uuid for e in episodes}
    # The latecomer did come after all; episodes[0] was recorded present by mistake.
    _set_status(session, latecomer, AttendanceStatus.LATE, 120)
    _set_status(session, episodes[0], AttendanceStatus.ABSENT_EXCUSED, 0)
    note = group_note_save(
        session=session, by=world.alice, topic="Same", version=note.version, today=NEXT_DAY
    )
    assert _entries(note) == {episodes[1].uuid, episodes[2].uuid, latecomer.uuid}
    removed = AuditEvent.objects.filter(object_type="notes.groupnoteentry", detail__removed=True)
    assert [event.patient for event in removed] == [episodes[0].patient]


def test_signing_needs_attendance_recorded_and_complete_entries(world):
    session, episodes, plans = group_of(world, 3)
    note = group_note_save(
        session=session,
        by=world.alice,
        topic="Sleep",
        interventions="CBT-I psychoeducation",
        group_process="Engaged",
        today=NEXT_DAY,
    )
    with pytest.raises(EntryErrors) as refused:
        group_note_sign(group_note=note, version=note.version, by=world.alice)
    assert set(refused.value.by_episode) == {str(e.uuid) for e in episodes}
    assert set(refused.value.by_episode[str(episodes[0].uuid)]) == {
        "participation",
        "mood_affect",
        "progress",
        "plan_next",
        "objectives",
    }
    _set_status(session, episodes[0], AttendanceStatus.SCHEDULED)
    with pytest.raises(ValidationError, match="Record everyone's attendance"):
        group_note_sign(group_note=note, version=note.version, by=world.alice)
    assert GroupNote.objects.get(pk=note.pk).status == NoteStatus.DRAFT


def test_objectives_only_from_that_persons_active_plan(world):
    session, episodes, plans = group_of(world, 2)
    other = plans[episodes[1].uuid][0]
    with pytest.raises(EntryErrors) as refused:
        group_note_save(
            session=session,
            by=world.alice,
            topic="Sleep",
            entries={episodes[0].uuid: EntryInput(objectives=[other.uuid])},
            today=NEXT_DAY,
        )
    assert refused.value.by_episode == {
        str(episodes[0].uuid): {
            "objectives": "Choose objectives of this person's active treatment plan only."
        }
    }
    assert not GroupNote.objects.exists()  # all or nothing
    # A superseded plan's objectives are not the active plan's either.
    old = plans[episodes[0].uuid][0]
    old.goal.problem.plan.status = "superseded"
    old.goal.problem.plan.save()
    new = active_plan_with_objectives(episodes[0], by=world.alice, texts=("New objective",))
    with pytest.raises(EntryErrors):
        group_note_save(
            session=session,
            by=world.alice,
            topic="Sleep",
            entries={episodes[0].uuid: EntryInput(objectives=[old.uuid])},
            today=NEXT_DAY,
        )
    note = group_note_save(
        session=session,
        by=world.alice,
        topic="Sleep",
        entries={episodes[0].uuid: EntryInput(objectives=[new[0].uuid])},
        today=NEXT_DAY,
    )
    assert list(note.entries.get(episode=episodes[0]).objectives.all()) == new


def test_entries_for_people_not_present_are_refused(world):
    session, episodes, plans = group_of(world, 2)
    _set_status(session, episodes[1], AttendanceStatus.ABSENT_EXCUSED, 0)
    with pytest.raises(EntryErrors) as refused:
        group_note_save(
            session=session,
            by=world.alice,
            topic="x",
            entries={episodes[1].uuid: EntryInput(**ENTRY)},
            today=NEXT_DAY,
        )
    assert "episode" in refused.value.by_episode[str(episodes[1].uuid)]


def test_a_signed_group_note_and_its_entries_cannot_change(world):
    session, episodes, plans = group_of(world, 2)
    note = written_group_note(world, session, episodes, plans)
    stale = GroupNote.objects.get(pk=note.pk)
    note = group_note_sign(group_note=note, version=note.version, by=world.alice)
    assert note.status == NoteStatus.SIGNED
    with pytest.raises(NoteLocked):
        group_note_save(
            session=session, by=world.alice, topic="Changed", version=note.version, today=NEXT_DAY
        )
    with pytest.raises(NoteLocked):
        group_note_sign(group_note=stale, version=stale.version, by=world.alice)
    # Attendance changed after signing: entries stay exactly as signed.
    _set_status(session, episodes[0], AttendanceStatus.ABSENT_EXCUSED, 0)
    with pytest.raises(NoteLocked):
        group_note_save(session=session, by=world.alice, topic="x", version=note.version, today=NEXT_DAY)
    assert _entries(note) == {e.uuid for e in episodes}
    assert GroupNote.objects.get(pk=note.pk).topic == "Challenging unhelpful thoughts"
    entry = note.entries.first()
    addendum = addendum_add(target=entry, text="Follow-up call made.", by=world.alice)
    assert addendum.entry == entry
    assert AuditEvent.objects.get(object_id=str(addendum.uuid)).patient == entry.patient


def test_two_saves_from_the_same_version_the_second_is_stale(world):
    session, episodes, plans = group_of(world, 2)
    note = written_group_note(world, session, episodes, plans)
    group_note_save(session=session, by=world.alice, topic="First", version=note.version, today=NEXT_DAY)
    with pytest.raises(StaleEdit) as stale:
        group_note_save(session=session, by=world.alice, topic="Second", version=note.version, today=NEXT_DAY)
    assert stale.value.current.topic == "First"


def test_supervised_facilitator_signs_into_awaiting_cosignature(world):
    world.alice.staff_profile.supervisor = world.paul
    world.alice.staff_profile.save()
    session, episodes, plans = group_of(world, 2)
    note = written_group_note(world, session, episodes, plans)
    note = group_note_sign(group_note=note, version=note.version, by=world.alice)
    assert note.status == NoteStatus.AWAITING_COSIGNATURE and note.cosigner == world.paul
    note = group_note_cosign(group_note=note, by=world.paul)
    assert note.status == NoteStatus.SIGNED


def test_group_notes_only_for_past_group_sessions_not_cancelled(world):
    session, episodes, plans = group_of(world, 1)
    with pytest.raises(ValidationError, match="from the day of the session"):
        group_note_save(
            session=session, by=world.alice, topic="x", today=PAST_MONDAY - datetime.timedelta(days=1)
        )
    session.status = "cancelled"
    session.save()
    with pytest.raises(ValidationError, match="cancelled"):
        group_note_save(session=session, by=world.alice, topic="x", today=NEXT_DAY)


def test_every_entry_write_is_audited_with_its_patient_and_the_shared_part_without_one(world):
    session, episodes, plans = group_of(world, 3)
    note = written_group_note(world, session, episodes, plans)
    shared = AuditEvent.objects.get(object_id=str(note.uuid), action=Action.CREATE)
    assert shared.patient is None
    entry_events = AuditEvent.objects.filter(object_type="notes.groupnoteentry", action=Action.CREATE)
    assert sorted(e.patient_id for e in entry_events) == sorted(e.patient_id for e in episodes)


def test_the_sessions_skills_lesson_is_kept_on_the_group_note(world, monkeypatch):
    from types import SimpleNamespace

    import openiop.skills.selectors

    session, episodes, plans = group_of(world, 1)
    monkeypatch.setattr(
        openiop.skills.selectors, "session_lesson", lambda s: SimpleNamespace(title="Thought records")
    )
    note = group_note_save(session=session, by=world.alice, topic="CBT", today=NEXT_DAY)
    assert note.lesson == "Thought records"
    monkeypatch.setattr(openiop.skills.selectors, "session_lesson", lambda s: None)
    note = group_note_save(session=session, by=world.alice, topic="CBT", version=note.version, today=NEXT_DAY)
    assert note.lesson == ""
