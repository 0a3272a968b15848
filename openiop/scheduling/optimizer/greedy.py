"""A greedy baseline: most-constrained patient first, each takes their prescribed slots, then group
sessions until the target. `seed` breaks ties at random, so several runs give several schedules."""

import random
from collections import defaultdict

from . import weights as w
from .candidates import candidates, item_window, session_modality
from .explain import best_week
from .instance import Assignment, Instance, Window


def greedy(instance: Instance, *, seed: int = 0) -> list[Assignment]:
    rng = random.Random(seed)  # noqa: S311 -- seeded tie-breaking, not security
    cand = candidates(instance)
    seats = dict(cand.session_seats)
    size: dict[str, int] = defaultdict(int)
    used_slots: set[str] = set()
    clinician_busy: dict[str, list[Window]] = defaultdict(list)
    room_busy: dict[str, list[Window]] = defaultdict(list)
    load: dict[str, int] = defaultdict(int)

    def slack(patient) -> int:
        items = [(item_window(instance, i), _kind(instance, i)) for i in _items(cand, patient.id)]
        return min(best_week(items, dict(patient.required)), patient.cap_minutes) - patient.target_minutes

    keyed = [(slack(p), len(_items(cand, p.id)), rng.random(), p) for p in instance.patients]
    order = [p for *_, p in sorted(keyed, key=lambda k: k[:3])]

    result = []
    for patient in order:
        busy: list[Window] = []
        minutes = 0

        for kind, count in sorted(patient.required.items()):
            options = [s for s in cand.patient_slots[patient.id] if instance.slot_by_id[s].type == kind]
            rng.shuffle(options)
            for s in options:
                if count == 0:
                    break
                when = instance.slot_by_id[s].when
                if s in used_slots or not _fits(when, busy, minutes, patient.cap_minutes):
                    continue
                clinician = _pick_clinician(instance, cand, s, when, patient, kind, clinician_busy, load)
                room = _pick_room(instance, cand, s, when, patient, room_busy)
                if clinician is None or room is None:
                    continue
                used_slots.add(s)
                clinician_busy[clinician].append(when)
                room_busy[room].append(when)
                load[clinician] += 1
                busy.append(when)
                minutes += when.minutes
                count -= 1
                result.append(Assignment(patient=patient.id, slot=s, clinician=clinician, room=room))

        sessions = list(cand.patient_sessions[patient.id])
        rng.shuffle(sessions)

        preference = {g: _preference(instance, patient, instance.session_by_id[g], size[g]) for g in sessions}
        for g in sorted(sessions, key=preference.__getitem__):
            if minutes >= patient.target_minutes:
                break
            when = instance.session_by_id[g].when
            if size[g] >= seats[g] or not _fits(when, busy, minutes, patient.cap_minutes):
                continue
            size[g] += 1
            busy.append(when)
            minutes += when.minutes
            result.append(Assignment(patient=patient.id, session=g))
    return sorted(result)


def _fits(when: Window, busy: list[Window], minutes: int, cap: int) -> bool:
    return minutes + when.minutes <= cap and not any(when.overlaps(b) for b in busy)


def _items(cand, patient_id: str) -> tuple[str, ...]:
    return cand.patient_sessions[patient_id] + cand.patient_slots[patient_id]


def _kind(instance: Instance, item_id: str) -> str:
    slot = instance.slot_by_id.get(item_id)
    return slot.type if slot else "group"


def _preference(instance, patient, session, size: int) -> tuple:
    return (
        session.group not in patient.current_groups,
        bool(patient.modality) and session_modality(instance, session) != patient.modality,
        size >= session.ideal_size,
    )


def _pick_clinician(instance, cand, slot_id, when, patient, kind, clinician_busy, load) -> str | None:
    free = [
        c
        for c in cand.slot_clinicians[slot_id]
        if load[c] < instance.clinician_by_id[c].caseload_limit
        and not any(when.overlaps(b) for b in clinician_busy[c])
    ]
    primary = patient.primary_clinician if kind in w.PRIMARY_CLINICIAN_TYPES else None
    return min(free, key=lambda c: (c != primary, load[c], c), default=None)


def _pick_room(instance, cand, slot_id, when, patient, room_busy) -> str | None:
    free = [
        r
        for r in cand.slot_rooms[slot_id]
        if (instance.room_by_id[r].accessible or not patient.needs_accessible)
        and not any(when.overlaps(b) for b in room_busy[r])
    ]

    def mismatch(r: str) -> bool:
        modality = "telehealth" if instance.room_by_id[r].telehealth else "in_person"
        return bool(patient.modality) and modality != patient.modality

    return min(free, key=lambda r: (mismatch(r), instance.room_by_id[r].capacity, r), default=None)
