"""Intake: referrals and their pipeline, level-of-care assessments, admission, waitlist and transitions.

A referral stands on its own until an intake coordinator links it to a patient (an existing one, or a new
one registered with the duplicate check): anonymous self-check requests never create patients by
themselves. Linking opens the patient's referral episode in the program; admission activates it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel


class ReferralSource(models.TextChoices):
    SELF = "self", _("Self")
    FAMILY = "family", _("Family member")
    INPATIENT = "inpatient", _("Inpatient unit")
    RESIDENTIAL = "residential", _("Residential program")
    EMERGENCY = "emergency", _("Emergency department")
    OUTPATIENT_THERAPIST = "outpatient_therapist", _("Outpatient therapist")
    PRIMARY_CARE = "primary_care", _("Primary care")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Soon (within a week)")
    URGENT = "urgent", _("Urgent (within 72 hours)")


class ReferralStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    ASSESSMENT_BOOKED = "assessment_booked", _("Assessment booked")
    ASSESSED = "assessed", _("Assessed")
    ADMITTED = "admitted", _("Admitted")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("Referred elsewhere")
    DECLINED = "declined", _("Declined")
    LOST_TO_CONTACT = "lost_to_contact", _("Lost to contact")


CLOSED_STATUSES = frozenset(
    {
        ReferralStatus.ADMITTED,
        ReferralStatus.REFERRED_ELSEWHERE,
        ReferralStatus.DECLINED,
        ReferralStatus.LOST_TO_CONTACT,
    }
)
_ENDINGS = {ReferralStatus.REFERRED_ELSEWHERE, ReferralStatus.DECLINED, ReferralStatus.LOST_TO_CONTACT}
# The pipeline: forward one step at a time, or to an ending from any open step. Admission happens only
# through admission (episode_admit), never by a plain status change.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.NEW: frozenset({ReferralStatus.CONTACTED, *_ENDINGS}),
    ReferralStatus.CONTACTED: frozenset({ReferralStatus.ASSESSMENT_BOOKED, *_ENDINGS}),
    ReferralStatus.ASSESSMENT_BOOKED: frozenset(
        {ReferralStatus.ASSESSED, ReferralStatus.CONTACTED, *_ENDINGS}
    ),
    ReferralStatus.ASSESSED: frozenset({ReferralStatus.ADMITTED, *_ENDINGS}),
    ReferralStatus.ADMITTED: frozenset(),
    ReferralStatus.REFERRED_ELSEWHERE: frozenset(),
    ReferralStatus.DECLINED: frozenset(),
    ReferralStatus.LOST_TO_CONTACT: frozenset({ReferralStatus.CONTACTED}),
}


class ReferralQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=CLOSED_STATUSES)


class Referral(AuditedModel):
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="referrals")
    # The person as the referral describes them, kept as received even after linking.
    given_name = models.CharField(_("first name"), max_length=80)
    family_name = models.CharField(_("last name"), max_length=80)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=10, default="en")
    best_time_to_contact = models.CharField(max_length=120, blank=True)
    # Where the referral came from.
    source = models.CharField(max_length=30, choices=ReferralSource.choices)
    referring_provider = models.CharField(max_length=120, blank=True)
    referring_organization = models.CharField(max_length=160, blank=True)
    referring_contact = models.CharField(_("referrer's phone or email"), max_length=160, blank=True)
    reason = models.TextField()
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    # The pipeline.
    status = models.CharField(max_length=30, choices=ReferralStatus.choices, default=ReferralStatus.NEW)
    received_at = models.DateTimeField()
    first_contact_at = models.DateTimeField(null=True, blank=True)
    assessment_booked_for = models.DateTimeField(null=True, blank=True)
    admitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Linking to a patient opens their referral episode in `program`.
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    episode = models.OneToOneField(
        "patients.EpisodeOfCare", null=True, blank=True, on_delete=models.PROTECT, related_name="referral"
    )
    # The self-check's answers when the person asked to be contacted from /check/ (source "self").
    self_check = models.JSONField(null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class ReferralEvent(models.Model):
    """One step of a referral through the pipeline: who moved it, when, and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=30, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=ReferralStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


def referral_document_path(instance, filename: str) -> str:
    # Never the uploaded name on disk: a random name under the private media root.
    return f"referrals/{instance.referral.uuid}/{uuid.uuid4().hex}"


class ReferralDocument(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to=referral_document_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class LevelOfCare(models.TextChoices):
    """ASAM-style levels, least to most intensive. The order is the meaning: keep it."""

    OUTPATIENT = "outpatient", _("Outpatient")
    INTENSIVE_OUTPATIENT = "intensive_outpatient", _("Intensive outpatient")
    PARTIAL_HOSPITALIZATION = "partial_hospitalization", _("Partial hospitalization")
    RESIDENTIAL = "residential", _("Residential")
    INPATIENT = "inpatient", _("Inpatient")


class LevelOfCareAssessment(AuditedModel):
    """A clinician's dimensional assessment: ratings in, the rubric's recommendation and reasons, and the
    level the clinician determined (with a reason whenever it differs). Signed assessments are never edited;
    re-assessment makes a new one."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="loc_assessments")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    episode = models.ForeignKey(
        "patients.EpisodeOfCare",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loc_assessments",
    )
    rubric_id = models.CharField(max_length=60)
    rubric_version = models.CharField(max_length=20)
    ratings = models.JSONField(help_text=_("Dimension id → rating."))
    recommended_level = models.CharField(max_length=30, choices=LevelOfCare.choices)
    recommendation_reasons = models.JSONField(default=list)
    determined_level = models.CharField(max_length=30, choices=LevelOfCare.choices)
    override_reason = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["-assessed_on", "-signed_at"]

    def __str__(self) -> str:
        return f"{self.get_determined_level_display()} on {self.assessed_on}"

    @property
    def is_override(self) -> bool:
        return self.determined_level != self.recommended_level


class WaitlistEntry(AuditedModel):
    """A patient waiting for a place in a program (and track, when chosen)."""

    episode = models.OneToOneField(
        "patients.EpisodeOfCare", on_delete=models.CASCADE, related_name="waitlist_entry"
    )
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="waitlist")
    track = models.ForeignKey(
        "programs.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="waitlist"
    )
    stepping_down_from = models.CharField(
        max_length=30,
        choices=LevelOfCare.choices,
        blank=True,
        help_text=_("Set when the person steps down from a more intensive level: they come first."),
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    added_on = models.DateField()
    removed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["added_on"]

    def __str__(self) -> str:
        return f"{self.episode} waiting since {self.added_on}"


class Direction(models.TextChoices):
    STEP_UP = "step_up", _("Step up")
    STEP_DOWN = "step_down", _("Step down")
    LATERAL = "lateral", _("Same level")


class LevelTransition(AuditedModel):
    """A change of level of care for the same person: into this program from elsewhere, or out of it."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="level_transitions"
    )
    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="level_transitions"
    )
    from_level = models.CharField(max_length=30, choices=LevelOfCare.choices)
    to_level = models.CharField(max_length=30, choices=LevelOfCare.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    on = models.DateField()
    reason = models.TextField()
    from_setting = models.CharField(_("from (organization or program)"), max_length=160, blank=True)
    to_setting = models.CharField(_("to (organization or program)"), max_length=160, blank=True)

    class Meta:
        ordering = ["on", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_from_level_display()} → {self.get_to_level_display()} on {self.on}"


class DueItemKind(models.TextChoices):
    BASELINE_MEASURES = "baseline_measures", _("Baseline measures")
    INITIAL_TREATMENT_PLAN = "initial_treatment_plan", _("Initial treatment plan")
    CERTIFICATION = "certification", _("Physician certification of need")
    RECERTIFICATION = "recertification", _("Physician recertification")


class DueItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(completed_at__isnull=True)

    def overdue(self, today):
        return self.open().filter(due_on__lt=today)


class DueItem(AuditedModel):
    """Something an episode needs by a date, created at admission; later capabilities complete them
    (measures, treatment plans) through `due_item_complete`."""

    episode = models.ForeignKey("patients.EpisodeOfCare", on_delete=models.CASCADE, related_name="due_items")
    kind = models.CharField(max_length=30, choices=DueItemKind.choices)
    due_on = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    objects = DueItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_on}"


class Certification(AuditedModel):
    """A physician's certification that the person needs at least `hours_per_week` of IOP care."""

    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="certifications"
    )
    certified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    certified_on = models.DateField()
    hours_per_week = models.DecimalField(max_digits=4, decimal_places=1)
    valid_until = models.DateField()
    is_recertification = models.BooleanField(default=False)
    statement = models.TextField()

    class Meta:
        ordering = ["-certified_on"]

    def __str__(self) -> str:
        return f"Certified {self.certified_on} until {self.valid_until}"
