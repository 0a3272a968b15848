"""Writes of the coordination app: the provider directory, external care team, consents, and the one
disclosure service through which every release of records leaves the system.

Each service is atomic and writes its one audit event.
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from openiop.audit.models import Action, Outcome
from openiop.audit.services import audit_record
from openiop.core.pdf import data_only_fetcher
from openiop.safety.content import name_matches

from . import consent_rules as cr
from .models import (
    ACCOUNTING_RETENTION_YEARS,
    Consent,
    ConsentDocument,
    Disclosure,
    ExternalCareTeamMember,
    Provider,
    SignatureMethod,
    Transmission,
    TransmissionStatus,
)

PDF = "application/pdf"

# 42 CFR §2.32(a)(1), "Statement 1", as amended by the 2024 final rule (89 FR 12472, Feb. 16, 2024;
# https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2/subpart-C/section-2.32). Every
# disclosure with the patient's written consent carries it, with a copy of the consent (§2.32(b)).
PART2_NOTICE = (
    "This record which has been disclosed to you is protected by Federal confidentiality rules (42 CFR part 2). "
    "These rules prohibit you from using or disclosing this record, or testimony that describes the information "
    "contained in this record, in any civil, criminal, administrative, or legislative proceedings by any Federal, "
    "State, or local authority, against the patient, unless authorized by the consent of the patient, except as "
    "provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. In "
    "addition, the Federal rules prohibit you from making any other use or disclosure of this record unless at "
    "least one of the following applies: (i) Further use or disclosure is expressly permitted by the written "
    "consent of the individual whose information is being disclosed in this record or as otherwise permitted by "
    "42 CFR part 2. (ii) You are a covered entity or business associate and have received the record for "
    "treatment, payment, or health care operations, or (iii) You have received the record from a covered entity "
    "or business associate as permitted by 45 CFR part 164, subparts A and E. A general authorization for the "
    "release of medical or other information is NOT sufficient to meet the required elements of written consent "
    "to further use or redisclose the record (see 42 CFR 2.31)."
)
# §2.32(a)(2), "Statement 2": also written into the PDF's metadata, where a receiving system can read it.
PART2_NOTICE_SHORT = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."


class DisclosureRefused(ValidationError):
    """The consent engine refused: nothing left the system. `decision` says why."""

    def __init__(self, decision: cr.Decision):
        super().__init__(decision.message, code=decision.reason)
        self.decision = decision


@dataclass(frozen=True)
class PdfSource:
    """A PDF document the disclosure service renders itself, so that for Part 2 content it can add the
    §2.32 notice and the consent copy before computing the digest of exactly what leaves."""

    template: str
    context: dict


FHIR_JSON = "application/fhir+json"
PART2_ACT_CODES = ("42CFRPart2", "NORDSCLCD")  # v3-ActCode: the law, and its refrain policy


@dataclass(frozen=True)
class FhirBundleSource:
    """A FHIR Bundle the disclosure service serializes itself. `build(notice_context)` returns the Bundle
    (a dict); `notice_context` is None unless the content is Part 2, when it holds the §2.32 notice and the
    covering consents (as for the PDF's notice page) and the Bundle must carry them: its meta.security
    labels 42CFRPart2 and NORDSCLCD and the notice text. `disclose` checks both before anything leaves,
    then hashes exactly the serialized bytes it returns."""

    build: Callable[[dict | None], dict]


def _render_bundle(source: FhirBundleSource, *, notice_context: dict | None) -> bytes:
    bundle = source.build(notice_context)
    content = json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()
    if notice_context is not None:
        labels = {s.get("code") for s in bundle.get("meta", {}).get("security", [])}
        if not set(PART2_ACT_CODES) <= labels or notice_context["notice"].encode() not in content:
            raise ValueError("A Part 2 FHIR Bundle must carry the 42CFRPart2 labels and the §2.32 notice")
    return content


# --- providers -----------------------------------------------------------------------------------------------

PROVIDER_FIELDS = ("name", "role", "organization", "phone", "direct_address", "npi", "active")


@transaction.atomic
def provider_create(*, by, request=None, **fields) -> Provider:
    provider = Provider(
        **{k: fields[k] for k in PROVIDER_FIELDS if k in fields}, created_by=by, updated_by=by
    )
    provider.full_clean()
    provider.save()
    audit_record(action=Action.CREATE, request=request, actor=by, obj=provider, detail={"record": "provider"})
    return provider


@transaction.atomic
def provider_update(*, provider: Provider, by, request=None, **fields) -> Provider:
    changed = sorted(k for k in PROVIDER_FIELDS if k in fields and getattr(provider, k) != fields[k])
    for key in changed:
        setattr(provider, key, fields[key])
    provider.updated_by = by
    provider.full_clean()
    provider.save()
    audit_record(
        action=Action.UPDATE,
        request=request,
        actor=by,
        obj=provider,
        detail={"record": "provider", "fields": changed},
    )
    return provider


@transaction.atomic
def external_member_add(*, patient, provider: Provider, role: str, note: str = "", by, request=None):
    if ExternalCareTeamMember.objects.filter(
        patient=patient, provider=provider, ended_on__isnull=True
    ).exists():
        raise ValidationError({"provider": "This provider is already on the patient's external care team."})
    member = ExternalCareTeamMember(
        patient=patient, provider=provider, role=role, note=note, created_by=by, updated_by=by
    )
    member.full_clean()
    member.save()
    audit_record(
        action=Action.CREATE,
        request=request,
        actor=by,
        patient=patient,
        obj=member,
        detail={"record": "external_care_team_member", "provider": str(provider.uuid)},
    )
    return member


# --- consents ------------------------------------------------------------------------------------------------


# A consent expiring at discharge ends at the discharge of the stay during which it was signed. Without a
# stay it would hold until some later discharge that may never come: in effect no expiry (§2.31(a)(7)).
DISCHARGE_WITHOUT_STAY = (
    "The patient is not in the program (no open episode): a consent expiring at discharge would have no "
    "discharge to end it. Give an expiry date instead."
)


def _in_program(patient) -> bool:
    return patient.episodes.open().exists()


def _check_elements(
    errors: dict[str, list[str]],
    *,
    kind: str,
    disclosing_party: str,
    recipient: Provider | None,
    tpo: bool,
    purposes,
    categories,
    expires_on: datetime.date | None,
    expires_at_discharge: bool,
    expiry_event: str,
    starts_on: datetime.date,
    patient,
) -> tuple[Provider | None, bool, list[str], list[str]]:
    """Add to `errors` what an authorization lacks (every §2.31 element, the engine's combination rules);
    return the recipient, TPO flag, purposes and categories to store (none for a consent to treatment)."""
    purposes, categories = sorted(set(purposes)), sorted(set(categories))
    if kind not in cr.AUTHORIZING_KINDS:
        return None, False, [], []
    if not disclosing_party.strip():
        errors["disclosing_party"] = ["Name who may disclose (the program)."]
    if expires_on is None and not expires_at_discharge and not expiry_event.strip():
        errors["expires_on"] = ["Give an expiry date, discharge from the program, or another expiry event."]
    if expires_at_discharge and not _in_program(patient):
        errors["expires_at_discharge"] = [DISCHARGE_WITHOUT_STAY]
    if expires_on is not None and expires_on < starts_on:
        errors["expires_on"] = ["The expiry date is before the date signed."]
    problems = cr.form_problems(
        kind=kind,
        purposes=purposes,
        categories=categories,
        tpo=tpo,
        recipient_id=str(recipient.uuid) if recipient else None,
    )
    if problems:
        errors.setdefault("__all__", []).extend(problems)
    return recipient, tpo, purposes, categories


def _consent_create(manager, *, patient, by, request, audit_detail: dict, **fields) -> Consent:
    """Create a consent whose elements were checked, with its one audit event (shared by the consent
    signed on screen and the one prepared for the portal)."""
    fields["disclosing_party"] = fields["disclosing_party"].strip()
    fields["expiry_event"] = fields["expiry_event"].strip()
    consent = manager.create(patient=patient, created_by=by, updated_by=by, **fields)
    audit_record(
        action=Action.CREATE, request=request, actor=by, patient=patient, obj=consent, detail=audit_detail
    )
    return consent


@transaction.atomic
def consent_record(
    *,
    patient,
    kind: str,
    disclosing_party: str,
    signed_name: str,
    signed_on: datetime.date,
    by,
    recipient: Provider | None = None,
    tpo: bool = False,
    purposes: list[str] = (),
    categories: list[str] = (),
    expires_on: datetime.date | None = None,
    expires_at_discharge: bool = False,
    expiry_event: str = "",
    request=None,
) -> Consent:
    """Record a consent the patient signed on screen (typed full name and date), witnessed by `by`.

    Authorizations (HIPAA, Part 2) must carry every §2.31 element: who discloses, the information, the
    recipient or a single TPO consent, the purpose and an expiry date or event; the combination rules of
    the consent engine apply. Raises ValidationError by field."""
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not name_matches(
        signed_name,
        given=patient.legal_given_name,
        family=patient.legal_family_name,
        preferred=patient.preferred_name,
    ):
        errors["signed_name"] = ["Type the patient's full name as on their record (first and last name)."]
    if signed_on > today:
        errors["signed_on"] = ["The date signed cannot be in the future."]
    recipient, tpo, purposes, categories = _check_elements(
        errors,
        kind=kind,
        disclosing_party=disclosing_party,
        recipient=recipient,
        tpo=tpo,
        purposes=purposes,
        categories=categories,
        expires_on=expires_on,
        expires_at_discharge=expires_at_discharge,
        expiry_event=expiry_event,
        starts_on=signed_on,
        patient=patient,
    )
    if errors:
        raise ValidationError(errors)
    return _consent_create(
        Consent.objects,
        patient=patient,
        by=by,
        request=request,
        audit_detail={"record": "consent", "kind": kind},
        kind=kind,
        disclosing_party=disclosing_party,
        recipient=recipient,
        tpo=tpo,
        purposes=purposes,
        categories=categories,
        expires_on=expires_on,
        expires_at_discharge=expires_at_discharge,
        expiry_event=expiry_event,
        signed_name=signed_name.strip(),
        signed_on=signed_on,
        signed_at=timezone.now(),
        witnessed_by=by,
    )


@transaction.atomic
def consent_prepare_for_portal(
    *,
    patient,
    kind: str,
    disclosing_party: str,
    by,
    recipient: Provider | None = None,
    tpo: bool = False,
    purposes: list[str] = (),
    categories: list[str] = (),
    expires_on: datetime.date | None = None,
    expires_at_discharge: bool = False,
    expiry_event: str = "",
    request=None,
) -> Consent:
    """Prepare a consent for the patient to read and sign in the portal (`consent_sign_in_portal`).

    The same elements as a consent signed in front of staff are required now, because the patient signs
    exactly what is prepared. Until signed it has no signature fields and allows no disclosure."""
    errors: dict[str, list[str]] = {}
    recipient, tpo, purposes, categories = _check_elements(
        errors,
        kind=kind,
        disclosing_party=disclosing_party,
        recipient=recipient,
        tpo=tpo,
        purposes=purposes,
        categories=categories,
        expires_on=expires_on,
        expires_at_discharge=expires_at_discharge,
        expiry_event=expiry_event,
        starts_on=timezone.localdate(),
        patient=patient,
    )
    if errors:
        raise ValidationError(errors)
    return _consent_create(
        Consent.with_unsigned,
        patient=patient,
        by=by,
        request=request,
        audit_detail={"record": "consent", "kind": kind, "awaiting": "portal_signature"},
        kind=kind,
        disclosing_party=disclosing_party,
        recipient=recipient,
        tpo=tpo,
        purposes=purposes,
        categories=categories,
        expires_on=expires_on,
        expires_at_discharge=expires_at_discharge,
        expiry_event=expiry_event,
        signature_method=SignatureMethod.PORTAL,
    )


class ConsentChanged(ValidationError):
    """The consent is no longer the version the patient read (changed, signed or revoked meanwhile)."""


@transaction.atomic
def consent_sign_in_portal(
    *, consent: Consent, signed_name: str, version: datetime.datetime, by, request=None
) -> Consent:
    """The patient signs a consent prepared for them, with their own portal account (`by`).

    Typing their full name is the signature. `version` is the consent's `updated_at` when the patient
    read it: the conditional UPDATE signs only that version, still unsigned and not revoked, so a consent
    changed meanwhile is never signed unread and a second submit signs nothing (ConsentChanged)."""
    patient = consent.patient
    if not name_matches(
        signed_name,
        given=patient.legal_given_name,
        family=patient.legal_family_name,
        preferred=patient.preferred_name,
    ):
        raise ValidationError({"signed_name": ["This name does not match the name on your record."]})
    now = timezone.now()
    today = timezone.localdate(now)
    if consent.expires_on is not None and consent.expires_on < today:
        raise ConsentChanged("This consent has expired. Ask your care team for a new one.")
    if consent.expires_at_discharge and not _in_program(patient):
        # It was to end at the discharge of the stay it was prepared in, which has come.
        raise ConsentChanged(
            "This consent was to end when you leave the program, which has happened. Ask your care team "
            "for a new one."
        )
    changed = Consent.with_unsigned.filter(
        pk=consent.pk,
        patient=patient,
        signature_method=SignatureMethod.PORTAL,
        signed_at__isnull=True,
        revoked_at__isnull=True,
        updated_at=version,
    ).update(
        signed_name=" ".join(signed_name.split()),
        signed_on=today,
        signed_at=now,
        updated_by=by,
        updated_at=now,
    )
    if not changed:
        raise ConsentChanged("This consent changed or was already signed. Please read it again.")
    consent.refresh_from_db()
    audit_record(
        action=Action.UPDATE,
        request=request,
        actor=by,
        patient=patient,
        obj=consent,
        detail={"record": "consent", "change": "signed_in_portal"},
    )
    return consent


def consents_awaiting_signature(patient):
    """The consents prepared for this patient to sign in the portal (not revoked), oldest first."""
    return (
        Consent.with_unsigned.filter(patient=patient, signed_at__isnull=True, revoked_at__isnull=True)
        .select_related("recipient", "created_by")
        .order_by("created_at", "pk")
    )


@transaction.atomic
def consent_revoke(*, consent: Consent, note: str, by, request=None) -> Consent:
    """The patient revoked the consent (§2.31(a)(6)); it allows nothing from this moment on."""
    if not note.strip():
        raise ValidationError({"note": "Say how the patient revoked (in writing, in person, by phone)."})
    changed = Consent.objects.filter(pk=consent.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(),
        revoked_by=by,
        revocation_note=note.strip(),
        updated_by=by,
        updated_at=timezone.now(),
    )
    if not changed:
        raise ValidationError("This consent was already revoked.")
    consent.refresh_from_db()
    audit_record(
        action=Action.UPDATE,
        request=request,
        actor=by,
        patient=consent.patient,
        obj=consent,
        detail={"record": "consent", "change": "revoked"},
    )
    return consent


# --- disclosure ----------------------------------------------------------------------------------------------


def check_disclosure(
    *, patient, recipient: Provider, purpose: str, categories, part2: bool, at=None
) -> cr.Decision:
    """Ask the consent engine, now (or `at`), with every consent the patient ever signed."""
    consents = [
        c.as_record()
        for c in Consent.objects.filter(patient=patient).select_related("recipient").with_discharges()
    ]
    request = cr.DisclosureRequest(
        recipient_id=str(recipient.uuid),
        purpose=purpose,
        categories=frozenset(categories),
        at=at or timezone.now(),
        part2=part2,
    )
    return cr.decide(consents, request)


def _render_pdf(source: PdfSource, *, notice_context: dict | None) -> bytes:
    """The document; for Part 2 content with a first page carrying the §2.32 notice and the consent copy,
    and the short notice in the PDF's metadata (streams uncompressed so it can be read from the bytes)."""
    fetcher = data_only_fetcher
    body = HTML(
        string=render_to_string(source.template, source.context),
        url_fetcher=fetcher(),
        base_url="about:blank",
    )
    if notice_context is None:
        return body.write_pdf()
    notice_html = render_to_string("coordination/pdf/part2_notice.html", notice_context)
    notice = HTML(string=notice_html, url_fetcher=fetcher(), base_url="about:blank").render()
    document = body.render()
    merged = notice.copy(list(notice.pages) + list(document.pages))
    return merged.write_pdf(uncompressed_pdf=True)


def disclose(
    *,
    patient,
    recipient: Provider,
    purpose: str,
    categories,
    document: bytes | PdfSource | FhirBundleSource,
    media_type: str,
    description: str,
    by,
    part2: bool = True,
    request=None,
    audit_detail: dict | None = None,
) -> tuple[Disclosure, bytes]:
    """Release `document` to `recipient` if, at this moment, valid consents cover this recipient, purpose and
    information; otherwise raise DisclosureRefused (audited as a refusal) and nothing leaves.

    Records in this IOP are substance-use disorder treatment records, so `part2` defaults to True. For Part 2
    content the §2.32 notice and a copy of each covering consent accompany the document: a `PdfSource` is
    rendered with them, a `FhirBundleSource` built with them; raw bytes cannot be stamped, so they are refused
    for Part 2 content. Returns the accounting row and exactly the bytes that leave (their SHA-256 is on the
    row). `audit_detail` is added to the audit event (e.g. the channel and what the document holds)."""
    categories = sorted(set(categories))
    if not description.strip():
        raise ValidationError({"description": "Describe what is disclosed."})
    now = timezone.now()
    decision = check_disclosure(
        patient=patient, recipient=recipient, purpose=purpose, categories=categories, part2=part2, at=now
    )
    if not decision.allowed:
        audit_record(
            action=Action.EXPORT,
            request=request,
            actor=by,
            patient=patient,
            obj=recipient,
            outcome=Outcome.REFUSED,
            detail={
                "disclosure": "refused",
                "reason": decision.reason,
                "purpose": purpose,
                "categories": categories,
                **(audit_detail or {}),
            },
        )
        raise DisclosureRefused(decision)
    consents = list(
        Consent.objects.filter(uuid__in=decision.consent_ids).select_related("recipient", "witnessed_by")
    )
    if isinstance(document, (PdfSource, FhirBundleSource)):
        media_type = PDF if isinstance(document, PdfSource) else FHIR_JSON
        notice_context = (
            {
                "notice": PART2_NOTICE,
                "short_notice": PART2_NOTICE_SHORT,
                "consents": consents,
                "patient": patient,
                "recipient": recipient,
                "disclosed_at": now,
            }
            if part2
            else None
        )
        if isinstance(document, PdfSource):
            content = _render_pdf(document, notice_context=notice_context)
        else:
            content = _render_bundle(document, notice_context=notice_context)
    elif part2:
        raise ValueError("Part 2 content must be given as a PdfSource so the §2.32 notice can be attached")
    else:
        content = bytes(document)
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            patient=patient,
            recipient=recipient,
            recipient_text=str(recipient),
            purpose=purpose,
            categories=categories,
            description=description.strip(),
            media_type=media_type,
            part2=part2,
            disclosed_at=now,
            disclosed_by=by,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            retain_until=_years_after(timezone.localdate(now), ACCOUNTING_RETENTION_YEARS),
            created_by=by,
            updated_by=by,
        )
        disclosure.consents.set(consents)
        audit_record(
            action=Action.EXPORT,
            request=request,
            actor=by,
            patient=patient,
            obj=disclosure,
            detail={
                "disclosure": str(disclosure.uuid),
                "recipient": str(recipient.uuid),
                "purpose": purpose,
                "categories": categories,
                "sha256": disclosure.sha256,
                "consents": sorted(decision.consent_ids),
                **(audit_detail or {}),
            },
        )
    return disclosure, content


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- scanned paper consents ----------------------------------------------------------------------------------


def _scan_problems(upload) -> tuple[list[str], str | None]:
    """Problems of an uploaded scan and its real type. The referral documents' rules: PDF, PNG or JPEG
    recognised by their first bytes (never by name or declared type), at most 10 MB."""
    from openiop.intake.services.referrals import MAX_DOCUMENT_BYTES, sniff_document_type

    if upload is None:
        return ["Upload the scan of the signed paper form."], None
    if upload.size > MAX_DOCUMENT_BYTES:
        return ["The file is larger than 10 MB."], None
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_document_type(head)
    if content_type is None:
        return ["Only PDF, PNG and JPEG files can be uploaded."], None
    return [], content_type


@transaction.atomic
def consent_record_scanned(*, patient, scan, received_by: str, by, request=None, **fields) -> Consent:
    """Record a consent the patient signed on paper, with the scan of the signed form.

    The consent carries the same elements as one signed on screen (`consent_record` checks them: the name
    the patient signed, the date, and for authorizations every §2.31 element); `by` records it, and
    `received_by` says who received the signed paper. The scan is stored under the private media root with
    its SHA-256, which the copy of the consent accompanying a disclosure quotes. Any problem, with the scan
    or the consent, raises ValidationError by field and nothing is written."""
    problems, content_type = _scan_problems(scan)
    errors: dict[str, list[str]] = {}
    if problems:
        errors["scan"] = problems
    if not received_by.strip():
        errors["received_by"] = ["Say who received the signed paper form."]
    try:
        consent = consent_record(patient=patient, by=by, request=request, **fields)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)  # rolls back the consent and its audit event
    Consent.objects.filter(pk=consent.pk).update(
        signature_method=SignatureMethod.PAPER, paper_received_by=received_by.strip()
    )
    consent.signature_method, consent.paper_received_by = SignatureMethod.PAPER, received_by.strip()
    digest = hashlib.sha256()
    for chunk in scan.chunks():
        digest.update(chunk)
    scan.seek(0)
    document = ConsentDocument(
        consent=consent,
        original_name=(scan.name or "scan")[:200],
        content_type=content_type,
        size=scan.size,
        sha256=digest.hexdigest(),
        created_by=by,
        updated_by=by,
    )
    document.file.save("scan", scan, save=False)  # last: a failure above leaves no file behind
    document.save()
    audit_record(
        action=Action.CREATE,
        request=request,
        actor=by,
        patient=patient,
        obj=document,
        detail={"record": "consent_scan", "consent": str(consent.uuid), "sha256": document.sha256},
    )
    return consent


# --- ending an external care-team membership ------------------------------------------------------------------


@transaction.atomic
def external_member_end(
    *, member: ExternalCareTeamMember, reason: str, by, ended_on: datetime.date | None = None, request=None
) -> ExternalCareTeamMember:
    """The provider no longer cares for the patient: the membership ends on `ended_on` (today by default)
    and stays as history; it is never deleted."""
    ended_on = ended_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = ["Say why the provider no longer cares for the patient."]
    if ended_on > timezone.localdate():
        errors["ended_on"] = ["The end date cannot be in the future."]
    elif ended_on < timezone.localdate(member.created_at):
        errors["ended_on"] = ["The end date is before the provider was added to the care team."]
    if errors:
        raise ValidationError(errors)
    changed = ExternalCareTeamMember.objects.filter(pk=member.pk, ended_on__isnull=True).update(
        ended_on=ended_on, end_reason=reason.strip()[:200], updated_by=by, updated_at=timezone.now()
    )
    if not changed:
        raise ValidationError("This membership has already ended.")
    member.refresh_from_db()
    audit_record(
        action=Action.UPDATE,
        request=request,
        actor=by,
        patient=member.patient,
        obj=member,
        detail={"record": "external_care_team_member", "change": "ended", "ended_on": ended_on.isoformat()},
    )
    return member


# --- sending a disclosure by Direct ----------------------------------------------------------------------------


class TransmissionRefused(ValidationError):
    """A retry the consent engine no longer allows (the consent was revoked or expired since)."""


def transmission_send(
    *, disclosure: Disclosure, content: bytes, attachment_name: str, by, request=None
) -> Transmission:
    """Send what `disclose` released (`content`, exactly: its SHA-256 must be the accounting row's) to the
    recipient's Direct address, through the OPENIOP_DIRECT_BACKEND. The transmission is recorded first, with
    the bytes, so that a failed send can be retried (`transmission_retry`) without disclosing again; the
    bytes are cleared once sent. Returns the transmission, sent or failed."""
    if hashlib.sha256(content).hexdigest() != disclosure.sha256:
        raise ValueError("Only the bytes that were disclosed may be sent")
    address = disclosure.recipient.direct_address
    if not address:
        raise ValidationError({"recipient": "This provider has no Direct address in the directory."})
    transmission = Transmission.objects.create(
        disclosure=disclosure,
        channel="direct",
        address=address,
        subject=f"{disclosure.description} ({disclosure.disclosed_at:%Y-%m-%d})"[:200],
        attachment_name=attachment_name[:120],
        pending_content=content,
        created_by=by,
        updated_by=by,
    )
    return _attempt(transmission, content, by=by, request=request)


def transmission_retry(*, transmission: Transmission, by, request=None) -> Transmission:
    """Send a failed transmission again, with the bytes kept from the disclosure. Revocation and expiry are
    enforced at this moment too: if the consents no longer allow it, the retry is refused (audited) and
    nothing leaves."""
    if transmission.status == TransmissionStatus.SENT:
        raise ValidationError("This transmission was already sent.")
    content = bytes(transmission.pending_content or b"")
    disclosure = transmission.disclosure
    if hashlib.sha256(content).hexdigest() != disclosure.sha256:
        raise ValidationError("The document to send is no longer kept: disclose it again.")
    decision = check_disclosure(
        patient=disclosure.patient,
        recipient=disclosure.recipient,
        purpose=disclosure.purpose,
        categories=disclosure.categories,
        part2=disclosure.part2,
    )
    if not decision.allowed:
        audit_record(
            action=Action.EXPORT,
            request=request,
            actor=by,
            patient=disclosure.patient,
            obj=transmission,
            outcome=Outcome.REFUSED,
            detail={"transmission": "retry_refused", "reason": decision.reason},
        )
        raise TransmissionRefused(decision.message, code=decision.reason)
    return _attempt(transmission, content, by=by, request=request)


def _attempt(transmission: Transmission, content: bytes, *, by, request) -> Transmission:
    """One try of the backend, outside any database transaction (it may wait on the network); then the
    outcome, and its one audit event, in one."""
    from .transport import OutboundMessage, direct_backend

    disclosure = transmission.disclosure
    message = OutboundMessage(
        reference=str(transmission.uuid),
        address=transmission.address,
        subject=transmission.subject,
        body="Records disclosed with the patient's consent; see the attached document and its notice.",
        attachment_name=transmission.attachment_name,
        media_type=disclosure.media_type,
        content=content,
    )
    try:
        result = direct_backend().send(message)
        ok, error = result.ok, result.error
    except Exception as exc:  # noqa: BLE001 - any backend failure is recorded, and retried later
        ok, error = False, f"{type(exc).__name__}: {exc}"
    with transaction.atomic():
        transmission.attempts += 1
        transmission.updated_by = by
        if ok:
            transmission.status = TransmissionStatus.SENT
            transmission.sent_at = timezone.now()
            transmission.last_error = ""
            transmission.pending_content = None
        else:
            transmission.status = TransmissionStatus.FAILED
            transmission.last_error = (error or "The backend reported a failure.")[:300]
        transmission.save()
        audit_record(
            action=Action.EXPORT,
            request=request,
            actor=by,
            patient=disclosure.patient,
            obj=transmission,
            outcome=Outcome.SUCCESS if ok else Outcome.FAILED,
            detail={
                "transmission": str(transmission.uuid),
                "disclosure": str(disclosure.uuid),
                "channel": transmission.channel,
                "status": transmission.status,
                "attempt": transmission.attempts,
                "sha256": disclosure.sha256,
            },
        )
    return transmission
