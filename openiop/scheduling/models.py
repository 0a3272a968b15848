"""Program structure and the calendar: session types, rooms, recurring groups and their rosters,
sessions, attendance, availability, and the engagement alerts raised from the weekly hours ledger."""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel


class SessionKind(models.TextChoices):
    GROUP_THERAPY = "group_therapy", _("Group therapy")
    SKILLS_GROUP = "skills_group", _("Skills group")
    PSYCHOEDUCATION = "psychoeducation", _("Psychoeducation")
    INDIVIDUAL_THERAPY = "individual_therapy", _("Individual therapy")
    FAMILY_THERAPY = "family_therapy", _("Family therapy")
    MEDICATION_MANAGEMENT = "medication_management", _("Medication management")


GROUP_KINDS = frozenset({SessionKind.GROUP_THERAPY, SessionKind.SKILLS_GROUP, SessionKind.PSYCHOEDUCATION})


class SessionType(AuditedModel):
    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=30, choices=SessionKind.choices)
    default_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(15), MaxValueValidator(240)]
    )
    # Credentials (as on staff profiles, e.g. "LCSW", "MD") that may lead this type; empty = any clinician.
    allowed_credentials = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_group(self) -> bool:
        return self.kind in GROUP_KINDS


class Room(AuditedModel):
    name = models.CharField(max_length=80, unique=True)
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    is_accessible = models.BooleanField(_("wheelchair accessible"), default=True)
    is_telehealth = models.BooleanField(default=False)
    # For telehealth rooms: "{token}" is replaced by each session's own unguessable token.
    video_link_template = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Closure(AuditedModel):
    """A day the program (or, with no program, the whole organization) does not meet."""

    program = models.ForeignKey(
        "programs.Program", null=True, blank=True, on_delete=models.CASCADE, related_name="closures"
    )
    date = models.DateField()
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"


class GroupSeries(AuditedModel):
    """A recurring group session of a track: same weekday and time every week, from `starts_on`."""

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="group_series")
    track = models.ForeignKey("programs.Track", on_delete=models.PROTECT, related_name="group_series")
    session_type = models.ForeignKey(SessionType, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])
    start_time = models.TimeField()
    end_time = models.TimeField()
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Groups typically hold 6-12 people (PRODUCT.md section 3).
    capacity = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(2), MaxValueValidator(30)]
    )
    facilitators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="facilitated_series")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["program", "weekday", "start_time"]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    """A patient on a recurring group's roster from `starts_on` until `ends_on` (exclusive)."""

    series = models.ForeignKey(GroupSeries, on_delete=models.CASCADE, related_name="memberships")
    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="group_memberships"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["starts_on"]

    def __str__(self) -> str:
        return f"{self.episode} in {self.series} from {self.starts_on}"


def new_telehealth_token() -> str:
    return secrets.token_urlsafe(24)


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class Session(AuditedModel):
    """One meeting on the calendar: a group occurrence or an individual, family or medication session."""

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="sessions")
    series = models.ForeignKey(
        GroupSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    session_type = models.ForeignKey(SessionType, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(db_index=True)
    start_time = models.TimeField()
    end_time = models.TimeField()
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions")
    clinicians = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="led_sessions")
    status = models.CharField(max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED)
    cancel_reason = models.CharField(max_length=200, blank=True)
    telehealth_token = models.CharField(
        max_length=40, unique=True, default=new_telehealth_token, editable=False
    )

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.UniqueConstraint(fields=["series", "date"], name="one_session_per_series_per_day"),
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="session_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_type} {self.date} {self.start_time:%H:%M}"

    @property
    def minutes(self) -> int:
        return (self.end_time.hour * 60 + self.end_time.minute) - (
            self.start_time.hour * 60 + self.start_time.minute
        )

    @property
    def video_link(self) -> str:
        if self.room is None or not self.room.is_telehealth or not self.room.video_link_template:
            return ""
        return self.room.video_link_template.replace("{token}", self.telehealth_token)


class AttendanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Not recorded yet")
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    LEFT_EARLY = "left_early", _("Left early")
    ABSENT_EXCUSED = "absent_excused", _("Absent, excused")
    ABSENT_UNEXCUSED = "absent_unexcused", _("Absent, unexcused")
    CANCELLED = "cancelled", _("Cancelled")


ABSENT_STATUSES = frozenset({AttendanceStatus.ABSENT_EXCUSED, AttendanceStatus.ABSENT_UNEXCUSED})


class SessionAttendee(models.Model):
    """A patient booked into a session, and what happened: attendance with minutes attended."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendees")
    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="session_bookings"
    )
    status = models.CharField(
        max_length=20, choices=AttendanceStatus.choices, default=AttendanceStatus.SCHEDULED
    )
    minutes_attended = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session__date", "session__start_time"]
        constraints = [models.UniqueConstraint(fields=["session", "episode"], name="one_booking_per_session")]

    def __str__(self) -> str:
        return f"{self.episode} at {self.session}: {self.get_status_display()}"


class Modality(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    TELEHEALTH = "telehealth", _("Telehealth")
    EITHER = "either", _("Either")


class SchedulingPreferences(models.Model):
    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="scheduling_preferences"
    )
    preferred_modality = models.CharField(max_length=12, choices=Modality.choices, default=Modality.EITHER)
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.patient}: {self.get_preferred_modality_display()}"


class CommitmentKind(models.TextChoices):
    AVAILABLE = "available", _("Available for sessions")
    WORK = "work", _("Work")
    SCHOOL = "school", _("School")
    FAMILY = "family", _("Family")
    OTHER = "other", _("Other commitment")


class WeeklyTime(models.Model):
    """A recurring weekly time of a patient or a clinician: when they are available, or a fixed commitment."""

    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="weekly_times"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="weekly_times"
    )
    kind = models.CharField(max_length=12, choices=CommitmentKind.choices)
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])
    start_time = models.TimeField()
    end_time = models.TimeField()
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(patient__isnull=False, user__isnull=True)
                    | models.Q(patient__isnull=True, user__isnull=False)
                ),
                name="weekly_time_has_one_owner",
            ),
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="weekly_time_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.weekday} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class AlertKind(models.TextChoices):
    UNDER_TARGET = "under_target", _("Week under the hours target")
    CONSECUTIVE_ABSENCES = "consecutive_absences", _("Two consecutive absences")


class EngagementAlert(models.Model):
    """An engagement alert from the weekly hours ledger, once per episode, week and kind, with the
    follow-up task it created for the primary clinician."""

    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.CASCADE, related_name="engagement_alerts"
    )
    week_start = models.DateField()
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    detail = models.CharField(max_length=200)
    task = models.ForeignKey("home.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "week_start", "kind"], name="one_alert_per_episode_week_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.episode} week of {self.week_start}"


class WeekPlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class WeekPlan(AuditedModel):
    """The optimizer's schedule of one program-week: a draft the director reviews, changes and publishes.

    Publishing writes the real bookings (SessionAttendee rows, individual Session rows); the plan keeps the
    solver's figures and, per patient below target, why (`explanations`: episode uuid -> message).
    """

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="week_plans")
    week_start = models.DateField()
    status = models.CharField(max_length=10, choices=WeekPlanStatus.choices, default=WeekPlanStatus.DRAFT)
    solver_status = models.CharField(max_length=20, blank=True)
    objective = models.BigIntegerField(null=True, blank=True)
    bound = models.FloatField(null=True, blank=True)
    gap = models.FloatField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    explanations = models.JSONField(default=dict, blank=True)
    violations = models.JSONField(default=list, blank=True)  # the checker's hard violations, in words
    # Individual sessions created by publishing (uuids), so a later publish can cancel those re-planned away.
    published_sessions = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["program", "week_start"], name="one_week_plan_per_program_week")
        ]

    def __str__(self) -> str:
        return f"{self.program.short_name} week of {self.week_start}: {self.get_status_display()}"


class PlannedBookingKind(models.TextChoices):
    GROUP = "group", _("Group session")
    INDIVIDUAL = "individual", _("Individual session")


class PlannedBooking(models.Model):
    """One patient in one planned item: a group session already on the calendar, or an individual slot
    (date, time, type, clinician, room) that becomes a Session when the plan is published."""

    plan = models.ForeignKey(WeekPlan, on_delete=models.CASCADE, related_name="bookings")
    episode = models.ForeignKey("patients.EpisodeOfCare", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=PlannedBookingKind.choices)
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    slot = models.CharField(max_length=40, blank=True)  # the optimizer's slot id (individual only)
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    session_type = models.ForeignKey(SessionType, on_delete=models.PROTECT, related_name="+")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["date", "start_time"]

    def __str__(self) -> str:
        return f"{self.episode} {self.get_kind_display()} {self.date} {self.start_time:%H:%M}"

    @property
    def minutes(self) -> int:
        return (self.end_time.hour * 60 + self.end_time.minute) - (
            self.start_time.hour * 60 + self.start_time.minute
        )


class CalendarFeedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    """A private iCalendar feed of one patient's or one clinician's sessions, for a calendar app.

    Calendar apps cannot sign in, so the URL's token is the credential: only its SHA-256 is stored (the
    lookup by hash is the comparison, so no timing leaks the token) and the URL is shown once. Revoking
    it, or its owner losing access to the subject, ends the feed.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(patient__isnull=False, clinician__isnull=True)
                    | models.Q(patient__isnull=True, clinician__isnull=False)
                ),
                name="calendar_feed_has_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed {self.uuid}"
