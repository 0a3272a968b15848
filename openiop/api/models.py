"""What the API keeps between requests: the outcome of each create sent with an Idempotency-Key."""

from django.conf import settings
from django.db import models


class IdempotencyState(models.TextChoices):
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"


class IdempotencyRecord(models.Model):
    """One Idempotency-Key of one caller (`scope`: a hash of the bearer token, or the signed-in user).

    While the first request runs the record is PROCESSING, so a concurrent copy is answered 409 instead of
    creating a second record; once it succeeded the response is kept for KEEP_HOURS and replayed to the same
    caller for the same request. The body can hold PHI, exactly what the caller was already sent; it is
    deleted after KEEP_HOURS (see idempotency.py)."""

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path, query and body
    state = models.CharField(
        max_length=12, choices=IdempotencyState.choices, default=IdempotencyState.PROCESSING
    )
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField(default=b"", blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_once_per_caller")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"idempotency {self.state} {self.status or ''}"
