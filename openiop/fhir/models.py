"""What the FHIR interface keeps of its own: which incoming referral identifiers it has already recorded."""

from django.conf import settings
from django.db import models


class ReceivedReferral(models.Model):
    """An incoming referral's identifier (the Bundle's, else the ServiceRequest's), so the same referral
    posted twice (a retry, a resend) is recorded once: the second POST answers with the first referral."""

    referral = models.OneToOneField("intake.Referral", on_delete=models.PROTECT, related_name="fhir_received")
    system = models.CharField(max_length=200)
    value = models.CharField(max_length=200)
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["system", "value"], name="fhir_received_referral_identifier_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.system}|{self.value}"
