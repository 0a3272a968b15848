"""Writes of clinical notes. Each service is atomic and writes its audit events (ids only, never content).

The lock: every change of a note is a conditional update `WHERE pk = .. AND status = 'draft' AND
version = n`. A signed note matches no such update, so no view, API call or service can change it; a save
from a stale version matches none either and is refused with the current text (StaleEdit), so two people
(or two tabs) never overwrite each other. After signing only addenda are added, each signed when saved.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.patients.selectors import current_episode
from openiop.scheduling.models import AttendanceStatus, SessionAttendee, SessionStatus

from . import timeliness
from .models import (
    ATTENDED,
    INDIVIDUAL_TYPES,
    Addendum,
    GroupNote,
    GroupNoteEntry,
    Note,
    NoteStatus,
    ProcessNote,
)
from .note_formats import ContentError, clean_content
from .objectives import active_objectives_of
from .registry import get_format
from .skills import session_lesson_title

MAX_ADDENDUM = 10_000
MAX_ENTRY_FIELD = 5_000
MAX_PROCESS_NOTE = 20_000
ENTRY_FIELDS = ("participation", "mood_affect", "progress", "plan_next")


class NoteLocked(Exception):
    """The note is signed: it cannot change; add an addendum instead."""

    def __init__(self, message: str = ""):
        super().__init__(message or _("This note is signed and locked. Add an addendum instead."))


class StaleEdit(Exception):
    """Someone saved the draft since this edit began; `current` is the record as saved now."""

    def __init__(self, current):
        super().__init__(
            _(
                "This draft was changed since you opened it. Your text is kept below; the saved text is "
                "shown next to it. Merge them, then save again."
            )
        )
        self.current = current


def _service_end(record) -> datetime.datetime:
    return timeliness.service_end(record.date_of_service, record.end_time, timezone.get_current_timezone())


def _supervisor_of(user):
    """The supervisor who must co-sign `user`'s notes, or None (staff not marked as supervised)."""
    profile = getattr(user, "staff_profile", None)
    supervisor = profile.supervisor if profile is not None else None
    return supervisor if supervisor is not None and supervisor.is_active else None


def _content_error(error: ContentError) -> ValidationError:
    return ValidationError({f"content.{key}": message for key, message in error.problems.items()})


# --- Individual notes ----------------------------------------------------------------------------------


@dataclass
class ServiceTimes:
    date_of_service: datetime.date
    start_time: datetime.time | None
    end_time: datetime.time | None


def _times(*, session, patient, date_of_service, start_time, end_time, today: datetime.date) -> ServiceTimes:
    """The service's date and times: the session's when a session is documented (the patient must have
    attended it), else those given (a date not in the future; both times or neither, ending after start)."""
    if session is not None:
        booking = SessionAttendee.objects.filter(session=session, episode__patient=patient).first()
        if session.status == SessionStatus.CANCELLED:
            raise ValidationError({"session": _("This session was cancelled; there is nothing to document.")})
        if booking is None or booking.status not in ATTENDED:
            raise ValidationError(
                {"session": _("Choose a session this person attended (present, late or left early).")}
            )
        return ServiceTimes(session.date, session.start_time, session.end_time)
    errors = {}
    if date_of_service is None:
        errors["date_of_service"] = _("Enter the date of service.")
    elif date_of_service > today:
        errors["date_of_service"] = _("The date of service cannot be in the future.")
    if (start_time is None) != (end_time is None):
        errors["end_time"] = _("Enter both the start and the end time, or neither.")
    elif start_time is not None and end_time <= start_time:
        errors["end_time"] = _("The end time must be after the start time.")
    if errors:
        raise ValidationError(errors)
    return ServiceTimes(date_of_service, start_time, end_time)


def note_create(
    *,
    patient,
    note_type: str,
    format_id: str,
    by,
    content: Mapping[str, object] | None = None,
    session=None,
    date_of_service: datetime.date | None = None,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    request=None,
    today: datetime.date | None = None,
) -> Note:
    """Start a draft note of `patient` in the latest version of `format_id`, for their current episode."""
    today = today or timezone.localdate()
    if note_type not in INDIVIDUAL_TYPES:
        raise ValidationError(
            {"note_type": _("Choose a note type. Group notes are written from the group session.")}
        )
    try:
        note_format = get_format(format_id)
    except LookupError:
        raise ValidationError({"format_id": _("Choose one of the note formats offered.")}) from None
    episode = current_episode(patient)
    if episode is None:
        raise ValidationError(_("This person has no episode of care to document."))
    times = _times(
        session=session,
        patient=patient,
        date_of_service=date_of_service,
        start_time=start_time,
        end_time=end_time,
        today=today,
    )
    try:
        cleaned = clean_content(note_format, content or {}, signing=False)
    except ContentError as error:
        raise _content_error(error) from None
    with transaction.atomic():
        note = Note.objects.create(
            patient=patient,
            episode=episode,
            note_type=note_type,
            format_id=note_format.id,
            format_version=note_format.version,
            session=session,
            content=cleaned,
            author=by,
            date_of_service=times.date_of_service,
            start_time=times.start_time,
            end_time=times.end_time,
            created_by=by,
            updated_by=by,
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=patient,
            obj=note,
            detail={"note_type": note_type, "format": f"{note_format.id} {note_format.version}"},
        )
    return note


def _refused_change(model, pk):
    """After a conditional update matched nothing: NoteLocked if the record is signed, else StaleEdit."""
    current = model.objects.get(pk=pk)
    if current.status != NoteStatus.DRAFT:
        return NoteLocked()
    return StaleEdit(current)


def note_update(
    *,
    note: Note,
    version: int,
    content: Mapping[str, object],
    by,
    date_of_service: datetime.date | None = None,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    request=None,
    today: datetime.date | None = None,
) -> Note:
    """Save a draft from `version` (the one the editor started from). Raises NoteLocked once signed and
    StaleEdit when someone saved since. A note of a session keeps the session's date and times."""
    if note.status != NoteStatus.DRAFT:
        raise NoteLocked()
    today = today or timezone.localdate()
    note_format = get_format(note.format_id, note.format_version)
    if note.session_id is not None:
        times = ServiceTimes(note.date_of_service, note.start_time, note.end_time)
    else:
        times = _times(
            session=None,
            patient=note.patient,
            date_of_service=date_of_service,
            start_time=start_time,
            end_time=end_time,
            today=today,
        )
    try:
        cleaned = clean_content(note_format, content, signing=False)
    except ContentError as error:
        raise _content_error(error) from None
    with transaction.atomic():
        changed = Note.objects.filter(pk=note.pk, status=NoteStatus.DRAFT, version=version).update(
            content=cleaned,
            date_of_service=times.date_of_service,
            start_time=times.start_time,
            end_time=times.end_time,
            version=F("version") + 1,
            updated_by=by,
            updated_at=timezone.now(),
        )
        if not changed:
            raise _refused_change(Note, note.pk)
        note.refresh_from_db()
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=note.patient,
            obj=note,
            detail={"version": note.version},
        )
    return note


def _sign_draft(record, *, version: int, by, now) -> tuple[bool, object]:
    """Sign a draft note or group note at `version` in one conditional UPDATE, so a stale or already
    signed record is refused on every database. Awaits co-signature when the author is supervised;
    late when signed more than 24 h after the service. Returns (late, cosigner)."""
    cosigner = _supervisor_of(by)
    late = timeliness.is_late(_service_end(record), now)
    model = type(record)
    changed = model.objects.filter(pk=record.pk, status=NoteStatus.DRAFT, version=version).update(
        status=NoteStatus.AWAITING_COSIGNATURE if cosigner else NoteStatus.SIGNED,
        signed_at=now,
        cosigner=cosigner,
        is_late=late,
        version=F("version") + 1,
        updated_by=by,
        updated_at=now,
    )
    if not changed:
        raise _refused_change(model, record.pk)
    record.refresh_from_db()
    return late, cosigner


def note_sign(*, note: Note, version: int, by, request=None, now: datetime.datetime | None = None) -> Note:
    """Sign and lock the draft its author read (`version`). Every required section must be filled in.
    Staff marked as supervised sign into "awaiting co-signature" by their supervisor."""
    if note.status != NoteStatus.DRAFT:
        raise NoteLocked()
    if note.author_id != by.pk:
        raise ValidationError(_("Only the author signs a note."))
    now = now or timezone.now()
    note_format = get_format(note.format_id, note.format_version)
    try:
        clean_content(note_format, note.content, signing=True)
    except ContentError as error:
        raise _content_error(error) from None
    with transaction.atomic():
        late, cosigner = _sign_draft(note, version=version, by=by, now=now)
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=note.patient,
            obj=note,
            detail={"signed": True, "late": late, "cosignature_required": cosigner is not None},
        )
    return note


def _cosign(model, record, *, by, now):
    if record.status != NoteStatus.AWAITING_COSIGNATURE:
        raise ValidationError(_("This note is not awaiting a co-signature."))
    if record.cosigner_id != by.pk:
        raise ValidationError(_("Only the supervisor named on the note co-signs it."))
    changed = model.objects.filter(pk=record.pk, status=NoteStatus.AWAITING_COSIGNATURE).update(
        status=NoteStatus.SIGNED, cosigned_at=now, updated_by=by, updated_at=now
    )
    if not changed:
        raise ValidationError(_("This note is not awaiting a co-signature."))
    record.refresh_from_db()
    return record


def note_cosign(*, note: Note, by, request=None, now: datetime.datetime | None = None) -> Note:
    """The supervisor's co-signature: the note becomes signed."""
    now = now or timezone.now()
    with transaction.atomic():
        note = _cosign(Note, note, by=by, now=now)
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=note.patient,
            obj=note,
            detail={"cosigned": True},
        )
    return note


# --- Addenda -------------------------------------------------------------------------------------------


def addendum_add(*, target, text: str, by, request=None, now: datetime.datetime | None = None) -> Addendum:
    """Add a dated, authored addendum to a signed note, group note or group entry; signed on save."""
    record = target.group_note if isinstance(target, GroupNoteEntry) else target
    if record.status == NoteStatus.DRAFT:
        raise ValidationError(_("A draft is edited, not amended: addenda are for signed notes."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the addendum.")})
    if len(text) > MAX_ADDENDUM:
        raise ValidationError({"text": _("An addendum is at most %(n)s characters.") % {"n": MAX_ADDENDUM}})
    target_field = {Note: "note", GroupNote: "group_note", GroupNoteEntry: "entry"}[type(target)]
    with transaction.atomic():
        addendum = Addendum.objects.create(
            **{target_field: target}, text=text, author=by, signed_at=now or timezone.now()
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=getattr(target, "patient", None),
            obj=addendum,
            detail={target_field: str(target.uuid)},
        )
    return addendum


# --- Group notes ---------------------------------------------------------------------------------------


@dataclass
class EntryInput:
    """What the facilitator wrote for one attendee. `objectives`: uuids of their active plan's objectives."""

    participation: str = ""
    mood_affect: str = ""
    progress: str = ""
    plan_next: str = ""
    objectives: list[UUID] = field(default_factory=list)


def attended_bookings(session) -> list[SessionAttendee]:
    """The bookings of those who were there (present, late, left early): each gets an entry."""
    return list(
        SessionAttendee.objects.filter(session=session, status__in=ATTENDED).select_related(
            "episode__patient"
        )
    )


def _check_session(session, today: datetime.date) -> None:
    if not session.session_type.is_group:
        raise ValidationError(_("Only a group session has a group note."))
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(_("This session was cancelled; there is nothing to document."))
    if session.date > today:
        raise ValidationError(_("A group note is written from the day of the session, not before."))


def _as_uuid(value) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


def _clean_entry(data: EntryInput, episode) -> tuple[dict, list, dict]:
    """The entry's stored fields and objectives, and its problems by field."""
    problems = {}
    fields = {}
    for name in ENTRY_FIELDS:
        value = (getattr(data, name) or "").strip()
        if len(value) > MAX_ENTRY_FIELD:
            problems[name] = _("At most %(n)s characters.") % {"n": MAX_ENTRY_FIELD}
        fields[name] = value
    allowed = {objective.uuid: objective for objective in active_objectives_of(episode)}
    wanted = list(dict.fromkeys(_as_uuid(value) for value in data.objectives or []))
    unknown = [uuid for uuid in wanted if uuid not in allowed]
    if unknown:
        problems["objectives"] = _("Choose objectives of this person's active treatment plan only.")
    return fields, [allowed[uuid] for uuid in wanted if uuid in allowed], problems


class EntryErrors(ValidationError):
    """Problems of the entries, by episode uuid then field; the messages name no one."""

    def __init__(self, by_episode: dict):
        self.by_episode = by_episode
        super().__init__(
            {
                f"entries.{episode}.{name}": message
                for episode, problems in by_episode.items()
                for name, message in problems.items()
            }
        )


def _sync_entries(group_note, bookings, entries: Mapping[UUID, EntryInput] | None, *, by, request):
    """Make the entries match who was there: one per attendee present, none for anyone else. Entries of
    people no longer recorded present (attendance corrected before signing) are removed."""
    present = {booking.episode.uuid: booking for booking in bookings}
    # A query of its own rather than the group_note.entries relation: saving and signing in one request
    # both sync, and each must read the entries as they are now. Objectives are prefetched so relinking
    # them reads nothing per entry (issue 10).
    existing = {
        entry.episode.uuid: entry
        for entry in GroupNoteEntry.objects.filter(group_note=group_note)
        .select_related("episode")
        .prefetch_related("objectives")
    }
    for episode_uuid, entry in existing.items():
        if episode_uuid not in present:
            audit_record(
                action=Action.UPDATE,
                request=request,
                actor=by,
                patient=entry.patient,
                object_type="notes.groupnoteentry",
                object_id=str(entry.uuid),
                detail={
                    "removed": True,
                    "reason": "not recorded present",
                    "group_note": str(group_note.uuid),
                },
            )
            entry.delete()
    cleaned = {}
    if entries is not None:
        problems = {}
        for episode_uuid, data in entries.items():
            booking = present.get(episode_uuid)
            if booking is None:
                problems[str(episode_uuid)] = {
                    "episode": _("This person is not recorded present at this session.")
                }
                continue
            fields, objectives, entry_problems = _clean_entry(data, booking.episode)
            if entry_problems:
                problems[str(episode_uuid)] = entry_problems
            cleaned[episode_uuid] = (fields, objectives)
        if problems:
            raise EntryErrors(problems)
    for episode_uuid, booking in present.items():
        entry = existing.get(episode_uuid)
        created = entry is None
        if created:
            entry = GroupNoteEntry(
                group_note=group_note, episode=booking.episode, patient=booking.episode.patient
            )
        entry.attendance = booking.status
        if episode_uuid in cleaned:
            fields, objectives = cleaned[episode_uuid]
            for name, value in fields.items():
                setattr(entry, name, value)
        entry.save()
        if episode_uuid in cleaned:
            _objectives_link(entry, cleaned[episode_uuid][1], created=created)
        if created or episode_uuid in cleaned:
            audit_record(
                action=Action.CREATE if created else Action.UPDATE,
                request=request,
                actor=by,
                patient=booking.episode.patient,
                obj=entry,
                detail={"group_note": str(group_note.uuid)},
            )


def _objectives_link(entry: GroupNoteEntry, objectives: list, *, created: bool) -> None:
    """entry.objectives.set(objectives), without reading the current links back per entry as set() does:
    a new entry has none, an existing one's were prefetched by _sync_entries."""
    current = set() if created else {objective.pk for objective in entry.objectives.all()}
    wanted = {objective.pk for objective in objectives}
    if current - wanted:
        entry.objectives.remove(*(current - wanted))
    if wanted - current:
        entry.objectives.add(*[objective for objective in objectives if objective.pk not in current])


def group_note_save(
    *,
    session,
    by,
    topic: str,
    interventions: str = "",
    group_process: str = "",
    entries: Mapping[UUID, EntryInput] | None = None,
    version: int | None = None,
    request=None,
    today: datetime.date | None = None,
) -> GroupNote:
    """Write the session's group note once (created on the first save, then saved from `version`) and fan it
    out: one entry for every attendee recorded present, late or left early, none for anyone else.

    `entries` maps episode uuids to what was written for each; attendees not in it keep their entry as it
    is (a new one starts blank). Raises NoteLocked once signed, StaleEdit when saved since `version`.
    """
    today = today or timezone.localdate()
    _check_session(session, today)
    topic = (topic or "").strip()
    interventions = (interventions or "").strip()
    group_process = (group_process or "").strip()
    errors = {}
    if not topic:
        errors["topic"] = _("Enter the session's topic.")
    elif len(topic) > 200:
        errors["topic"] = _("The topic is at most 200 characters.")
    for name, value in (("interventions", interventions), ("group_process", group_process)):
        if len(value) > MAX_ENTRY_FIELD:
            errors[name] = _("At most %(n)s characters.") % {"n": MAX_ENTRY_FIELD}
    if errors:
        raise ValidationError(errors)
    lesson = session_lesson_title(session)
    bookings = attended_bookings(session)
    with transaction.atomic():
        existing = GroupNote.objects.filter(session=session).first()
        if existing is None:
            group_note = GroupNote.objects.create(
                session=session,
                author=by,
                topic=topic,
                lesson=lesson,
                interventions=interventions,
                group_process=group_process,
                date_of_service=session.date,
                start_time=session.start_time,
                end_time=session.end_time,
                created_by=by,
                updated_by=by,
            )
            action = Action.CREATE
        else:
            if existing.status != NoteStatus.DRAFT:
                raise NoteLocked()
            if version is None:
                raise StaleEdit(existing)
            changed = GroupNote.objects.filter(
                pk=existing.pk, status=NoteStatus.DRAFT, version=version
            ).update(
                topic=topic,
                lesson=lesson,
                interventions=interventions,
                group_process=group_process,
                version=F("version") + 1,
                updated_by=by,
                updated_at=timezone.now(),
            )
            if not changed:
                raise _refused_change(GroupNote, existing.pk)
            group_note = GroupNote.objects.get(pk=existing.pk)
            action = Action.UPDATE
        audit_record(
            action=action,
            request=request,
            actor=by,
            obj=group_note,
            detail={"session": str(session.uuid), "version": group_note.version},
        )
        _sync_entries(group_note, bookings, entries, by=by, request=request)
    return group_note


def group_note_sign(
    *, group_note: GroupNote, version: int, by, request=None, now: datetime.datetime | None = None
) -> GroupNote:
    """Sign the group note and with it every attendee's entry. Everyone booked must have their attendance
    recorded, and every entry be complete (with at least one objective when the person has an active
    plan with objectives)."""
    if group_note.status != NoteStatus.DRAFT:
        raise NoteLocked()
    if group_note.author_id != by.pk:
        raise ValidationError(_("Only the author signs a note."))
    now = now or timezone.now()
    session = group_note.session
    if session.attendees.filter(status=AttendanceStatus.SCHEDULED).exists():
        raise ValidationError(_("Record everyone's attendance before signing the group note."))
    with transaction.atomic():
        _sync_entries(group_note, attended_bookings(session), None, by=by, request=request)
        problems = {}
        for entry in group_note.entries.select_related("episode").prefetch_related("objectives"):
            missing = {
                name: _("Required before signing.")
                for name in ENTRY_FIELDS
                if not getattr(entry, name).strip()
            }
            if active_objectives_of(entry.episode) and not entry.objectives.exists():
                missing["objectives"] = _("Link at least one of this person's plan objectives.")
            if missing:
                problems[str(entry.episode.uuid)] = missing
        if problems:
            raise EntryErrors(problems)
        if not group_note.interventions or not group_note.group_process:
            raise ValidationError(
                {
                    name: _("Required before signing.")
                    for name in ("interventions", "group_process")
                    if not getattr(group_note, name)
                }
            )
        late, cosigner = _sign_draft(group_note, version=version, by=by, now=now)
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            obj=group_note,
            detail={"signed": True, "late": late, "cosignature_required": cosigner is not None},
        )
        for entry in group_note.entries.select_related("patient"):
            audit_record(
                action=Action.UPDATE,
                request=request,
                actor=by,
                patient=entry.patient,
                obj=entry,
                detail={"signed": True, "group_note": str(group_note.uuid)},
            )
    return group_note


def group_note_cosign(*, group_note: GroupNote, by, request=None, now=None) -> GroupNote:
    now = now or timezone.now()
    with transaction.atomic():
        group_note = _cosign(GroupNote, group_note, by=by, now=now)
        audit_record(
            action=Action.UPDATE, request=request, actor=by, obj=group_note, detail={"cosigned": True}
        )
    return group_note


# --- Psychotherapy process notes -----------------------------------------------------------------------


def _clean_process(text: str, written_on, today) -> tuple[str, datetime.date]:
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = _("Write the note.")
    elif len(text) > MAX_PROCESS_NOTE:
        errors["text"] = _("At most %(n)s characters.") % {"n": MAX_PROCESS_NOTE}
    if written_on is None:
        errors["written_on"] = _("Enter the date.")
    elif written_on > today:
        errors["written_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    return text, written_on


def process_note_create(
    *, patient, by, text: str, written_on: datetime.date, request=None, today=None
) -> ProcessNote:
    """A process note of the author's own. Audited as access without content."""
    text, written_on = _clean_process(text, written_on, today or timezone.localdate())
    with transaction.atomic():
        process_note = ProcessNote.objects.create(
            patient=patient, author=by, text=text, written_on=written_on, created_by=by, updated_by=by
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=patient,
            obj=process_note,
            detail={"process_note": True},
        )
    return process_note


def process_note_update(
    *, process_note: ProcessNote, by, text: str, written_on: datetime.date, request=None, today=None
) -> ProcessNote:
    if process_note.author_id != by.pk:
        raise ValidationError(_("Only the author changes a process note."))
    text, written_on = _clean_process(text, written_on, today or timezone.localdate())
    with transaction.atomic():
        process_note.text = text
        process_note.written_on = written_on
        process_note.updated_by = by
        process_note.save(update_fields=["text", "written_on", "updated_by", "updated_at"])
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=process_note.patient,
            obj=process_note,
            detail={"process_note": True},
        )
    return process_note
