"""Reading an incoming referral (a ServiceRequest, alone or in a Bundle) into what intake records (pure).

Two steps, as for a posted QuestionnaireResponse (inbound.py): the body must be valid FHIR R4 (fhir.resources'
R4B models; 400 otherwise), then it must make sense as a referral here (422, every problem listed at once).
Messages name the element (FHIRPath), never a submitted value.

The rules a sender needs (also in the CapabilityStatement's documentation):
- One Patient with an official (or first) name holding given and family names, and a birthDate: in the
  Bundle (the ServiceRequest's `subject` references its fullUrl), or contained in the ServiceRequest
  (`subject` "#id"); or `subject` "Patient/<id>" of a patient we hold (standalone ServiceRequest only).
- One ServiceRequest, intent order, plan or proposal, status active or draft, with a reason
  (reasonCode text or display, or note text), and a requester Organization with a name (contained,
  in the Bundle, or a reference with a display).
- An identifier, so that posting the same referral twice records it once: the Bundle's identifier, else
  the ServiceRequest's first identifier (system and value).
- The source: `inpatient` or `residential` as a code of the requester Organization's type or of the
  ServiceRequest's category (any system), else "other"; the organization's name is recorded either way.
- The program: a performer naming it by identifier (system PROGRAM_SYSTEM, value its short name or id) or
  `Organization/<program id>`; when none is named the caller's one program (decided by the service).
- Urgency from priority: routine → routine, urgent → soon, asap and stat → urgent.
- Conditions and MedicationStatements become a text block ("From the referral bundle") after the reason;
  DocumentReferences with attachment data become referral documents (PDF, PNG or JPEG, at most the
  upload limit).
"""

import datetime
import uuid
from dataclasses import dataclass, field

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from .outcomes import FhirError, Issue

PROGRAM_SYSTEM = "https://openiop.org/fhir/sid/program"
BUNDLE_TYPES = ("transaction", "collection", "message")
INTENTS = ("order", "plan", "proposal")
STATUSES = ("active", "draft")
URGENCY = {"routine": "routine", "urgent": "soon", "asap": "urgent", "stat": "urgent"}
SOURCE_CODES = ("inpatient", "residential")
DOCUMENT_TYPES = ("application/pdf", "image/png", "image/jpeg")
FROM_BUNDLE = "From the referral bundle"
# Which other resources a Bundle may carry (a MessageHeader opens a message Bundle).
OTHER_TYPES = ("Condition", "MedicationStatement", "DocumentReference", "Organization", "MessageHeader")


@dataclass(frozen=True)
class DocumentIn:
    data: bytes
    content_type: str
    title: str
    description: str


@dataclass(frozen=True)
class ReferralIn:
    """A referral as received: the person, who sent it and why, and where it goes."""

    identifier_system: str
    identifier_value: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date | None
    source: str
    referring_organization: str
    reason: str
    urgency: str
    patient_uuid: uuid.UUID | None = None  # subject "Patient/<id>": a patient we hold
    phone: str = ""
    email: str = ""
    preferred_language: str = ""
    referring_provider: str = ""
    referring_contact: str = ""
    program: str = ""  # a short name or a program id, as named by the performer; "" when none
    where: str = "ServiceRequest"  # the ServiceRequest's FHIRPath in the body, for later messages
    documents: tuple[DocumentIn, ...] = field(default_factory=tuple)


def _path(root: str, loc) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
        else:
            parts.append(str(part))
    return ".".join([root, *parts])


def _validate(model, body, root: str):
    try:
        return model.model_validate(body)
    except ValidationError as error:
        # pydantic's message, never its `input` (which may be clinical text).
        issues = [
            Issue(
                f"{_path(root, e.get('loc', ()))}: {e.get('msg', 'invalid')}",
                (_path(root, e.get("loc", ())),),
                "structure",
            )
            for e in error.errors()
        ]
        raise FhirError(400, issues) from None


def _text(concept) -> str:
    """A CodeableConcept as words: its text, else its codings' displays (else codes)."""
    if concept is None:
        return ""
    if concept.text:
        return concept.text.strip()
    return ", ".join(c.display or c.code or "" for c in concept.coding or [] if c.display or c.code)


def _codes(concepts) -> set[str]:
    return {(c.code or "").lower() for concept in concepts or [] for c in concept.coding or []}


class _Resolver:
    """References inside what was posted: "#id" (contained), a Bundle fullUrl, or "Type/id"."""

    def __init__(self):
        self.resources: dict[str, object] = {}

    def add(self, key: str | None, resource) -> None:
        if key:
            self.resources[key] = resource

    def get(self, reference, resource_type: str):
        ref = reference.reference if reference is not None else None
        found = self.resources.get(ref) if ref else None
        return found if found is not None and found.get_resource_type() == resource_type else None


def _patient_fields(patient, where: str, issues: list[Issue]) -> dict:
    names = patient.name or []
    name = next((n for n in names if n.use == "official"), names[0] if names else None)
    given = (name.given or [""])[0].strip() if name else ""
    family = (name.family or "").strip() if name else ""
    if not given or not family:
        issues.append(Issue("The Patient needs a name with given and family parts.", (f"{where}.name",)))
    if patient.birthDate is None:
        issues.append(Issue("The Patient needs a birthDate.", (f"{where}.birthDate",)))
    elif not isinstance(patient.birthDate, datetime.date):
        issues.append(Issue("Give the full birthDate (YYYY-MM-DD).", (f"{where}.birthDate",)))
    telecom = patient.telecom or []
    phone = next((t.value for t in telecom if t.system == "phone" and t.value), "")
    email = next((t.value for t in telecom if t.system == "email" and t.value), "")
    language = ""
    for communication in patient.communication or []:
        codes = [c.code for c in communication.language.coding or [] if c.code]
        if codes:
            language = codes[0].split("-")[0].lower()
            break
    return {
        "given_name": given[:80],
        "family_name": family[:80],
        "date_of_birth": patient.birthDate if isinstance(patient.birthDate, datetime.date) else None,
        "phone": phone[:30],
        "email": email[:254],
        "preferred_language": language[:10],
    }


def _identifier(identifiers) -> tuple[str, str] | None:
    for identifier in identifiers or []:
        if identifier.system and identifier.value:
            return identifier.system, identifier.value
    return None


def _program(request, where: str, issues: list[Issue]) -> str:
    for index, performer in enumerate(request.performer or []):
        identifier = performer.identifier
        if identifier is not None and identifier.system == PROGRAM_SYSTEM and identifier.value:
            return identifier.value.strip()
        ref = performer.reference or ""
        if ref.startswith("Organization/"):
            return ref.removeprefix("Organization/")
        if ref or identifier is not None:
            issues.append(
                Issue(
                    f"Name the program by identifier (system {PROGRAM_SYSTEM}) or Organization/<program id>.",
                    (f"{where}.performer[{index}]",),
                )
            )
    return ""


def _bundle_block(conditions, medications) -> str:
    """Conditions and medications as received, for the intake coordinator to read."""
    lines = []
    if conditions:
        lines.append("Conditions:")
        for condition in conditions:
            status = _text(condition.clinicalStatus)
            words = _text(condition.code) or "(no description)"
            lines.append(f"- {words}" + (f" ({status})" if status else ""))
    if medications:
        lines.append("Medications:")
        for statement in medications:
            words = _text(statement.medicationCodeableConcept) or (
                statement.medicationReference.display if statement.medicationReference else ""
            )
            dose = "; ".join(d.text for d in statement.dosage or [] if d.text)
            lines.append(f"- {words or '(no description)'}" + (f": {dose}" if dose else ""))
    return "\n".join([f"{FROM_BUNDLE}:", *lines]) if lines else ""


def _documents(references, issues: list[Issue], max_bytes: int) -> tuple[DocumentIn, ...]:
    documents = []
    for where, reference in references:
        for index, content in enumerate(reference.content or []):
            attachment = content.attachment
            here = f"{where}.content[{index}].attachment"
            if attachment.data is None:
                issues.append(Issue("Send the document inline (attachment.data).", (f"{here}.data",)))
                continue
            if (attachment.contentType or "").split(";")[0].strip().lower() not in DOCUMENT_TYPES:
                issues.append(
                    Issue("Documents must be PDF, PNG or JPEG (contentType).", (f"{here}.contentType",))
                )
                continue
            if len(attachment.data) > max_bytes:
                issues.append(
                    Issue(f"A document may hold at most {max_bytes // (1024 * 1024)} MB.", (f"{here}.data",))
                )
                continue
            title = (attachment.title or reference.description or "referral document").strip()
            documents.append(
                DocumentIn(
                    data=bytes(attachment.data),
                    content_type=attachment.contentType.split(";")[0].strip().lower(),
                    title=title[:200],
                    description=(reference.description or "").strip()[:200],
                )
            )
    return tuple(documents)


def _referral(
    request,
    *,
    where: str,
    resolver: _Resolver,
    patient_entry,
    identifier: tuple[str, str] | None,
    conditions=(),
    medications=(),
    document_refs=(),
    max_bytes: int,
) -> ReferralIn:
    """The semantic checks shared by both entry points; every problem is listed."""
    issues: list[Issue] = []
    if request.intent not in INTENTS:
        issues.append(Issue(f"intent must be one of {', '.join(INTENTS)}.", (f"{where}.intent",)))
    if request.status not in STATUSES:
        issues.append(Issue(f"status must be one of {', '.join(STATUSES)}.", (f"{where}.status",)))
    identifier = identifier or _identifier(request.identifier)
    if identifier is None:
        issues.append(
            Issue(
                "Identify the referral (Bundle.identifier or ServiceRequest.identifier, system and value) "
                "so that sending it again does not record it twice.",
                (f"{where}.identifier",),
            )
        )
    person: dict = {}
    patient_uuid = None
    if patient_entry is not None:
        patient, patient_where = patient_entry
        person = _patient_fields(patient, patient_where, issues)
    else:
        ref = (request.subject.reference if request.subject else None) or ""
        try:
            patient_uuid = uuid.UUID(ref.removeprefix("Patient/")) if ref.startswith("Patient/") else None
        except ValueError:
            patient_uuid = None
        if patient_uuid is None:
            issues.append(
                Issue(
                    "The subject must be a contained Patient (#id) or Patient/<id> of a patient we hold.",
                    (f"{where}.subject",),
                )
            )
    organization = resolver.get(request.requester, "Organization")
    organization_name = (organization.name if organization else "") or (
        request.requester.display if request.requester else ""
    )
    if not (organization_name or "").strip():
        issues.append(
            Issue("The requester must be an Organization with a name (or display).", (f"{where}.requester",))
        )
    codes = _codes(organization.type if organization else []) | _codes(request.category)
    source = next((code for code in SOURCE_CODES if code in codes), "other")
    contact = ""
    if organization is not None:
        contact = next((t.value for t in organization.telecom or [] if t.value), "")
    reason = "\n".join(
        text
        for text in [_text(c) for c in request.reasonCode or []] + [n.text for n in request.note or []]
        if text
    ).strip()
    if not reason:
        issues.append(Issue("Say why the person is referred (reasonCode text).", (f"{where}.reasonCode",)))
    urgency = URGENCY.get(request.priority or "routine", "routine")
    program = _program(request, where, issues)
    documents = _documents(document_refs, issues, max_bytes)
    if issues:
        raise FhirError(422, issues)
    block = _bundle_block(conditions, medications)
    return ReferralIn(
        identifier_system=identifier[0][:200],
        identifier_value=identifier[1][:200],
        given_name=person.get("given_name", ""),
        family_name=person.get("family_name", ""),
        date_of_birth=person.get("date_of_birth"),
        phone=person.get("phone", ""),
        email=person.get("email", ""),
        preferred_language=person.get("preferred_language", ""),
        patient_uuid=patient_uuid,
        source=source,
        referring_organization=organization_name.strip()[:160],
        referring_provider=(request.requester.display or "").strip()[:120]
        if organization is not None and request.requester.display != organization_name
        else "",
        referring_contact=contact[:160],
        reason="\n\n".join(part for part in (reason, block) if part),
        urgency=urgency,
        program=program,
        documents=documents,
        where=where,
    )


def parse_service_request(body, *, max_bytes: int) -> ReferralIn:
    """POST /ServiceRequest: one ServiceRequest, its patient contained or referenced."""
    if not isinstance(body, dict) or body.get("resourceType") != "ServiceRequest":
        raise FhirError.of(400, "Send one ServiceRequest resource (resourceType ServiceRequest).")
    request = _validate(ServiceRequest, body, "ServiceRequest")
    resolver = _Resolver()
    for resource in request.contained or []:
        resolver.add(f"#{resource.id}" if resource.id else None, resource)
    patient_entry = None
    subject = resolver.get(request.subject, "Patient")
    if subject is not None:
        index = next(i for i, r in enumerate(request.contained) if r is subject)
        patient_entry = (subject, f"ServiceRequest.contained[{index}]")
    return _referral(
        request,
        where="ServiceRequest",
        resolver=resolver,
        patient_entry=patient_entry,
        identifier=None,
        max_bytes=max_bytes,
    )


def parse_bundle(body, *, max_bytes: int) -> ReferralIn:
    """POST /Bundle: a transaction, collection or message Bundle of one referral."""
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise FhirError.of(400, "Send one Bundle resource (resourceType Bundle).")
    bundle = _validate(Bundle, body, "Bundle")
    if bundle.type not in BUNDLE_TYPES:
        raise FhirError.of(422, f"Bundle.type must be one of {', '.join(BUNDLE_TYPES)}.", "Bundle.type")
    resolver = _Resolver()
    by_type: dict[str, list[tuple[object, str]]] = {}
    issues: list[Issue] = []
    for index, entry in enumerate(bundle.entry or []):
        resource = entry.resource
        where = f"Bundle.entry[{index}].resource"
        if resource is None:
            issues.append(Issue("Every entry holds a resource.", (f"Bundle.entry[{index}]",)))
            continue
        kind = resource.get_resource_type()
        if kind not in ("Patient", "ServiceRequest", *OTHER_TYPES):
            issues.append(Issue(f"A referral Bundle does not take {kind} resources.", (where,)))
            continue
        by_type.setdefault(kind, []).append((resource, where))
        resolver.add(entry.fullUrl, resource)
        if resource.id:
            resolver.add(f"{kind}/{resource.id}", resource)
        for contained in getattr(resource, "contained", None) or []:
            resolver.add(f"#{contained.id}" if contained.id else None, contained)
    for kind in ("Patient", "ServiceRequest"):
        if len(by_type.get(kind, [])) != 1:
            issues.append(Issue(f"A referral Bundle holds exactly one {kind}.", ("Bundle.entry",)))
    if issues:
        raise FhirError(422, issues)
    request, where = by_type["ServiceRequest"][0]
    if resolver.get(request.subject, "Patient") is not by_type["Patient"][0][0]:
        raise FhirError.of(
            422, "The subject must reference the Bundle's Patient (its fullUrl).", f"{where}.subject"
        )
    return _referral(
        request,
        where=where,
        resolver=resolver,
        patient_entry=by_type["Patient"][0],
        identifier=_identifier([bundle.identifier] if bundle.identifier else []),
        conditions=[resource for resource, _ in by_type.get("Condition", [])],
        medications=[resource for resource, _ in by_type.get("MedicationStatement", [])],
        document_refs=[(where, resource) for resource, where in by_type.get("DocumentReference", [])],
        max_bytes=max_bytes,
    )


# --- the answer: a referral as a ServiceRequest (used until resources.referral_to_fhir exists) ---------------

PRIORITY = {"routine": "routine", "soon": "urgent", "urgent": "asap"}
CLOSED = {
    "admitted": "completed",
    "referred_elsewhere": "revoked",
    "declined": "revoked",
    "lost_to_contact": "revoked",
}


def service_request_resource(
    *,
    id,
    updated_at: datetime.datetime,
    status: str,
    patient_id,
    program: str,
    organization: str,
    reason: str,
    urgency: str,
    received_at: datetime.datetime,
    identifier: tuple[str, str] | None,
) -> dict:
    """A referral as a minimal ServiceRequest: where it came from, where it goes and why. An unlinked
    referral's subject is not yet a Patient we hold, so it is named only as "unlinked referral"."""
    from .mapping.common import drop_empty, instant, meta, reference

    return drop_empty(
        {
            "resourceType": "ServiceRequest",
            "id": str(id),
            "meta": meta(updated_at),
            "identifier": [{"system": identifier[0], "value": identifier[1]}] if identifier else [],
            "status": CLOSED.get(status, "active"),
            "intent": "order",
            "priority": PRIORITY.get(urgency, "routine"),
            "subject": reference("Patient", patient_id) if patient_id else {"display": "Unlinked referral"},
            "authoredOn": instant(received_at),
            "requester": {"display": organization} if organization else {},
            "performer": [{"display": program}],
            "reasonCode": [{"text": reason}] if reason else [],
        }
    )
