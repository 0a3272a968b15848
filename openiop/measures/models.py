"""Questionnaire administrations, per-program schedules and the urgent alerts critical answers raise.

An administration stores the answers as given and the result of `scoring.score` at the time (total,
band, flags), with the instrument's code and version, so a later change of an instrument file never
rewrites what a clinician saw. Trajectories, reliable change and program outcomes are derived from
administrations (selectors and change.py), never stored twice.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel


class Occasion(models.TextChoices):
    ADMISSION = "admission", _("At admission")
    WEEKLY = "weekly", _("Weekly")
    DISCHARGE = "discharge", _("At discharge")
    ON_DEMAND = "on_demand", _("On demand")


class Source(models.TextChoices):
    STAFF_ENTRY = "staff_entry", _("Entered by staff (paper or interview)")
    PORTAL = "portal", _("Completed by the patient in the portal")
    API = "api", _("Received through the API")


class ScoreStatus(models.TextChoices):
    COMPLETE = "complete", _("Complete")
    PRORATED = "prorated", _("Prorated (items missing)")
    INCOMPLETE = "incomplete", _("Incomplete (not scored)")


class MeasureSchedule(AuditedModel):
    """Which instrument a program gives when: at admission, weekly on a weekday, at discharge."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="measure_schedules"
    )
    instrument_code = models.CharField(max_length=40)
    occasion = models.CharField(max_length=12, choices=Occasion.choices)
    weekday = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Monday is 0; only for weekly schedules.")
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["program", "instrument_code", "occasion"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "instrument_code", "occasion"], name="measures_one_schedule_per_occasion"
            ),
            models.CheckConstraint(
                condition=(models.Q(occasion="weekly", weekday__gte=0, weekday__lte=6))
                | (~models.Q(occasion="weekly") & models.Q(weekday__isnull=True)),
                name="measures_weekday_only_for_weekly",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.get_occasion_display()} ({self.program})"


class AdministrationQuerySet(models.QuerySet):
    def in_use(self):
        """Administrations that count: not marked as entered in error (those stay, struck through)."""
        return self.filter(entered_in_error_at__isnull=True)


class Administration(AuditedModel):
    """One completed (or partly completed) questionnaire of one patient, with its score as computed.

    Never deleted: one entered in error (wrong patient, wrong form) is marked so, with who, when and why,
    and then no longer counts for due questionnaires, trajectories or outcomes (`in_use()`).
    """

    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="administrations"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="administrations")
    instrument_code = models.CharField(max_length=40)
    instrument_version = models.CharField(max_length=20)
    language = models.CharField(max_length=10, default="en")
    occasion = models.CharField(max_length=12, choices=Occasion.choices, default=Occasion.ON_DEMAND)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.STAFF_ENTRY)
    completed_on = models.DateField(
        help_text=_("The day the patient answered (a paper form may be entered later).")
    )
    answers = models.JSONField(
        default=dict, help_text=_("Item key to the value given, or null when skipped.")
    )
    context = models.JSONField(default=dict, blank=True, help_text=_("Respondent context used in scoring."))
    status = models.CharField(max_length=12, choices=ScoreStatus.choices)
    total = models.IntegerField(null=True, blank=True)
    band = models.CharField(max_length=60, blank=True)
    subscales = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(
        default=list, blank=True, help_text=_("The scoring flags (ScoreResult.to_dict()).")
    )
    result = models.JSONField(default=dict, help_text=_("The whole ScoreResult as computed at the time."))
    shared_with_patient = models.BooleanField(default=False)
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_in_error_reason = models.TextField(blank=True)
    # The non-urgent follow-up task raised by "clinician_review" flags (services.py), if any.
    review_task = models.ForeignKey(
        "home.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AdministrationQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "instrument_code", "completed_on", "created_at"]
        indexes = [
            models.Index(fields=["patient", "instrument_code", "completed_on"]),
            # Covers the reads by episode (due questionnaires, outcome records, ordered by day, creation and
            # id): they need these columns only, so the database answers from the index without visiting
            # each wide row (answers, result) of a large table. Outcome records at size M: 7.1 -> 4.2 ms on
            # SQLite, 13.6 -> 5.3 ms on PostgreSQL once vacuumed (an index-only scan; bench/RESULTS.md).
            models.Index(
                fields=[
                    "episode",
                    "instrument_code",
                    "completed_on",
                    "created_at",
                    "total",
                    "entered_in_error_at",
                    "id",
                ],
                name="administration_by_episode",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entered_in_error_at__isnull=True)
                | (~models.Q(entered_in_error_reason="") & models.Q(entered_in_error_by__isnull=False)),
                name="measures_entered_in_error_has_reason",
            ),
        ]

    @property
    def entered_in_error(self) -> bool:
        return self.entered_in_error_at is not None

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.completed_on} ({self.total if self.total is not None else '—'})"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ClosingAction(models.TextChoices):
    RISK_ASSESSED = "risk_assessed", _("Risk assessment completed")
    SAFETY_PLAN_REVIEWED = "safety_plan_reviewed", _("Safety plan reviewed with the patient")
    HIGHER_LEVEL_OF_CARE = (
        "higher_level_of_care",
        _("Referred to a higher level of care or emergency services"),
    )
    CONTACT_FAILED_ESCALATED = "contact_failed_escalated", _("Could not reach the patient; escalated")
    ANSWER_ENTERED_IN_ERROR = "entered_in_error", _("The answer was entered in error (corrected)")


class MeasureAlert(AuditedModel):
    """An urgent alert raised by a critical answer (PHQ-9 item 9 above 0, a positive ASQ, any critical
    item). Never silently dismissed: closing it needs an action and a note."""

    # Empty only while the alert comes from a questionnaire the patient has not finished in the portal
    # (`draft`): the alert is raised at the critical answer, since the person may stop there.
    administration = models.ForeignKey(
        Administration, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    draft = models.OneToOneField(
        "measures.ResponseDraft", null=True, blank=True, on_delete=models.SET_NULL, related_name="alert"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="measure_alerts")
    flag = models.CharField(max_length=60, help_text=_("The scoring flag id that raised it."))
    message = models.CharField(max_length=300)
    status = models.CharField(max_length=8, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measure_alerts",
    )
    task = models.ForeignKey("home.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # When the primary clinician is away the alert is assigned to whoever covers (on call, else the
    # director); the primary still gets a task, so they see on return what happened.
    primary_task = models.ForeignKey(
        "home.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closing_action = models.CharField(max_length=30, choices=ClosingAction.choices, blank=True)
    closing_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["status", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["administration", "flag"], name="measures_one_alert_per_flag"),
            models.CheckConstraint(
                condition=models.Q(status="open")
                | (
                    ~models.Q(closing_action="")
                    & ~models.Q(closing_note="")
                    & models.Q(closed_at__isnull=False)
                ),
                name="measures_closed_alert_has_action_and_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flag} ({self.get_status_display()})"


class OnCall(AuditedModel):
    """Who is on call for a program on a day: receives urgent alerts when the primary clinician is away."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="on_call_days")
    day = models.DateField()
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["program", "day"]
        constraints = [
            models.UniqueConstraint(fields=["program", "day"], name="measures_one_on_call_per_program_day"),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} on call {self.day} ({self.program})"


class StaffAbsence(AuditedModel):
    """A staff member away (leave, training, illness) from one day to another, both included. While away,
    their urgent alerts go to the program's on-call clinician."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(
        max_length=120, blank=True, help_text=_("Short and non-clinical, e.g. 'Annual leave'.")
    )

    class Meta:
        ordering = ["starts_on", "user"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="measures_absence_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} away {self.starts_on}–{self.ends_on}"


class ResponseDraft(AuditedModel):
    """A questionnaire the patient is answering in the portal, one question per screen: each answer is
    saved at once, so they can stop and go on later on any device. Deleted when submitted (the
    administration then holds the answers); one per episode, instrument and occasion."""

    episode = models.ForeignKey("patients.EpisodeOfCare", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="response_drafts")
    instrument_code = models.CharField(max_length=40)
    instrument_version = models.CharField(max_length=20)
    occasion = models.CharField(max_length=12, choices=Occasion.choices, default=Occasion.ON_DEMAND)
    language = models.CharField(max_length=10, default="en")
    answers = models.JSONField(default=dict, blank=True, help_text=_("Item key to the value given so far."))

    class Meta:
        ordering = ["patient", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "instrument_code", "occasion"], name="measures_one_draft_per_occasion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} draft ({len(self.answers)} answered)"
