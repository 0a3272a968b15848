"""An independent checker: hard-constraint violations and the objective, recomputed from a schedule alone.

Deliberately shares nothing with the solvers but the instance dataclasses and the weights, so a bug in the
model or the greedy does not hide itself here. Written for clarity, not speed (pairwise overlap checks).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from . import weights as w
from .instance import Assignment, Instance, Window


@dataclass(frozen=True)
class Violation:
    kind: str
    message: str


@dataclass
class Report:
    violations: list[Violation]
    objective: int
    terms: dict[str, int]
    minutes: dict[str, int] = field(default_factory=dict)  # per patient


def _within(windows, when: Window) -> bool:
    return any(a.day == when.day and a.start <= when.start and when.end <= a.end for a in windows)


def _clash(a: Window, b: Window) -> bool:
    return a.day == b.day and max(a.start, b.start) < min(a.end, b.end)


def _may_lead(instance: Instance, clinician, session_type: str) -> bool:
    allowed = instance.session_types.get(session_type, frozenset())
    return not allowed or bool(allowed & clinician.credentials)


def check(instance: Instance, assignments: list[Assignment]) -> Report:
    violations: list[Violation] = []

    def bad(kind: str, message: str) -> None:
        violations.append(Violation(kind, message))

    patients = {p.id: p for p in instance.patients}
    sessions = {s.id: s for s in instance.group_sessions}
    slots = {s.id: s for s in instance.slots}
    clinicians = {c.id: c for c in instance.clinicians}
    rooms = {r.id: r for r in instance.rooms}

    # Each patient's booked items as (label, window, modality); per session/slot attendance.
    booked: dict[str, list[tuple[str, Window, str]]] = defaultdict(list)
    attendance: dict[str, list[str]] = defaultdict(list)
    slot_uses: dict[str, list[Assignment]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for a in assignments:
        patient = patients.get(a.patient)
        if patient is None:
            bad("unknown_id", f"unknown patient {a.patient!r}")
            continue
        item_id = a.session or a.slot
        if (a.patient, item_id) in seen:
            bad("duplicate", f"{a.patient} is assigned to {item_id} twice")
            continue
        seen.add((a.patient, item_id))
        if a.session:
            session = sessions.get(a.session)
            if session is None:
                bad("unknown_id", f"unknown group session {a.session!r}")
                continue
            room = rooms.get(session.room) if session.room else None
            modality = "telehealth" if room is not None and room.telehealth else "in_person"
            booked[a.patient].append((session.id, session.when, modality))
            attendance[session.id].append(a.patient)
            if not _within(patient.availability, session.when):
                bad("patient_unavailable", f"{a.patient} is not available for {session.id}")
            if patient.needs_accessible and room is not None and not room.accessible:
                bad("accessibility", f"{a.patient} needs an accessible room; {session.id} is in {room.id}")
        else:
            slot = slots.get(a.slot)
            clinician = clinicians.get(a.clinician)
            room = rooms.get(a.room)
            if slot is None or clinician is None or room is None:
                bad("unknown_id", f"unknown slot, clinician or room in {a.to_dict()}")
                continue
            modality = "telehealth" if room.telehealth else "in_person"
            booked[a.patient].append((slot.id, slot.when, modality))
            slot_uses[slot.id].append(a)
            if not _within(patient.availability, slot.when):
                bad("patient_unavailable", f"{a.patient} is not available for {slot.id}")
            if not _may_lead(instance, clinician, slot.type):
                bad("credential", f"{clinician.id} may not lead {slot.type} ({slot.id})")
            if not _within(clinician.availability, slot.when):
                bad("clinician_unavailable", f"{clinician.id} is not available for {slot.id}")
            if room.capacity < slot.people:
                bad("room_capacity", f"{room.id} holds {room.capacity}; {slot.id} needs {slot.people}")
            if patient.needs_accessible and not room.accessible:
                bad("accessibility", f"{a.patient} needs an accessible room; {room.id} is not")

    # Group sessions that run: capacity, and facilitators credentialed and available.
    for session_id, attendees in sorted(attendance.items()):
        session = sessions[session_id]
        if len(attendees) > session.capacity:
            bad(
                "session_capacity", f"{session_id} has {len(attendees)} patients; capacity {session.capacity}"
            )
        if session.room:
            room = rooms[session.room]
            people = len(attendees) + len(session.facilitators)
            if people > room.capacity:
                bad("room_capacity", f"{room.id} holds {room.capacity}; {session_id} has {people} people")
        for clinician_id in session.facilitators:
            clinician = clinicians[clinician_id]
            if not _may_lead(instance, clinician, session.type):
                bad("credential", f"{clinician_id} may not lead {session.type} ({session_id})")
            if not _within(clinician.availability, session.when):
                bad("clinician_unavailable", f"{clinician_id} is not available for {session_id}")

    for slot_id, uses in sorted(slot_uses.items()):
        if len(uses) > 1:
            bad("slot_double_used", f"{slot_id} is given to {len(uses)} patients")

    # Double booking: a patient, a clinician or a room in two overlapping things on the same day.
    def overlaps(kind: str, owner: str, items: list[tuple[str, Window]]) -> None:
        for i, (label_a, when_a) in enumerate(items):
            for label_b, when_b in items[i + 1 :]:
                if _clash(when_a, when_b):
                    bad(kind, f"{owner} is booked in {label_a} and {label_b} at once")

    for patient_id, items in sorted(booked.items()):
        overlaps("patient_double_booked", patient_id, [(label, when) for label, when, _ in items])
    clinician_items: dict[str, list[tuple[str, Window]]] = defaultdict(list)
    room_items: dict[str, list[tuple[str, Window]]] = defaultdict(list)
    for session in instance.group_sessions:  # fixed on the calendar whether or not anyone attends
        for clinician_id in session.facilitators:
            clinician_items[clinician_id].append((session.id, session.when))
        if session.room:
            room_items[session.room].append((session.id, session.when))
    load: Counter[str] = Counter()
    for slot_id, uses in sorted(slot_uses.items()):
        for a in uses:
            clinician_items[a.clinician].append((slot_id, slots[slot_id].when))
            room_items[a.room].append((slot_id, slots[slot_id].when))
            load[a.clinician] += 1
    for clinician_id, items in sorted(clinician_items.items()):
        overlaps("clinician_double_booked", clinician_id, items)
    for room_id, items in sorted(room_items.items()):
        overlaps("room_double_booked", room_id, items)
    for clinician_id, count in sorted(load.items()):
        if count > clinicians[clinician_id].caseload_limit:
            limit = clinicians[clinician_id].caseload_limit
            bad("caseload", f"{clinician_id} has {count} sessions; caseload limit {limit}")

    # Per patient: weekly cap, and slots only as prescribed.
    minutes = {}
    type_counts: dict[str, Counter[str]] = defaultdict(Counter)
    for slot_id, uses in slot_uses.items():
        for a in uses:
            type_counts[a.patient][slots[slot_id].type] += 1
    for patient in instance.patients:
        minutes[patient.id] = sum(when.end - when.start for _, when, _ in booked.get(patient.id, []))
        if minutes[patient.id] > patient.cap_minutes:
            bad("over_cap", f"{patient.id} has {minutes[patient.id]} min; cap {patient.cap_minutes} min")
        for kind, count in sorted(type_counts[patient.id].items()):
            if count > patient.required.get(kind, 0):
                bad(
                    "not_prescribed",
                    f"{patient.id} has {count} {kind}; prescribed {patient.required.get(kind, 0)}",
                )

    terms = _objective_terms(instance, assignments, booked, attendance, slot_uses, type_counts, load, minutes)
    return Report(violations=violations, objective=sum(terms.values()), terms=terms, minutes=minutes)


def _objective_terms(instance, assignments, booked, attendance, slot_uses, type_counts, load, minutes):
    shortfall = required = continuity = primary = balance = modality = 0
    attended = {(a.patient, a.session) for a in assignments if a.session}
    for patient in instance.patients:
        shortfall += max(0, patient.target_minutes - minutes[patient.id])
        for kind, count in patient.required.items():
            required += max(0, count - type_counts[patient.id][kind])
        for session in instance.group_sessions:
            if session.group and session.group in patient.current_groups:
                continuity += (patient.id, session.id) not in attended
        if patient.modality:
            modality += sum(1 for _, _, mode in booked.get(patient.id, []) if mode != patient.modality)
    slots = {s.id: s for s in instance.slots}
    patients = {p.id: p for p in instance.patients}
    for slot_id, uses in slot_uses.items():
        for a in uses:
            patient = patients[a.patient]
            if slots[slot_id].type in w.PRIMARY_CLINICIAN_TYPES and patient.primary_clinician:
                primary += a.clinician != patient.primary_clinician
    for session in instance.group_sessions:
        balance += max(0, len(attendance.get(session.id, [])) - session.ideal_size)
    return {
        "shortfall_minutes": w.SHORTFALL_PER_MINUTE * shortfall,
        "missing_required_sessions": w.MISSING_REQUIRED_SESSION * required,
        "left_current_group": w.LEFT_CURRENT_GROUP_SESSION * continuity,
        "not_primary_clinician": w.NOT_PRIMARY_CLINICIAN * primary,
        "group_over_ideal_size": w.GROUP_OVER_IDEAL_SIZE * balance,
        "max_clinician_load": w.MAX_CLINICIAN_LOAD * max(load.values(), default=0),
        "modality_mismatch": w.MODALITY_MISMATCH * modality,
    }
