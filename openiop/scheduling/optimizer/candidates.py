"""What may go where, before anyone is placed: shared by the CP-SAT model, the greedy and the explanations
(not by the checker, which recomputes everything on its own)."""

from dataclasses import dataclass

from .instance import GroupSession, Instance, Patient, Slot, Window


def within(windows: tuple[Window, ...], when: Window) -> bool:
    return any(window.covers(when) for window in windows)


def may_lead(instance: Instance, credentials: frozenset[str], session_type: str) -> bool:
    allowed = instance.session_types[session_type]
    return not allowed or bool(allowed & credentials)


def session_modality(instance: Instance, session: GroupSession) -> str:
    if session.room and instance.room_by_id[session.room].telehealth:
        return "telehealth"
    return "in_person"


@dataclass(frozen=True)
class Candidates:
    session_seats: dict[str, int]  # usable group session -> patient places
    slot_clinicians: dict[str, tuple[str, ...]]  # usable slot -> clinicians who may take it
    slot_rooms: dict[str, tuple[str, ...]]  # usable slot -> rooms that may hold it
    patient_sessions: dict[str, tuple[str, ...]]
    patient_slots: dict[str, tuple[str, ...]]


def _session_usable(instance: Instance, session: GroupSession) -> bool:
    for clinician_id in session.facilitators:
        clinician = instance.clinician_by_id[clinician_id]
        if not may_lead(instance, clinician.credentials, session.type):
            return False
        if not within(clinician.availability, session.when):
            return False
    return True


def _seats(instance: Instance, session: GroupSession) -> int:
    seats = session.capacity
    if session.room:
        seats = min(seats, instance.room_by_id[session.room].capacity - len(session.facilitators))
    return max(seats, 0)


def patient_may_attend_session(instance: Instance, patient: Patient, session: GroupSession) -> bool:
    if not within(patient.availability, session.when):
        return False
    if patient.needs_accessible and session.room and not instance.room_by_id[session.room].accessible:
        return False
    return True


def patient_may_take_slot(patient: Patient, slot: Slot) -> bool:
    return patient.required.get(slot.type, 0) > 0 and within(patient.availability, slot.when)


def candidates(instance: Instance) -> Candidates:
    session_seats = {}
    for session in instance.group_sessions:
        seats = _seats(instance, session)
        if seats > 0 and _session_usable(instance, session):
            session_seats[session.id] = seats
    slot_clinicians, slot_rooms = {}, {}
    for slot in instance.slots:
        # Facilitators and group rooms are taken during every group session on the calendar.
        busy_clinicians, busy_rooms = set(), set()
        for session in instance.group_sessions:
            if session.when.overlaps(slot.when):
                busy_clinicians.update(session.facilitators)
                if session.room:
                    busy_rooms.add(session.room)
        clinicians = tuple(
            c.id
            for c in instance.clinicians
            if c.id not in busy_clinicians
            and c.caseload_limit > 0
            and may_lead(instance, c.credentials, slot.type)
            and within(c.availability, slot.when)
        )
        rooms = tuple(r.id for r in instance.rooms if r.id not in busy_rooms and r.capacity >= slot.people)
        if clinicians and rooms:
            slot_clinicians[slot.id] = clinicians
            slot_rooms[slot.id] = rooms
    patient_sessions, patient_slots = {}, {}
    for patient in instance.patients:
        patient_sessions[patient.id] = tuple(
            s.id
            for s in instance.group_sessions
            if s.id in session_seats and patient_may_attend_session(instance, patient, s)
        )
        patient_slots[patient.id] = tuple(
            s.id
            for s in instance.slots
            if s.id in slot_clinicians
            and patient_may_take_slot(patient, s)
            and (
                not patient.needs_accessible
                or any(instance.room_by_id[r].accessible for r in slot_rooms[s.id])
            )
        )
    return Candidates(session_seats, slot_clinicians, slot_rooms, patient_sessions, patient_slots)


def item_window(instance: Instance, item_id: str) -> Window:
    if item_id in instance.session_by_id:
        return instance.session_by_id[item_id].when
    return instance.slot_by_id[item_id].when


def overlap_cliques(items: list[tuple[object, Window]]) -> list[list[object]]:
    """Groups of keys whose windows all share a moment; covering every overlapping pair.

    For intervals, every maximal set of mutually overlapping ones contains some interval's start, so one
    group per start point (of size > 1) suffices to forbid all double bookings with "at most one" rows.
    """
    cliques = []
    seen = set()
    for _, when in items:
        members = [
            key for key, other in items if other.day == when.day and other.start <= when.start < other.end
        ]
        signature = tuple(sorted(map(str, members)))
        if len(members) > 1 and signature not in seen:
            seen.add(signature)
            cliques.append(members)
    return cliques
