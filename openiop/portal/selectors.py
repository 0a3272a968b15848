"""The portal's one way to the record: the signed-in patient's own, audited once per page."""

from django.core.exceptions import PermissionDenied

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.patients.models import Patient
from openiop.patients.selectors import current_episode, with_episodes


def portal_patient(request, *, page: str, action=Action.VIEW, audit: bool = True) -> Patient:
    """The signed-in patient's record (the view's policy, portal.use, has checked there is one). Writes the
    page's audit event (detail {"portal": page}) unless `audit` is off (a write audits itself)."""
    linked = getattr(request.user, "patient", None)
    if linked is None:
        raise PermissionDenied
    patient = with_episodes(Patient.objects.filter(pk=linked.pk)).get()
    if audit:
        audit_record(action=action, request=request, patient=patient, obj=patient, detail={"portal": page})
    return patient


def portal_episode(patient: Patient):
    """The episode the portal shows: the current one (open), else None."""
    return current_episode(patient)


def owned_or_404(queryset, patient: Patient, **lookup):
    """An object of the patient's own record, or 404 (never 403: another person's object does not exist
    for this user, and saying otherwise would confirm it does)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(queryset, patient=patient, **lookup)
