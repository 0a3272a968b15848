"""Encounter and Group: what happened at the program's sessions, and who is on a recurring group (pure).

Two kinds of Encounter come from the calendar:
- a group session is one "group" Encounter (its id is the session's UUID). It names no patient: its
  subject is the recurring group (a Group) when the session belongs to one, else nothing. So reading it
  never shows the roster;
- each patient's booking, once something happened to it, is that patient's own Encounter. Its id is the
  Appointment's (`<session uuid>.<booking>`), it refers to that Appointment, and for a group session it is
  `partOf` the group Encounter.

Status of a patient's Encounter, from the attendance recorded (R4 Encounter has no "no-show"):
- present, late, left early -> finished (they were there);
- absent (excused or not), a cancelled booking, or a cancelled session -> cancelled. An absence is never
  "finished": the encounter did not take place for that patient;
- not recorded yet -> planned (the views serve only recorded bookings, or those of a cancelled session,
  as Encounters; before that the booking is an Appointment only).
Status of a group Encounter: cancelled when the session was called off; finished once anyone attended;
cancelled when attendance is recorded and nobody came; planned while nothing is recorded.

Class: VR (virtual) for a telehealth room, else AMB (ambulatory). Staff are named by display only
(Practitioner is not exposed), and the telehealth video link never appears.

Group: a recurring group of a track (GroupSeries) as an actual group of persons. Each roster entry is a
member with its period; a roster entry ends the day before its (exclusive) end date, since FHIR periods
include their end. `quantity` counts the members on the roster on the day it is built.
"""

import datetime

from .common import drop_empty, instant, meta, reference

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SESSION_KIND_SYSTEM = "https://openiop.org/fhir/CodeSystem/session-kind"
UCUM = "http://unitsofmeasure.org"

ATTENDED = frozenset({"present", "late", "left_early"})
NOT_RECORDED = "scheduled"


def encounter_status(*, session_cancelled: bool, attendance: str) -> str:
    """A patient's Encounter status from their attendance (see the module docstring)."""
    if session_cancelled:
        return "cancelled"
    if attendance in ATTENDED:
        return "finished"
    if attendance == NOT_RECORDED:
        return "planned"
    return "cancelled"  # absent (excused or not) or a cancelled booking


def group_encounter_status(*, session_cancelled: bool, attendances: list[str]) -> str:
    """A group session's Encounter status from everyone's attendance (see the module docstring)."""
    if session_cancelled:
        return "cancelled"
    if any(a in ATTENDED for a in attendances):
        return "finished"
    if any(a != NOT_RECORDED for a in attendances):
        return "cancelled"  # recorded, and nobody came
    return "planned"


def _class(telehealth: bool) -> dict:
    if telehealth:
        return {"system": ACT_CODE, "code": "VR", "display": "virtual"}
    return {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"}


def _common(
    *,
    id: str,
    updated_at: datetime.datetime,
    status: str,
    telehealth: bool,
    kind: str,
    kind_label: str,
    session_type: str,
    start: datetime.datetime,
    end: datetime.datetime,
    clinicians: list[str],
    room: str,
) -> dict:
    return {
        "resourceType": "Encounter",
        "id": id,
        "meta": meta(updated_at),
        "status": status,
        "class": _class(telehealth),
        "type": [{"coding": [{"system": SESSION_KIND_SYSTEM, "code": kind, "display": kind_label}]}],
        "serviceType": {"text": session_type},
        "participant": [{"individual": {"display": name}} for name in clinicians],
        "period": {"start": instant(start), "end": instant(end)},
        "location": [{"location": {"display": room}}] if room else [],
    }


def group_encounter_resource(
    *,
    id,
    updated_at: datetime.datetime,
    session_cancelled: bool,
    attendances: list[str],
    telehealth: bool,
    kind: str,
    kind_label: str,
    session_type: str,
    start: datetime.datetime,
    end: datetime.datetime,
    clinicians: list[str] = (),
    room: str = "",
    group_id=None,
) -> dict:
    """One group session. `attendances` are the bookings' attendance codes (counted, never named);
    `group_id` is the recurring group's id, if the session belongs to one."""
    resource = _common(
        id=str(id),
        updated_at=updated_at,
        status=group_encounter_status(session_cancelled=session_cancelled, attendances=attendances),
        telehealth=telehealth,
        kind=kind,
        kind_label=kind_label,
        session_type=session_type,
        start=start,
        end=end,
        clinicians=clinicians,
        room=room,
    )
    resource["subject"] = reference("Group", group_id) if group_id else {}
    return drop_empty(resource)


def patient_encounter_resource(
    *,
    id: str,
    updated_at: datetime.datetime,
    patient_id,
    episode_id,
    session_cancelled: bool,
    attendance: str,
    minutes_attended: int | None,
    telehealth: bool,
    kind: str,
    kind_label: str,
    session_type: str,
    start: datetime.datetime,
    end: datetime.datetime,
    group_session_id=None,
    clinicians: list[str] = (),
    room: str = "",
) -> dict:
    """One patient's booking as their Encounter; `id` is the Appointment's id. `group_session_id` is the
    session's id when it is a group session (the group Encounter this one is part of)."""
    status = encounter_status(session_cancelled=session_cancelled, attendance=attendance)
    resource = _common(
        id=id,
        updated_at=updated_at,
        status=status,
        telehealth=telehealth,
        kind=kind,
        kind_label=kind_label,
        session_type=session_type,
        start=start,
        end=end,
        clinicians=clinicians,
        room=room,
    )
    resource.update(
        {
            "subject": reference("Patient", patient_id),
            "episodeOfCare": [reference("EpisodeOfCare", episode_id)],
            "appointment": [reference("Appointment", id)],
            "length": {"value": minutes_attended, "unit": "min", "system": UCUM, "code": "min"}
            if status == "finished" and minutes_attended is not None
            else {},
            "partOf": reference("Encounter", group_session_id) if group_session_id else {},
        }
    )
    return drop_empty(resource)


def group_resource(
    *,
    id,
    updated_at: datetime.datetime,
    name: str,
    active: bool,
    session_type: str,
    program: str,
    track: str,
    schedule: str,
    members: list[tuple[object, datetime.date, datetime.date | None]],
    today: datetime.date,
) -> dict:
    """A recurring group. `members`: (patient id, roster start, roster end exclusive or None); `schedule`
    says when it meets ("Mondays 09:00–12:00")."""
    entries, current = [], 0
    for patient_id, starts_on, ends_on in members:
        last_day = ends_on - datetime.timedelta(days=1) if ends_on else None
        on_roster = starts_on <= today and (ends_on is None or ends_on > today)
        current += on_roster
        entries.append(
            {
                "entity": reference("Patient", patient_id),
                "period": drop_empty(
                    {"start": starts_on.isoformat(), "end": last_day.isoformat() if last_day else ""}
                ),
                "inactive": not on_roster,
            }
        )
    return drop_empty(
        {
            "resourceType": "Group",
            "id": str(id),
            "meta": meta(updated_at),
            "active": active,
            "type": "person",
            "actual": True,
            "code": {"text": session_type},
            "name": name,
            "quantity": current,
            "managingEntity": {"display": program},
            "characteristic": [
                {"code": {"text": "Track"}, "valueCodeableConcept": {"text": track}, "exclude": False},
                {"code": {"text": "Meets"}, "valueCodeableConcept": {"text": schedule}, "exclude": False},
            ],
            "member": entries,
        }
    )
