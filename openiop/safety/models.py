"""Safety plans and relapse-prevention plans: numbered versions, each a draft until signed, then fixed.

One model holds both kinds (`Plan.kind`): they share their life cycle (draft, signatures, versions, PDF)
and differ only in their sections, which are data (structures/*.json). The current plan of a kind is its
latest signed version; at most one draft of a kind is open at a time (a new one, or the revision of the
current plan). A signed plan is never edited: the services refuse, and revising copies it into a new draft.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel


class PlanKind(models.TextChoices):
    SAFETY = "safety", _("Safety plan")
    RELAPSE_PREVENTION = "relapse_prevention", _("Relapse-prevention plan")


# URL segments, kept apart from stored values so either can change without the other.
KIND_SLUGS = {PlanKind.SAFETY: "safety-plan", PlanKind.RELAPSE_PREVENTION: "relapse-prevention-plan"}
SLUG_KINDS = {slug: kind for kind, slug in KIND_SLUGS.items()}


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


class PlanQuerySet(models.QuerySet):
    def of(self, patient, kind):
        return self.filter(patient=patient, kind=kind)

    def signed(self):
        return self.filter(status=PlanStatus.SIGNED)

    def drafts(self):
        return self.filter(status=PlanStatus.DRAFT)


class Plan(AuditedModel):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="safety_plans")
    # The episode of care the version was written in (None if the person had none open).
    episode = models.ForeignKey(
        "patients.EpisodeOfCare", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=PlanKind.choices)
    number = models.PositiveIntegerField(
        _("version"), help_text=_("1 for the first plan, then one per revision.")
    )
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    structure_id = models.CharField(max_length=60)
    structure_version = models.CharField(max_length=20)
    content = models.JSONField(default=dict)
    # Optimistic concurrency of draft saves: a save names the version it started from.
    version = models.PositiveIntegerField(default=1)
    revises = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="revisions"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "kind", "number"], name="safety_plan_unique_number"),
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=models.Q(status="draft"),
                name="safety_plan_one_draft_per_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", signed_at__isnull=True)
                | models.Q(status="signed", signed_at__isnull=False),
                name="safety_plan_signed_iff_signed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.number} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def is_signed(self) -> bool:
        return self.status == PlanStatus.SIGNED

    @property
    def slug(self) -> str:
        return KIND_SLUGS[self.kind]


class SignatureRole(models.TextChoices):
    PATIENT = "patient", _("Patient")
    CLINICIAN = "clinician", _("Clinician")


class SignatureMethod(models.TextChoices):
    # The patient typed their full name on a staff member's screen; that staff member witnessed it.
    IN_PERSON = "in_person", _("In person, witnessed")
    # Signed as the signed-in user (the clinician now; the patient from the portal later).
    SIGNED_IN = "signed_in", _("Signed in")


class PlanSignature(models.Model):
    """One signature of one plan version. The portal will add patient signatures with SIGNED_IN and the
    patient's own user, without a witness."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField(max_length=20, choices=SignatureRole.choices)
    method = models.CharField(max_length=20, choices=SignatureMethod.choices)
    # As typed by the patient, or the staff member's name and credentials when they signed.
    signer_name = models.CharField(max_length=160)
    signed_on = models.DateField()
    signed_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["plan", "role"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "role"], name="safety_plan_one_signature_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.signer_name} on {self.signed_on}"


class ReviewRequest(AuditedModel):
    """A request to review a patient's plan (e.g. after a positive suicide-risk item), open until a new
    version of that plan is signed. The primary clinician gets a task for it."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey("patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=PlanKind.choices, default=PlanKind.SAFETY)
    reason = models.CharField(max_length=300)
    task = models.ForeignKey("home.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="resolved_reviews"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=models.Q(resolved_at__isnull=True),
                name="safety_one_open_review_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.get_kind_display()} requested {self.created_at:%Y-%m-%d}"
