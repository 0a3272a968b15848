"""/fhir/r4/: read and search for Patient, EpisodeOfCare, CareTeam, Questionnaire, QuestionnaireResponse,
Observation, CarePlan, Goal and Appointment; create for QuestionnaireResponse; update (If-Match) for Patient.
Encounter, Group, ServiceRequest and Consent are in views_records.py. See capability.py for exactly what is
offered.

The pages' permissions apply (patients.view_chart, treatment.view_plan through the same loaders); break-the-glass is web-only.
Every read of a patient's data leaves one audit event with "channel": "fhir"; writes are audited by the
measures and patients services. Searches about a patient's record require `patient=`.
"""

import json
import uuid

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import PUBLIC, refuse
from openiop.measures.models import Administration, Source
from openiop.measures.registry import current_instruments
from openiop.measures.selectors import administration_for_user, break_glass_detail, patient_for_measures
from openiop.measures.services import PossibleDuplicate, administration_record
from openiop.patients.models import EpisodeOfCare
from openiop.patients.selectors import current_episode, patient_census, patient_for_user
from openiop.patients.services import StaleVersion, patient_contact_update
from openiop.scheduling.models import SessionAttendee
from openiop.treatment.models import LOCKED_STATUSES, Goal, PlanStatus, TreatmentPlan
from openiop.treatment.selectors import plan_for_user

from .bundle import search_params, searchset
from .capability import capability_statement
from .http import fhir_json, fhir_policy
from .inbound import parse_response
from .mapping.common import LOINC, RECORD_NUMBER_SYSTEM, etag, instant, version_id, version_moment
from .mapping.measures import questionnaire_id, questionnaire_resource, questionnaire_url
from .mapping.patient_update import contact_fields, validate_patient
from .outcomes import FhirError, Issue
from .resources import (
    appointment_to_fhir,
    booking_updated_at,
    care_plan_to_fhir,
    care_team_to_fhir,
    episode_to_fhir,
    goal_to_fhir,
    observation_to_fhir,
    patient_to_fhir,
    response_to_fhir,
)

CHART = "patients.list_patients"  # the gate; each patient is then checked against patients.view_chart
MEASURES = "measures.view"  # the gate; each patient against measures.view_patient (the chart)
PLANS = "treatment.view_plans"  # the gate; each patient against treatment.view_plan (the care team)


def _base(request) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("/metadata")


def _type_url(request, resource_type: str) -> str:
    return f"{_base(request)}/{resource_type}"


def _read(resource: dict, updated_at) -> object:
    return fhir_json(resource, headers={"ETag": etag(updated_at)})


def _audit_view(request, *, patient, obj, resource_type: str) -> None:
    detail = break_glass_detail(request, patient, {"channel": "fhir", "resource": resource_type})
    audit_record(action=Action.VIEW, request=request, patient=patient, obj=obj, detail=detail)


def _audit_search(
    request, *, resource_type: str, object_type: str, params: dict, page, shown: int, total: int, patient=None
):
    audit_record(
        action=Action.LIST,
        request=request,
        patient=patient,
        object_type=object_type,
        detail={
            "channel": "fhir",
            "resource": resource_type,
            "params": params,
            "offset": page.offset,
            "count": page.count,
            "shown": shown,
            "total": total,
        },
    )


def _uuid(value: str, name: str, *, prefix: str = "") -> uuid.UUID:
    try:
        return uuid.UUID(value.removeprefix(prefix))
    except ValueError:
        raise FhirError.of(400, f"{name} must be a {prefix or ''}<id> reference.", name) from None


def _id(value: str) -> uuid.UUID:
    """A resource id in the path: our ids are UUIDs, anything else is simply not found."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404 from None


def _page(request, resource_type, *, queryset, params, page, to_fhir, object_type, patient=None):
    total = queryset.count()
    rows = list(queryset[page.offset : page.offset + page.count]) if page.count else []
    _audit_search(
        request,
        resource_type=resource_type,
        object_type=object_type,
        params=params,
        page=page,
        shown=len(rows),
        total=total,
        patient=patient,
    )
    bundle = searchset(
        base_url=_type_url(request, resource_type),
        params=params,
        page=page,
        total=total,
        resources=[to_fhir(row) for row in rows],
    )
    return fhir_json(bundle)


# --- capability ----------------------------------------------------------------------------------------------


@fhir_policy(PUBLIC)
def metadata(request):
    """What this server implements. Public, as FHIR expects: it holds no data."""
    from django.conf import settings

    statement = capability_statement(
        base_url=_base(request),
        software_version=getattr(settings, "OPENIOP_VERSION", "dev"),
        date=instant(timezone.now()),
    )
    return fhir_json(statement)


# --- Patient -------------------------------------------------------------------------------------------------


def _identifier_filter(value: str) -> Q:
    system, bar, code = value.rpartition("|")
    if bar and system and system != RECORD_NUMBER_SYSTEM:
        return Q(pk__in=[])  # an identifier of another system: we hold none
    return Q(record_number__iexact=code)


def _birthdate_filter(value: str) -> Q:
    day = parse_date(value.removeprefix("eq")) if value else None
    if day is None:
        raise FhirError.of(400, "birthdate must be a date (YYYY-MM-DD).", "birthdate")
    return Q(date_of_birth=day)


def _name_filter(value: str) -> Q:
    query = Q()
    for word in value.split():
        query &= (
            Q(legal_given_name__icontains=word)
            | Q(legal_family_name__icontains=word)
            | Q(preferred_name__icontains=word)
        )
    return query


@fhir_policy(CHART)
def patient_type(request):
    """Patient search over the census the web's patient list shows (patients of your programs)."""
    params, page = search_params(request.GET, ("identifier", "name", "birthdate"))
    patients = patient_census(request.user)
    for name, build in (
        ("identifier", _identifier_filter),
        ("name", _name_filter),
        ("birthdate", _birthdate_filter),
    ):
        if params.get(name):
            patients = patients.filter(build(params[name]))
    return _page(
        request,
        "Patient",
        queryset=patients,
        params=params,
        page=page,
        to_fhir=patient_to_fhir,
        object_type="patients.patient",
    )


@fhir_policy(CHART, methods=("GET", "PUT"))
def patient_read(request, resource_id: str):
    if request.method == "PUT":
        return _patient_update(request, resource_id)
    patient = patient_for_user(request, _id(resource_id), audit=False)
    _audit_view(request, patient=patient, obj=patient, resource_type="Patient")
    return _read(patient_to_fhir(patient), patient.updated_at)


# There is no page to edit a chart's demographics yet: those who register patients (intake coordinators and
# directors) record them, for the patients whose chart they may open.
CHANGE_DEMOGRAPHICS = "patients.add_patient"
STALE = "The patient changed since your copy (If-Match) was read. Read it again, then send your change."
# Where the patients service names a field, the FHIRPath of the element it came from.
PATIENT_FIELDS = {
    "phone": "Patient.telecom.where(system='phone')",
    "email": "Patient.telecom.where(system='email')",
    "address": "Patient.address",
    "preferred_name": "Patient.name.where(use='usual')",
    "language": "Patient.communication",
}


def _if_match(request):
    """The `updated_at` the caller's copy had: 428 without If-Match, 412 if it names no version of ours."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise FhirError(
            428,
            [
                Issue(
                    'Send If-Match with the ETag of your copy, e.g. If-Match: W/"<versionId>".',
                    code="required",
                )
            ],
        )
    moment = version_moment(header.removeprefix("W/").strip('"'))
    if moment is None:
        raise FhirError.of(412, STALE)
    return moment


def _patient_update(request, resource_id: str):
    """PUT: change the contact details OpenIOP lets FHIR change (mapping/patient_update.py), if the caller's
    copy is current (If-Match), through patients.services.patient_contact_update (audited there)."""
    if not request.user.has_perm(CHANGE_DEMOGRAPHICS):
        refuse(request, permission=CHANGE_DEMOGRAPHICS)
    patient = patient_for_user(request, _id(resource_id), audit=False)
    expected = _if_match(request)
    if expected != patient.updated_at:
        raise FhirError.of(412, STALE)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise FhirError.of(400, "The body is not JSON.") from None
    validate_patient(body)
    if body.get("id") != resource_id:
        raise FhirError.of(400, "The resource's id must be the id in the URL.", "Patient.id")
    fields = contact_fields(body, patient_to_fhir(patient))
    try:
        patient, _changed = patient_contact_update(
            patient=patient,
            by=request.user,
            request=request,
            expected_version=expected,
            channel="fhir",
            **fields,
        )
    except StaleVersion:
        raise FhirError.of(412, STALE) from None
    except ValidationError as error:
        raise FhirError(
            422,
            [
                Issue(str(message), (PATIENT_FIELDS.get(name, "Patient"),))
                for name, messages in error.message_dict.items()
                for message in messages
            ],
        ) from None
    return _read(patient_to_fhir(patient), patient.updated_at)


# --- EpisodeOfCare and CareTeam ------------------------------------------------------------------------------


def _patient_param(request, params, *, measures: bool = False):
    patient_uuid = _uuid(params["patient"], "patient", prefix="Patient/")
    if measures:
        return patient_for_measures(request, patient_uuid, audit=False)
    return patient_for_user(request, patient_uuid, audit=False)


def _episodes(patient):
    return EpisodeOfCare.objects.filter(patient=patient).select_related("patient", "program", "track")


def _episode(request, resource_id: str) -> EpisodeOfCare:
    episode = get_object_or_404(
        EpisodeOfCare.objects.select_related("patient", "program", "track"), uuid=_id(resource_id)
    )
    patient_for_user(request, episode.patient.uuid, audit=False)  # the chart's check, or refusal
    return episode


@fhir_policy(CHART)
def episode_type(request):
    params, page = search_params(request.GET, ("patient",), required=("patient",))
    patient = _patient_param(request, params)
    return _page(
        request,
        "EpisodeOfCare",
        queryset=_episodes(patient),
        params=params,
        page=page,
        to_fhir=episode_to_fhir,
        object_type="patients.episodeofcare",
        patient=patient,
    )


@fhir_policy(CHART)
def episode_read(request, resource_id: str):
    episode = _episode(request, resource_id)
    _audit_view(request, patient=episode.patient, obj=episode, resource_type="EpisodeOfCare")
    return _read(episode_to_fhir(episode), episode.updated_at)


@fhir_policy(CHART)
def care_team_type(request):
    """One CareTeam per episode that has members; its id is the episode's."""
    params, page = search_params(request.GET, ("patient",), required=("patient",))
    patient = _patient_param(request, params)
    return _page(
        request,
        "CareTeam",
        queryset=_episodes(patient).filter(care_team_members__isnull=False).distinct(),
        params=params,
        page=page,
        to_fhir=care_team_to_fhir,
        object_type="patients.careteammember",
        patient=patient,
    )


@fhir_policy(CHART)
def care_team_read(request, resource_id: str):
    episode = _episode(request, resource_id)
    _audit_view(request, patient=episode.patient, obj=episode, resource_type="CareTeam")
    return _read(care_team_to_fhir(episode), episode.updated_at)


# --- Questionnaire (no patient data) -------------------------------------------------------------------------


@fhir_policy(MEASURES)
def questionnaire_type(request):
    params, page = search_params(request.GET, ("url", "name"))
    found = [questionnaire_resource(i) for i in sorted(current_instruments(), key=lambda i: i.code)]
    if params.get("url"):
        url = params["url"].partition("|")[0]
        found = [q for q in found if q["url"] == url]
    if params.get("name"):
        found = [q for q in found if q["name"].lower().startswith(params["name"].lower())]
    bundle = searchset(
        base_url=_type_url(request, "Questionnaire"),
        params=params,
        page=page,
        total=len(found),
        resources=found[page.offset : page.offset + page.count],
    )
    return fhir_json(bundle)


@fhir_policy(MEASURES)
def questionnaire_read(request, resource_id: str):
    for instrument in current_instruments():
        if questionnaire_id(instrument.code) == resource_id:
            return fhir_json(questionnaire_resource(instrument))
    raise Http404


# --- QuestionnaireResponse and Observation -------------------------------------------------------------------


def _administrations(patient):
    return (
        Administration.objects.filter(patient=patient)
        .select_related("patient", "created_by")
        .order_by("-completed_on", "-created_at")
    )


def _instrument_codes_for_questionnaire(value: str) -> list[str]:
    url = value.partition("|")[0]
    return [
        i.code
        for i in current_instruments()
        if url in (questionnaire_url(i.code), f"Questionnaire/{questionnaire_id(i.code)}")
    ]


def _instrument_codes_for_code(value: str) -> list[str]:
    system, bar, code = value.rpartition("|")
    if bar and system and system != LOINC:
        return []
    return [i.code for i in current_instruments() if i.loinc.total and i.loinc.total == code]


@fhir_policy(MEASURES, methods=("GET", "POST"))
def questionnaire_response_type(request):
    if request.method == "POST":
        return _questionnaire_response_create(request)
    params, page = search_params(request.GET, ("patient", "questionnaire"), required=("patient",))
    patient = _patient_param(request, params, measures=True)
    administrations = _administrations(patient)
    if params.get("questionnaire"):
        administrations = administrations.filter(
            instrument_code__in=_instrument_codes_for_questionnaire(params["questionnaire"])
        )
    return _page(
        request,
        "QuestionnaireResponse",
        queryset=administrations,
        params=params,
        page=page,
        to_fhir=response_to_fhir,
        object_type="measures.administration",
        patient=patient,
    )


@fhir_policy(MEASURES)
def questionnaire_response_read(request, resource_id: str):
    administration = administration_for_user(request, _id(resource_id), audit=False)
    _audit_view(
        request, patient=administration.patient, obj=administration, resource_type="QuestionnaireResponse"
    )
    return _read(response_to_fhir(administration), administration.updated_at)


@fhir_policy(MEASURES)
def observation_type(request):
    """Total-score Observations: one per administration with a total."""
    params, page = search_params(request.GET, ("patient", "code"), required=("patient",))
    patient = _patient_param(request, params, measures=True)
    administrations = _administrations(patient).filter(total__isnull=False)
    if params.get("code"):
        administrations = administrations.filter(
            instrument_code__in=_instrument_codes_for_code(params["code"])
        )
    return _page(
        request,
        "Observation",
        queryset=administrations,
        params=params,
        page=page,
        to_fhir=observation_to_fhir,
        object_type="measures.administration",
        patient=patient,
    )


@fhir_policy(MEASURES)
def observation_read(request, resource_id: str):
    administration = administration_for_user(request, _id(resource_id), audit=False)
    if administration.total is None:  # a screen without a total, or an incomplete form: no Observation
        raise Http404
    _audit_view(request, patient=administration.patient, obj=administration, resource_type="Observation")
    return _read(observation_to_fhir(administration), administration.updated_at)


# Where the measures service names a field, the FHIRPath of the element it came from.
SERVICE_FIELDS = {
    "completed_on": "QuestionnaireResponse.authored",
    "language": "QuestionnaireResponse.language",
    "instrument": "QuestionnaireResponse.questionnaire",
}


def _service_issues(error: ValidationError) -> list[Issue]:
    issues = []
    pairs = (
        [(name, message) for name, messages in error.message_dict.items() for message in messages]
        if hasattr(error, "error_dict")
        else [("__all__", message) for message in error.messages]
    )
    for name, message in pairs:
        if name.startswith("answers."):
            where = f"QuestionnaireResponse.item.where(linkId='{name.removeprefix('answers.')}')"
        else:
            where = SERVICE_FIELDS.get(name, "QuestionnaireResponse")
        issues.append(Issue(str(message), (where,)))
    return issues


def _questionnaire_response_create(request):
    """Record a posted response through the measures service (source API): scored, alerts raised as on the
    web. 201 with Location and the stored response; its total is then readable as an Observation."""
    if not request.user.has_perm("measures.enter"):
        refuse(request, permission="measures.enter")
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise FhirError.of(400, "The body is not JSON.") from None
    parsed = parse_response(body, current_instruments())
    try:
        patient = patient_for_measures(request, parsed.patient_uuid, write=True, audit=False)
    except Http404:
        raise FhirError.of(
            422, "The subject is not a Patient we know.", "QuestionnaireResponse.subject"
        ) from None
    episode = current_episode(patient)
    if episode is None:
        raise FhirError.of(
            422, "The patient has no episode of care to record against.", "QuestionnaireResponse.subject"
        )
    language = parsed.language
    if language and language not in parsed.instrument.languages:
        language = language.split("-")[0]  # "en-US" is recorded as "en"
    try:
        recorded = administration_record(
            episode=episode,
            instrument_code=parsed.instrument.code,
            answers=parsed.answers,
            completed_on=parsed.completed_on or timezone.localdate(),
            by=request.user,
            language=language or None,
            source=Source.API,
            request=request,
        )
    except PossibleDuplicate:
        raise FhirError.of(
            409,
            "The same form (day and answers) is already recorded for this patient.",
            "QuestionnaireResponse",
        ) from None
    except ValidationError as error:
        raise FhirError(422, _service_issues(error)) from None
    administration = recorded.administration
    resource = response_to_fhir(administration)
    location = f"{_type_url(request, 'QuestionnaireResponse')}/{administration.uuid}/_history/{version_id(administration.updated_at)}"
    return fhir_json(
        resource, status=201, headers={"Location": location, "ETag": etag(administration.updated_at)}
    )


# --- CarePlan and Goal (treatment plans) ---------------------------------------------------------------------
# Only signed versions are plans of record: a draft or a version awaiting signatures is not found. Searches
# return the active version (and its goals); a superseded version stays readable by id, as `revoked`.


def _plan_patient(request, params):
    patient = _patient_param(request, params)
    if not request.user.has_perm("treatment.view_plan", patient):
        refuse(request, permission="treatment.view_plan", patient=patient, obj=patient)
    return patient


def _signed_plan(request, plan_uuid) -> TreatmentPlan:
    plan = plan_for_user(request, plan_uuid, audit=False)  # the plan pages' check, or refusal
    if plan.status not in LOCKED_STATUSES:
        raise Http404
    return plan


def _goals():
    return (
        Goal.objects.select_related("problem__plan__episode__patient", "problem__plan__episode__program")
        .prefetch_related("objectives")
        .order_by("problem__position", "problem__id", "position", "id")
    )


@fhir_policy(PLANS)
def care_plan_type(request):
    params, page = search_params(request.GET, ("patient",), required=("patient",))
    patient = _plan_patient(request, params)
    plans = (
        TreatmentPlan.objects.filter(episode__patient=patient, status=PlanStatus.ACTIVE)
        .select_related(
            "episode__patient", "episode__program", "responsible_clinician__staff_profile", "based_on"
        )
        .order_by("-activated_at", "-id")
    )
    return _page(
        request,
        "CarePlan",
        queryset=plans,
        params=params,
        page=page,
        to_fhir=care_plan_to_fhir,
        object_type="treatment.treatmentplan",
        patient=patient,
    )


@fhir_policy(PLANS)
def care_plan_read(request, resource_id: str):
    plan = _signed_plan(request, _id(resource_id))
    _audit_view(request, patient=plan.episode.patient, obj=plan, resource_type="CarePlan")
    return _read(care_plan_to_fhir(plan), plan.updated_at)


@fhir_policy(PLANS)
def goal_type(request):
    params, page = search_params(request.GET, ("patient",), required=("patient",))
    patient = _plan_patient(request, params)
    goals = _goals().filter(problem__plan__episode__patient=patient, problem__plan__status=PlanStatus.ACTIVE)
    return _page(
        request,
        "Goal",
        queryset=goals,
        params=params,
        page=page,
        to_fhir=goal_to_fhir,
        object_type="treatment.goal",
        patient=patient,
    )


@fhir_policy(PLANS)
def goal_read(request, resource_id: str):
    goal = get_object_or_404(_goals(), uuid=_id(resource_id))
    plan = _signed_plan(request, goal.problem.plan.uuid)
    _audit_view(request, patient=plan.episode.patient, obj=goal, resource_type="Goal")
    return _read(goal_to_fhir(goal), plan.updated_at)


# --- Appointment (scheduling) --------------------------------------------------------------------------------
# A patient's bookings follow the chart, as the weekly hours ledger does. Each booking is its own Appointment
# (see mapping/schedule.py for the id), so a group session never shows who else is in it.


def _bookings():
    return SessionAttendee.objects.select_related(
        "session__session_type", "session__room", "episode__patient"
    ).prefetch_related("session__clinicians")


@fhir_policy(CHART)
def appointment_type(request):
    params, page = search_params(request.GET, ("patient",), required=("patient",))
    patient = _patient_param(request, params)
    bookings = (
        _bookings().filter(episode__patient=patient).order_by("-session__date", "-session__start_time", "-pk")
    )
    return _page(
        request,
        "Appointment",
        queryset=bookings,
        params=params,
        page=page,
        to_fhir=appointment_to_fhir,
        object_type="scheduling.sessionattendee",
        patient=patient,
    )


@fhir_policy(CHART)
def appointment_read(request, resource_id: str):
    session_part, _, booking_part = resource_id.partition(".")
    if not booking_part.isdigit():
        raise Http404
    booking = get_object_or_404(_bookings(), session__uuid=_id(session_part), pk=int(booking_part))
    patient = patient_for_user(request, booking.episode.patient.uuid, audit=False)
    _audit_view(request, patient=patient, obj=booking, resource_type="Appointment")
    return _read(appointment_to_fhir(booking), booking_updated_at(booking))
