"""Portal invitations: how a patient gets a portal account.

Only the SHA-256 of the link's token is stored, so a copy of the database cannot be turned into working
links. An invitation is open until it is used (once), revoked (a newer invitation, too many wrong dates of
birth) or 72 hours old.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openiop.core.models import AuditedModel


class InvitationStatus(models.TextChoices):
    OPEN = "open", _("Invited")
    USED = "used", _("Used")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class PortalInvitationQuerySet(models.QuerySet):
    def open(self, now=None):
        """Invitations whose link still works: not used, not revoked, not expired."""
        now = now or timezone.now()
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class PortalInvitation(AuditedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="portal_invitations"
    )
    email = models.EmailField(_("email"))
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Wrong dates of birth typed on the link; at MAX_IDENTITY_TRIES the invitation is revoked.
    failed_checks = models.PositiveSmallIntegerField(default=0)

    objects = PortalInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Portal invitation {self.uuid}"

    def status(self, now=None) -> InvitationStatus:
        now = now or timezone.now()
        if self.used_at:
            return InvitationStatus.USED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= now:
            return InvitationStatus.EXPIRED
        return InvitationStatus.OPEN


class FamilyAccessGrantQuerySet(models.QuerySet):
    def active(self):
        """Grants still in force: the patient has not revoked them."""
        return self.filter(revoked_at__isnull=True)

    def invitation_open(self, now=None):
        """Grants whose invitation link still works: in force, not accepted, not expired."""
        now = now or timezone.now()
        return self.active().filter(user__isnull=True, invitation_expires_at__gt=now)


class FamilyAccessGrant(AuditedModel):
    """A patient's recorded consent that one family member may see the times of the patient's family
    sessions (and nothing else). It is also that person's invitation: the link's token hash lives here,
    so a family link can never be mistaken for a patient's PortalInvitation. Revoking ends access at once
    (the family view's rule reads `revoked_at` on every request)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="family_access_grants"
    )
    name = models.CharField(_("name"), max_length=120)
    relationship = models.CharField(_("relationship"), max_length=60)
    email = models.EmailField(_("email"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="family_access_grants",
    )
    consent_text_version = models.CharField(max_length=40)
    consent_typed_name = models.CharField(max_length=200)
    consented_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invitation_expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Wrong email addresses typed on the link; at MAX_IDENTITY_TRIES the link stops working.
    failed_checks = models.PositiveSmallIntegerField(default=0)

    objects = FamilyAccessGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Family access grant {self.uuid}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
