"""Appointment: one patient's booking in a session (pure).

A group session is many patients' appointments; each is served on its own, so no patient's booking shows
another's. The id joins the session's UUID and the booking's number (`<session uuid>.<booking>`): both must
match to find it. The telehealth video link is never included (it is a join credential, not a record).
"""

import datetime

from .common import drop_empty, instant, meta, reference

PRESENT = frozenset({"present", "late", "left_early"})
ABSENT = frozenset({"absent_excused", "absent_unexcused"})


def appointment_id(session_id, booking: int) -> str:
    return f"{session_id}.{booking}"


def appointment_status(*, session_cancelled: bool, attendance: str) -> str:
    """booked (not recorded yet), fulfilled (present, late or left early), noshow (absent, excused or
    not), cancelled (the session, or this booking)."""
    if session_cancelled or attendance == "cancelled":
        return "cancelled"
    if attendance in PRESENT:
        return "fulfilled"
    if attendance in ABSENT:
        return "noshow"
    return "booked"


def appointment_resource(
    *,
    id: str,
    updated_at: datetime.datetime,
    patient_id,
    session_type: str,
    group: bool,
    start: datetime.datetime,
    end: datetime.datetime,
    session_cancelled: bool,
    attendance: str,
    cancel_reason: str = "",
    clinicians: list[str] = (),
    room: str = "",
    created: datetime.datetime | None = None,
) -> dict:
    """`start` and `end` are aware datetimes; `clinicians` are display names; `room` the room's name."""
    status = appointment_status(session_cancelled=session_cancelled, attendance=attendance)
    return drop_empty(
        {
            "resourceType": "Appointment",
            "id": id,
            "meta": meta(updated_at),
            "status": status,
            "cancelationReason": {"text": cancel_reason} if status == "cancelled" and cancel_reason else {},
            "serviceType": [{"text": session_type}],
            "appointmentType": {"text": "Group session" if group else "Individual session"},
            "description": session_type,
            "start": instant(start),
            "end": instant(end),
            "minutesDuration": int((end - start).total_seconds() // 60),
            "created": created.date().isoformat() if created else "",
            "participant": [
                {
                    "actor": reference("Patient", patient_id),
                    "required": "required",
                    "status": "declined" if status == "cancelled" else "accepted",
                },
                *(
                    {"actor": {"display": name}, "required": "required", "status": "accepted"}
                    for name in clinicians
                ),
                *([{"actor": {"display": room}, "status": "accepted"}] if room else []),
            ],
        }
    )
