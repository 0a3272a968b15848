"""Care coordination through the API: the provider directory (search, add), a patient's consents (read,
record, revoke), ending an external care-team membership and the accounting of disclosures.

Each operation applies the policies of its web page: the same gate, then the same loader
(`patient_for_coordination`, `consent_for_user`), which checks the rules with the patient; unknown objects
are 404, refused ones an audited 403. Reading consents follows the chart; break-the-glass is web-only (its
reason is asked for and reviewed there), so a caller who would need it gets 403. Input is checked by the
pages' forms (the NPI check digit, the attestations of a consent) and then by the services, which apply
the consent engine's combination rules (42 CFR §2.31) and write the one audit event of each change. Reads
of PHI are audited as the pages audit them (with "channel": "api"). Disclosing itself stays on the web
page, where the document is built and handed over (downloaded or sent by Direct). Consents signed on
paper are recorded on the page too, where the scan is uploaded; the API records consents signed on screen.
"""

from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Query, Router
from ninja.errors import ValidationError as InputError
from ninja.responses import Status

from openiop.coordination import services
from openiop.coordination.forms import ConsentForm, ExternalMemberEndForm, ProviderForm, RevokeForm
from openiop.coordination.selectors import (
    DISCLOSE,
    RECORD,
    VIEW,
    consent_for_user,
    consents_of,
    disclosures_of,
    external_member_for_user,
    patient_for_coordination,
    providers,
)
from openiop.core.access import refuse
from openiop.patients.selectors import BreakGlassRequired

from .coordination_schemas import (
    ConsentIn,
    ConsentOut,
    DisclosureOut,
    ExternalMemberEndIn,
    ExternalMemberOut,
    ProviderIn,
    ProviderOut,
    ProviderQuery,
    RevokeIn,
)
from .policy import api_policy
from .problems import CONFLICT_RESPONSES, PROBLEM_RESPONSES, ApiProblem

router = Router(tags=["coordination"])

REFUSED = (
    "You may not read this patient's consents: they follow the chart. The attempt has been recorded. "
    "Break-the-glass (emergency) access is not available through the API; use the web application."
)


def _form_errors(form) -> InputError:
    """A page's form errors at their body field (form-wide ones at ["body"]), as 422."""
    return InputError(
        [
            {
                "loc": ["body"] if field == "__all__" else ["body", field],
                "msg": str(error["message"]),
                "type": "value_error",
            }
            for field, errors in form.errors.get_json_data().items()
            for error in errors
        ]
    )


def _patient(request, patient_uuid: UUID, **kwargs):
    try:
        return patient_for_coordination(request, patient_uuid, **kwargs)
    except BreakGlassRequired as needed:
        try:
            refuse(request, permission=VIEW, patient=needed.patient, obj=needed.patient)
        except PermissionDenied:
            raise ApiProblem(403, REFUSED) from None


# --- the provider directory --------------------------------------------------------------------------------


@router.get("/providers", response={200: list[ProviderOut], **PROBLEM_RESPONSES}, url_name="provider_list")
@api_policy("coordination.view_providers")
def provider_list(request, query: Query[ProviderQuery]):
    """The directory of external providers (therapists, prescribers, programs), by name; `q` searches the
    name and organization. For clinical staff, who pick recipients from it. No patient data."""
    found = providers(text=query.q)
    if query.active is not None:
        found = found.filter(active=query.active)
    return found


@router.post("/providers", response={201: ProviderOut, **PROBLEM_RESPONSES}, url_name="provider_create")
@api_policy("coordination.manage_providers")
def provider_create(request, payload: ProviderIn):
    """Add a provider to the directory (intake coordinators and directors). The NPI, when given, must pass
    its check digit; otherwise 422 at ["body", "npi"]."""
    form = ProviderForm(payload.dict())
    if not form.is_valid():
        raise _form_errors(form)
    provider = services.provider_create(by=request.auth, request=request, **form.cleaned_data)
    return Status(201, provider)


# --- consents ----------------------------------------------------------------------------------------------


@router.get(
    "/patients/{patient_uuid}/consents",
    response={200: list[ConsentOut], **PROBLEM_RESPONSES},
    url_name="consent_list",
)
@api_policy("coordination.view_consents")
def consent_list(request, patient_uuid: UUID):
    """Every consent the patient signed, newest first, with its status now (active, expired, revoked).
    Follows the chart."""
    patient = _patient(request, patient_uuid, detail={"page": "consents", "channel": "api"})
    return list(consents_of(patient).select_related("patient", "document"))


@router.post(
    "/patients/{patient_uuid}/consents",
    response={201: ConsentOut, **PROBLEM_RESPONSES},
    url_name="consent_create",
)
@api_policy("coordination.record_consents")
def consent_create(request, patient_uuid: UUID, payload: ConsentIn):
    """Record a consent the patient signs in front of you (you are its witness). A HIPAA authorization or
    Part 2 consent carries every §2.31 element: who may disclose, the information, a named recipient or a
    single treatment-payment-operations consent, the purposes, an expiry date or event, the patient's typed
    name and date, and your attestations that the right to revoke was explained and that you witnessed the
    signature. The combination rules (SUD counselling notes alone, legal proceedings alone) answer 422 with
    the engine's reason at ["body"]. The care team, the program's director and intake coordinators."""
    patient = _patient(request, patient_uuid, permission=RECORD, audit=False)
    data = payload.dict()
    data["recipient"] = str(data["recipient"]) if data["recipient"] else ""
    form = ConsentForm(data)
    if not form.is_valid():
        raise _form_errors(form)
    consent = services.consent_record(
        patient=patient, by=request.auth, request=request, **form.consent_fields()
    )
    return Status(201, consent)


@router.post(
    "/consents/{consent_uuid}/revoke",
    response={200: ConsentOut, **CONFLICT_RESPONSES},
    url_name="consent_revoke",
)
@api_policy("coordination.record_consents")
def consent_revoke(request, consent_uuid: UUID, payload: RevokeIn):
    """The patient revoked the consent: it allows no disclosure from now on. 409 if it was already
    revoked."""
    consent = consent_for_user(request, consent_uuid, permission=RECORD, audit=False)
    form = RevokeForm(payload.dict())
    if not form.is_valid():
        raise _form_errors(form)
    try:
        consent = services.consent_revoke(
            consent=consent, note=form.cleaned_data["note"], by=request.auth, request=request
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise  # a field's error ("note"): 422
        raise ApiProblem(409, " ".join(error.messages)) from None
    return consent


# --- the external care team -------------------------------------------------------------------------------


@router.post(
    "/external-team/{member_uuid}/end",
    response={200: ExternalMemberOut, **CONFLICT_RESPONSES},
    url_name="external_member_end",
)
@api_policy("coordination.record_consents")
def external_member_end(request, member_uuid: UUID, payload: ExternalMemberEndIn):
    """The provider no longer cares for the patient: the membership ends (today unless `ended_on` says
    otherwise) and stays as history, never deleted. A reason is required; the end date cannot be in the
    future nor before the provider was added (422). 409 if it has already ended. Who records consents: the
    care team, the program's director and intake coordinators."""
    member = external_member_for_user(request, member_uuid, audit=False)
    form = ExternalMemberEndForm(payload.dict())
    if not form.is_valid():
        raise _form_errors(form)
    try:
        member = services.external_member_end(
            member=member,
            ended_on=form.cleaned_data["ended_on"],
            reason=form.cleaned_data["reason"],
            by=request.auth,
            request=request,
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise  # a field's error: 422
        raise ApiProblem(409, " ".join(error.messages)) from None
    return member


# --- the accounting of disclosures -------------------------------------------------------------------------


@router.get(
    "/patients/{patient_uuid}/disclosures",
    response={200: list[DisclosureOut], **PROBLEM_RESPONSES},
    url_name="disclosure_list",
)
@api_policy("coordination.disclose")
def disclosure_list(request, patient_uuid: UUID):
    """The accounting of disclosures: every release of the patient's records, newest first, with the
    consents that allowed it and the SHA-256 of what left; kept at least 3 years. The care team's clinicians
    and psychiatrists and the program's director."""
    patient = _patient(
        request, patient_uuid, permission=DISCLOSE, detail={"page": "accounting", "channel": "api"}
    )
    return list(disclosures_of(patient))
