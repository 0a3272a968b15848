"""Discharge: why an episode ends, the aftercare plan, and the parts that must be done (or waived) first.

One `Discharge` per episode. It is started while the episode is active ("plan discharge"), filled in over
the last days (aftercare appointments, support groups, crisis plan, the signed discharge note, final
measures), and closed: closing re-checks the checklist (openiop/discharge/checklist.py) and only then sets
the episode discharged. A requirement that cannot be met (the person left and cannot be reached) is waived
with a reason, one `DischargeWaiver` per requirement.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel
from openiop.intake.models import LevelOfCare

from . import checklist


class DischargeReason(models.TextChoices):
    COMPLETED = checklist.COMPLETED, _("Completed the program")
    STEPPED_UP = checklist.STEPPED_UP, _("Stepped up to a more intensive level")
    STEPPED_DOWN = checklist.STEPPED_DOWN, _("Stepped down to a less intensive level")
    LEFT_AGAINST_ADVICE = checklist.LEFT_AGAINST_ADVICE, _("Left against clinical advice")
    ADMINISTRATIVE = checklist.ADMINISTRATIVE, _("Administrative discharge")


class DischargeStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    CLOSED = "closed", _("Closed")


class Requirement(models.TextChoices):
    AFTERCARE = checklist.AFTERCARE, _("Aftercare appointment")
    SUPPORT_GROUPS = checklist.SUPPORT_GROUPS, _("Support groups")
    CRISIS_PLAN = checklist.CRISIS_PLAN, _("Crisis plan")
    SUMMARY_NOTE = checklist.SUMMARY_NOTE, _("Signed discharge summary note")
    FINAL_MEASURES = checklist.FINAL_MEASURES, _("Final measures")


class Discharge(AuditedModel):
    episode = models.OneToOneField(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="discharge"
    )
    reason = models.CharField(_("reason"), max_length=30, choices=DischargeReason.choices)
    reason_detail = models.TextField(_("reason in more detail"), blank=True)
    planned_on = models.DateField(_("planned last day"))
    # Stepped up / stepped down: where the person goes. Required to close with those reasons; closing then
    # records the LevelTransition (openiop.intake) in the same transaction.
    to_level = models.CharField(
        _("next level of care"), max_length=30, choices=LevelOfCare.choices, blank=True
    )
    to_setting = models.CharField(_("next program or organization"), max_length=160, blank=True)
    support_groups = models.TextField(
        _("support groups"), blank=True, help_text=_("Peer and mutual-help groups, when and where they meet.")
    )
    crisis_plan = models.TextField(
        _("crisis plan"),
        blank=True,
        help_text=_(
            "What to do in a crisis after discharge. The signed safety plan is referenced when there is one."
        ),
    )
    status = models.CharField(max_length=10, choices=DischargeStatus.choices, default=DischargeStatus.OPEN)
    closed_on = models.DateField(_("discharged on"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Optimistic concurrency: an update sends the version its form started from; the service updates only
    # `WHERE version = <that>`, so of two saves from the same start the second is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["planned_on", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == DischargeStatus.OPEN


class AftercareAppointment(AuditedModel):
    discharge = models.ForeignKey(Discharge, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField(_("date and time"))
    provider = models.ForeignKey(
        "coordination.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aftercare_appointments",
    )
    provider_name = models.CharField(_("provider (when not in the directory)"), max_length=160, blank=True)
    purpose = models.CharField(_("what for"), max_length=200)
    location = models.CharField(_("location"), max_length=200, blank=True)
    is_telehealth = models.BooleanField(_("telehealth"), default=False)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(provider__isnull=False) | ~models.Q(provider_name=""),
                name="aftercare_has_provider",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def provider_display(self) -> str:
        return str(self.provider) if self.provider_id else self.provider_name


class DischargeWaiver(models.Model):
    """A requirement explicitly not met, and why. Deleting it (un-waiving) is not offered: it is history."""

    discharge = models.ForeignKey(Discharge, on_delete=models.CASCADE, related_name="waivers")
    requirement = models.CharField(max_length=30, choices=Requirement.choices)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["requirement"]
        constraints = [
            models.UniqueConstraint(
                fields=["discharge", "requirement"], name="discharge_waiver_once_per_requirement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_requirement_display()} waived"
