"""A patient's reminder choices, and every reminder the program sent (or chose not to send)."""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel


class ReminderPreference(AuditedModel):
    """How a patient wants to be reminded. A patient without a row has the defaults: email on, text
    messages off (automated texts need the person's own yes), quiet 21:00 to 08:00, every kind on."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="reminder_preference"
    )
    email = models.BooleanField(_("by email"), default=True)
    sms = models.BooleanField(_("by text message"), default=False)
    quiet_start = models.TimeField(_("quiet from"), default=datetime.time(21))
    quiet_end = models.TimeField(_("quiet until"), default=datetime.time(8))
    sessions = models.BooleanField(_("sessions"), default=True)
    questionnaires = models.BooleanField(_("questionnaires"), default=True)
    homework = models.BooleanField(_("homework"), default=True)

    def __str__(self) -> str:
        return f"reminder preferences {self.patient_id}"


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    NONE = "none", _("None")  # skipped before a channel was chosen (no way to reach the person)


class SendStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


MAX_ATTEMPTS = 3


class ReminderSend(AuditedModel):
    """One reminder on one channel. The dedupe key (the plan's key and the channel) is unique, so the
    dispatcher may run any number of times and the same reminder still goes out once. `text` is what was
    sent: never clinical content (no questionnaire, group or clinician names)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="reminder_sends")
    kind = models.CharField(max_length=20)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    due_at = models.DateTimeField()
    event_at = models.DateTimeField()  # the session start or due day the message is about
    object_type = models.CharField(max_length=20)
    object_uuid = models.UUIDField()
    dedupe_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=10, choices=SendStatus.choices, default=SendStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    text = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.status}"
