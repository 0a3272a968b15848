"""Patient/$everything: the patient's record as one searchset Bundle, section by section.

Each section is included only if the caller passes that section's policy, the same checks as its type
endpoint (and the pages): the chart (Patient, EpisodeOfCare, CareTeam, Appointment), measures
(QuestionnaireResponse, Observation), plans (the active signed CarePlan and its Goals), consents (Consent,
when resources.consent_to_fhir exists) and notes (signed notes as DocumentReference with the note's text).
Psychotherapy process notes are never included: they are kept apart from the record (HIPAA 164.501), in no
chart, export or disclosure. The whole record is returned in one Bundle (no paging): a disclosure is one
document with one digest, and an IOP episode's record is small.

With `recipient` and `purpose`, the Bundle is released through coordination's `disclose` as a
FhirBundleSource: refused unless the patient's valid consents cover that recipient, purpose and the
categories present; for Part 2 records stamped with security labels, the §2.32 notice (a DocumentReference
entry) and a Consent per covering consent.
"""

import base64
import datetime
import uuid
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from openiop.coordination import consent_rules as cr
from openiop.measures.models import Administration
from openiop.notes.models import Note, NoteStatus
from openiop.notes.registry import get_format
from openiop.patients.models import EpisodeOfCare
from openiop.scheduling.models import SessionAttendee
from openiop.treatment.models import Goal, PlanStatus, TreatmentPlan

from . import resources
from .mapping.common import drop_empty, instant, meta, reference

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
PART2_SECURITY = (
    {"system": CONFIDENTIALITY, "code": "R", "display": "restricted"},
    {"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"},
    {"system": ACT_CODE, "code": "NORDSCLCD", "display": "no redisclosure without consent directive"},
)
NOTICE_TITLE = "Notice of 42 CFR Part 2 (§2.32)"
LOINC = "http://loinc.org"

# Consent categories of what a section discloses (coordination.consent_rules); the chart header, episodes
# and care team identify the patient and travel with any of them.
CATEGORY = {
    "Appointment": cr.ATTENDANCE,
    "QuestionnaireResponse": cr.MEASURES,
    "Observation": cr.MEASURES,
    "CarePlan": cr.TREATMENT_PLAN,
    "Goal": cr.TREATMENT_PLAN,
    "DocumentReference": cr.NOTES_SUMMARY,
}


@dataclass(frozen=True)
class Section:
    name: str
    gate: str  # the type endpoint's gate
    permission: str  # the patient-level check


SECTIONS = (
    Section("chart", "patients.list_patients", "patients.view_chart"),
    Section("measures", "measures.view", "measures.view_patient"),
    Section("plans", "treatment.view_plans", "treatment.view_plan"),
    Section("consents", "coordination.view_consents", "coordination.view_patient_consents"),
    Section("notes", "notes.use", "notes.read_patient_notes"),
)


def allowed_sections(user, patient) -> list[str]:
    """The sections `user` may read of `patient`, as on the type endpoints."""
    return [s.name for s in SECTIONS if user.has_perm(s.gate) and user.has_perm(s.permission, patient)]


# --- signed notes as DocumentReference (pure) ----------------------------------------------------------------


def note_text(*, title: str, date_of_service, author: str, signed_at, sections, addenda) -> str:
    """A signed note as plain text: its heading, each filled section, then its addenda."""
    lines = [title, f"Date of service: {date_of_service.isoformat()}", f"Author: {author}"]
    lines.append(f"Signed: {instant(signed_at)}")
    for label, text in sections:
        if text:
            lines += ["", f"{label}:", str(text)]
    for when, by, text in addenda:
        lines += ["", f"Addendum ({instant(when)}, {by}):", text]
    return "\n".join(lines) + "\n"


def note_document_resource(
    *, id, updated_at, patient_id, type_display: str, date: datetime.datetime, author: str, text: str
) -> dict:
    return drop_empty(
        {
            "resourceType": "DocumentReference",
            "id": str(id),
            "meta": meta(updated_at),
            "status": "current",
            "docStatus": "final",
            "type": {
                "coding": [{"system": LOINC, "code": "11506-3", "display": "Progress note"}],
                "text": type_display,
            },
            "category": [{"text": "Clinical note"}],
            "subject": reference("Patient", patient_id),
            "date": instant(date),
            "author": [{"display": author}] if author else [],
            "content": [
                {
                    "attachment": {
                        "contentType": "text/plain; charset=utf-8",
                        "data": base64.b64encode(text.encode()).decode(),
                        "title": type_display,
                    }
                }
            ],
        }
    )


def note_to_fhir(note: Note) -> dict:
    note_format = get_format(note.format_id, note.format_version)
    sections = [(section.label, note.content.get(section.key, "")) for section in note_format.sections]
    addenda = [
        (a.signed_at, a.author.display_name, a.text)
        for a in note.addenda.select_related("author__staff_profile")
    ]
    title = str(note.get_note_type_display())
    text = note_text(
        title=title,
        date_of_service=note.date_of_service,
        author=note.author.display_name,
        signed_at=note.signed_at,
        sections=sections,
        addenda=addenda,
    )
    return note_document_resource(
        id=note.uuid,
        updated_at=note.updated_at,
        patient_id=note.patient.uuid,
        type_display=title,
        date=note.signed_at,
        author=note.author.display_name,
        text=text,
    )


# --- Consent (used until resources.consent_to_fhir exists) ---------------------------------------------------


def consent_resource(consent) -> dict:
    """A minimal R4 Consent: who, what kind, signed when, for whom and which purposes, until when."""
    if hasattr(resources, "consent_to_fhir"):
        return resources.consent_to_fhir(consent)
    now = timezone.now()
    expires = consent.expires_at()
    return drop_empty(
        {
            "resourceType": "Consent",
            "id": str(consent.uuid),
            "meta": meta(consent.updated_at),
            "status": "active" if consent.status_at(now) == "active" else "inactive",
            "scope": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                        "code": "patient-privacy",
                    }
                ]
            },
            "category": [{"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}]}],
            "patient": reference("Patient", consent.patient.uuid),
            "dateTime": instant(consent.signed_at),
            "policyRule": {"text": str(consent.get_kind_display())},
            "provision": {
                "type": "permit",
                "period": {
                    "start": consent.signed_on.isoformat(),
                    "end": instant(expires) if expires else None,
                },
                "actor": [
                    {
                        "role": {"text": "Recipient"},
                        "reference": {"display": str(consent.recipient)},
                    }
                ]
                if consent.recipient_id
                else [],
                "purpose": [{"code": p} for p in consent.purposes],
                "class": [{"code": c} for c in consent.categories],
            },
        }
    )


def notice_resource(notice: str) -> dict:
    """The §2.32 notice as its own document in the Bundle, readable by any receiving system."""
    return {
        "resourceType": "DocumentReference",
        "id": str(uuid.uuid4()),
        "status": "current",
        "description": notice,
        "securityLabel": [{"coding": [dict(label)]} for label in PART2_SECURITY],
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(notice.encode()).decode(),
                    "title": NOTICE_TITLE,
                }
            }
        ],
    }


# --- collecting the record -----------------------------------------------------------------------------------


def collect(patient, sections: list[str]) -> list[dict]:
    """The patient's resources of the allowed `sections`, in a stable order (Patient first)."""
    found = [resources.patient_to_fhir(patient)]
    if "chart" in sections:
        episodes = list(
            EpisodeOfCare.objects.filter(patient=patient)
            .select_related("patient", "program", "track")
            .order_by("pk")
        )
        found += [resources.episode_to_fhir(e) for e in episodes]
        found += [resources.care_team_to_fhir(e) for e in episodes if e.care_team_members.exists()]
        bookings = (
            SessionAttendee.objects.filter(episode__patient=patient)
            .select_related("session__session_type", "session__room", "episode__patient")
            .prefetch_related("session__clinicians")
            .order_by("session__date", "session__start_time", "pk")
        )
        found += [resources.appointment_to_fhir(b) for b in bookings]
    if "measures" in sections:
        administrations = list(
            Administration.objects.filter(patient=patient)
            .select_related("patient", "created_by")
            .order_by("completed_on", "created_at", "pk")
        )
        found += [resources.response_to_fhir(a) for a in administrations]
        found += [resources.observation_to_fhir(a) for a in administrations if a.total is not None]
    if "plans" in sections:
        plans = (
            TreatmentPlan.objects.filter(episode__patient=patient, status=PlanStatus.ACTIVE)
            .select_related(
                "episode__patient", "episode__program", "responsible_clinician__staff_profile", "based_on"
            )
            .order_by("activated_at", "pk")
        )
        found += [resources.care_plan_to_fhir(p) for p in plans]
        goals = (
            Goal.objects.filter(
                problem__plan__episode__patient=patient, problem__plan__status=PlanStatus.ACTIVE
            )
            .select_related("problem__plan__episode__patient", "problem__plan__episode__program")
            .prefetch_related("objectives")
            .order_by("problem__plan__pk", "problem__position", "problem__id", "position", "id")
        )
        found += [resources.goal_to_fhir(g) for g in goals]
    if "consents" in sections and hasattr(resources, "consent_to_fhir"):
        consents = (
            patient.consents.select_related("patient", "recipient")
            .with_discharges()
            .order_by("signed_at", "pk")
        )
        found += [resources.consent_to_fhir(c) for c in consents]
    if "notes" in sections:
        # Notes of the record only: ProcessNote is another model and is never read here.
        notes = (
            Note.objects.filter(patient=patient, status=NoteStatus.SIGNED)
            .select_related("patient", "author__staff_profile")
            .order_by("date_of_service", "signed_at", "pk")
        )
        found += [note_to_fhir(n) for n in notes]
    return found


def counts(found: list[dict]) -> dict[str, int]:
    return dict(sorted(Counter(r["resourceType"] for r in found).items()))


def categories(found: list[dict]) -> list[str]:
    """The consent categories of what `found` discloses."""
    return sorted({CATEGORY[r["resourceType"]] for r in found if r["resourceType"] in CATEGORY})


def everything_bundle(
    *, base_url: str, self_url: str, found: list[dict], extra: list[dict] = (), security=()
) -> dict:
    """A searchset Bundle: the Patient as the match, the rest included; `extra` (the notice, the consents
    of a Part 2 disclosure) after them."""
    entries = [
        {
            "fullUrl": f"{base_url}/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match" if r["resourceType"] == "Patient" else "include"},
        }
        for r in found
    ] + [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r, "search": {"mode": "include"}} for r in extra]
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {
            "lastUpdated": instant(timezone.now()),
            **({"security": [dict(s) for s in security]} if security else {}),
        },
        "type": "searchset",
        "timestamp": instant(timezone.now()),
        "total": 1,
        "link": [{"relation": "self", "url": self_url}],
        "entry": entries,
    }
    return bundle


def disclosure_builder(*, base_url: str, self_url: str, found: list[dict]):
    """The FhirBundleSource callable: given disclose's notice context (None when not Part 2), the Bundle,
    stamped for Part 2 with the security labels, the notice and a Consent per covering consent."""

    def build(notice_context: dict | None) -> dict:
        if notice_context is None:
            return everything_bundle(base_url=base_url, self_url=self_url, found=found)
        extra = [notice_resource(notice_context["notice"])]
        present = {(r["resourceType"], r["id"]) for r in found}
        extra += [
            consent_resource(c) for c in notice_context["consents"] if ("Consent", str(c.uuid)) not in present
        ]
        return everything_bundle(
            base_url=base_url, self_url=self_url, found=found, extra=extra, security=PART2_SECURITY
        )

    return build
