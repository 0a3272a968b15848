"""The weekly schedule as a CP-SAT model (docs/scheduling.md has the model in words).

Variables: attend[p, g] (patient in group session), take[p, s] (patient in slot), lead[s, c] (clinician
for slot), room[s, r] (room for slot). Hard constraints are constraints; soft goals are the weighted
objective of weights.py, the same one the checker recomputes. Deterministic: one fixed seed and
`interleave_search` with a fixed number of workers, so the same input, seed and limits give the same
answer (when the time limit cuts the search, see docs/scheduling.md).
"""

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from . import weights as w
from .candidates import candidates, item_window, overlap_cliques, session_modality
from .greedy import greedy
from .instance import Assignment, Instance

NUM_WORKERS = 2  # this machine has 2 cores; interleave_search keeps the result deterministic


@dataclass
class Result:
    assignments: list[Assignment]
    status: str  # "optimal", "feasible", "greedy" or "infeasible"
    objective: int  # the instance objective (without the re-planning reward)
    bound: float
    gap: float  # (objective - bound) / objective; 0 when proven optimal
    seconds: float
    kept: int = 0  # re-planning: assignments kept from the previous schedule
    stats: dict[str, int] = field(default_factory=dict)


def solve(
    instance: Instance,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    previous: list[Assignment] | None = None,
    hint: list[Assignment] | None = None,
) -> Result:
    """Best schedule found within `time_limit` seconds; with `previous`, assignments kept from it are
    rewarded (re-planning). Starts from `hint`, or else from the greedy schedule for `seed`."""
    started = time.perf_counter()
    cand = candidates(instance)
    model = cp_model.CpModel()
    attend = {}
    take = {}
    for p in instance.patients:
        for g in cand.patient_sessions[p.id]:
            attend[p.id, g] = model.new_bool_var(f"attend[{p.id},{g}]")
        for s in cand.patient_slots[p.id]:
            take[p.id, s] = model.new_bool_var(f"take[{p.id},{s}]")
    lead = {
        (s, c): model.new_bool_var(f"lead[{s},{c}]") for s, cs in cand.slot_clinicians.items() for c in cs
    }
    room = {(s, r): model.new_bool_var(f"room[{s},{r}]") for s, rs in cand.slot_rooms.items() for r in rs}

    takers = {s: [] for s in cand.slot_clinicians}
    for (_, s), var in take.items():
        takers[s].append(var)
    # A slot is held (by one patient) exactly when it has one clinician and one room.
    for s in cand.slot_clinicians:
        used = sum(takers[s])
        model.add(used <= 1)
        model.add(sum(lead[s, c] for c in cand.slot_clinicians[s]) == used)
        model.add(sum(room[s, r] for r in cand.slot_rooms[s]) == used)

    attendees = {g: [] for g in cand.session_seats}
    for (_, g), var in attend.items():
        attendees[g].append(var)
    size = {}
    for g, seats in cand.session_seats.items():
        size[g] = sum(attendees[g])
        model.add(size[g] <= seats)

    objective = []
    for p in instance.patients:
        items = [(attend[p.id, g], item_window(instance, g)) for g in cand.patient_sessions[p.id]]
        items += [(take[p.id, s], item_window(instance, s)) for s in cand.patient_slots[p.id]]
        for clique in overlap_cliques(items):
            model.add_at_most_one(clique)
        minutes = sum(var * when.minutes for var, when in items)
        model.add(minutes <= p.cap_minutes)
        if p.target_minutes:
            short = model.new_int_var(0, p.target_minutes, f"short[{p.id}]")
            model.add(short >= p.target_minutes - minutes)
            objective.append(w.SHORTFALL_PER_MINUTE * short)
        for kind, count in p.required.items():
            taken = sum(
                take[p.id, s] for s in cand.patient_slots[p.id] if instance.slot_by_id[s].type == kind
            )
            model.add(taken <= count)
            missing = model.new_int_var(0, count, f"missing[{p.id},{kind}]")
            model.add(missing >= count - taken)
            objective.append(w.MISSING_REQUIRED_SESSION * missing)
        for session in instance.group_sessions:
            if session.group and session.group in p.current_groups:
                var = attend.get((p.id, session.id))
                objective.append(
                    w.LEFT_CURRENT_GROUP_SESSION * (1 - var)
                    if var is not None
                    else w.LEFT_CURRENT_GROUP_SESSION
                )
        if p.modality:
            for g in cand.patient_sessions[p.id]:
                if session_modality(instance, instance.session_by_id[g]) != p.modality:
                    objective.append(w.MODALITY_MISMATCH * attend[p.id, g])
    # Soft terms coupling a patient's slot with its clinician or room, and the accessibility rule.
    for (p_id, s), var in take.items():
        patient = instance.patient_by_id[p_id]
        slot = instance.slot_by_id[s]
        if slot.type in w.PRIMARY_CLINICIAN_TYPES and patient.primary_clinician:
            other = model.new_bool_var(f"not_primary[{p_id},{s}]")
            primary = lead.get((s, patient.primary_clinician), 0)
            model.add(other >= var - primary)
            objective.append(w.NOT_PRIMARY_CLINICIAN * other)
        if patient.modality:
            tele = sum(room[s, r] for r in cand.slot_rooms[s] if instance.room_by_id[r].telehealth)
            mismatch = model.new_bool_var(f"mismatch[{p_id},{s}]")
            if patient.modality == "in_person":
                model.add(mismatch >= var + tele - 1)
            else:
                model.add(mismatch >= var - tele)
            objective.append(w.MODALITY_MISMATCH * mismatch)
        if patient.needs_accessible:
            for r in cand.slot_rooms[s]:
                if not instance.room_by_id[r].accessible:
                    model.add(var + room[s, r] <= 1)

    # No clinician or room in two overlapping slots; caseload limits; the busiest clinician's load.
    for c in instance.clinicians:
        mine = [(lead[s, c.id], item_window(instance, s)) for s in cand.slot_clinicians if (s, c.id) in lead]
        for clique in overlap_cliques(mine):
            model.add_at_most_one(clique)
    for r in instance.rooms:
        mine = [(room[s, r.id], item_window(instance, s)) for s in cand.slot_rooms if (s, r.id) in room]
        for clique in overlap_cliques(mine):
            model.add_at_most_one(clique)
    max_load = model.new_int_var(0, len(instance.slots), "max_load")
    for c in instance.clinicians:
        load = sum(lead[s, c.id] for s in cand.slot_clinicians if (s, c.id) in lead)
        model.add(load <= c.caseload_limit)
        model.add(max_load >= load)
    objective.append(w.MAX_CLINICIAN_LOAD * max_load)
    for g, seats in cand.session_seats.items():
        ideal = instance.session_by_id[g].ideal_size
        if seats > ideal:
            over = model.new_int_var(0, seats - ideal, f"over[{g}]")
            model.add(over >= size[g] - ideal)
            objective.append(w.GROUP_OVER_IDEAL_SIZE * over)

    instance_objective = sum(objective)
    reward = []
    for a in previous or []:
        if a.session and (a.patient, a.session) in attend:
            reward.append(attend[a.patient, a.session])
        elif a.slot and (a.patient, a.slot) in take:
            reward.append(take[a.patient, a.slot])
            reward.append(lead.get((a.slot, a.clinician), 0))
            reward.append(room.get((a.slot, a.room), 0))
    model.minimize(instance_objective - w.KEEP_PREVIOUS_ASSIGNMENT * sum(reward))

    start_from = hint if hint is not None else greedy(instance, seed=seed)
    _add_hint(model, start_from, attend, take, lead, room)

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = NUM_WORKERS
    solver.parameters.interleave_search = True
    solver.parameters.max_time_in_seconds = max(time_limit - (time.perf_counter() - started), 0.1)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Only when the time ran out before the first solution: fall back on the hint (feasible).
        return Result(
            assignments=sorted(start_from),
            status="greedy" if status == cp_model.UNKNOWN else "infeasible",
            objective=0,
            bound=float(solver.best_objective_bound),
            gap=1.0,
            seconds=time.perf_counter() - started,
            kept=len(set(start_from) & set(previous or [])),
        )
    assignments = []
    for (p, g), var in attend.items():
        if solver.boolean_value(var):
            assignments.append(Assignment(patient=p, session=g))
    for (p, s), var in take.items():
        if solver.boolean_value(var):
            clinician = next(c for c in cand.slot_clinicians[s] if solver.boolean_value(lead[s, c]))
            where = next(r for r in cand.slot_rooms[s] if solver.boolean_value(room[s, r]))
            assignments.append(Assignment(patient=p, slot=s, clinician=clinician, room=where))
    value = round(solver.value(instance_objective))
    kept = len(set(assignments) & set(previous or []))
    # Gap of the solved objective (which includes the re-planning reward, if any).
    bound = solver.best_objective_bound
    solved_value = solver.objective_value
    gap = 0.0 if status == cp_model.OPTIMAL else max(0.0, (solved_value - bound) / max(abs(solved_value), 1))
    return Result(
        assignments=sorted(assignments),
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        objective=value,
        bound=bound,
        gap=gap,
        seconds=time.perf_counter() - started,
        kept=kept,
        stats={"variables": len(model.proto.variables), "constraints": len(model.proto.constraints)},
    )


def _add_hint(model, assignments, attend, take, lead, room) -> None:
    chosen = set()
    for a in assignments:
        if a.session:
            found = [attend.get((a.patient, a.session))]
        else:
            found = [
                take.get((a.patient, a.slot)),
                lead.get((a.slot, a.clinician)),
                room.get((a.slot, a.room)),
            ]
        chosen.update(var.index for var in found if var is not None)
    for table in (attend, take, lead, room):
        for var in table.values():
            model.add_hint(var, var.index in chosen)
