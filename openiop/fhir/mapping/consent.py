"""Consent: a patient's consent to treatment, HIPAA authorization or 42 CFR Part 2 consent (pure).

- status from the consent's state at the moment of reading (Consent.status_at): active -> active; revoked or
  expired -> inactive (the patient's choice stands in the record, it no longer applies). OpenIOP does not
  keep drafts or refused consents, so proposed and rejected never occur.
- scope: "treatment" for a consent to treatment; "patient-privacy" for an authorization to disclose.
- category: LOINC 59284-0 "Patient Consent"; authorizations add 64292-6 "Release of information consent".
- policy: the rule the consent is given under (42 CFR Part 2; HIPAA 45 CFR 164.508); a consent to treatment
  names the program's own consent policy in `policyRule` text, so invariant ppc-1 (policy or policyRule)
  always holds.
- provision (permit): its period runs from signature to expiry (a consent expiring on a date holds through
  that day); actor: the recipient (display only: Organization and Practitioner are not exposed), or for a
  single TPO consent the words the patient agreed to; purpose: v3-ActReason TREAT, HPAYMT, HOPERAT, HLEGAL;
  class: the categories of information, in OpenIOP's own code system. A Part 2 consent carries the ETH
  (substance abuse information sensitivity) security label on its provision.
  A consent expiring at discharge that a discharge has ended (before its date, if any) has period.end at
  that moment, to the second. Until then there is no end to give: FHIR R4 has no element for an expiry
  event, and the status says when it no longer applies.
Any other expiry event is words the patient wrote: it is not sent.
"""

import datetime

from .common import LOINC, drop_empty, instant, meta, reference

CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CONSENT_INFORMATION_SYSTEM = "https://openiop.org/fhir/CodeSystem/consent-information"

PART2_POLICY = "https://www.ecfr.gov/current/title-42/part-2"
HIPAA_POLICY = (
    "https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-E/section-164.508"
)

TREATMENT, HIPAA, PART2 = "treatment", "hipaa_authorization", "part2"
STATUS = {"active": "active", "revoked": "inactive", "expired": "inactive"}
PURPOSE = {
    "treatment": ("TREAT", "treatment"),
    "payment": ("HPAYMT", "healthcare payment"),
    "health_care_operations": ("HOPERAT", "healthcare operations"),
    "legal_proceedings": ("HLEGAL", "legal"),
}


def _period_end(expires_on: datetime.date | None, discharge_ended_at: datetime.datetime | None) -> str:
    if discharge_ended_at is not None:
        return instant(discharge_ended_at)
    return expires_on.isoformat() if expires_on else ""


def consent_resource(
    *,
    id,
    updated_at: datetime.datetime,
    patient_id,
    kind: str,
    state: str,
    signed_at: datetime.datetime,
    signed_on: datetime.date,
    expires_on: datetime.date | None,
    disclosing_party: str,
    discharge_ended_at: datetime.datetime | None = None,
    recipient: str = "",
    purposes: list[str] = (),
    categories: list[tuple[str, str]] = (),
) -> dict:
    """`state` is Consent.status_at(now) ("active", "revoked", "expired"); `recipient` the recipient's
    name (or the TPO wording); `categories`: (code, label) of the information covered;
    `discharge_ended_at` the discharge that ended a consent expiring at discharge, if it did."""
    authorization = kind in (HIPAA, PART2)
    category = [{"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}]}]
    if authorization:
        category.append(
            {"coding": [{"system": LOINC, "code": "64292-6", "display": "Release of information consent"}]}
        )
    scope = ("patient-privacy", "Privacy Consent") if authorization else ("treatment", "Treatment")
    policy = {PART2: PART2_POLICY, HIPAA: HIPAA_POLICY}.get(kind)
    provision = {
        "type": "permit",
        "period": drop_empty(
            {"start": signed_on.isoformat(), "end": _period_end(expires_on, discharge_ended_at)}
        ),
        "actor": [
            {
                "role": {
                    "coding": [
                        {"system": PARTICIPATION_TYPE, "code": "IRCP", "display": "information recipient"}
                    ]
                },
                "reference": {"display": recipient},
            }
        ]
        if authorization and recipient
        else [],
        "securityLabel": [
            {"system": ACT_CODE, "code": "ETH", "display": "substance abuse information sensitivity"}
        ]
        if kind == PART2
        else [],
        "purpose": [
            {"system": ACT_REASON, "code": PURPOSE[p][0], "display": PURPOSE[p][1]}
            for p in purposes
            if p in PURPOSE
        ],
        "class": [
            {"system": CONSENT_INFORMATION_SYSTEM, "code": code, "display": label}
            for code, label in categories
        ],
    }
    return drop_empty(
        {
            "resourceType": "Consent",
            "id": str(id),
            "meta": meta(updated_at),
            "status": STATUS[state],
            "scope": {"coding": [{"system": CONSENT_SCOPE, "code": scope[0], "display": scope[1]}]},
            "category": category,
            "patient": reference("Patient", patient_id),
            "dateTime": instant(signed_at),
            "performer": [reference("Patient", patient_id)],
            "organization": [{"display": disclosing_party}] if disclosing_party else [],
            "policy": [{"uri": policy}] if policy else [],
            "policyRule": {} if policy else {"text": "Consent to treatment in the program"},
            "provision": drop_empty(provision),
        }
    )
