"""Payer authorizations: what a payer agreed to pay for in an episode, and over which dates.

One `PayerAuthorization` per authorization the payer issued (a first authorization, then each extension
after a utilization review, is its own row). What has been used is never stored: it is computed from
attendance by `usage.py`, so it cannot drift from the weekly hours ledger.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel

from . import usage


class UnitKind(models.TextChoices):
    HOURS = usage.HOURS, _("Hours")
    SESSIONS = usage.SESSIONS, _("Sessions")
    DAYS = usage.DAYS, _("Program days")


class AuthorizationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class PayerAuthorizationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=AuthorizationStatus.ACTIVE)


class PayerAuthorization(AuditedModel):
    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="payer_authorizations"
    )
    payer = models.CharField(_("payer"), max_length=120)
    number = models.CharField(_("authorization number"), max_length=60)
    unit = models.CharField(_("authorized in"), max_length=10, choices=UnitKind.choices)
    authorized = models.DecimalField(_("quantity authorized"), max_digits=7, decimal_places=1)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    notes = models.TextField(_("notes"), blank=True)
    # Ended early (the payer withdrew it, the person left, it was entered in error): kept as history, no
    # longer alerting. An authorization that simply runs out is not ended: it is expired.
    status = models.CharField(
        max_length=10, choices=AuthorizationStatus.choices, default=AuthorizationStatus.ACTIVE
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.TextField(_("why it ended"), blank=True)
    # Optimistic concurrency, as in discharge: an update names the version its form started from.
    version = models.PositiveIntegerField(default=1)

    objects = PayerAuthorizationQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="payer_authorization_dates_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(authorized__gt=0), name="payer_authorization_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer} {self.number}"

    @property
    def is_active(self) -> bool:
        return self.status == AuthorizationStatus.ACTIVE

    def as_core(self) -> usage.Authorization:
        return usage.Authorization(
            unit=self.unit, authorized=self.authorized, starts_on=self.starts_on, ends_on=self.ends_on
        )
