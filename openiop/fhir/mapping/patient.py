"""Patient, EpisodeOfCare and CareTeam."""

import datetime

from .common import (
    CARE_TEAM_ROLE_SYSTEM,
    RECORD_NUMBER_SYSTEM,
    V2_IDENTIFIER_TYPE,
    drop_empty,
    meta,
    reference,
)

# OpenIOP episode status -> EpisodeOfCare.status (http://hl7.org/fhir/episode-of-care-status).
EPISODE_STATUS = {"referral": "planned", "waitlist": "waitlist", "active": "active", "discharged": "finished"}
LANGUAGE = {"en": "en", "es": "es"}


def patient_resource(
    *,
    id,
    updated_at: datetime.datetime,
    record_number: str,
    given: str,
    family: str,
    preferred: str = "",
    birth_date: datetime.date,
    language: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    emergency_name: str = "",
    emergency_relationship: str = "",
    emergency_phone: str = "",
) -> dict:
    """The chart header as a Patient. The record number is the MR identifier; the preferred name is the
    `usual` name; the address is kept as the free text the chart holds."""
    names = [{"use": "official", "family": family, "given": [given]}]
    if preferred:
        names.append({"use": "usual", "given": [preferred]})
    contact = {}
    if emergency_name or emergency_phone:
        contact = {
            "relationship": [{"text": emergency_relationship or "Emergency contact"}],
            "name": {"text": emergency_name},
            "telecom": [{"system": "phone", "value": emergency_phone}] if emergency_phone else [],
        }
    return drop_empty(
        {
            "resourceType": "Patient",
            "id": str(id),
            "meta": meta(updated_at),
            "identifier": [
                {
                    "use": "usual",
                    "type": {
                        "coding": [{"system": V2_IDENTIFIER_TYPE, "code": "MR"}],
                        "text": "Record number",
                    },
                    "system": RECORD_NUMBER_SYSTEM,
                    "value": record_number,
                }
            ],
            "active": True,
            "name": names,
            "birthDate": birth_date.isoformat(),
            "telecom": [
                *([{"system": "phone", "value": phone}] if phone else []),
                *([{"system": "email", "value": email}] if email else []),
            ],
            "address": [{"text": address}] if address else [],
            "contact": [contact] if contact else [],
            "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": language}]}}]
            if language in LANGUAGE
            else [],
        }
    )


def _period(start: datetime.date | None, end: datetime.date | None) -> dict:
    return drop_empty({"start": start.isoformat() if start else "", "end": end.isoformat() if end else ""})


def episode_resource(
    *,
    id,
    updated_at: datetime.datetime,
    patient_id,
    status: str,
    program: str,
    track: str = "",
    referred_on: datetime.date,
    admitted_on: datetime.date | None = None,
    discharged_on: datetime.date | None = None,
    has_care_team: bool = False,
) -> dict:
    """An episode of care. The period runs from admission (or referral, before admission) to discharge;
    the referral and waitlist time is kept in statusHistory."""
    history = []
    first_status = "planned"
    if admitted_on:
        history.append({"status": first_status, "period": _period(referred_on, admitted_on)})
        history.append({"status": "active", "period": _period(admitted_on, discharged_on)})
    if discharged_on:
        history.append({"status": "finished", "period": _period(discharged_on, None)})
    return drop_empty(
        {
            "resourceType": "EpisodeOfCare",
            "id": str(id),
            "meta": meta(updated_at),
            "status": EPISODE_STATUS[status],
            "statusHistory": history,
            "type": [{"text": f"{program} · {track}" if track else program}],
            "patient": reference("Patient", patient_id),
            "period": _period(admitted_on or referred_on, discharged_on),
            "team": [reference("CareTeam", id)] if has_care_team else [],
        }
    )


EXTERNAL_ROLE_SYSTEM = "https://openiop.org/fhir/CodeSystem/external-provider-role"


def care_team_resource(
    *,
    id,
    updated_at: datetime.datetime,
    patient_id,
    program: str,
    episode_open: bool,
    start: datetime.date,
    end: datetime.date | None,
    members: list[tuple[str, str, str]],
    external: list[tuple[str, str, str, datetime.date, datetime.date | None]] = (),
) -> dict:
    """The care team of one episode (its id is the episode's). `members`: (role code, role label, name) of
    the program's staff; `external`: (role code, role label, name, start, end) of providers outside the
    program, with the period of their membership (an ended one keeps its end). Everyone is named in
    `display` only: practitioners are not exposed as resources yet."""
    return drop_empty(
        {
            "resourceType": "CareTeam",
            "id": str(id),
            "meta": meta(updated_at),
            "status": "active" if episode_open else "inactive",
            "name": f"Care team · {program}",
            "subject": reference("Patient", patient_id),
            "period": _period(start, end),
            "participant": [
                {
                    "role": [{"coding": [{"system": CARE_TEAM_ROLE_SYSTEM, "code": code, "display": label}]}],
                    "member": {"display": name},
                }
                for code, label, name in members
            ]
            + [
                {
                    "role": [{"coding": [{"system": EXTERNAL_ROLE_SYSTEM, "code": code, "display": label}]}],
                    "member": {"display": name},
                    "period": _period(start_on, end_on),
                }
                for code, label, name, start_on, end_on in external
            ],
        }
    )
