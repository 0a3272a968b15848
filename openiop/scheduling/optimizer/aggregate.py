"""Identical slots and identical rooms, counted instead of numbered (for the CP-SAT model), and the way
back from counts to slot ids, clinicians and rooms.

Ten copies of "individual therapy, Monday 12:00-13:00" are interchangeable, and so are offices with the
same capacity, accessibility and modality that no group session uses. Giving each copy (each office) its
own variables makes the solver explore every permutation of the same schedule; counting them removes that
symmetry. Counting loses nothing: within a slot class a patient needs a particular clinician only for the
primary-clinician preference (paired explicitly in the model) and a particular kind of room only for
modality and accessibility (counted per kind), and identical rooms can always be numbered afterwards
because intervals need no more rooms than the most that overlap at one moment (interval graphs are perfect).
"""

from collections import defaultdict
from dataclasses import dataclass

from .candidates import Candidates
from .instance import Assignment, Instance, Window


@dataclass(frozen=True)
class SlotClass:
    key: str  # e.g. "individual_therapy@0:720-780/2"
    type: str
    when: Window
    people: int
    slots: tuple[str, ...]  # the identical copies, by id
    clinicians: tuple[str, ...]  # who may take it (same for every copy)


@dataclass(frozen=True)
class RoomKind:
    """Rooms that are interchangeable: same capacity, accessibility, modality and group sessions."""

    key: str
    rooms: tuple[str, ...]
    accessible: bool
    telehealth: bool


def slot_classes(instance: Instance, cand: Candidates) -> dict[str, SlotClass]:
    copies: dict[tuple, list[str]] = defaultdict(list)
    for slot in instance.slots:
        if slot.id in cand.slot_clinicians:
            copies[slot.type, slot.when, slot.people].append(slot.id)
    result = {}
    for (kind, when, people), ids in copies.items():
        key = f"{kind}@{when.day}:{when.start}-{when.end}/{people}"
        result[key] = SlotClass(key, kind, when, people, tuple(ids), cand.slot_clinicians[ids[0]])
    return result


def room_kinds(instance: Instance) -> dict[str, RoomKind]:
    sessions_in: dict[str, list[str]] = defaultdict(list)
    for session in instance.group_sessions:
        if session.room:
            sessions_in[session.room].append(session.id)
    members: dict[tuple, list[str]] = defaultdict(list)
    for room in instance.rooms:
        members[room.capacity, room.accessible, room.telehealth, tuple(sessions_in[room.id])].append(room.id)
    return {
        rooms[0]: RoomKind(rooms[0], tuple(rooms), accessible, telehealth)
        for (_, accessible, telehealth, _), rooms in members.items()
    }


def class_room_kinds(cand: Candidates, classes: dict[str, SlotClass], kinds: dict[str, RoomKind]):
    """Room kinds usable by each slot class (every room of a kind is usable or none is)."""
    usable = {}
    for key, slot_class in classes.items():
        allowed = set(cand.slot_rooms[slot_class.slots[0]])
        usable[key] = tuple(k for k, kind in kinds.items() if kind.rooms[0] in allowed)
    return usable


def start_point_groups(items: list[tuple[object, Window]]) -> list[list[object]]:
    """For each start point, the keys whose windows contain it (singletons included): bounding each group's
    total by the number of identical rooms bounds every overlap."""
    groups, seen = [], set()
    for _, when in items:
        members = [k for k, other in items if other.day == when.day and other.start <= when.start < other.end]
        signature = tuple(sorted(map(str, members)))
        if signature not in seen:
            seen.add(signature)
            groups.append(members)
    return groups


@dataclass
class ClassSolution:
    """What the model decided for one slot class."""

    takers: list[str]  # patients
    primary: set[str]  # takers paired with their primary clinician
    telehealth: set[str]  # takers in a telehealth room
    clinicians: list[str]
    rooms_per_kind: dict[str, int]


def decode(
    instance: Instance,
    classes: dict[str, SlotClass],
    kinds: dict[str, RoomKind],
    chosen: dict[str, ClassSolution],
    previous: list[Assignment] | None = None,
) -> list[Assignment]:
    """Slot ids, clinicians and rooms for the counted solution; keeps previous choices where it can."""
    before = {(a.patient, a.slot): a for a in previous or [] if a.slot}
    before_by_patient = defaultdict(list)
    for a in previous or []:
        if a.slot:
            before_by_patient[a.patient].append(a)
    rooms_of = _number_rooms(instance, classes, kinds, chosen, before_by_patient)
    result = []
    for key in sorted(chosen):
        slot_class, solution = classes[key], chosen[key]
        takers = sorted(solution.takers)
        # Slot copies: the one the patient had, else the first free.
        old = {p: next((s for s in slot_class.slots if (p, s) in before), None) for p in takers}
        free_slots = [s for s in slot_class.slots if s not in old.values()]
        slot_of = {p: old[p] or free_slots.pop(0) for p in takers}
        # Clinicians: paired primaries, then the one the patient had, then the rest in order.
        free = list(solution.clinicians)
        clinician_of = {}
        for p in takers:
            if p in solution.primary:
                clinician_of[p] = instance.patient_by_id[p].primary_clinician
                free.remove(clinician_of[p])
        for p in takers:
            had = before.get((p, slot_of[p]))
            if p not in clinician_of and had and had.clinician in free:
                clinician_of[p] = had.clinician
                free.remove(had.clinician)
        for p in takers:
            if p not in clinician_of:
                primary = instance.patient_by_id[p].primary_clinician
                clinician_of[p] = primary if primary in free else free[0]
                free.remove(clinician_of[p])
        room_of = _rooms_to_patients(instance, kinds, solution, takers, rooms_of[key], before, slot_of)
        for p in takers:
            result.append(Assignment(patient=p, slot=slot_of[p], clinician=clinician_of[p], room=room_of[p]))
    return result


def _number_rooms(instance, classes, kinds, chosen, before_by_patient) -> dict[str, list[str]]:
    """Actual rooms of each kind for each class: interval colouring by start time (exact for intervals),
    preferring a room one of the class's patients had in the previous schedule."""
    rooms_of: dict[str, list[str]] = {key: [] for key in chosen}
    busy_until: dict[str, tuple[int, int]] = {}
    order = sorted(chosen, key=lambda k: (classes[k].when.day, classes[k].when.start, k))
    for key in order:
        when = classes[key].when
        wanted = [
            a.room
            for p in chosen[key].takers
            for a in before_by_patient.get(p, [])
            if a.slot in classes[key].slots
        ]
        for kind_key, count in sorted(chosen[key].rooms_per_kind.items()):
            free = [r for r in kinds[kind_key].rooms if busy_until.get(r, (-1, -1)) <= (when.day, when.start)]
            free.sort(key=lambda r: (r not in wanted, kinds[kind_key].rooms.index(r)))
            if len(free) < count:  # cannot happen: the model bounds every overlap by the kind's rooms
                raise AssertionError(f"not enough {kind_key} rooms for {key}")
            for room in free[:count]:
                busy_until[room] = (when.day, when.end)
                rooms_of[key].append(room)
    return rooms_of


def _rooms_to_patients(instance, kinds, solution, takers, rooms, before, slot_of) -> dict[str, str]:
    """Telehealth takers to telehealth rooms, those who need access to accessible rooms first."""
    by_room = {r: kind for kind in kinds.values() for r in kind.rooms}
    free = list(rooms)
    room_of = {}
    needs = sorted(takers, key=lambda p: (not instance.patient_by_id[p].needs_accessible, p))
    for p in needs:
        tele = p in solution.telehealth
        needs_accessible = instance.patient_by_id[p].needs_accessible
        fitting = [
            r
            for r in free
            if by_room[r].telehealth == tele and (by_room[r].accessible or not needs_accessible)
        ]
        had = before.get((p, slot_of[p]))
        # Those who need access take accessible rooms first; others leave them for later takers.
        fitting.sort(
            key=lambda r: (had is None or r != had.room, by_room[r].accessible and not needs_accessible)
        )
        room_of[p] = fitting[0]
        free.remove(fitting[0])
    return room_of
