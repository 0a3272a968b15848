"""The notes API in the API role walk (api/tests/test_role_walk.py). URL builders make what each operation
acts on in each test's world; write bodies succeed for the roles allowed."""

import datetime

from openiop.api.tests.walk import CLINICAL, Op, expect
from openiop.notes.services import EntryInput, group_note_save, group_note_sign, note_sign
from openiop.scheduling.tests.factories import PAST_MONDAY

from .factories import DAP, ENTRY, attended_session, draft_note, episode_of

READERS_A = {"alice", "paul", "dana"}  # patient_a's care team and program A's director
CARE_TEAM_A = {"alice", "paul"}


def _signed(w):
    note = draft_note(w)
    return note_sign(note=note, version=note.version, by=w.alice)


def _awaiting(w):
    w.alice.staff_profile.supervisor = w.paul
    w.alice.staff_profile.save()
    return _signed(w)


def _session(w):
    return attended_session(w, [episode_of(w.patient_a)])


def _group(w, *, sign=False, supervised=False):
    session = _session(w)
    note = group_note_save(
        session=session,
        by=w.alice,
        topic="Sleep hygiene",
        interventions="Psychoeducation",
        group_process="Engaged",
        entries={episode_of(w.patient_a).uuid: EntryInput(**ENTRY)},
        today=session.date + datetime.timedelta(days=1),
    )
    if supervised:
        w.alice.staff_profile.supervisor = w.paul
        w.alice.staff_profile.save()
    if sign:
        note = group_note_sign(group_note=note, version=note.version, by=w.alice)
    return note


def _group_body(w):
    return {
        "topic": "Sleep hygiene",
        "interventions": "CBT-I psychoeducation",
        "group_process": "Engaged",
        "entries": [{"episode": str(episode_of(w.patient_a).uuid), **ENTRY}],
    }


OPERATIONS = {
    "GET /patients/{patient_uuid}/notes": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/notes", expect(READERS_A)
    ),
    "POST /patients/{patient_uuid}/notes": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/notes",
        expect(CARE_TEAM_A, ok=201),
        lambda w: {
            "note_type": "individual",
            "format": "dap",
            "date_of_service": PAST_MONDAY.isoformat(),
            "start_time": "10:00",
            "end_time": "10:50",
            "content": DAP,
        },
    ),
    "GET /notes/{note_uuid}": Op(lambda w: f"/api/v1/notes/{_signed(w).uuid}", expect(READERS_A)),
    "POST /notes/{note_uuid}/draft": Op(
        lambda w: f"/api/v1/notes/{draft_note(w).uuid}/draft",
        expect({"alice"}),
        lambda w: {"version": 1, "content": {**DAP, "plan": "Next week."}, "date_of_service": "2026-11-16"},
    ),
    "POST /notes/{note_uuid}/sign": Op(
        lambda w: f"/api/v1/notes/{draft_note(w).uuid}/sign", expect({"alice"}), lambda w: {"version": 1}
    ),
    "POST /notes/{note_uuid}/cosign": Op(
        lambda w: f"/api/v1/notes/{_awaiting(w).uuid}/cosign", expect({"paul"}), lambda w: {}
    ),
    "POST /notes/{note_uuid}/addenda": Op(
        lambda w: f"/api/v1/notes/{_signed(w).uuid}/addenda",
        expect(CARE_TEAM_A, ok=201),
        lambda w: {"text": "Called back the next day."},
    ),
    "GET /sessions/{session_uuid}/group-note": Op(
        lambda w: f"/api/v1/sessions/{_group(w).session.uuid}/group-note", expect({"alice", "dana"})
    ),
    "POST /sessions/{session_uuid}/group-note": Op(
        lambda w: f"/api/v1/sessions/{_session(w).uuid}/group-note", expect({"alice"}, ok=201), _group_body
    ),
    "POST /group-notes/{group_uuid}/sign": Op(
        lambda w: f"/api/v1/group-notes/{_group(w).uuid}/sign", expect({"alice"}), lambda w: {"version": 1}
    ),
    "POST /group-notes/{group_uuid}/cosign": Op(
        lambda w: f"/api/v1/group-notes/{_group(w, sign=True, supervised=True).uuid}/cosign",
        expect({"paul"}),
        lambda w: {},
    ),
    "GET /group-entries/{entry_uuid}": Op(
        lambda w: f"/api/v1/group-entries/{_group(w).entries.get().uuid}", expect(READERS_A)
    ),
    "POST /group-entries/{entry_uuid}/addenda": Op(
        lambda w: f"/api/v1/group-entries/{_group(w, sign=True).entries.get().uuid}/addenda",
        expect(CARE_TEAM_A, ok=201),
        lambda w: {"text": "Follow-up call made."},
    ),
    "GET /me/unsigned-notes": Op(lambda w: "/api/v1/me/unsigned-notes", expect(CLINICAL)),
}
