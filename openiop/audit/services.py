"""Writing audit events. Every PHI read or write, login, export and print calls `audit_record`."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from openiop.core.client_address import client_address
from openiop.core.request_context import current_request_id

from .chain import event_digest
from .models import Action, AuditChainHead, AuditEvent, Outcome


def _client_ip(request) -> str | None:
    address = client_address(request) if request is not None else None
    if not address:
        return None
    try:
        validate_ipv46_address(address)
    except ValidationError:
        return None
    # Hash the address in the form GenericIPAddressField stores it ("2001:DB8::1" is saved as
    # "2001:db8::1"), or the event would fail audit_verify once read back.
    return clean_ipv6_address(address) if ":" in address else address


def audit_record(
    *,
    action: Action | str,
    request=None,
    actor=None,
    patient=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    outcome: Outcome | str = Outcome.SUCCESS,
    detail: dict | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one event to the hash chain, inside the caller's transaction when there is one.

    The actor defaults to the request's user. `obj` (any model with a uuid) fills object type and id.
    `detail` must never hold clinical content: ids, filters and reasons only.
    """
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "uuid", obj.pk))
    with transaction.atomic():
        # Locking the head serialises writers across processes (PostgreSQL); SQLite's IMMEDIATE
        # transactions already serialise them.
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.last_seq + 1,
            occurred_at=timezone.now(),
            actor=actor,
            actor_username=(actor.get_username() if actor else username).replace("\x00", "")[:150],
            actor_role=getattr(actor, "role", "") if actor else "",
            patient=patient,
            patient_record_number=patient.record_number if patient else "",
            action=str(action),
            object_type=object_type,
            object_id=object_id,
            outcome=str(outcome),
            request_id=(getattr(request, "request_id", "") if request else "") or current_request_id(),
            ip_address=_client_ip(request),
            detail=detail or {},
            previous_hash=head.last_hash,
        )
        event.hash = event_digest(event.previous_hash, event.chain_content())
        event.save(force_insert=True)
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event
