"""ServiceRequest: an intake referral linked to a patient, as the request for IOP care it is (pure).

Status (http://hl7.org/fhir/request-status): a referral still in the pipeline (new, contacted, assessment
booked, assessed) is `active`; `completed` once the person was admitted, which is what was asked for; a
referral that ended otherwise (declined, referred elsewhere, lost to contact) is `revoked`, since the
request ended without being fulfilled here. A referral lost to contact may be reopened, and is then active
again.

Priority (http://hl7.org/fhir/request-priority, in increasing order routine < urgent < asap): routine ->
routine, soon (within a week) -> urgent, urgent (within 72 hours) -> asap, so the order is kept.

The reason for referral is clinical free text: it goes in `reasonCode[0].text` only when the caller may read
the referral (`with_reason`). The referred person's own contact details stay on the referral: the Patient
resource is the record of who they are.
"""

import datetime

from .common import drop_empty, instant, meta, reference

SNOMED = "http://snomed.info/sct"
OPEN = frozenset({"new", "contacted", "assessment_booked", "assessed"})
STATUS = {
    **{status: "active" for status in OPEN},
    "admitted": "completed",
    "declined": "revoked",
    "referred_elsewhere": "revoked",
    "lost_to_contact": "revoked",
}
PRIORITY = {"routine": "routine", "soon": "urgent", "urgent": "asap"}


def service_request_status(status: str) -> str:
    return STATUS.get(status, "unknown")


def service_request_resource(
    *,
    id,
    updated_at: datetime.datetime,
    patient_id,
    episode_id=None,
    status: str,
    urgency: str,
    program: str,
    received_at: datetime.datetime,
    source_label: str,
    referring_provider: str = "",
    referring_organization: str = "",
    reason: str = "",
    with_reason: bool = True,
) -> dict:
    """`source_label` names where the referral came from ("Self", "Inpatient unit"); it is the requester
    when no referring provider or organization is named."""
    requester = ", ".join(filter(None, (referring_provider, referring_organization))) or source_label
    return drop_empty(
        {
            "resourceType": "ServiceRequest",
            "id": str(id),
            "meta": meta(updated_at),
            "status": service_request_status(status),
            "intent": "order",
            "category": [
                {
                    "coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}],
                    "text": "Referral to an intensive outpatient program",
                }
            ],
            "priority": PRIORITY.get(urgency, "routine"),
            "code": {"text": f"Intensive outpatient program · {program}"},
            "subject": reference("Patient", patient_id),
            "authoredOn": instant(received_at),
            "requester": {"display": requester},
            "performer": [{"display": program}],
            "reasonCode": [{"text": reason}] if with_reason and reason else [],
            "supportingInfo": [reference("EpisodeOfCare", episode_id)] if episode_id else [],
        }
    )
