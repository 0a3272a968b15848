"""Clinical notes: individual-kind notes, group notes with one entry per attendee present, addenda, and
psychotherapy process notes (kept apart from the record).

Notes are written as drafts, then signed, which locks them: after that only addenda. A note by staff whose
profile names a supervisor waits for the supervisor's co-signature. Every change goes through services.py,
whose conditional updates (`WHERE status = 'draft' AND version = n`) make a signed note unchangeable and a
stale draft save impossible, on SQLite and PostgreSQL alike.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel
from openiop.scheduling.models import AttendanceStatus

from .note_formats import MAX_ID, MAX_VERSION


class NoteType(models.TextChoices):
    INTAKE = "intake", _("Intake note")
    INDIVIDUAL = "individual", _("Individual therapy note")
    FAMILY = "family", _("Family therapy note")
    GROUP = "group", _("Group note")
    PSYCHIATRIC = "psychiatric", _("Psychiatric note")
    CASE_MANAGEMENT = "case_management", _("Case management note")
    DISCHARGE = "discharge", _("Discharge note")


# Group notes are written once for the session (GroupNote); every other type is a Note of one patient.
INDIVIDUAL_TYPES = tuple(value for value in NoteType.values if value != NoteType.GROUP)


class NoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_COSIGNATURE = "awaiting_cosignature", _("Signed, awaiting co-signature")
    SIGNED = "signed", _("Signed")


class SignedRecord(AuditedModel):
    """What a note and a group note share: the service's date and times, the author, the draft's version,
    the signature, the co-signature and the late-entry mark."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date_of_service = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    # Optimistic concurrency: every draft save sends the version it started from (services.py).
    version = models.PositiveIntegerField(default=1)
    signed_at = models.DateTimeField(null=True, blank=True)
    # The supervisor named on the author's profile when they signed; empty when no co-signature is needed.
    cosigner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cosigned_at = models.DateTimeField(null=True, blank=True)
    is_late = models.BooleanField(_("late entry"), default=False)

    class Meta:
        abstract = True

    @property
    def is_draft(self) -> bool:
        return self.status == NoteStatus.DRAFT

    @property
    def is_locked(self) -> bool:
        return self.status != NoteStatus.DRAFT

    @property
    def minutes(self) -> int | None:
        if self.start_time is None or self.end_time is None:
            return None
        return (self.end_time.hour * 60 + self.end_time.minute) - (
            self.start_time.hour * 60 + self.start_time.minute
        )


class Note(SignedRecord):
    """One patient's note of one service: intake, individual, family, psychiatric, case management or
    discharge, written in a format (DAP, BIRP, SOAP...) whose sections hold the text."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="notes")
    episode = models.ForeignKey("patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="notes")
    note_type = models.CharField(max_length=20, choices=NoteType.choices)
    format_id = models.CharField(max_length=MAX_ID)
    format_version = models.CharField(max_length=MAX_VERSION)
    # The session documented, when the note is tied to one the patient attended.
    session = models.ForeignKey(
        "scheduling.Session", null=True, blank=True, on_delete=models.PROTECT, related_name="notes"
    )
    content = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-date_of_service", "-created_at"]
        indexes = [
            models.Index(fields=["patient", "date_of_service"]),
            models.Index(fields=["author", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(note_type="group"), name="note_is_not_a_group_note"),
            models.CheckConstraint(
                condition=models.Q(start_time__isnull=True)
                | models.Q(end_time__isnull=True)
                | models.Q(end_time__gt=models.F("start_time")),
                name="note_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_note_type_display()} {self.date_of_service}"


class GroupNote(SignedRecord):
    """The part of a group session's note written once for everyone: topic, lesson, interventions and
    group process. It names no patient; each attendee present gets a GroupNoteEntry of their own."""

    session = models.OneToOneField("scheduling.Session", on_delete=models.PROTECT, related_name="group_note")
    topic = models.CharField(max_length=200)
    # The session's skills lesson when the note was saved (openiop.skills), kept as text: the note is a
    # record of what happened, not a live link to a curriculum that may change.
    lesson = models.CharField(max_length=200, blank=True)
    interventions = models.TextField(blank=True)
    group_process = models.TextField(blank=True)

    class Meta:
        ordering = ["-date_of_service", "-created_at"]
        indexes = [models.Index(fields=["author", "status"])]

    def __str__(self) -> str:
        return f"Group note {self.date_of_service}: {self.topic}"


# Attendance statuses that mean the person was there, so their entry is written (absent and cancelled:
# none).
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY)


class GroupNoteEntry(models.Model):
    """One attendee's individualized part of a group note: participation, mood and affect, progress toward
    their own plan objectives, plan for the next session. It shares the group note's status."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group_note = models.ForeignKey(GroupNote, on_delete=models.CASCADE, related_name="entries")
    episode = models.ForeignKey("patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="group_entries")
    # The attendance status when the entry was last saved.
    attendance = models.CharField(max_length=20, choices=AttendanceStatus.choices)
    participation = models.TextField(blank=True)
    mood_affect = models.TextField(_("mood and affect"), blank=True)
    progress = models.TextField(_("progress toward objectives"), blank=True)
    plan_next = models.TextField(_("plan for next session"), blank=True)
    # Only objectives of this person's active treatment plan (checked in services.py).
    objectives = models.ManyToManyField("treatment.Objective", blank=True, related_name="group_entries")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["group_note", "patient__legal_family_name", "patient__legal_given_name"]
        constraints = [
            models.UniqueConstraint(fields=["group_note", "episode"], name="one_entry_per_attendee")
        ]

    def __str__(self) -> str:
        return f"Group entry {self.uuid}"


class Addendum(models.Model):
    """Text added to a signed note, dated and authored; signed when saved, never changed afterwards."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    note = models.ForeignKey(Note, null=True, blank=True, on_delete=models.PROTECT, related_name="addenda")
    group_note = models.ForeignKey(
        GroupNote, null=True, blank=True, on_delete=models.PROTECT, related_name="addenda"
    )
    entry = models.ForeignKey(
        GroupNoteEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="addenda"
    )
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(note__isnull=False, group_note__isnull=True, entry__isnull=True)
                    | models.Q(note__isnull=True, group_note__isnull=False, entry__isnull=True)
                    | models.Q(note__isnull=True, group_note__isnull=True, entry__isnull=False)
                ),
                name="addendum_has_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"Addendum {self.uuid}"


class ProcessNote(AuditedModel):
    """A psychotherapy process note: the therapist's own working notes, kept apart from the record.

    HIPAA (45 CFR 164.501) keeps these out of the designated record set: only their author reads them,
    never directors, auditors, break-the-glass or the patient; they are in no chart, list, export or PDF.
    """

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_on = models.DateField()
    text = models.TextField()

    class Meta:
        ordering = ["-written_on", "-created_at"]
        indexes = [models.Index(fields=["author", "patient"])]

    def __str__(self) -> str:
        return f"Process note {self.uuid}"
