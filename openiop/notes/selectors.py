"""Reads of notes for a user. The loaders check the rules with the object and write the audit event of a
read (once), so views and API operations never forget either; write paths load with `audit=False` and
let the service audit the change."""

import datetime
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.patients.selectors import BreakGlassRequired, open_break_glass, patient_for_user

from . import timeliness
from .models import ATTENDED, Addendum, GroupNote, GroupNoteEntry, Note, NoteStatus, NoteType, ProcessNote

READS = ("notes.read_patient_notes", "notes.view_note", "notes.view_entry")


def _refuse_or_break_glass(request, permission: str, patient, obj):
    """Staff who could read by breaking the glass are sent there (reads only: the glass never opens a
    write); anyone else is refused."""
    user = request.user
    # Breaking the glass opens the chart (and its notes, read-only) to staff of the patient's program who
    # cannot open the chart otherwise; staff who already open the chart but not its notes (intake) cannot.
    if (
        permission in READS
        and not user.has_perm("notes.read_patient_notes", patient)
        and user.has_perm("patients.break_glass", patient)
        and not user.has_perm("patients.view_chart", patient)
    ):
        raise BreakGlassRequired(patient)
    refuse(request, permission=permission, patient=patient, obj=obj)


def _detail(request, patient, channel: str = "") -> dict:
    access = open_break_glass(request.user, patient)
    detail = {"break_glass": str(access.uuid)} if access else {}
    if channel:
        detail["channel"] = channel
    return detail


def patient_notes_for_user(
    request, patient_uuid, *, permission="notes.read_patient_notes", audit=True, channel: str = ""
):
    """The patient whose notes the user reads (or writes, with `permission`); audits a LIST of notes."""
    patient = patient_for_user(request, patient_uuid, audit=False, permission="patients.list_patients")
    if not request.user.has_perm(permission, patient):
        _refuse_or_break_glass(request, permission, patient, patient)
    if audit:
        audit_record(
            action=Action.LIST,
            request=request,
            patient=patient,
            object_type="notes.note",
            detail=_detail(request, patient, channel),
        )
    return patient


NOTE_RELATED = ("patient", "episode__program", "author__staff_profile", "cosigner__staff_profile", "session")


def note_for_user(request, note_uuid, *, permission="notes.view_note", audit=True, channel: str = "") -> Note:
    note = get_object_or_404(Note.objects.select_related(*NOTE_RELATED), uuid=note_uuid)
    if not request.user.has_perm(permission, note):
        _refuse_or_break_glass(request, permission, note.patient, note)
    if audit:
        audit_record(
            action=Action.VIEW,
            request=request,
            patient=note.patient,
            obj=note,
            detail=_detail(request, note.patient, channel),
        )
    return note


def entry_for_user(
    request, entry_uuid, *, permission="notes.view_entry", audit=True, channel: str = ""
) -> GroupNoteEntry:
    entry = get_object_or_404(
        GroupNoteEntry.objects.select_related(
            "patient",
            "episode__program",
            "group_note__session__session_type",
            "group_note__author__staff_profile",
            "group_note__cosigner__staff_profile",
        ),
        uuid=entry_uuid,
    )
    if not request.user.has_perm(permission, entry):
        _refuse_or_break_glass(request, permission, entry.patient, entry)
    if audit:
        audit_record(
            action=Action.VIEW,
            request=request,
            patient=entry.patient,
            obj=entry,
            detail=_detail(request, entry.patient, channel),
        )
    return entry


def group_note_of(session) -> GroupNote | None:
    return (
        GroupNote.objects.filter(session=session)
        .select_related("author__staff_profile", "cosigner__staff_profile")
        .first()
    )


def group_note_for_user(request, group_uuid, *, permission: str) -> GroupNote:
    """A group note for a write (sign, co-sign, addendum): the service audits the change."""
    group_note = get_object_or_404(
        GroupNote.objects.select_related("session__program", "session__session_type", "author", "cosigner"),
        uuid=group_uuid,
    )
    obj = group_note if permission != "notes.view_group_note" else group_note.session
    if not request.user.has_perm(permission, obj):
        refuse(request, permission=permission, obj=group_note)
    return group_note


def entries_of(group_note: GroupNote) -> list[GroupNoteEntry]:
    """Every entry of a group note, by name, with objectives and addenda (facilitator's view only)."""
    return sorted(
        group_note.entries.select_related("patient", "episode").prefetch_related(
            "objectives",
            Prefetch("addenda", queryset=Addendum.objects.select_related("author__staff_profile")),
        ),
        key=lambda e: (e.patient.legal_family_name, e.patient.legal_given_name, e.pk),
    )


def addenda_of(record) -> list[Addendum]:
    """The record's addenda with their authors; addenda already prefetched (entries_of) are not re-read."""
    if "addenda" in getattr(record, "_prefetched_objects_cache", {}):
        return list(record.addenda.all())
    return list(record.addenda.select_related("author__staff_profile"))


# --- Lists ---------------------------------------------------------------------------------------------


@dataclass
class NoteRow:
    """A note or a group entry as one row of a list: what the chart, the notes page and the API show."""

    kind: str  # "note" or "group_entry"
    uuid: object
    note_type: str
    type_label: str
    date_of_service: datetime.date
    author: object
    status: str
    status_label: str
    is_late: bool
    signed_at: datetime.datetime | None
    patient: object
    end_time: datetime.time | None = None
    age: str = timeliness.Age.ON_TIME

    @property
    def url_name(self) -> str:
        return {"note": "notes:note_detail", "group_entry": "notes:entry_detail"}.get(
            self.kind, "notes:group_note"
        )


def _note_row(note: Note) -> NoteRow:
    return NoteRow(
        "note",
        note.uuid,
        note.note_type,
        note.get_note_type_display(),
        note.date_of_service,
        note.author,
        note.status,
        note.get_status_display(),
        note.is_late,
        note.signed_at,
        note.patient,
        note.end_time,
    )


def _entry_row(entry: GroupNoteEntry) -> NoteRow:
    group_note = entry.group_note
    return NoteRow(
        "group_entry",
        entry.uuid,
        NoteType.GROUP,
        str(NoteType.GROUP.label),
        group_note.date_of_service,
        group_note.author,
        group_note.status,
        group_note.get_status_display(),
        group_note.is_late,
        group_note.signed_at,
        entry.patient,
        group_note.end_time,
    )


def _group_row(group_note: GroupNote) -> NoteRow:
    """A whole group note as one row (its facilitator signs it once), titled by the session, naming no one;
    `uuid` is the session's, where the group note is written."""
    return NoteRow(
        "group_note",
        group_note.session.uuid,
        NoteType.GROUP,
        str(NoteType.GROUP.label),
        group_note.date_of_service,
        group_note.author,
        group_note.status,
        group_note.get_status_display(),
        group_note.is_late,
        group_note.signed_at,
        None,
        group_note.end_time,
    )


def patient_note_rows(patient, *, limit: int | None = None) -> list[NoteRow]:
    """The patient's notes and group entries, newest service first. Process notes are never among them."""
    notes = Note.objects.filter(patient=patient).select_related("author__staff_profile", "patient")
    entries = GroupNoteEntry.objects.filter(patient=patient).select_related(
        "group_note__author__staff_profile", "patient"
    )
    if limit is not None:
        notes = notes.order_by("-date_of_service", "-created_at")[:limit]
        entries = entries.order_by("-group_note__date_of_service", "-created_at")[:limit]
    rows = [_note_row(n) for n in notes] + [_entry_row(e) for e in entries]
    rows.sort(key=lambda row: (row.date_of_service, str(row.uuid)), reverse=True)
    return rows[:limit] if limit is not None else rows


def _aged(rows: list[NoteRow], now) -> list[NoteRow]:
    tz = timezone.get_current_timezone()
    for row in rows:
        row.age = timeliness.age_of_unsigned(
            timeliness.service_end(row.date_of_service, row.end_time, tz), now
        )
    return rows


def _unsigned_rows(notes, groups, now) -> list[NoteRow]:
    rows = _aged([_note_row(n) for n in notes] + [_group_row(g) for g in groups], now)
    rows.sort(key=lambda row: (row.date_of_service, str(row.uuid)))
    return rows


def _drafts_of(user) -> Q:
    return Q(author=user, status=NoteStatus.DRAFT)


def _awaiting_cosignature_by(user) -> Q:
    return Q(cosigner=user, status=NoteStatus.AWAITING_COSIGNATURE)


def unsigned_of_author(user, *, now=None) -> list[NoteRow]:
    """The user's drafts (notes and group notes), oldest service first, each with its age bucket."""
    now = now or timezone.now()
    notes = Note.objects.filter(_drafts_of(user)).select_related("patient", "author__staff_profile")
    groups = GroupNote.objects.filter(_drafts_of(user)).select_related("session", "author__staff_profile")
    return _unsigned_rows(notes, groups, now)


def awaiting_cosignature_of(user) -> list[NoteRow]:
    """Notes and group notes waiting for the user's co-signature."""
    notes = Note.objects.filter(_awaiting_cosignature_by(user)).select_related(
        "patient", "author__staff_profile"
    )
    groups = GroupNote.objects.filter(_awaiting_cosignature_by(user)).select_related(
        "session", "author__staff_profile"
    )
    return _awaiting_rows(notes, groups)


def _awaiting_rows(notes, groups) -> list[NoteRow]:
    rows = [_note_row(n) for n in notes] + [_group_row(g) for g in groups]
    return sorted(rows, key=lambda row: (row.date_of_service, str(row.uuid)))


def unsigned_and_awaiting_cosignature(user, *, now=None) -> tuple[list[NoteRow], list[NoteRow]]:
    """`unsigned_of_author(user)` and `awaiting_cosignature_of(user)` together, in two queries instead of
    four (one per kind of note): my day shows both on every visit."""
    now = now or timezone.now()
    notes = list(
        Note.objects.filter(_drafts_of(user) | _awaiting_cosignature_by(user)).select_related(
            "patient", "author__staff_profile"
        )
    )
    groups = list(
        GroupNote.objects.filter(_drafts_of(user) | _awaiting_cosignature_by(user)).select_related(
            "session", "author__staff_profile"
        )
    )

    def drafts(items):
        return [item for item in items if item.author_id == user.pk and item.status == NoteStatus.DRAFT]

    def awaiting(items):
        return [
            item
            for item in items
            if item.cosigner_id == user.pk and item.status == NoteStatus.AWAITING_COSIGNATURE
        ]

    return (
        _unsigned_rows(drafts(notes), drafts(groups), now),
        _awaiting_rows(awaiting(notes), awaiting(groups)),
    )


@dataclass
class ClinicianUnsigned:
    author: object
    rows: list[NoteRow]

    @property
    def over_24h(self) -> int:
        return sum(1 for row in self.rows if row.age == timeliness.Age.OVER_24H)

    @property
    def over_72h(self) -> int:
        return sum(1 for row in self.rows if row.age == timeliness.Age.OVER_72H)


def unsigned_of_program(program, *, now=None) -> list[ClinicianUnsigned]:
    """The program's unsigned notes by clinician (name order), each clinician's oldest first."""
    now = now or timezone.now()
    notes = Note.objects.filter(episode__program=program, status=NoteStatus.DRAFT).select_related(
        "patient", "author__staff_profile"
    )
    groups = GroupNote.objects.filter(session__program=program, status=NoteStatus.DRAFT).select_related(
        "session", "author__staff_profile"
    )
    rows = _unsigned_rows(notes, groups, now)
    rows.sort(
        key=lambda row: (row.author.last_name, row.author.first_name, row.author.pk, row.date_of_service)
    )
    return [
        ClinicianUnsigned(author, list(group)) for author, group in groupby(rows, key=lambda row: row.author)
    ]


def process_notes_of(user, patient) -> list[ProcessNote]:
    """The user's own process notes about the patient: nobody else's, ever."""
    return list(ProcessNote.objects.filter(author=user, patient=patient))


def process_note_for_user(request, process_uuid, *, audit=True) -> ProcessNote:
    """A process note for its author; anyone else is refused (audited) whatever their role."""
    process_note = get_object_or_404(ProcessNote.objects.select_related("patient"), uuid=process_uuid)
    if not request.user.has_perm("notes.view_process_note", process_note):
        refuse(request, permission="notes.view_process_note", patient=process_note.patient, obj=process_note)
    if audit:
        audit_record(
            action=Action.VIEW,
            request=request,
            patient=process_note.patient,
            obj=process_note,
            detail={"process_note": True},
        )
    return process_note


def group_sessions_to_document(user, *, today=None, days: int = 14):
    """Past group sessions the user led in the last `days` days, someone attended, and no group note is
    written yet: where the facilitator's group notes start."""
    from openiop.scheduling.models import GROUP_KINDS, GroupSeries, Session, SessionAttendee, SessionStatus

    today = today or timezone.localdate()
    # Subqueries rather than joins: joining the roster and the facilitators gave one row per attendee, and
    # the DISTINCT over them cost ~20 ms at size M. Starting from the user's own sessions also keeps the
    # cost to this user's work, whatever the size of the organization.
    led = Session.clinicians.through.objects.filter(user=user).values("session_id")
    facilitated = GroupSeries.objects.filter(facilitators=user).values("pk")
    attended = SessionAttendee.objects.filter(session=OuterRef("pk"), status__in=ATTENDED)
    return (
        Session.objects.filter(
            Q(pk__in=led) | Q(series__in=facilitated),
            Exists(attended),
            session_type__kind__in=GROUP_KINDS,
            status=SessionStatus.SCHEDULED,
            date__range=(today - datetime.timedelta(days=days), today),
            group_note__isnull=True,
        )
        .select_related("session_type", "series", "program")
        .order_by("date", "start_time")
    )
