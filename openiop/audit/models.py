from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .chain import GENESIS_HASH


class Action(models.TextChoices):
    VIEW = "view", _("View")
    LIST = "list", _("List or search")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    EXPORT = "export", _("Export")
    PRINT = "print", _("Print")
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logout")
    ACCESS_REFUSED = "access_refused", _("Access refused")
    BREAK_GLASS = "break_glass", _("Break-the-glass access")
    REVIEW = "review", _("Review")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


class AuditEventQuerySet(models.QuerySet):
    def in_chain_order(self):
        return self.order_by("seq")


class AuditEvent(models.Model):
    """One thing that happened to PHI or to a login. Append-only and hash-chained (see chain.py).

    Actor and patient are kept both as references and as snapshots, so the event still reads correctly
    if a name changes later.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    patient_record_number = models.CharField(max_length=12, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["patient", "occurred_at"]),
            models.Index(fields=["actor", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_username or 'anonymous'}"

    def chain_content(self) -> dict[str, object]:
        """Every stored field except the hashes: what the hash protects."""
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(),
            "actor": self.actor_id,
            "actor_username": self.actor_username,
            "actor_role": self.actor_role,
            "patient": self.patient_id,
            "patient_record_number": self.patient_record_number,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "outcome": self.outcome,
            "request_id": self.request_id,
            "ip_address": self.ip_address,
            "detail": self.detail,
        }


class AuditChainHead(models.Model):
    """A single row holding the newest event's sequence number and hash.

    Writers lock it (select_for_update) so events get gap-free sequence numbers across app processes, and
    audit_verify uses it to notice deletion of the newest events.
    """

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit chain at {self.last_seq}"
