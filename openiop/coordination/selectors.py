"""Reads of the coordination app. Patient loads check the rules and audit once (via patients.selectors)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from openiop.audit.models import Action
from openiop.core.access import refuse
from openiop.patients.selectors import BreakGlassRequired, patient_for_user

from .models import Consent, Disclosure, ExternalCareTeamMember, Provider, Transmission

VIEW = "coordination.view_patient_consents"
RECORD = "coordination.record_patient_consent"
DISCLOSE = "coordination.disclose_patient"


def providers(*, text: str = "", active_only: bool = False) -> QuerySet[Provider]:
    found = Provider.objects.all()
    if active_only:
        found = found.filter(active=True)
    for word in text.split():
        found = found.filter(name__icontains=word) | found.filter(organization__icontains=word)
    return found.order_by("name", "organization", "id")


def patient_for_coordination(
    request, patient_uuid, *, permission: str = VIEW, audit: bool = True, action=Action.VIEW, detail=None
):
    """The patient, if the user may act with `permission`; audits the access (once) unless `audit` is off.

    Reading follows the chart (break-the-glass raises BreakGlassRequired); writing and disclosing refuse."""
    try:
        patient = patient_for_user(request, patient_uuid, action=action, audit=False)
    except BreakGlassRequired as needed:
        if permission == VIEW:
            raise
        refuse(request, permission=permission, patient=needed.patient, obj=needed.patient)
    if permission != VIEW and not request.user.has_perm(permission, patient):
        refuse(request, permission=permission, patient=patient, obj=patient)
    if audit:
        from openiop.audit.services import audit_record

        audit_record(action=action, request=request, patient=patient, obj=patient, detail=detail or {})
    return patient


def consent_for_user(request, consent_uuid, *, permission: str = VIEW, audit: bool = True) -> Consent:
    # The staff profiles: the page names the witness and whoever revoked it with credentials (`display_name`).
    consent = get_object_or_404(
        Consent.objects.select_related(
            "patient", "recipient", "witnessed_by__staff_profile", "revoked_by__staff_profile"
        ),
        uuid=consent_uuid,
    )
    patient_for_coordination(
        request,
        consent.patient.uuid,
        permission=permission,
        audit=audit,
        detail={"consent": str(consent.uuid)},
    )
    return consent


def consents_of(patient, *, with_staff: bool = True) -> QuerySet[Consent]:
    """The patient's signed consents, with what their status needs (the patient's discharges) and the staff
    who witnessed or revoked them, with their credentials (`display_name`).

    `with_staff=False` leaves the staff out, for pages that do not name them (the chart's panel)."""
    related = ["recipient"]
    if with_staff:
        related += ["witnessed_by__staff_profile", "revoked_by__staff_profile"]
    return Consent.objects.filter(patient=patient).select_related(*related).with_discharges()


def consent_rows(patient, *, now=None, with_staff: bool = True) -> list[tuple[Consent, str]]:
    now = now or timezone.now()
    return [(consent, consent.status_at(now)) for consent in consents_of(patient, with_staff=with_staff)]


def external_team_of(patient) -> QuerySet[ExternalCareTeamMember]:
    """The providers outside the program who care for the patient now."""
    return ExternalCareTeamMember.objects.filter(patient=patient, ended_on__isnull=True).select_related(
        "provider"
    )


def external_team_history(patient) -> QuerySet[ExternalCareTeamMember]:
    """Ended memberships, most recently ended first: who cared for the patient before."""
    return (
        ExternalCareTeamMember.objects.filter(patient=patient, ended_on__isnull=False)
        .select_related("provider")
        .order_by("-ended_on", "provider__name", "id")
    )


def external_member_for_user(request, member_uuid, *, permission: str = RECORD, audit: bool = True):
    member = get_object_or_404(
        ExternalCareTeamMember.objects.select_related("patient", "provider"), uuid=member_uuid
    )
    patient_for_coordination(
        request,
        member.patient.uuid,
        permission=permission,
        audit=audit,
        detail={"external_care_team_member": str(member.uuid)},
    )
    return member


def transmission_for_user(request, transmission_uuid, *, permission: str = DISCLOSE) -> Transmission:
    """A transmission of a disclosure, if the user may disclose for its patient (no audit: the action does)."""
    transmission = get_object_or_404(
        Transmission.objects.select_related("disclosure__patient", "disclosure__recipient"),
        uuid=transmission_uuid,
    )
    patient_for_coordination(
        request, transmission.disclosure.patient.uuid, permission=permission, audit=False
    )
    return transmission


def disclosures_of(patient) -> QuerySet[Disclosure]:
    """The accounting of disclosures of a patient, newest first: what the portal (issue 8) will show them."""
    return (
        Disclosure.objects.filter(patient=patient)
        .select_related("recipient", "disclosed_by")
        .prefetch_related("consents", "transmissions")
        .order_by("-disclosed_at", "-id")
    )
