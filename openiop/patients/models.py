import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    OTHER = "other", _("Other")


class PatientQuerySet(models.QuerySet):
    def search(self, text: str):
        """Match any word of `text` against names, or the whole text against the record number."""
        text = text.strip()
        if not text:
            return self
        query = models.Q(record_number__iexact=text)
        words = models.Q()
        for word in text.split():
            words &= (
                models.Q(legal_given_name__icontains=word)
                | models.Q(legal_family_name__icontains=word)
                | models.Q(preferred_name__icontains=word)
            )
        return self.filter(query | words)


class Patient(AuditedModel):
    record_number = models.CharField(_("record number"), max_length=12, unique=True, editable=False)
    legal_given_name = models.CharField(_("legal first name"), max_length=80)
    legal_family_name = models.CharField(_("legal last name"), max_length=80)
    preferred_name = models.CharField(_("preferred name"), max_length=80, blank=True)
    pronouns = models.CharField(max_length=30, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    language = models.CharField(max_length=10, choices=Language.choices, default=Language.ENGLISH)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = models.CharField(max_length=30, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="patient"
    )
    # Demo and test data are generated; this flag keeps them distinguishable from real people forever.
    is_synthetic = models.BooleanField(default=False)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["legal_family_name", "legal_given_name"]
        indexes = [
            models.Index(
                Lower("legal_family_name"),
                Lower("legal_given_name"),
                "date_of_birth",
                name="patient_identity_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        given = self.preferred_name or self.legal_given_name
        return f"{given} {self.legal_family_name}"

    @property
    def legal_name(self) -> str:
        return f"{self.legal_given_name} {self.legal_family_name}"

    def age_on(self, day: datetime.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())


class EpisodeStatus(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    WAITLIST = "waitlist", _("Waitlist")
    ACTIVE = "active", _("Active")
    DISCHARGED = "discharged", _("Discharged")


OPEN_STATUSES = (EpisodeStatus.REFERRAL, EpisodeStatus.WAITLIST, EpisodeStatus.ACTIVE)


class EpisodeQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class EpisodeOfCare(AuditedModel):
    """One stay of one person in one program, from referral to discharge."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="episodes")
    track = models.ForeignKey(
        "programs.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="episodes"
    )
    status = models.CharField(max_length=20, choices=EpisodeStatus.choices, default=EpisodeStatus.REFERRAL)
    referred_on = models.DateField()
    admitted_on = models.DateField(null=True, blank=True)
    discharged_on = models.DateField(null=True, blank=True)
    care_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CareTeamMember", related_name="care_team_episodes"
    )

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(admitted_on__isnull=True)
                | models.Q(admitted_on__gte=models.F("referred_on")),
                name="episode_admitted_after_referral",
            ),
            models.CheckConstraint(
                condition=models.Q(discharged_on__isnull=True)
                | models.Q(discharged_on__gte=models.F("admitted_on")),
                name="episode_discharged_after_admission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.short_name} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CareTeamRole(models.TextChoices):
    PRIMARY_CLINICIAN = "primary_clinician", _("Primary clinician")
    PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
    THERAPIST = "therapist", _("Therapist")
    FAMILY_THERAPIST = "family_therapist", _("Family therapist")
    INTAKE_COORDINATOR = "intake_coordinator", _("Intake coordinator")


class CareTeamMember(models.Model):
    episode = models.ForeignKey(EpisodeOfCare, on_delete=models.CASCADE, related_name="care_team_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=30, choices=CareTeamRole.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "user__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "user", "role"], name="unique_care_team_role"),
            models.UniqueConstraint(
                fields=["episode"],
                condition=models.Q(role="primary_clinician"),
                name="one_primary_clinician_per_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class BreakGlassAccess(models.Model):
    """Emergency access to a chart by staff outside the care team: reason required, reviewed afterwards."""

    WINDOW = datetime.timedelta(hours=4)

    class Review(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        APPROPRIATE = "appropriate", _("Appropriate")
        INAPPROPRIATE = "inappropriate", _("Inappropriate")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="break_glass_accesses")
    reason = models.TextField()
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    review = models.CharField(max_length=20, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.patient.record_number} at {self.granted_at:%Y-%m-%d %H:%M}"
