"""The notes pages in the role walk (core/tests/test_role_walk.py). Builders make what each page acts on in
the walk's world: patient_a (alice primary, paul psychiatrist) and world.session (a past group session of
program A led by alice, patient_a booked)."""

import datetime

from openiop.core.tests.roles import BTG, CLINICAL, only
from openiop.notes.services import (
    EntryInput,
    group_note_save,
    group_note_sign,
    note_sign,
    process_note_create,
)
from openiop.scheduling.models import AttendanceStatus

from .factories import ENTRY, draft_note

READERS_A = {"alice", "paul", "dana"}  # patient_a's care team and program A's director; bob breaks the glass


def _signed(w):
    note = draft_note(w)
    return note_sign(note=note, version=note.version, by=w.alice)


def _awaiting(w):
    w.alice.staff_profile.supervisor = w.paul
    w.alice.staff_profile.save()
    return _signed(w)


def _group(w, *, sign=False, supervised=False):
    w.session.attendees.update(status=AttendanceStatus.PRESENT, minutes_attended=w.session.minutes)
    episode = w.patient_a.episodes.get(status="active")
    note = group_note_save(
        session=w.session,
        by=w.alice,
        topic="Sleep hygiene",
        interventions="Psychoeducation",
        group_process="Engaged",
        entries={episode.uuid: EntryInput(**ENTRY)},
        today=w.session.date + datetime.timedelta(days=1),
    )
    if supervised:
        w.alice.staff_profile.supervisor = w.paul
        w.alice.staff_profile.save()
    if sign:
        note = group_note_sign(group_note=note, version=note.version, by=w.alice)
    return note


def _entry(w, **kwargs):
    return _group(w, **kwargs).entries.get()


ROUTES = {
    "notes:patient_notes": ("get", lambda w: {"patient_uuid": w.patient_a.uuid}, only(*READERS_A, bob=BTG)),
    # Writing: the care team only (a director reads; breaking the glass never opens a write).
    "notes:note_create": ("get", lambda w: {"patient_uuid": w.patient_a.uuid}, only("alice", "paul")),
    "notes:note_detail": ("get", lambda w: {"note_uuid": _signed(w).uuid}, only(*READERS_A, bob=BTG)),
    "notes:note_edit": ("get", lambda w: {"note_uuid": draft_note(w).uuid}, only("alice")),
    # Co-signing: the supervisor named on the note (paul supervises alice here) and nobody else.
    "notes:note_cosign": ("post", lambda w: {"note_uuid": _awaiting(w).uuid}, only("paul")),
    # An empty addendum re-renders the note with the form's error (200) for the care team.
    "notes:note_addendum": ("post", lambda w: {"note_uuid": _signed(w).uuid}, only("alice", "paul")),
    "notes:note_pdf": ("get", lambda w: {"note_uuid": _signed(w).uuid}, only(*READERS_A, bob=BTG)),
    # The whole group note (every attendee): the session's facilitators and the program's director.
    "notes:group_note": ("get", lambda w: {"session_uuid": w.session.uuid}, only("alice", "dana")),
    "notes:group_note_cosign": (
        "post",
        lambda w: {"group_uuid": _group(w, sign=True, supervised=True).uuid},
        only("paul"),
    ),
    # An empty addendum to the shared part warns and redirects, for the facilitators.
    "notes:group_addendum": ("post", lambda w: {"group_uuid": _group(w, sign=True).uuid}, only("alice")),
    # One attendee's entry: as a note of theirs, and the group's facilitators.
    "notes:entry_detail": ("get", lambda w: {"entry_uuid": _entry(w).uuid}, only(*READERS_A, bob=BTG)),
    "notes:entry_addendum": (
        "post",
        lambda w: {"entry_uuid": _entry(w, sign=True).uuid},
        only("alice", "paul"),
    ),
    "notes:entry_pdf": (
        "get",
        lambda w: {"entry_uuid": _entry(w, sign=True).uuid},
        only(*READERS_A, bob=BTG),
    ),
    "notes:my_unsigned": ("get", lambda w: {}, only(*CLINICAL)),
    "notes:program_unsigned": ("get", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
    # Process notes: the treating care team writes their own; no emergency access, no director.
    "notes:process_notes": ("get", lambda w: {"patient_uuid": w.patient_a.uuid}, only("alice", "paul")),
    "notes:process_note_edit": (
        "get",
        lambda w: {
            "process_uuid": process_note_create(
                patient=w.patient_a, by=w.alice, text="Countertransference.", written_on=w.session.date
            ).uuid
        },
        only("alice"),
    ),
}
