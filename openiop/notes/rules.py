"""Who may read and write clinical notes.

Reading a patient's notes: their care team, the directors of their program, and staff who broke the glass
(read-only). Writing: the care team (a patient's notes), the session's facilitators (a group note). A draft
is its author's to change and sign; the co-signature is the named supervisor's. Patients, auditors and
administrators read no note here (the portal's own record comes later).

Psychotherapy process notes are their author's alone: no role, no emergency access, reads another's.
"""

import rules

from openiop.core.predicates import is_clinical_staff, is_director, is_treating_role
from openiop.patients.models import Patient
from openiop.patients.rules import has_open_break_glass, in_patient_program, on_care_team
from openiop.scheduling.rules import directs_session_program, in_program, leads_session


def _patient(obj) -> Patient:
    return obj if isinstance(obj, Patient) else obj.patient


@rules.predicate
def on_team_of(user, obj) -> bool:
    return on_care_team(user, _patient(obj))


@rules.predicate
def directs_program_of(user, obj) -> bool:
    return in_patient_program(user, _patient(obj))


@rules.predicate
def broke_glass_for(user, obj) -> bool:
    return has_open_break_glass(user, _patient(obj))


@rules.predicate
def is_author(user, record) -> bool:
    return record.author_id == user.pk


@rules.predicate
def is_cosigner(user, record) -> bool:
    return record.cosigner_id is not None and record.cosigner_id == user.pk


@rules.predicate
def leads_group_of(user, group_note) -> bool:
    return leads_session(user, group_note.session)


@rules.predicate
def is_cosigner_of_entry(user, entry) -> bool:
    return is_cosigner(user, entry.group_note)


@rules.predicate
def leads_group_of_entry(user, entry) -> bool:
    return leads_session(user, entry.group_note.session)


@rules.predicate
def cosigns_group_note_of(user, session) -> bool:
    from .models import GroupNote

    return GroupNote.objects.filter(session=session, cosigner=user).exists()


reads_patient = is_clinical_staff & (on_team_of | (is_director & directs_program_of) | broke_glass_for)
writes_patient = is_clinical_staff & on_team_of

# Gates (no object): may open the notes pages at all.
rules.add_perm("notes.use", is_clinical_staff)
rules.add_perm("notes.view_program_unsigned", is_director)
# A patient's notes (object: the Patient).
rules.add_perm("notes.read_patient_notes", reads_patient)
rules.add_perm("notes.write_patient_notes", writes_patient)
# One note (object: Note). The supervisor who must co-sign reads it even when not on the care team.
rules.add_perm("notes.view_note", reads_patient | (is_clinical_staff & is_cosigner))
rules.add_perm("notes.change_note", is_clinical_staff & is_author)
rules.add_perm("notes.cosign_note", is_clinical_staff & is_cosigner)
rules.add_perm("notes.add_addendum", writes_patient)
# Group notes (object: the Session for writing and reading the whole note; GroupNote for signing).
rules.add_perm("notes.write_group_note", is_clinical_staff & leads_session)
rules.add_perm(
    "notes.view_group_note",
    is_clinical_staff & (leads_session | (is_director & directs_session_program) | cosigns_group_note_of),
)
rules.add_perm("notes.change_group_note", is_clinical_staff & is_author)
rules.add_perm("notes.cosign_group_note", is_clinical_staff & is_cosigner)
rules.add_perm("notes.add_group_addendum", is_clinical_staff & leads_group_of)
# One attendee's entry (object: GroupNoteEntry): as a note of that patient, and the group's facilitators.
rules.add_perm(
    "notes.view_entry", reads_patient | (is_clinical_staff & (leads_group_of_entry | is_cosigner_of_entry))
)
rules.add_perm("notes.add_entry_addendum", writes_patient | (is_clinical_staff & leads_group_of_entry))
# A program's unsigned notes (object: Program): its director.
rules.add_perm("notes.view_program_unsigned_notes", is_director & in_program)
# Psychotherapy process notes.
rules.add_perm("notes.process_notes", is_treating_role)
rules.add_perm("notes.write_process_note", is_treating_role & on_team_of)
rules.add_perm("notes.view_process_note", is_treating_role & is_author)
