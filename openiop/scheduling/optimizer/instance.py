"""One program-week as plain data: the scheduling instance, a schedule, and their JSON form.

Times are minutes since midnight on a weekday (0 = Monday). JSON uses "mon".."sun" and "HH:MM"
(docs/scheduling.md). Loading validates everything and raises InstanceError naming the offending field.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Individual, family and medication sessions are candidate slots; everything else is a group session.
SLOT_TYPES = ("individual_therapy", "family_therapy", "medication_management")
# People in the room for a slot: patient + clinician, plus family members for family therapy.
DEFAULT_SLOT_PEOPLE = {"individual_therapy": 2, "family_therapy": 4, "medication_management": 2}
MODALITIES = ("", "in_person", "telehealth")
# ASAM 2.1: at most 19 h/week in IOP; above that is partial hospitalization.
DEFAULT_CAP_HOURS = 19
DEFAULT_IDEAL_GROUP_SIZE = 8


class InstanceError(ValueError):
    """The instance or schedule JSON is malformed; the message names the field."""


@dataclass(frozen=True)
class Window:
    day: int
    start: int
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Window") -> bool:
        return self.day == other.day and self.start < other.end and other.start < self.end

    def covers(self, other: "Window") -> bool:
        return self.day == other.day and self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class GroupSession:
    id: str
    type: str
    group: str  # the recurring group it belongs to, e.g. "morning-a" (continuity week to week)
    when: Window
    capacity: int
    facilitators: tuple[str, ...]
    room: str | None = None
    ideal_size: int = DEFAULT_IDEAL_GROUP_SIZE


@dataclass(frozen=True)
class Slot:
    """A candidate time for one individual, family or medication session (one patient)."""

    id: str
    type: str
    when: Window
    people: int = 2


@dataclass(frozen=True)
class Patient:
    id: str
    availability: tuple[Window, ...]
    target_minutes: int
    cap_minutes: int = DEFAULT_CAP_HOURS * 60
    current_groups: tuple[str, ...] = ()
    primary_clinician: str | None = None
    required: Mapping[str, int] = field(default_factory=dict)  # slot type -> sessions per week
    modality: str = ""  # preferred: "", "in_person" or "telehealth"
    needs_accessible: bool = False


@dataclass(frozen=True)
class Clinician:
    id: str
    availability: tuple[Window, ...]
    credentials: frozenset[str]
    caseload_limit: int  # individual/family/medication sessions per week


@dataclass(frozen=True)
class Room:
    id: str
    capacity: int  # people, clinicians included
    accessible: bool = True
    telehealth: bool = False


@dataclass(frozen=True)
class Instance:
    session_types: Mapping[str, frozenset[str]]  # type -> allowed credentials (empty: any clinician)
    group_sessions: tuple[GroupSession, ...]
    slots: tuple[Slot, ...]
    patients: tuple[Patient, ...]
    clinicians: tuple[Clinician, ...]
    rooms: tuple[Room, ...]
    week: str = ""

    @cached_property
    def session_by_id(self) -> dict[str, GroupSession]:
        return {s.id: s for s in self.group_sessions}

    @cached_property
    def slot_by_id(self) -> dict[str, Slot]:
        return {s.id: s for s in self.slots}

    @cached_property
    def patient_by_id(self) -> dict[str, Patient]:
        return {p.id: p for p in self.patients}

    @cached_property
    def clinician_by_id(self) -> dict[str, Clinician]:
        return {c.id: c for c in self.clinicians}

    @cached_property
    def room_by_id(self) -> dict[str, Room]:
        return {r.id: r for r in self.rooms}


@dataclass(frozen=True, order=True)
class Assignment:
    """A patient in a group session, or in a slot with its clinician and room."""

    patient: str
    session: str = ""
    slot: str = ""
    clinician: str = ""
    room: str = ""

    def to_dict(self) -> dict[str, str]:
        if self.session:
            return {"patient": self.patient, "session": self.session}
        return {"patient": self.patient, "slot": self.slot, "clinician": self.clinician, "room": self.room}


# Parsing helpers: each takes the JSON path for its error messages.


def _fail(path: str, message: str) -> InstanceError:
    return InstanceError(f"{path}: {message}")


def _get(obj: Any, key: str, path: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    if not isinstance(obj, dict):
        raise _fail(path, "expected an object")
    if key not in obj:
        if default is ...:
            raise _fail(f"{path}.{key}", "is required")
        return default
    value = obj[key]
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise _fail(f"{path}.{key}", f"expected a number, got {value!r}")
    if not isinstance(value, kind):
        raise _fail(f"{path}.{key}", f"expected {_kind_name(kind)}, got {value!r}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true/false", list: "a list"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def parse_time(text: Any, path: str) -> int:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise _fail(path, f"expected a time HH:MM, got {text!r}")
    hours, minutes = text[:2], text[3:]
    if not (hours.isdigit() and minutes.isdigit()) or int(hours) > 24 or int(minutes) > 59:
        raise _fail(path, f"expected a time HH:MM, got {text!r}")
    value = int(hours) * 60 + int(minutes)
    if value > 24 * 60:
        raise _fail(path, f"expected a time up to 24:00, got {text!r}")
    return value


def format_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _window(obj: Any, path: str) -> Window:
    day = _get(obj, "day", path, str)
    if day not in DAYS:
        raise _fail(f"{path}.day", f"expected one of {', '.join(DAYS)}, got {day!r}")
    start = parse_time(_get(obj, "start", path, str), f"{path}.start")
    end = parse_time(_get(obj, "end", path, str), f"{path}.end")
    if end <= start:
        raise _fail(path, f"ends ({format_time(end)}) before it starts ({format_time(start)})")
    return Window(DAYS.index(day), start, end)


def _window_dict(window: Window) -> dict[str, str]:
    return {"day": DAYS[window.day], "start": format_time(window.start), "end": format_time(window.end)}


def _list(obj: Any, key: str, path: str, default: Any = ...) -> list:
    return _get(obj, key, path, list, default)


def _str_list(obj: Any, key: str, path: str) -> tuple[str, ...]:
    values = _list(obj, key, path, [])
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise _fail(f"{path}.{key}[{i}]", f"expected a string, got {value!r}")
    return tuple(values)


def _positive(value: int | float, path: str, *, allow_zero: bool = False) -> None:
    if value < 0 or (value == 0 and not allow_zero):
        raise _fail(path, f"must be {'at least 0' if allow_zero else 'positive'}, got {value!r}")


def _hours_to_minutes(value: float, path: str) -> int:
    minutes = value * 60
    if abs(minutes - round(minutes)) > 1e-9:
        raise _fail(path, f"must be a whole number of minutes, got {value!r} h")
    return round(minutes)


def _unique_ids(items: list, path: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            raise _fail(f"{path}[{i}].id", f"duplicate id {item.id!r}")
        seen.add(item.id)


def instance_from_dict(data: Any) -> Instance:
    """Build and validate an Instance from its JSON form; raises InstanceError."""
    if not isinstance(data, dict):
        raise _fail("$", "expected an object")
    types_raw = _get(data, "session_types", "$", dict)
    session_types = {}
    for name, credentials in types_raw.items():
        if not isinstance(credentials, list) or not all(isinstance(c, str) for c in credentials):
            raise _fail(f"session_types.{name}", "expected a list of credentials (strings)")
        session_types[name] = frozenset(credentials)

    rooms = []
    for i, raw in enumerate(_list(data, "rooms", "$", [])):
        path = f"rooms[{i}]"
        room = Room(
            id=_get(raw, "id", path, str),
            capacity=_get(raw, "capacity", path, int),
            accessible=_get(raw, "accessible", path, bool, True),
            telehealth=_get(raw, "telehealth", path, bool, False),
        )
        _positive(room.capacity, f"{path}.capacity")
        rooms.append(room)
    _unique_ids(rooms, "rooms")
    room_ids = {r.id for r in rooms}

    clinicians = []
    for i, raw in enumerate(_list(data, "clinicians", "$", [])):
        path = f"clinicians[{i}]"
        clinician = Clinician(
            id=_get(raw, "id", path, str),
            availability=tuple(
                _window(w, f"{path}.availability[{j}]")
                for j, w in enumerate(_list(raw, "availability", path))
            ),
            credentials=frozenset(_str_list(raw, "credentials", path)),
            caseload_limit=_get(raw, "caseload_limit", path, int, 1000),
        )
        _positive(clinician.caseload_limit, f"{path}.caseload_limit", allow_zero=True)
        clinicians.append(clinician)
    _unique_ids(clinicians, "clinicians")
    clinician_ids = {c.id for c in clinicians}

    sessions = []
    for i, raw in enumerate(_list(data, "group_sessions", "$", [])):
        path = f"group_sessions[{i}]"
        session = GroupSession(
            id=_get(raw, "id", path, str),
            type=_get(raw, "type", path, str),
            group=_get(raw, "group", path, str, ""),
            when=_window(raw, path),
            capacity=_get(raw, "capacity", path, int),
            facilitators=_str_list(raw, "facilitators", path),
            room=_get(raw, "room", path, (str, type(None)), None),
            ideal_size=_get(raw, "ideal_size", path, int, DEFAULT_IDEAL_GROUP_SIZE),
        )
        if session.type not in session_types:
            raise _fail(f"{path}.type", f"unknown session type {session.type!r}")
        if session.type in SLOT_TYPES:
            raise _fail(
                f"{path}.type", f"{session.type!r} is an individual/family/medication type; use slots"
            )
        _positive(session.capacity, f"{path}.capacity")
        _positive(session.ideal_size, f"{path}.ideal_size")
        if not session.facilitators:
            raise _fail(f"{path}.facilitators", "a group session needs at least one facilitator")
        for j, clinician_id in enumerate(session.facilitators):
            if clinician_id not in clinician_ids:
                raise _fail(f"{path}.facilitators[{j}]", f"unknown clinician {clinician_id!r}")
        if session.room is not None and session.room not in room_ids:
            raise _fail(f"{path}.room", f"unknown room {session.room!r}")
        sessions.append(session)
    _unique_ids(sessions, "group_sessions")
    # Group sessions are fixed on the calendar: their facilitators and rooms are taken whether or not
    # anyone attends, so two of them may not share a facilitator or a room at the same time.
    for i, a in enumerate(sessions):
        for b in sessions[i + 1 :]:
            if a.when.overlaps(b.when):
                shared = set(a.facilitators) & set(b.facilitators)
                if shared:
                    raise _fail("group_sessions", f"{a.id} and {b.id} overlap and share {sorted(shared)[0]}")
                if a.room is not None and a.room == b.room:
                    raise _fail("group_sessions", f"{a.id} and {b.id} overlap in room {a.room}")

    slots = []
    for i, raw in enumerate(_list(data, "slots", "$", [])):
        path = f"slots[{i}]"
        slot_type = _get(raw, "type", path, str)
        if slot_type not in SLOT_TYPES:
            raise _fail(f"{path}.type", f"expected one of {', '.join(SLOT_TYPES)}, got {slot_type!r}")
        if slot_type not in session_types:
            raise _fail(f"{path}.type", f"{slot_type!r} is missing from session_types")
        slot = Slot(
            id=_get(raw, "id", path, str),
            type=slot_type,
            when=_window(raw, path),
            people=_get(raw, "people", path, int, DEFAULT_SLOT_PEOPLE[slot_type]),
        )
        _positive(slot.people, f"{path}.people")
        slots.append(slot)
    _unique_ids(slots, "slots")
    if {s.id for s in slots} & {s.id for s in sessions}:
        raise _fail("slots", "slot ids must differ from group session ids")

    patients = []
    for i, raw in enumerate(_list(data, "patients", "$", [])):
        path = f"patients[{i}]"
        target = _hours_to_minutes(_get(raw, "target_hours", path, (int, float)), f"{path}.target_hours")
        cap = _hours_to_minutes(
            _get(raw, "cap_hours", path, (int, float), DEFAULT_CAP_HOURS), f"{path}.cap_hours"
        )
        _positive(target, f"{path}.target_hours", allow_zero=True)
        _positive(cap, f"{path}.cap_hours", allow_zero=True)
        required_raw = _get(raw, "required", path, dict, {})
        required = {}
        for kind, count in required_raw.items():
            if kind not in SLOT_TYPES:
                raise _fail(f"{path}.required.{kind}", f"expected one of {', '.join(SLOT_TYPES)}")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise _fail(f"{path}.required.{kind}", f"expected a count of sessions, got {count!r}")
            if count:
                required[kind] = count
        primary = _get(raw, "primary_clinician", path, (str, type(None)), None)
        if primary is not None and primary not in clinician_ids:
            raise _fail(f"{path}.primary_clinician", f"unknown clinician {primary!r}")
        modality = _get(raw, "modality", path, str, "")
        if modality not in MODALITIES:
            raise _fail(f"{path}.modality", f"expected in_person, telehealth or empty, got {modality!r}")
        patients.append(
            Patient(
                id=_get(raw, "id", path, str),
                availability=tuple(
                    _window(w, f"{path}.availability[{j}]")
                    for j, w in enumerate(_list(raw, "availability", path))
                ),
                target_minutes=target,
                cap_minutes=cap,
                current_groups=_str_list(raw, "current_groups", path),
                primary_clinician=primary,
                required=required,
                modality=modality,
                needs_accessible=_get(raw, "needs_accessible", path, bool, False),
            )
        )
    _unique_ids(patients, "patients")
    return Instance(
        session_types=session_types,
        group_sessions=tuple(sessions),
        slots=tuple(slots),
        patients=tuple(patients),
        clinicians=tuple(clinicians),
        rooms=tuple(rooms),
        week=_get(data, "week", "$", str, ""),
    )


def instance_to_dict(instance: Instance) -> dict[str, Any]:
    return {
        "week": instance.week,
        "session_types": {name: sorted(creds) for name, creds in instance.session_types.items()},
        "rooms": [
            {"id": r.id, "capacity": r.capacity, "accessible": r.accessible, "telehealth": r.telehealth}
            for r in instance.rooms
        ],
        "clinicians": [
            {
                "id": c.id,
                "credentials": sorted(c.credentials),
                "availability": [_window_dict(w) for w in c.availability],
                "caseload_limit": c.caseload_limit,
            }
            for c in instance.clinicians
        ],
        "group_sessions": [
            {
                "id": s.id,
                "type": s.type,
                "group": s.group,
                **_window_dict(s.when),
                "capacity": s.capacity,
                "facilitators": list(s.facilitators),
                "room": s.room,
                "ideal_size": s.ideal_size,
            }
            for s in instance.group_sessions
        ],
        "slots": [
            {"id": s.id, "type": s.type, **_window_dict(s.when), "people": s.people} for s in instance.slots
        ],
        "patients": [
            {
                "id": p.id,
                "availability": [_window_dict(w) for w in p.availability],
                "target_hours": p.target_minutes / 60,
                "cap_hours": p.cap_minutes / 60,
                "current_groups": list(p.current_groups),
                "primary_clinician": p.primary_clinician,
                "required": dict(p.required),
                "modality": p.modality,
                "needs_accessible": p.needs_accessible,
            }
            for p in instance.patients
        ],
    }


def load_instance(path: str) -> Instance:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as error:
        raise InstanceError(f"{path}: not valid JSON ({error})") from error
    return instance_from_dict(data)


def assignments_from_dict(data: Any) -> list[Assignment]:
    """Read the "assignments" of a schedule JSON (other keys are ignored). Ids are not resolved here:
    unknown ids are the checker's business, so a broken schedule can still be checked."""
    if not isinstance(data, dict):
        raise _fail("$", "expected an object")
    assignments = []
    for i, raw in enumerate(_list(data, "assignments", "$")):
        path = f"assignments[{i}]"
        patient = _get(raw, "patient", path, str)
        if "session" in raw:
            assignments.append(Assignment(patient=patient, session=_get(raw, "session", path, str)))
        elif "slot" in raw:
            assignments.append(
                Assignment(
                    patient=patient,
                    slot=_get(raw, "slot", path, str),
                    clinician=_get(raw, "clinician", path, str),
                    room=_get(raw, "room", path, str),
                )
            )
        else:
            raise _fail(path, "needs a 'session' or a 'slot'")
    return assignments
