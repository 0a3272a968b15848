"""Clinical notes through the API: a patient's notes, one note, drafts (create, update with the version it
started from), sign, co-sign and addenda; group notes written for a session with every attendee's entry;
one attendee's entry; the caller's unsigned notes.

The policies are the web pages' (openiop/notes/rules.py), through the same loaders, which audit each read
(with "channel": "api"); writes go through openiop/notes/services.py, which audits each change. A signed
note answers 409 to any change; a draft saved since the version sent answers 412 (GET it again, merge,
send the new version). Break-the-glass is not available here. Process notes are not in the API at all:
they are kept apart from the record and leave the application by no export.
"""

import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.responses import Status

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.notes.models import INDIVIDUAL_TYPES, GroupNote
from openiop.notes.registry import get_format
from openiop.notes.selectors import (
    addenda_of,
    awaiting_cosignature_of,
    entries_of,
    entry_for_user,
    group_note_of,
    note_for_user,
    patient_note_rows,
    patient_notes_for_user,
    unsigned_of_author,
)
from openiop.notes.services import (
    EntryInput,
    NoteLocked,
    StaleEdit,
    addendum_add,
    group_note_cosign,
    group_note_save,
    group_note_sign,
    note_cosign,
    note_create,
    note_sign,
    note_update,
)
from openiop.patients.selectors import BreakGlassRequired
from openiop.scheduling.models import Session

from .policy import api_policy
from .problems import CONFLICT_RESPONSES, PROBLEM_RESPONSES, ApiProblem, Problem

router = Router(tags=["notes"])

USE = "notes.use"
NOTES_REFUSED = (
    "You may not read these notes: they follow the care team and the program's directors. The attempt has "
    "been recorded. Break-the-glass (emergency) access is not available through the API."
)
STALE = (
    "This draft was saved since version {sent}; it is at version {current} now. GET it, merge, send again."
)
WRITE_RESPONSES = {**CONFLICT_RESPONSES, 412: Problem}
NoteTypeValue = Literal[tuple(INDIVIDUAL_TYPES)]  # type: ignore[valid-type]


# --- schemas ---------------------------------------------------------------------------------------------


class NotePersonOut(Schema):
    uuid: UUID
    name: str


class AddendumOut(Schema):
    uuid: UUID
    author: NotePersonOut
    signed_at: datetime.datetime
    text: str


class SectionOut(Schema):
    key: str
    label: str
    required: bool
    text: str


class FormatOut(Schema):
    id: str
    version: str
    title: str


class SignaturesOut(Schema):
    status: str
    version: int
    author: NotePersonOut
    signed_at: datetime.datetime | None
    cosigner: NotePersonOut | None
    cosigned_at: datetime.datetime | None
    is_late: bool


class NoteOut(SignaturesOut):
    uuid: UUID
    patient: NotePersonOut
    record_number: str
    note_type: str
    format: FormatOut
    session: UUID | None
    date_of_service: datetime.date
    start_time: datetime.time | None
    end_time: datetime.time | None
    minutes: int | None
    sections: list[SectionOut]
    addenda: list[AddendumOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class NoteRowOut(Schema):
    kind: Literal["note", "group_entry", "group_note"]
    uuid: UUID = Field(description="The note's, the entry's, or for a group note the session's uuid.")
    note_type: str
    date_of_service: datetime.date
    author: NotePersonOut
    status: str
    is_late: bool
    signed_at: datetime.datetime | None
    patient: NotePersonOut | None
    age: str = Field(description="Unsigned notes: on_time, over_24h or over_72h past the end of the service.")


class NoteObjectiveOut(Schema):
    uuid: UUID
    text: str


class EntryOut(Schema):
    uuid: UUID
    episode: UUID
    patient: NotePersonOut
    attendance: str
    participation: str
    mood_affect: str
    progress: str
    plan_next: str
    objectives: list[NoteObjectiveOut]
    addenda: list[AddendumOut]


class GroupNoteOut(SignaturesOut):
    uuid: UUID
    session: UUID
    date_of_service: datetime.date
    start_time: datetime.time | None
    end_time: datetime.time | None
    topic: str
    lesson: str
    interventions: str
    group_process: str
    addenda: list[AddendumOut]
    entries: list[EntryOut]


class SharedGroupOut(SignaturesOut):
    """The shared part of a group note, as one attendee's chart shows it (no other entries)."""

    uuid: UUID
    session: UUID
    date_of_service: datetime.date
    topic: str
    lesson: str
    interventions: str
    group_process: str
    addenda: list[AddendumOut]


class EntryDetailOut(Schema):
    group_note: SharedGroupOut
    entry: EntryOut


class UnsignedOut(Schema):
    unsigned: list[NoteRowOut]
    awaiting_cosignature: list[NoteRowOut]


class NoteCreateIn(Schema):
    note_type: NoteTypeValue
    format: str = Field(description="A note format id, e.g. dap, birp, soap (its latest version is used).")
    session: UUID | None = Field(None, description="A session the patient attended; it sets date and times.")
    date_of_service: datetime.date | None = None
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    content: dict[str, str] = Field(default_factory=dict, description="Section key -> text.")


class NoteUpdateIn(Schema):
    version: int = Field(description="The version this edit started from (from GET).")
    content: dict[str, str]
    date_of_service: datetime.date | None = None
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None


class VersionIn(Schema):
    version: int = Field(description="The version you read and sign.")


class AddendumIn(Schema):
    text: str = Field(max_length=10_000)


class EntryIn(Schema):
    episode: UUID
    participation: str = ""
    mood_affect: str = ""
    progress: str = ""
    plan_next: str = ""
    objectives: list[UUID] = Field(default_factory=list, description="Objectives of their active plan.")


class GroupNoteIn(Schema):
    version: int | None = Field(None, description="Required once the group note exists.")
    topic: str = Field(max_length=200)
    interventions: str = ""
    group_process: str = ""
    entries: list[EntryIn] = Field(default_factory=list)


# --- output -----------------------------------------------------------------------------------------------


def _person(user) -> dict | None:
    return {"uuid": user.uuid, "name": user.display_name} if user is not None else None


def _addenda(record) -> list[dict]:
    return [
        {"uuid": a.uuid, "author": _person(a.author), "signed_at": a.signed_at, "text": a.text}
        for a in addenda_of(record)
    ]


def _signatures(record) -> dict:
    return {
        "status": record.status,
        "version": record.version,
        "author": _person(record.author),
        "signed_at": record.signed_at,
        "cosigner": _person(record.cosigner),
        "cosigned_at": record.cosigned_at,
        "is_late": record.is_late,
    }


def _note_out(note) -> dict:
    note_format = get_format(note.format_id, note.format_version)
    return {
        **_signatures(note),
        "uuid": note.uuid,
        "patient": {"uuid": note.patient.uuid, "name": note.patient.display_name},
        "record_number": note.patient.record_number,
        "note_type": note.note_type,
        "format": {"id": note_format.id, "version": note_format.version, "title": note_format.title},
        "session": note.session.uuid if note.session_id else None,
        "date_of_service": note.date_of_service,
        "start_time": note.start_time,
        "end_time": note.end_time,
        "minutes": note.minutes,
        "sections": [
            {"key": s.key, "label": s.label, "required": s.required, "text": note.content.get(s.key, "")}
            for s in note_format.sections
        ],
        "addenda": _addenda(note),
        "created_at": note.created_at,
        "updated_at": note.updated_at,
    }


def _row_out(row) -> dict:
    return {
        "kind": row.kind,
        "uuid": row.uuid,
        "note_type": row.note_type,
        "date_of_service": row.date_of_service,
        "author": _person(row.author),
        "status": row.status,
        "is_late": row.is_late,
        "signed_at": row.signed_at,
        "patient": {"uuid": row.patient.uuid, "name": row.patient.display_name} if row.patient else None,
        "age": str(row.age),
    }


def _entry_out(entry) -> dict:
    return {
        "uuid": entry.uuid,
        "episode": entry.episode.uuid,
        "patient": {"uuid": entry.patient.uuid, "name": entry.patient.display_name},
        "attendance": entry.attendance,
        "participation": entry.participation,
        "mood_affect": entry.mood_affect,
        "progress": entry.progress,
        "plan_next": entry.plan_next,
        "objectives": [{"uuid": o.uuid, "text": o.text} for o in entry.objectives.all()],
        "addenda": _addenda(entry),
    }


def _shared_out(group_note) -> dict:
    return {
        **_signatures(group_note),
        "uuid": group_note.uuid,
        "session": group_note.session.uuid,
        "date_of_service": group_note.date_of_service,
        "topic": group_note.topic,
        "lesson": group_note.lesson,
        "interventions": group_note.interventions,
        "group_process": group_note.group_process,
        "addenda": _addenda(group_note),
    }


def _group_out(group_note) -> dict:
    group_note = GroupNote.objects.select_related(
        "session", "author__staff_profile", "cosigner__staff_profile"
    ).get(pk=group_note.pk)
    return {
        **_shared_out(group_note),
        "start_time": group_note.start_time,
        "end_time": group_note.end_time,
        "entries": [_entry_out(entry) for entry in entries_of(group_note)],
    }


# --- loading with the API's refusals -----------------------------------------------------------------------


def _loaded(load, request, *args, **kwargs):
    """Run a loader; the web's break-the-glass prompt becomes an audited 403 here."""
    try:
        return load(request, *args, **kwargs)
    except BreakGlassRequired as needed:
        try:
            refuse(request, permission="notes.read_patient_notes", patient=needed.patient, obj=needed.patient)
        except PermissionDenied:
            raise ApiProblem(403, NOTES_REFUSED) from None


def _locked_or_stale(error, sent: int | None):
    if isinstance(error, NoteLocked):
        return ApiProblem(409, str(error))
    return ApiProblem(412, STALE.format(sent=sent, current=error.current.version))


def _session_for(request, session_uuid, permission: str) -> Session:
    session = get_object_or_404(Session.objects.select_related("program", "session_type"), uuid=session_uuid)
    if not request.auth.has_perm(permission, session):
        refuse(request, permission=permission, obj=session)
    return session


def _group_note_for(request, group_uuid, permission: str) -> GroupNote:
    group_note = get_object_or_404(GroupNote.objects.select_related("session", "author"), uuid=group_uuid)
    if not request.auth.has_perm(permission, group_note):
        refuse(request, permission=permission, obj=group_note)
    return group_note


# --- a patient's notes -------------------------------------------------------------------------------------


@router.get(
    "/patients/{patient_uuid}/notes",
    response={200: list[NoteRowOut], **PROBLEM_RESPONSES},
    url_name="patient_notes",
)
@api_policy(USE)
def patient_notes(request, patient_uuid: UUID):
    """The patient's notes and group entries, newest service first: for their care team and their program's
    directors. Psychotherapy process notes are never listed."""
    patient = _loaded(patient_notes_for_user, request, patient_uuid, channel="api")
    return [_row_out(row) for row in patient_note_rows(patient)]


@router.post(
    "/patients/{patient_uuid}/notes",
    response={201: NoteOut, **CONFLICT_RESPONSES},
    url_name="note_create",
)
@api_policy(USE)
def note_create_operation(request, patient_uuid: UUID, payload: NoteCreateIn):
    """Start a draft note (the care team). With `session`, one the patient attended, its date and times are
    the note's; otherwise send `date_of_service` (and both times or neither). Sections may be incomplete
    until signing."""
    patient = _loaded(
        patient_notes_for_user, request, patient_uuid, permission="notes.write_patient_notes", audit=False
    )
    session = None
    if payload.session is not None:
        session = Session.objects.filter(uuid=payload.session).first()
        if session is None:
            raise ValidationError({"session": "No such session."})
    note = note_create(
        patient=patient,
        note_type=payload.note_type,
        format_id=payload.format,
        session=session,
        content=payload.content,
        date_of_service=payload.date_of_service,
        start_time=payload.start_time,
        end_time=payload.end_time,
        by=request.auth,
        request=request,
    )
    return Status(201, _note_out(note))


@router.get("/notes/{note_uuid}", response={200: NoteOut, **PROBLEM_RESPONSES}, url_name="note")
@api_policy(USE)
def note_detail(request, note_uuid: UUID):
    """One note with its sections (labels of the format version it was written in), signatures and addenda."""
    return _note_out(_loaded(note_for_user, request, note_uuid, channel="api"))


@router.post("/notes/{note_uuid}/draft", response={200: NoteOut, **WRITE_RESPONSES}, url_name="note_update")
@api_policy(USE)
def note_update_operation(request, note_uuid: UUID, payload: NoteUpdateIn):
    """Save the draft (its author) from `version`. 412 when it was saved since; 409 once signed."""
    note = _loaded(note_for_user, request, note_uuid, permission="notes.change_note", audit=False)
    try:
        note = note_update(
            note=note,
            version=payload.version,
            content=payload.content,
            date_of_service=payload.date_of_service or note.date_of_service,
            start_time=payload.start_time,
            end_time=payload.end_time,
            by=request.auth,
            request=request,
        )
    except (NoteLocked, StaleEdit) as error:
        raise _locked_or_stale(error, payload.version) from None
    return _note_out(note)


@router.post("/notes/{note_uuid}/sign", response={200: NoteOut, **WRITE_RESPONSES}, url_name="note_sign")
@api_policy(USE)
def note_sign_operation(request, note_uuid: UUID, payload: VersionIn):
    """Sign and lock the version you read (its author). 422 naming each required section still empty; staff
    marked as supervised sign into awaiting_cosignature."""
    note = _loaded(note_for_user, request, note_uuid, permission="notes.change_note", audit=False)
    try:
        note = note_sign(note=note, version=payload.version, by=request.auth, request=request)
    except (NoteLocked, StaleEdit) as error:
        raise _locked_or_stale(error, payload.version) from None
    return _note_out(note)


@router.post(
    "/notes/{note_uuid}/cosign", response={200: NoteOut, **CONFLICT_RESPONSES}, url_name="note_cosign"
)
@api_policy(USE)
def note_cosign_operation(request, note_uuid: UUID):
    """The supervisor named on the note co-signs it. 409 when it is not awaiting a co-signature."""
    note = _loaded(note_for_user, request, note_uuid, permission="notes.cosign_note", audit=False)
    try:
        note = note_cosign(note=note, by=request.auth, request=request)
    except ValidationError as error:
        raise ApiProblem(409, " ".join(error.messages)) from None
    return _note_out(note)


def _addendum(request, target, payload: AddendumIn):
    try:
        addendum = addendum_add(target=target, text=payload.text, by=request.auth, request=request)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise
        raise ApiProblem(409, " ".join(error.messages)) from None
    return Status(
        201,
        {
            "uuid": addendum.uuid,
            "author": _person(addendum.author),
            "signed_at": addendum.signed_at,
            "text": addendum.text,
        },
    )


@router.post(
    "/notes/{note_uuid}/addenda", response={201: AddendumOut, **CONFLICT_RESPONSES}, url_name="note_addendum"
)
@api_policy(USE)
def note_addendum(request, note_uuid: UUID, payload: AddendumIn):
    """Add a signed addendum to a signed note (the care team). 409 on a draft."""
    note = _loaded(note_for_user, request, note_uuid, permission="notes.add_addendum", audit=False)
    return _addendum(request, note, payload)


# --- group notes -------------------------------------------------------------------------------------------


@router.get(
    "/sessions/{session_uuid}/group-note",
    response={200: GroupNoteOut, **PROBLEM_RESPONSES},
    url_name="group_note",
)
@api_policy(USE)
def group_note_detail(request, session_uuid: UUID):
    """The session's group note with every attendee's entry: its facilitators and the program's director.
    404 when none is written yet."""
    session = _session_for(request, session_uuid, "notes.view_group_note")
    group_note = group_note_of(session)
    if group_note is None:
        raise ApiProblem(404, "No group note has been written for this session yet.")
    out = _group_out(group_note)
    audit_record(
        action=Action.VIEW,
        request=request,
        obj=group_note,
        detail={"session": str(session.uuid), "attendees": len(out["entries"]), "channel": "api"},
    )
    return out


@router.post(
    "/sessions/{session_uuid}/group-note",
    response={200: GroupNoteOut, 201: GroupNoteOut, **WRITE_RESPONSES},
    url_name="group_note_save",
)
@api_policy(USE)
def group_note_save_operation(request, session_uuid: UUID, payload: GroupNoteIn):
    """Write the group note once for the session (201) or save its draft from `version` (200); it fans out
    to one entry per attendee recorded present, late or left early. `entries` may cover some attendees
    (the others keep theirs); objectives must be of that person's active plan."""
    session = _session_for(request, session_uuid, "notes.write_group_note")
    existing = group_note_of(session)
    if existing is not None and existing.author_id != request.auth.pk:
        raise ApiProblem(409, "Only the author of this group note changes it.")
    entries = {}
    for row in payload.entries:
        if row.episode in entries:
            raise ValidationError({"entries": "An attendee is listed twice."})
        entries[row.episode] = EntryInput(
            participation=row.participation,
            mood_affect=row.mood_affect,
            progress=row.progress,
            plan_next=row.plan_next,
            objectives=row.objectives,
        )
    try:
        group_note = group_note_save(
            session=session,
            by=request.auth,
            topic=payload.topic,
            interventions=payload.interventions,
            group_process=payload.group_process,
            entries=entries,
            version=payload.version,
            request=request,
        )
    except (NoteLocked, StaleEdit) as error:
        raise _locked_or_stale(error, payload.version) from None
    return Status(201 if existing is None else 200, _group_out(group_note))


@router.post(
    "/group-notes/{group_uuid}/sign",
    response={200: GroupNoteOut, **WRITE_RESPONSES},
    url_name="group_note_sign",
)
@api_policy(USE)
def group_note_sign_operation(request, group_uuid: UUID, payload: VersionIn):
    """Sign the group note and every entry (its author). 422 naming each incomplete entry's fields (by
    episode) or unrecorded attendance."""
    group_note = _group_note_for(request, group_uuid, "notes.change_group_note")
    try:
        group_note = group_note_sign(
            group_note=group_note, version=payload.version, by=request.auth, request=request
        )
    except (NoteLocked, StaleEdit) as error:
        raise _locked_or_stale(error, payload.version) from None
    return _group_out(group_note)


@router.post(
    "/group-notes/{group_uuid}/cosign",
    response={200: GroupNoteOut, **CONFLICT_RESPONSES},
    url_name="group_note_cosign",
)
@api_policy(USE)
def group_note_cosign_operation(request, group_uuid: UUID):
    """The supervisor named on the group note co-signs it. 409 when it is not awaiting a co-signature."""
    group_note = _group_note_for(request, group_uuid, "notes.cosign_group_note")
    try:
        group_note = group_note_cosign(group_note=group_note, by=request.auth, request=request)
    except ValidationError as error:
        raise ApiProblem(409, " ".join(error.messages)) from None
    return _group_out(group_note)


@router.get(
    "/group-entries/{entry_uuid}", response={200: EntryDetailOut, **PROBLEM_RESPONSES}, url_name="group_entry"
)
@api_policy(USE)
def group_entry_detail(request, entry_uuid: UUID):
    """One attendee's entry with the shared part of the group note, as their chart shows it: no other
    attendee's entry."""
    entry = _loaded(entry_for_user, request, entry_uuid, channel="api")
    return {"group_note": _shared_out(entry.group_note), "entry": _entry_out(entry)}


@router.post(
    "/group-entries/{entry_uuid}/addenda",
    response={201: AddendumOut, **CONFLICT_RESPONSES},
    url_name="group_entry_addendum",
)
@api_policy(USE)
def group_entry_addendum(request, entry_uuid: UUID, payload: AddendumIn):
    """Add a signed addendum to one attendee's entry of a signed group note. 409 on a draft."""
    entry = _loaded(entry_for_user, request, entry_uuid, permission="notes.add_entry_addendum", audit=False)
    return _addendum(request, entry, payload)


# --- the caller's unsigned notes ---------------------------------------------------------------------------


@router.get(
    "/me/unsigned-notes", response={200: UnsignedOut, **PROBLEM_RESPONSES}, url_name="my_unsigned_notes"
)
@api_policy(USE)
def my_unsigned_notes(request):
    """Your drafts, oldest service first, each with its age (over 24 h / 72 h past the end of the service),
    and the notes awaiting your co-signature."""
    unsigned = unsigned_of_author(request.auth)
    awaiting = awaiting_cosignature_of(request.auth)
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="notes.note",
        detail={
            "page": "my_unsigned",
            "unsigned": len(unsigned),
            "awaiting": len(awaiting),
            "channel": "api",
        },
    )
    return {
        "unsigned": [_row_out(r) for r in unsigned],
        "awaiting_cosignature": [_row_out(r) for r in awaiting],
    }
