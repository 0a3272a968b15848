"""Writes of the transitions app: the medication list, and sending the transition packet."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.coordination import services as coordination
from openiop.coordination.models import Category

from .models import Medication
from .packet import KINDS, build_packet

MEDICATION_FIELDS = ("name", "dose", "directions", "prescriber", "started_on")


def medication_add(*, patient, by, request=None, **fields) -> Medication:
    unknown = set(fields) - set(MEDICATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown medication fields {sorted(unknown)}")
    errors = {}
    if not (fields.get("name") or "").strip():
        errors["name"] = _("Name the medication.")
    started_on = fields.get("started_on")
    if started_on and started_on > timezone.localdate():
        errors["started_on"] = _("A medication cannot have started in the future.")
    if errors:
        raise ValidationError(errors)
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    with transaction.atomic():
        medication = Medication.objects.create(patient=patient, created_by=by, updated_by=by, **cleaned)
        audit_record(action=Action.CREATE, request=request, actor=by, patient=patient, obj=medication)
    return medication


def medication_stop(
    *, medication: Medication, stopped_on: datetime.date, reason: str, by, request=None
) -> Medication:
    errors = {}
    if medication.stopped_on is not None:
        errors["__all__"] = _("This medication is already recorded as stopped.")
    if stopped_on > timezone.localdate():
        errors["stopped_on"] = _("Record a stop once it has happened.")
    if medication.started_on and stopped_on < medication.started_on:
        errors["stopped_on"] = _("A medication cannot stop before it started.")
    if not reason.strip():
        errors["reason"] = _("Say why it was stopped.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        updated = Medication.objects.filter(pk=medication.pk, stopped_on__isnull=True).update(
            stopped_on=stopped_on, stop_reason=reason.strip(), updated_by=by, updated_at=timezone.now()
        )
        if not updated:
            raise ValidationError({"__all__": _("This medication is already recorded as stopped.")})
        medication.refresh_from_db()
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=medication.patient,
            obj=medication,
            detail={"changed": ["stopped_on", "stop_reason"]},
        )
    return medication


PACKET_TEMPLATE = "transitions/pdf/packet.html"


def packet_send_pdf(*, episode, kind: str, recipient, purpose: str, by, request=None):
    """Release the transition packet of `episode` as a PDF to `recipient`, through the disclosure
    service: refused (DisclosureRefused) unless a consent covers the recipient, the purpose and the
    "transition packet" information now; stamped with the §2.32 notice and the consent. Returns
    (disclosure, pdf bytes)."""
    if kind not in KINDS:
        raise ValidationError({"kind": _("Choose step-down, step-up or discharge.")})
    packet = build_packet(episode, kind=kind, today=timezone.localdate())
    return coordination.disclose(
        patient=episode.patient,
        recipient=recipient,
        purpose=purpose,
        categories=[Category.TRANSITION_PACKET],
        document=coordination.PdfSource(PACKET_TEMPLATE, {"packet": packet, "recipient": recipient}),
        media_type=coordination.PDF,
        description=_("%(kind)s transition packet") % {"kind": packet.kind_label},
        by=by,
        request=request,
    )
