from django.db import models
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel


class MedicationQuerySet(models.QuerySet):
    def current(self):
        return self.filter(stopped_on__isnull=True)


class Medication(AuditedModel):
    """A medication as recorded by the care team (usually the psychiatrist at medication management): what
    the person takes, not an order. It travels in the transition packet as "medications as recorded"."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(_("medication"), max_length=120)
    dose = models.CharField(_("dose"), max_length=60, blank=True)
    directions = models.CharField(_("how taken"), max_length=160, blank=True)
    prescriber = models.CharField(_("prescriber"), max_length=120, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    stop_reason = models.CharField(_("why stopped"), max_length=200, blank=True)

    objects = MedicationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stopped_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(stopped_on__gte=models.F("started_on")),
                name="medication_stopped_after_start",
            )
        ]

    def __str__(self) -> str:
        return " ".join(part for part in (self.name, self.dose) if part)
