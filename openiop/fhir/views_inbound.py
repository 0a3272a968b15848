"""Incoming referrals over FHIR (POST /fhir/r4/Bundle and POST /fhir/r4/ServiceRequest), and the
Patient/$everything operation (see everything.py).

Who may: whoever works referrals on the pages (intake.work_referrals: intake coordinators and directors),
for a program they work in. What is read from the body, and its rules, is in referral.py; how it is recorded
(one transaction, matched to a patient) in receive.py.

Answers: 201 Created with Location ServiceRequest/<referral id> and the ServiceRequest; 200 with the same
when the referral's identifier was received before (a resend records nothing); 400 for invalid FHIR, 422
for a body that is FHIR but not a referral we can record (every problem listed).
"""

import json
import uuid

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.coordination.models import Provider, Purpose
from openiop.coordination.services import FHIR_JSON, DisclosureRefused, FhirBundleSource, disclose
from openiop.core.access import refuse
from openiop.intake.services.referrals import MAX_DOCUMENT_BYTES
from openiop.measures.selectors import break_glass_detail
from openiop.patients.models import Patient
from openiop.patients.selectors import patient_for_user

from .everything import allowed_sections, categories, collect, counts, disclosure_builder, everything_bundle
from .http import fhir_json, fhir_policy
from .mapping.common import etag
from .outcomes import FhirError, Issue
from .receive import ProgramNotFound, program_for, received_referral, referral_receive
from .referral import ReferralIn, parse_bundle, parse_service_request, service_request_resource

WORKS_REFERRALS = "intake.work_referrals"
DOCUMENT_REFUSED = (
    "A document was refused: only PDF, PNG and JPEG files (recognised by their content) of at most 10 MB "
    "are kept. Nothing was recorded."
)


def referral_to_service_request(referral) -> dict:
    """The referral as a ServiceRequest: as read and searched (resources.referral_to_fhir) once linked to a
    patient; an unlinked one (several possible patients) with the minimal mapping of referral.py."""
    from . import resources

    if referral.patient_id and hasattr(resources, "referral_to_fhir"):
        return resources.referral_to_fhir(referral)
    received = getattr(referral, "fhir_received", None)
    return service_request_resource(
        id=referral.uuid,
        updated_at=referral.updated_at,
        status=referral.status,
        patient_id=referral.patient.uuid if referral.patient_id else None,
        program=referral.program.name,
        organization=referral.referring_organization,
        reason=referral.reason,
        urgency=referral.urgency,
        received_at=referral.received_at,
        identifier=(received.system, received.value) if received else None,
    )


def _body(request):
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise FhirError.of(400, "The body is not JSON.") from None


def _service_issues(error: ValidationError, where: str) -> list[Issue]:
    """Intake's field errors in our words (Django's messages do not repeat values); a document's refusal
    without its file name, which the sender chose."""
    if hasattr(error, "error_dict"):
        return [
            Issue(f"{name}: {message}", (where,))
            for name, messages in sorted(error.message_dict.items())
            for message in messages
        ]
    return [Issue(DOCUMENT_REFUSED, (where,))]


def _receive(request, parsed: ReferralIn, *, root: str):
    where_program = f"{parsed.where}.performer"
    try:
        program = program_for(request.user, parsed.program)
    except ProgramNotFound as error:
        raise FhirError.of(422, " ".join(error.messages), where_program) from None
    existing = received_referral(parsed)
    if existing is not None:
        return _answer_existing(request, existing)
    patient = None
    if parsed.patient_uuid is not None:
        patient = Patient.objects.filter(uuid=parsed.patient_uuid).first()
        if patient is None:
            raise FhirError.of(422, "The subject is not a Patient we hold.", f"{parsed.where}.subject")
    try:
        received = referral_receive(
            parsed=parsed, program=program, by=request.user, patient=patient, request=request
        )
    except ValidationError as error:
        raise FhirError(422, _service_issues(error, root)) from None
    if not received.created:
        return _answer_existing(request, received.referral)
    referral = received.referral
    location = request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata")
    return fhir_json(
        referral_to_service_request(referral),
        status=201,
        headers={"Location": f"{location}ServiceRequest/{referral.uuid}", "ETag": etag(referral.updated_at)},
    )


def _answer_existing(request, referral):
    """A resend: 200 with the referral recorded the first time, if the caller may see it."""
    if not request.user.has_perm("intake.view_referral", referral):
        raise FhirError.of(409, "A referral with this identifier was already received.")
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=referral.patient,
        obj=referral,
        detail={"channel": "fhir", "resource": "ServiceRequest", "resent": True},
    )
    return fhir_json(referral_to_service_request(referral), headers={"ETag": etag(referral.updated_at)})


def service_request_create(request):
    """POST /fhir/r4/ServiceRequest, dispatched here by the ServiceRequest type view (which holds the URL
    and its policy): a referral whose patient is contained (#id) or Patient/<id>."""
    if not request.user.has_perm(WORKS_REFERRALS):
        refuse(request, permission=WORKS_REFERRALS)
    parsed = parse_service_request(_body(request), max_bytes=MAX_DOCUMENT_BYTES)
    return _receive(request, parsed, root="ServiceRequest")


@fhir_policy(WORKS_REFERRALS, methods=("POST",))
def bundle_create(request):
    """POST /fhir/r4/Bundle: a transaction, collection or message Bundle of one referral (Patient and
    ServiceRequest, with Conditions, MedicationStatements and DocumentReferences if any). Answered with the
    ServiceRequest recorded (not a transaction-response Bundle)."""
    parsed = parse_bundle(_body(request), max_bytes=MAX_DOCUMENT_BYTES)
    return _receive(request, parsed, root="Bundle")


# --- Patient/$everything --------------------------------------------------------------------------------------

EVERYTHING_PARAMS = ("recipient", "purpose", "_format")
DISCLOSURE_PURPOSES = (Purpose.TREATMENT, Purpose.PAYMENT, Purpose.OPERATIONS)


def _everything_params(query) -> tuple[str, str]:
    for name in query:
        if name not in EVERYTHING_PARAMS:
            raise FhirError.of(
                400, f"Unsupported parameter {name}. Supported here: recipient, purpose (no paging).", name
            )
        if len(query.getlist(name)) > 1:
            raise FhirError.of(400, f"Give {name} once.", name)
    recipient, purpose = query.get("recipient", ""), query.get("purpose", "")
    if bool(recipient) != bool(purpose):
        raise FhirError.of(400, "Give recipient and purpose together to release the record.", "recipient")
    if purpose and purpose not in DISCLOSURE_PURPOSES:
        raise FhirError.of(400, f"purpose is one of {', '.join(DISCLOSURE_PURPOSES)}.", "purpose")
    return recipient, purpose


def _recipient(value: str) -> Provider:
    try:
        provider = Provider.objects.filter(uuid=uuid.UUID(value.removeprefix("Practitioner/"))).first()
    except ValueError:
        provider = None
    if provider is None:
        raise FhirError.of(422, "recipient must be the id of a provider of the directory.", "recipient")
    return provider


@fhir_policy("patients.list_patients")
def patient_everything(request, resource_id: str):
    """The patient's record, each section as its type endpoint allows it; one EXPORT audit event. With
    recipient and purpose, released through `disclose` (consents checked, Part 2 stamped, accounted)."""
    recipient_id, purpose = _everything_params(request.GET)
    try:
        patient_uuid = uuid.UUID(resource_id)
    except ValueError:
        raise Http404 from None
    patient = patient_for_user(request, patient_uuid, audit=False)
    sections = allowed_sections(request.user, patient)
    found = collect(patient, sections)
    base = request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("/metadata")
    self_url = request.build_absolute_uri()
    detail = break_glass_detail(
        request,
        patient,
        {"channel": "fhir", "operation": "$everything", "sections": sections, "counts": counts(found)},
    )
    if not recipient_id:
        audit_record(action=Action.EXPORT, request=request, patient=patient, obj=patient, detail=detail)
        return fhir_json(everything_bundle(base_url=base, self_url=self_url, found=found))
    user = request.user
    if not (
        user.has_perm("coordination.disclose") and user.has_perm("coordination.disclose_patient", patient)
    ):
        refuse(request, permission="coordination.disclose_patient", patient=patient, obj=patient)
    recipient = _recipient(recipient_id)
    try:
        _disclosure, content = disclose(
            patient=patient,
            recipient=recipient,
            purpose=purpose,
            categories=categories(found),
            document=FhirBundleSource(disclosure_builder(base_url=base, self_url=self_url, found=found)),
            media_type=FHIR_JSON,
            description="FHIR R4 Patient/$everything Bundle",
            by=user,
            request=request,
            audit_detail=detail,
        )
    except DisclosureRefused as refused:
        raise FhirError.of(403, refused.decision.message) from None
    # Exactly the bytes recorded (their SHA-256 is on the accounting row).
    return HttpResponse(content, content_type=f"{FHIR_JSON}; charset=utf-8")
