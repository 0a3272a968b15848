"""/fhir/r4/ Encounter, Group, ServiceRequest and Consent: read and search (see capability.py).

Each follows the pages that show the same records, with the helpers of views.py (paging, audit with
"channel": "fhir", refusals as OperationOutcomes):
- Encounter: a patient's Encounters follow the chart, as Appointment does. A group session's Encounter
  names no patient, but its existence and attendance counts are the session's: it needs what the
  attendance page needs (scheduling.view_sessions, then scheduling.record_attendance on the session).
- Group: a recurring group's roster, as the roster pages show it: scheduling.manage_groups, then
  scheduling.change_roster on the group (the program's director).
- ServiceRequest: the referral pages' permissions (intake.work_referrals, then intake.view_referral) and
  the patient's chart.
- Consent: the consent pages' (coordination.view_consents, then the chart).
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.coordination.models import Consent
from openiop.core.access import refuse
from openiop.intake.models import Referral
from openiop.patients.models import Patient
from openiop.patients.selectors import patient_for_user
from openiop.scheduling.models import AttendanceStatus, GroupSeries, Session, SessionStatus

from .bundle import search_params
from .http import fhir_json, fhir_policy
from .mapping.common import etag
from .outcomes import FhirError
from .resources import (
    booking_updated_at,
    consent_to_fhir,
    consent_updated_at,
    encounter_to_fhir,
    group_encounter_to_fhir,
    group_session_updated_at,
    group_to_fhir,
    referral_to_fhir,
)
from .views import CHART, _audit_view, _bookings, _id, _page, _patient_param, _read, _uuid

SESSIONS = "scheduling.view_sessions"  # the attendance page's gate; the session against record_attendance
GROUPS = "scheduling.manage_groups"  # the roster pages' gate; each group against change_roster
REFERRALS = "intake.work_referrals"  # the referral pages' gate; each referral against view_referral
CONSENTS = "coordination.view_consents"  # the consent pages' gate; each patient against the chart

# --- Encounter -----------------------------------------------------------------------------------------------

DATE_PREFIXES = {"eq": "", "ge": "__gte", "le": "__lte", "gt": "__gt", "lt": "__lt"}


def _date_filter(value: str) -> Q:
    """`date=[eq|ge|le|gt|lt]YYYY-MM-DD` on the session's day (one bound per search)."""
    prefix = value[:2] if value[:2] in DATE_PREFIXES else ""
    day = parse_date(value.removeprefix(prefix))
    if day is None:
        raise FhirError.of(
            400, "date must be a date (YYYY-MM-DD) with an optional eq, ge, le, gt or lt.", "date"
        )
    return Q(**{f"session__date{DATE_PREFIXES[prefix or 'eq']}": day})


def _encounter_bookings():
    """Bookings that are Encounters: attendance recorded, or the session called off."""
    return _bookings().filter(
        ~Q(status=AttendanceStatus.SCHEDULED) | Q(session__status=SessionStatus.CANCELLED)
    )


@fhir_policy(CHART)
def encounter_type(request):
    """The patient's own Encounters (one per recorded booking), newest first."""
    params, page = search_params(request.GET, ("patient", "date", "part-of"), required=("patient",))
    patient = _patient_param(request, params)
    bookings = _encounter_bookings().filter(episode__patient=patient)
    if params.get("date"):
        bookings = bookings.filter(_date_filter(params["date"]))
    if params.get("part-of"):
        bookings = bookings.filter(session__uuid=_uuid(params["part-of"], "part-of", prefix="Encounter/"))
    return _page(
        request,
        "Encounter",
        queryset=bookings.order_by("-session__date", "-session__start_time", "-pk"),
        params=params,
        page=page,
        to_fhir=encounter_to_fhir,
        object_type="scheduling.sessionattendee",
        patient=patient,
    )


def _group_session(request, resource_id: str) -> Session:
    session = get_object_or_404(
        Session.objects.select_related("session_type", "room", "series", "program").prefetch_related(
            "clinicians", "attendees"
        ),
        uuid=_id(resource_id),
    )
    if not session.session_type.is_group:  # an individual session is only its patient's Encounter
        raise FhirError.of(404, "No such resource.")
    user = request.user
    for permission, obj in ((SESSIONS, None), ("scheduling.record_attendance", session)):
        if not user.has_perm(permission, obj):
            refuse(request, permission=permission, obj=session)
    return session


@fhir_policy(CHART)
def encounter_read(request, resource_id: str):
    session_part, _, booking_part = resource_id.partition(".")
    if not booking_part:
        session = _group_session(request, session_part)
        audit_record(
            action=Action.VIEW,
            request=request,
            obj=session,
            detail={"channel": "fhir", "resource": "Encounter", "attendees": len(session.attendees.all())},
        )
        return _read(group_encounter_to_fhir(session), group_session_updated_at(session))
    if not booking_part.isdigit():
        raise FhirError.of(404, "No such resource.")
    booking = get_object_or_404(_encounter_bookings(), session__uuid=_id(session_part), pk=int(booking_part))
    patient = patient_for_user(request, booking.episode.patient.uuid, audit=False)
    _audit_view(request, patient=patient, obj=booking, resource_type="Encounter")
    return _read(encounter_to_fhir(booking), booking_updated_at(booking))


# --- Group (recurring groups and their rosters) --------------------------------------------------------------


def _groups(user):
    """The recurring groups of the user's programs (the gate has made sure they are a director)."""
    return (
        GroupSeries.objects.filter(program__staff_profiles__user=user)
        .select_related("program", "track", "session_type")
        .prefetch_related("memberships__episode__patient")
        .order_by("program__name", "weekday", "start_time", "pk")
    )


@fhir_policy(GROUPS)
def group_type(request):
    params, page = search_params(request.GET, ("_id", "member"))
    groups = _groups(request.user)
    patient = None
    if params.get("_id"):
        groups = groups.filter(uuid=_uuid(params["_id"], "_id"))
    if params.get("member"):
        member = _uuid(params["member"], "member", prefix="Patient/")
        groups = groups.filter(memberships__episode__patient__uuid=member).distinct()
        patient = Patient.objects.filter(uuid=member).first()
    return _page(
        request,
        "Group",
        queryset=groups,
        params=params,
        page=page,
        to_fhir=group_to_fhir,
        object_type="scheduling.groupseries",
        patient=patient,
    )


@fhir_policy(GROUPS)
def group_read(request, resource_id: str):
    series = get_object_or_404(
        GroupSeries.objects.select_related("program", "track", "session_type").prefetch_related(
            "memberships__episode__patient"
        ),
        uuid=_id(resource_id),
    )
    if not request.user.has_perm("scheduling.change_roster", series):
        refuse(request, permission="scheduling.change_roster", obj=series)
    audit_record(
        action=Action.VIEW,
        request=request,
        obj=series,
        detail={"channel": "fhir", "resource": "Group", "members": len(series.memberships.all())},
    )
    return _read(group_to_fhir(series), series.updated_at)


# --- ServiceRequest (intake referrals) -----------------------------------------------------------------------


def _referrals():
    return Referral.objects.filter(patient__isnull=False).select_related("program", "patient", "episode")


@fhir_policy(REFERRALS, methods=("GET", "POST"))
def service_request_type(request):
    """Search: the patient's referrals to the programs the user works intake for, newest first. POST: an
    incoming referral (views_inbound.service_request_create), under the same gate."""
    if request.method == "POST":
        from .views_inbound import service_request_create

        return service_request_create(request)
    params, page = search_params(request.GET, ("patient",), required=("patient",))
    patient = _patient_param(request, params)
    referrals = (
        _referrals()
        .filter(patient=patient, program__staff_profiles__user=request.user)
        .order_by("-received_at", "-pk")
    )
    return _page(
        request,
        "ServiceRequest",
        queryset=referrals,
        params=params,
        page=page,
        to_fhir=referral_to_fhir,
        object_type="intake.referral",
        patient=patient,
    )


@fhir_policy(REFERRALS)
def service_request_read(request, resource_id: str):
    referral = get_object_or_404(_referrals(), uuid=_id(resource_id))
    if not request.user.has_perm("intake.view_referral", referral):
        refuse(request, permission="intake.view_referral", patient=referral.patient, obj=referral)
    patient = patient_for_user(request, referral.patient.uuid, audit=False)
    _audit_view(request, patient=patient, obj=referral, resource_type="ServiceRequest")
    return _read(referral_to_fhir(referral), referral.updated_at)


# --- Consent -------------------------------------------------------------------------------------------------


def _consents():
    return Consent.objects.select_related("patient", "recipient").with_discharges()


@fhir_policy(CONSENTS)
def consent_type(request):
    """The patient's consents, newest first, each as it stands now (revoked and expired are inactive)."""
    params, page = search_params(request.GET, ("patient",), required=("patient",))
    patient = _patient_param(request, params)
    now = timezone.now()
    return _page(
        request,
        "Consent",
        queryset=_consents().filter(patient=patient).order_by("-signed_at", "-pk"),
        params=params,
        page=page,
        to_fhir=lambda consent: consent_to_fhir(consent, now=now),
        object_type="coordination.consent",
        patient=patient,
    )


@fhir_policy(CONSENTS)
def consent_read(request, resource_id: str):
    consent = get_object_or_404(_consents(), uuid=_id(resource_id))
    patient = patient_for_user(request, consent.patient.uuid, audit=False)
    _audit_view(request, patient=patient, obj=consent, resource_type="Consent")
    now = timezone.now()
    return fhir_json(
        consent_to_fhir(consent, now=now), headers={"ETag": etag(consent_updated_at(consent, now))}
    )
