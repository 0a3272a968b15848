"""The transition packet as a FHIR R4 document Bundle: a Composition (the packet's sections, each with a
readable narrative) followed by the resources it cites.

Resources: Patient, EpisodeOfCare, the start and end total-score Observations, the plan (CarePlan and
Goals), a MedicationStatement per medication as recorded, and the aftercare plan as a CarePlan whose
activities are the appointments (CarePlan.activity.detail with kind Appointment: an aftercare
appointment's length is not recorded, and a booked FHIR Appointment needs an end). For Part 2 content the
disclosure service asks for the §2.32 notice: it becomes a Composition section, a DocumentReference entry
and the Bundle's security labels, with a Consent per covering consent (fhir.everything's stamping).
"""

import uuid

from django.utils import timezone
from django.utils.html import escape

from openiop.coordination import services as coordination
from openiop.coordination.models import Category
from openiop.fhir import resources
from openiop.fhir.everything import PART2_SECURITY, consent_resource, notice_resource
from openiop.fhir.mapping.common import drop_empty, instant, reference
from openiop.measures.models import Administration
from openiop.treatment.models import Goal

from .packet import DISCHARGE, Packet, build_packet

LOINC = "http://loinc.org"
# Discharge summary, and Transfer summary note for a change of level.
DOCUMENT_TYPE = {
    DISCHARGE: ("18842-5", "Discharge summary"),
    "step_down": ("18761-7", "Transfer summary note"),
    "step_up": ("18761-7", "Transfer summary note"),
}
MEDICATIONS_SECTION = ("10160-0", "History of Medication use Narrative")
PLAN_OF_CARE_SECTION = ("18776-5", "Plan of care note")


def _div(*paragraphs: str) -> dict:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs if p) or "<p>None recorded.</p>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def medication_statement(medication, patient_id) -> dict:
    return drop_empty(
        {
            "resourceType": "MedicationStatement",
            "id": str(medication.uuid),
            "status": "active" if medication.stopped_on is None else "stopped",
            "medicationCodeableConcept": {"text": str(medication)},
            "subject": reference("Patient", patient_id),
            "effectivePeriod": {
                "start": medication.started_on.isoformat() if medication.started_on else None,
                "end": medication.stopped_on.isoformat() if medication.stopped_on else None,
            },
            "dateAsserted": instant(medication.updated_at),
            "informationSource": {"display": medication.prescriber} if medication.prescriber else None,
            "dosage": [{"text": medication.directions}] if medication.directions else [],
        }
    )


def aftercare_care_plan(packet: Packet, plan_id: str) -> dict:
    discharge = packet.discharge
    activities = [
        {
            "detail": {
                "kind": "Appointment",
                "status": "scheduled",
                "description": appointment.purpose,
                "scheduledPeriod": {"start": instant(appointment.starts_at)},
                "performer": [{"display": appointment.provider_display}],
                "location": {"display": "Telehealth" if appointment.is_telehealth else appointment.location}
                if (appointment.is_telehealth or appointment.location)
                else None,
            }
        }
        for appointment in packet.aftercare
    ]
    notes = [
        text
        for text in (
            f"Support groups: {discharge.support_groups}" if discharge and discharge.support_groups else "",
            f"Crisis plan: {discharge.crisis_plan}" if discharge and discharge.crisis_plan else "",
        )
        if text
    ]
    return drop_empty(
        {
            "resourceType": "CarePlan",
            "id": plan_id,
            "status": "active",
            "intent": "plan",
            "title": "Aftercare plan",
            "subject": reference("Patient", packet.patient.uuid),
            "activity": activities,
            "note": [{"text": text} for text in notes],
        }
    )


def _observations(packet: Packet) -> list[dict]:
    keys = [k for line in packet.measures for k in (line.start_key, line.end_key) if k]
    administrations = Administration.objects.filter(uuid__in=keys, total__isnull=False).select_related(
        "patient", "created_by"
    )
    by_key = {str(a.uuid): a for a in administrations}
    return [resources.observation_to_fhir(by_key[k]) for k in keys if k in by_key]


def packet_bundle(packet: Packet, *, base_url: str, notice_context: dict | None) -> dict:
    """The document Bundle of `packet`; stamped for Part 2 when `notice_context` is given."""
    patient, episode = packet.patient, packet.episode
    now = timezone.now()
    cited: list[tuple[str, dict]] = []  # (fullUrl, resource)

    def cite(resource: dict, full_url: str | None = None) -> dict:
        url = full_url or f"{base_url}/{resource['resourceType']}/{resource['id']}"
        cited.append((url, resource))
        return {"reference": url}

    patient_ref = cite(resources.patient_to_fhir(patient))
    episode_ref = cite(resources.episode_to_fhir(episode))
    observation_refs = [cite(o) for o in _observations(packet)]
    plan_refs = []
    if packet.plan is not None:
        plan_refs.append(cite(resources.care_plan_to_fhir(packet.plan)))
        goals = (
            Goal.objects.filter(problem__plan=packet.plan)
            .select_related("problem__plan__episode__patient", "problem__plan__episode__program")
            .prefetch_related("objectives")
            .order_by("problem__position", "problem__id", "position", "id")
        )
        plan_refs += [cite(resources.goal_to_fhir(goal)) for goal in goals]
    medication_refs = [cite(medication_statement(m, patient.uuid)) for m in packet.medications]
    aftercare_id = str(uuid.uuid4())
    aftercare_ref = cite(aftercare_care_plan(packet, aftercare_id), f"urn:uuid:{aftercare_id}")

    sections = [
        {
            "title": "Services received",
            "text": _div(
                *(f"{line.label}: {line.sessions} sessions, {line.hours} hours" for line in packet.services),
                f"Total: {packet.total_hours} hours. Whole weeks at or above the program's "
                f"{episode.program.weekly_hours_target} hours: {packet.weeks_at_target} of "
                f"{packet.weeks_counted}.",
            ),
            "entry": [episode_ref],
        },
        {
            "title": "Measures at start and end",
            "text": _div(
                *(
                    f"{m.title}: {m.start_score} on {m.start_on}"
                    + (f", {m.end_score} on {m.end_on}" if m.end_on else "")
                    + f" ({m.classification})"
                    for m in packet.measures
                )
            ),
            "entry": observation_refs,
        },
        {
            "title": "Treatment plan and progress",
            "text": _div(
                *(f"{o.goal} / {o.objective} (target: {o.target}): {o.progress}" for o in packet.objectives)
            ),
            "entry": plan_refs,
        },
        {
            "title": "Safety plan",
            "text": _div(
                *(
                    f"{section.title}: "
                    + "; ".join(
                        (f"{e['name']} {e.get('phone', '')}".strip() if isinstance(e, dict) else str(e))
                        for e in entries
                    )
                    for section, entries in (packet.safety_plan.sections if packet.safety_plan else [])
                    if entries
                )
            ),
        },
        {
            "title": "Medications as recorded",
            "code": {
                "coding": [
                    {"system": LOINC, "code": MEDICATIONS_SECTION[0], "display": MEDICATIONS_SECTION[1]}
                ]
            },
            "text": _div(*(f"{m} {m.directions}".strip() for m in packet.medications)),
            "entry": medication_refs,
        },
        {
            "title": "Aftercare",
            "code": {
                "coding": [
                    {"system": LOINC, "code": PLAN_OF_CARE_SECTION[0], "display": PLAN_OF_CARE_SECTION[1]}
                ]
            },
            "text": _div(
                *(
                    f"{a.starts_at:%Y-%m-%d %H:%M}: {a.purpose} with {a.provider_display}"
                    for a in packet.aftercare
                ),
                *(
                    f"{m.provider} ({m.get_role_display()})"
                    + (f", {m.provider.phone}" if m.provider.phone else "")
                    for m in packet.external_team
                ),
            ),
            "entry": [aftercare_ref],
        },
        {
            "title": "Crisis resources",
            "text": _div(*(f"{number}: {label}" for number, label in packet.crisis_resources)),
        },
    ]
    security = ()
    if notice_context is not None:
        notice = notice_resource(notice_context["notice"])
        notice_ref = cite(notice, f"urn:uuid:{notice['id']}")
        consent_refs = []
        for consent in notice_context["consents"]:
            resource = consent_resource(consent)
            consent_refs.append(cite(resource))
        sections.append(
            {
                "title": "Notice to the recipient (42 CFR §2.32)",
                "text": _div(notice_context["notice"], notice_context["short_notice"]),
                "entry": [notice_ref, *consent_refs],
            }
        )
        security = PART2_SECURITY
    code, display = DOCUMENT_TYPE[packet.kind]
    composition_id = str(uuid.uuid4())
    composition = drop_empty(
        {
            "resourceType": "Composition",
            "id": composition_id,
            "status": "final",
            "type": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "subject": patient_ref,
            "encounter": None,
            "date": instant(now),
            "author": [{"display": episode.program.name}],
            "title": f"{packet.kind_label} transition packet",
            "confidentiality": "R",
            "event": [
                {
                    "period": {
                        "start": episode.admitted_on.isoformat() if episode.admitted_on else None,
                        "end": (episode.discharged_on or packet.prepared_on).isoformat(),
                    }
                }
            ],
            "section": sections,
        }
    )
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {
            "lastUpdated": instant(now),
            **({"security": [dict(s) for s in security]} if security else {}),
        },
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
        "type": "document",
        "timestamp": instant(now),
        "entry": [{"fullUrl": f"urn:uuid:{composition_id}", "resource": composition}]
        + [{"fullUrl": url, "resource": resource} for url, resource in cited],
    }


def packet_send_bundle(*, episode, kind: str, recipient, purpose: str, by, base_url: str, request=None):
    """Release the transition packet as a FHIR document Bundle through the disclosure service (the same
    consent check, notice and digest as the PDF). Returns (disclosure, the exact JSON bytes)."""
    packet = build_packet(episode, kind=kind, today=timezone.localdate())
    return coordination.disclose(
        patient=episode.patient,
        recipient=recipient,
        purpose=purpose,
        categories=[Category.TRANSITION_PACKET],
        document=coordination.FhirBundleSource(
            lambda notice_context: packet_bundle(packet, base_url=base_url, notice_context=notice_context)
        ),
        media_type=coordination.FHIR_JSON,
        description=f"{packet.kind_label} transition packet (FHIR document bundle)",
        by=by,
        request=request,
    )
