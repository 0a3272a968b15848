"""Treatment plans: versions of an episode's plan, their content, signatures and reviews.

A plan's content is a tree: problems → goals (in the patient's words) → measurable objectives and the
interventions that serve them. A version is written as a draft, sent for signatures, and becomes active
when the clinician, the patient and a physician have signed; the previous active version is then
superseded. Active and superseded versions are never changed in place: a change is a new draft version
copied from the active one (`based_on`). Each item carries a `key` kept across versions, so the diff
between two versions pairs the same objective in both.

Writes go through `services.py`; reads through `selectors.py`. Nothing here has behaviour in `save()`.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel

# PRODUCT.md section 4 and issue 5: reviews every 30 days unless the program chooses otherwise.
DEFAULT_REVIEW_INTERVAL_DAYS = 30
MIN_REVIEW_INTERVAL_DAYS = 7
MAX_REVIEW_INTERVAL_DAYS = 90


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_SIGNATURES = "awaiting_signatures", _("Awaiting signatures")
    ACTIVE = "active", _("Active")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn draft")


# A version in one of these states may still change (content while a draft; signatures while awaiting).
OPEN_STATUSES = (PlanStatus.DRAFT, PlanStatus.AWAITING_SIGNATURES)
# Signed states: never edited in place by any path.
LOCKED_STATUSES = (PlanStatus.ACTIVE, PlanStatus.SUPERSEDED)


class TreatmentPlanQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=PlanStatus.ACTIVE)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class TreatmentPlan(AuditedModel):
    """One version of an episode's individualized treatment plan."""

    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="treatment_plans"
    )
    number = models.PositiveIntegerField(_("version"), help_text=_("1 for the initial plan, then 2, 3…"))
    status = models.CharField(max_length=24, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="later_versions"
    )
    # Optimistic concurrency: every content save sends the revision it started from; the service updates
    # only `WHERE revision = <that>`, so of two saves from the same start the second is refused.
    revision = models.PositiveIntegerField(default=1)
    responsible_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Signs the plan as its clinician and owns its reviews."),
    )
    strengths = models.TextField(_("strengths and supports"), blank=True)
    discharge_criteria = models.TextField(_("discharge criteria"), blank=True)
    review_interval_days = models.PositiveSmallIntegerField(
        _("review every (days)"),
        default=DEFAULT_REVIEW_INTERVAL_DAYS,
        validators=[MinValueValidator(MIN_REVIEW_INTERVAL_DAYS), MaxValueValidator(MAX_REVIEW_INTERVAL_DAYS)],
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=300, blank=True)

    objects = TreatmentPlanQuerySet.as_manager()

    class Meta:
        ordering = ["episode", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "number"], name="treatment_plan_unique_version"),
            models.UniqueConstraint(
                fields=["episode"],
                condition=models.Q(status="active"),
                name="treatment_plan_one_active_per_episode",
            ),
            models.UniqueConstraint(
                fields=["episode"],
                condition=models.Q(status__in=["draft", "awaiting_signatures"]),
                name="treatment_plan_one_open_version_per_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"Treatment plan v{self.number} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES


def new_key() -> uuid.UUID:
    return uuid.uuid4()


class PlanItem(models.Model):
    """Shared by the items of a plan's content tree."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The same item across versions: copied into a new version, so a diff pairs it with its earlier self.
    key = models.UUIDField(default=new_key, editable=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class Problem(PlanItem):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="problems")
    icd10_code = models.CharField(
        _("ICD-10-CM code"), max_length=8, blank=True, help_text=_("Optional, e.g. F33.1.")
    )
    description = models.CharField(max_length=300)
    evidenced_by = models.TextField(_("as evidenced by"), blank=True)

    class Meta(PlanItem.Meta):
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="problem_key_once_per_plan")]

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.description}".strip()


class Goal(PlanItem):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(_("goal in the patient's own words"))

    class Meta(PlanItem.Meta):
        constraints = [models.UniqueConstraint(fields=["problem", "key"], name="goal_key_once_per_problem")]

    def __str__(self) -> str:
        return self.text[:80]


class Comparator(models.TextChoices):
    BELOW = "lt", _("below")
    AT_MOST = "lte", _("at most")
    AT_LEAST = "gte", _("at least")
    ABOVE = "gt", _("above")


class Objective(PlanItem):
    """A measurable step toward a goal. Group and individual notes link their progress entries here."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="objectives")
    text = models.TextField(_("objective"))
    baseline = models.CharField(max_length=200, blank=True)
    target = models.CharField(max_length=200)
    target_date = models.DateField()
    # Optionally tied to a measure ("PHQ-9 below 10"). Measures arrive with issue 6, so the tie is data
    # (instrument code, comparator, value), not a foreign key.
    measure_instrument = models.CharField(_("measure"), max_length=20, blank=True)
    measure_comparator = models.CharField(max_length=3, choices=Comparator.choices, blank=True)
    measure_value = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)

    class Meta(PlanItem.Meta):
        constraints = [models.UniqueConstraint(fields=["goal", "key"], name="objective_key_once_per_goal")]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def measure_label(self) -> str:
        if not self.measure_instrument:
            return ""
        return f"{self.measure_instrument} {self.get_measure_comparator_display()} {self.measure_value}"


class Modality(models.TextChoices):
    CBT = "cbt", _("Cognitive behavioral therapy (CBT)")
    DBT_SKILLS = "dbt_skills", _("DBT skills")
    MOTIVATIONAL_INTERVIEWING = "motivational_interviewing", _("Motivational interviewing")
    ACT = "act", _("Acceptance and commitment therapy (ACT)")
    FAMILY_THERAPY = "family_therapy", _("Family therapy")
    PSYCHOEDUCATION = "psychoeducation", _("Psychoeducation")
    RELAPSE_PREVENTION = "relapse_prevention", _("Relapse prevention")
    MEDICATION_MANAGEMENT = "medication_management", _("Medication management")


class Intervention(PlanItem):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="interventions")
    modality = models.CharField(max_length=30, choices=Modality.choices)
    description = models.TextField(blank=True)
    frequency = models.CharField(max_length=120, help_text=_("e.g. 3 groups a week, 50 minutes weekly."))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible staff"),
    )

    class Meta(PlanItem.Meta):
        constraints = [models.UniqueConstraint(fields=["goal", "key"], name="intervention_key_once_per_goal")]

    def __str__(self) -> str:
        return f"{self.get_modality_display()}, {self.frequency}"


class DraftRevision(models.Model):
    """The content of a draft as saved at one revision, so a refused stale save can show what changed."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="draft_revisions")
    revision = models.PositiveIntegerField()
    content = models.JSONField()
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "revision"], name="draft_revision_once_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.plan} revision {self.revision}"


class SignatureRole(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    PATIENT = "patient", _("Patient")
    PHYSICIAN = "physician", _("Physician")


REQUIRED_SIGNATURES = (SignatureRole.CLINICIAN, SignatureRole.PATIENT, SignatureRole.PHYSICIAN)


class SignatureMethod(models.TextChoices):
    STAFF = "staff", _("Signed in as staff")
    IN_PERSON = "in_person", _("In person, witnessed")
    # The patient portal (issue 8) signs with the patient's own account: `signer` is the patient user and
    # no witness is needed.
    PORTAL = "portal", _("Patient portal")


class PlanSignature(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField(max_length=12, choices=SignatureRole.choices)
    method = models.CharField(max_length=12, choices=SignatureMethod.choices)
    # The signed-in account that signed: the staff member, or (portal) the patient's own account.
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # As signed, kept even if the name or credentials change later.
    signed_name = models.CharField(max_length=160)
    credentials = models.CharField(max_length=60, blank=True)
    signed_on = models.DateField()
    signed_at = models.DateTimeField()
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # SHA-256 of the plan's content at signing: proves what was signed.
    content_hash = models.CharField(max_length=64)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "role"],
                condition=models.Q(voided_at__isnull=True),
                name="plan_signature_once_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.signed_name} {self.signed_at:%Y-%m-%d %H:%M}"


class ReviewReason(models.TextChoices):
    CADENCE = "cadence", _("Scheduled review")
    NO_PROGRESS = "no_progress", _("No measurable progress")
    DETERIORATION = "deterioration", _("Deterioration")
    STEP_UP = "step_up", _("Step-up in level of care")
    CLINICAL_JUDGEMENT = "clinical_judgement", _("Clinician's judgement")


class ReviewStatus(models.TextChoices):
    DUE = "due", _("Due")
    COMPLETED = "completed", _("Completed")


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("Continue the plan unchanged")
    REVISE = "revise", _("Revise the plan (new version)")


class PlanReview(AuditedModel):
    """A review of the active plan: due on a trigger, then completed with progress per objective."""

    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="plan_reviews"
    )
    # The version reviewed; null for a trigger raised while no plan was active yet.
    plan = models.ForeignKey(
        TreatmentPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    reason = models.CharField(max_length=24, choices=ReviewReason.choices)
    detail = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.DUE)
    due_on = models.DateField()
    task = models.ForeignKey("home.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_on = models.DateField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(_("what changed"), blank=True)
    outcome = models.CharField(max_length=12, choices=ReviewOutcome.choices, blank=True)
    # The new version this review led to, when it did.
    resulting_plan = models.ForeignKey(
        TreatmentPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-reviewed_on", "due_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.get_status_display()})"


class Progress(models.TextChoices):
    MET = "met", _("Met")
    PROGRESSING = "progressing", _("Progressing")
    NO_CHANGE = "no_change", _("No change")
    WORSE = "worse", _("Worse")


class ObjectiveProgress(models.Model):
    review = models.ForeignKey(PlanReview, on_delete=models.CASCADE, related_name="progress")
    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="progress")
    progress = models.CharField(max_length=12, choices=Progress.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["review", "objective__position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "objective"], name="progress_once_per_objective")
        ]

    def __str__(self) -> str:
        return self.get_progress_display()


class ProgramPlanSettings(AuditedModel):
    """A program's treatment-plan settings; a program without a row uses the defaults."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="treatment_plan_settings"
    )
    review_interval_days = models.PositiveSmallIntegerField(
        _("review plans every (days)"),
        default=DEFAULT_REVIEW_INTERVAL_DAYS,
        validators=[MinValueValidator(MIN_REVIEW_INTERVAL_DAYS), MaxValueValidator(MAX_REVIEW_INTERVAL_DAYS)],
    )

    class Meta:
        verbose_name_plural = "program plan settings"

    def __str__(self) -> str:
        return f"{self.program}: review every {self.review_interval_days} days"
