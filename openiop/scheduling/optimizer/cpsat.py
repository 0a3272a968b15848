"""The weekly schedule as a CP-SAT model (docs/scheduling.md has the model in words).

Identical slots and rooms are counted, not numbered (aggregate.py): take[p, k] (patient in slot class k),
lead[k, c] (clinician takes one copy of k), rooms[k, kind] (rooms of an interchangeable kind used by k),
attend[p, g] (patient in group session). Hard constraints are constraints; soft goals are the weighted
objective of weights.py, the same one the checker recomputes.

Deterministic: a fixed seed and a *deterministic* time limit (`max_deterministic_time`, CP-SAT's own work
counter, not the wall clock), so the same input, seed and limit give the same answer however loaded the
machine is.
"""

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from . import weights as w
from .aggregate import ClassSolution, class_room_kinds, decode, room_kinds, slot_classes, start_point_groups
from .candidates import candidates, item_window, overlap_cliques, session_modality
from .checker import check
from .explain import best_week
from .greedy import greedy
from .instance import Assignment, Instance

# One worker with the full linear relaxation (linearization_level 2): on this 2-core machine it proves a
# 150-patient week optimal in about 5 s, where 2 interleaved workers with the default relaxation left a
# 40% gap after 30 s (bench/scheduling.py, docs/decisions.md). One worker is also deterministic as is.
NUM_WORKERS = 1
LINEARIZATION_LEVEL = 2
# `time_limit` is turned into CP-SAT's deterministic work budget (its own counter, independent of machine
# load) at this rate, measured on this 2-core machine with one worker: a 400-patient week spent 7.5 units
# in 18 s and 20 units in 69 s, i.e. 0.3-0.4 a second; 0.3 keeps a "30 s" solve near 30 s.
DETERMINISTIC_PER_SECOND = 0.3
# keep_reward counts in eighths of an assignment.
KEEP_EIGHTHS = 8
# Wall-clock safety net, as a multiple of `time_limit`: only a badly overloaded machine reaches it, and
# then (only then) the answer may differ from an unloaded run.
WALL_CLOCK_SAFETY = 3.0


@dataclass
class Result:
    assignments: list[Assignment]
    status: str  # "optimal", "feasible", "greedy" or "infeasible"
    objective: int  # the instance objective (without the re-planning reward)
    bound: float
    gap: float  # (objective - bound) / objective; 0 when proven optimal
    seconds: float
    kept: int = 0  # re-planning: assignments kept from the previous schedule
    stats: dict[str, float] = field(default_factory=dict)


def solve(
    instance: Instance,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    previous: list[Assignment] | None = None,
    hint: list[Assignment] | None = None,
    num_workers: int = NUM_WORKERS,
    deterministic_time: float | None = None,
) -> Result:
    """Best schedule found within about `time_limit` seconds, spent as a deterministic work budget
    (`deterministic_time`, default `time_limit` x DETERMINISTIC_PER_SECOND) so the same input, seed and
    limit give the same schedule on a busy or an idle machine; never worse than the schedule it starts from: `hint`, else (re-planning) what is still
    valid of `previous`, else the greedy schedule for `seed`. With `previous`, assignments kept from it are
    rewarded (re-planning)."""
    started = time.perf_counter()
    model = _Model(instance)
    reward = model.keep_reward(previous or [])
    model.cp.minimize(model.objective - (w.KEEP_PREVIOUS_ASSIGNMENT // KEEP_EIGHTHS) * reward)

    start_from = hint if hint is not None else _start(instance, previous, seed)
    start_report = check(instance, start_from)
    model.add_hint(start_from)

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = num_workers
    solver.parameters.interleave_search = num_workers > 1  # several workers are deterministic only so
    solver.parameters.linearization_level = LINEARIZATION_LEVEL
    budget = deterministic_time if deterministic_time is not None else time_limit * DETERMINISTIC_PER_SECOND
    solver.parameters.max_deterministic_time = budget
    solver.parameters.max_time_in_seconds = (
        WALL_CLOCK_SAFETY * max(time_limit, budget / DETERMINISTIC_PER_SECOND) + 10
    )
    status = solver.solve(model.cp)
    stats = {
        "variables": len(model.cp.proto.variables),
        "constraints": len(model.cp.proto.constraints),
        "deterministic_time": round(solver.deterministic_time, 3),
    }
    bound = float(solver.best_objective_bound) if status != cp_model.INFEASIBLE else 0.0
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        assignments = sorted(model.read(solver, previous))
        report = check(instance, assignments)
        solved = "optimal" if status == cp_model.OPTIMAL else "feasible"
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or _worse(report, start_report, previous):
        # Time ran out before the first solution (or, defensively, the solution is not better than the
        # starting schedule): the starting schedule is feasible, so return it.
        assignments, report = sorted(start_from), start_report
        solved = (
            "greedy" if status in (cp_model.UNKNOWN, cp_model.OPTIMAL, cp_model.FEASIBLE) else "infeasible"
        )
    kept = len(set(assignments) & set(previous or []))
    # The bound is of the solved objective, which includes the re-planning reward, if any.
    value = solver.objective_value if solved in ("optimal", "feasible") else report.objective
    gap = 0.0 if solved == "optimal" else max(0.0, (value - bound) / max(abs(value), 1))
    return Result(
        assignments=assignments,
        status=solved,
        objective=report.objective,
        bound=bound,
        gap=gap,
        seconds=time.perf_counter() - started,
        kept=kept,
        stats=stats,
    )


def _start(instance: Instance, previous: list[Assignment] | None, seed: int) -> list[Assignment]:
    """Re-planning starts from what is still valid of the previous schedule (dropping assignments never
    breaks a hard constraint), when that is at least as good as a fresh greedy schedule."""
    fresh = greedy(instance, seed=seed)
    if not previous:
        return fresh
    cand = candidates(instance)
    still = [
        a
        for a in previous
        if a.patient in cand.patient_sessions
        and (
            a.session in cand.patient_sessions[a.patient]
            or (
                a.slot in cand.patient_slots[a.patient]
                and a.clinician in cand.slot_clinicians[a.slot]
                and a.room in cand.slot_rooms[a.slot]
            )
        )
    ]
    report = check(instance, still)
    if report.violations:
        return fresh
    return still


def _worse(report, start_report, previous) -> bool:
    if report.violations:  # would be a bug in the model; never hand out a broken schedule
        return True
    return not previous and report.objective > start_report.objective


class _Model:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        cand = self.cand = candidates(instance)
        self.classes = slot_classes(instance, cand)
        self.kinds = room_kinds(instance)
        self.usable_kinds = class_room_kinds(cand, self.classes, self.kinds)
        self.class_of = {s: k for k, c in self.classes.items() for s in c.slots}
        cp = self.cp = cp_model.CpModel()
        objective = []

        self.attend = {
            (p.id, g): cp.new_bool_var(f"attend[{p.id},{g}]")
            for p in instance.patients
            for g in cand.patient_sessions[p.id]
        }
        self.take = {}
        for p in instance.patients:
            for k in dict.fromkeys(self.class_of[s] for s in cand.patient_slots[p.id]):
                self.take[p.id, k] = cp.new_bool_var(f"take[{p.id},{k}]")
        self.lead = {
            (k, c): cp.new_bool_var(f"lead[{k},{c}]") for k, sc in self.classes.items() for c in sc.clinicians
        }
        self.rooms = {
            (k, kind): cp.new_int_var(
                0, min(len(self.kinds[kind].rooms), len(sc.slots)), f"rooms[{k},{kind}]"
            )
            for k, sc in self.classes.items()
            for kind in self.usable_kinds[k]
        }
        takers = {k: [] for k in self.classes}
        for (p, k), var in self.take.items():
            takers[k].append((p, var))
        self.tele, self.tele_vars, self.pair = {}, {}, {}
        for k, slot_class in self.classes.items():
            used = sum(var for _, var in takers[k])
            cp.add(used <= len(slot_class.slots))
            cp.add(sum(self.lead[k, c] for c in slot_class.clinicians) == used)
            cp.add(sum(self.rooms[k, kind] for kind in self.usable_kinds[k]) == used)
            self._rooms_for_takers(k, takers[k])
            self._primary_clinicians(k, takers[k], objective)

        self.size = {}
        for g, seats in cand.session_seats.items():
            self.size[g] = sum(var for (_, gg), var in self.attend.items() if gg == g)
            cp.add(self.size[g] <= seats)

        for p in instance.patients:
            self._patient(p, objective)

        # No clinician in two overlapping slots, no more rooms of a kind than it has; caseloads; balance.
        for c in instance.clinicians:
            mine = [(self.lead[k, c.id], sc.when) for k, sc in self.classes.items() if (k, c.id) in self.lead]
            for clique in overlap_cliques(mine):
                cp.add_at_most_one(clique)
        for kind_key, kind in self.kinds.items():
            mine = [
                (self.rooms[k, kind_key], sc.when)
                for k, sc in self.classes.items()
                if (k, kind_key) in self.rooms
            ]
            for group in start_point_groups(mine):
                if len(group) > 1:
                    cp.add(sum(group) <= len(kind.rooms))
        max_load = cp.new_int_var(0, len(instance.slots), "max_load")
        for c in instance.clinicians:
            load = sum(self.lead[k, c.id] for k in self.classes if (k, c.id) in self.lead)
            cp.add(load <= c.caseload_limit)
            cp.add(max_load >= load)
        objective.append(w.MAX_CLINICIAN_LOAD * max_load)
        for g, seats in cand.session_seats.items():
            ideal = instance.session_by_id[g].ideal_size
            if seats > ideal:
                over = cp.new_int_var(0, seats - ideal, f"over[{g}]")
                cp.add(over >= self.size[g] - ideal)
                objective.append(w.GROUP_OVER_IDEAL_SIZE * over)
        self.objective = sum(objective)

    def _rooms_for_takers(self, k: str, takers: list) -> None:
        """tele[p, k]: the patient's room is a telehealth one. Counts of telehealth and in-person rooms
        match their takers', and those needing access fit in the accessible ones: then the rooms can
        be handed out (aggregate.decode)."""
        cp, kinds = self.cp, self.kinds
        tele_kinds = [kind for kind in self.usable_kinds[k] if kinds[kind].telehealth]
        office_kinds = [kind for kind in self.usable_kinds[k] if not kinds[kind].telehealth]
        for p, var in takers:
            if not tele_kinds:
                self.tele[p, k] = 0
            elif not office_kinds:
                self.tele[p, k] = var
            else:
                self.tele[p, k] = self.tele_vars[p, k] = cp.new_bool_var(f"tele[{p},{k}]")
                cp.add(self.tele[p, k] <= var)
        cp.add(sum(self.tele[p, k] for p, _ in takers) == sum(self.rooms[k, kind] for kind in tele_kinds))
        needing = [(p, var) for p, var in takers if self.instance.patient_by_id[p].needs_accessible]
        if needing:
            accessible = [kind for kind in self.usable_kinds[k] if kinds[kind].accessible]
            cp.add(
                sum(self.tele[p, k] for p, _ in needing)
                <= sum(self.rooms[k, kind] for kind in accessible if kinds[kind].telehealth)
            )
            cp.add(
                sum(var - self.tele[p, k] for p, var in needing)
                <= sum(self.rooms[k, kind] for kind in accessible if not kinds[kind].telehealth)
            )

    def _primary_clinicians(self, k: str, takers: list, objective: list) -> None:
        """pair[p, k]: the patient has their primary clinician in this class; a clinician pairs with at
        most one patient, and only when they take a copy of it."""
        slot_class = self.classes[k]
        if slot_class.type not in w.PRIMARY_CLINICIAN_TYPES:
            return
        by_primary: dict[str, list] = {}
        for p, var in takers:
            primary = self.instance.patient_by_id[p].primary_clinician
            if not primary:
                continue
            if primary not in slot_class.clinicians:
                objective.append(w.NOT_PRIMARY_CLINICIAN * var)
                continue
            self.pair[p, k] = self.cp.new_bool_var(f"pair[{p},{k}]")
            self.cp.add(self.pair[p, k] <= var)
            by_primary.setdefault(primary, []).append(self.pair[p, k])
            objective.append(w.NOT_PRIMARY_CLINICIAN * (var - self.pair[p, k]))
        for c, pairs in by_primary.items():
            self.cp.add(sum(pairs) <= self.lead[k, c])

    def _patient(self, p, objective: list) -> None:
        cp, instance, cand = self.cp, self.instance, self.cand
        items = [(self.attend[p.id, g], item_window(instance, g)) for g in cand.patient_sessions[p.id]]
        classes = [k for (pid, k) in self.take if pid == p.id]
        items += [(self.take[p.id, k], self.classes[k].when) for k in classes]
        for clique in overlap_cliques(items):
            cp.add_at_most_one(clique)
        minutes = sum(var * when.minutes for var, when in items)
        cp.add(minutes <= p.cap_minutes)
        if p.target_minutes:
            # The shortfall is at least what availability alone leaves (best_week): a valid cut that
            # hands the bound what the linear relaxation would only approach.
            own = [(item_window(instance, g), "group") for g in cand.patient_sessions[p.id]]
            own += [(item_window(instance, s), instance.slot_by_id[s].type) for s in cand.patient_slots[p.id]]
            reachable = min(best_week(own, dict(p.required)), p.cap_minutes)
            floor = max(0, p.target_minutes - reachable)
            short = cp.new_int_var(floor, p.target_minutes, f"short[{p.id}]")
            cp.add(short >= p.target_minutes - minutes)
            objective.append(w.SHORTFALL_PER_MINUTE * short)
        for kind, count in p.required.items():
            taken = sum(self.take[p.id, k] for k in classes if self.classes[k].type == kind)
            cp.add(taken <= count)
            # missing = count - taken exactly: taken never exceeds count.
            objective.append(w.MISSING_REQUIRED_SESSION * (count - taken))
        for session in instance.group_sessions:
            if session.group and session.group in p.current_groups:
                var = self.attend.get((p.id, session.id))
                objective.append(
                    w.LEFT_CURRENT_GROUP_SESSION * (1 - var)
                    if var is not None
                    else w.LEFT_CURRENT_GROUP_SESSION
                )
        if p.modality:
            for g in cand.patient_sessions[p.id]:
                if session_modality(instance, instance.session_by_id[g]) != p.modality:
                    objective.append(w.MODALITY_MISMATCH * self.attend[p.id, g])
            for k in classes:
                tele = self.tele[p.id, k]
                objective.append(
                    w.MODALITY_MISMATCH * (tele if p.modality == "in_person" else self.take[p.id, k] - tele)
                )

    def keep_reward(self, previous: list[Assignment]):
        """Re-planning: the share of previous assignments kept, in eighths (KEEP_EIGHTHS per assignment
        kept whole): a group session whole; an individual slot 4/8 for its class, 2/8 for its clinician,
        1/8 for telehealth or in person as before, 1/8 for the kind of its room (counted per class, as
        rooms are)."""
        reward = []
        room_kinds_before: dict[tuple[str, str], int] = {}
        kind_of = {room: key for key, kind in self.kinds.items() for room in kind.rooms}
        for a in previous:
            if a.session and (a.patient, a.session) in self.attend:
                reward.append(KEEP_EIGHTHS * self.attend[a.patient, a.session])
            elif a.slot and (a.patient, self.class_of.get(a.slot)) in self.take:
                k = self.class_of[a.slot]
                taken, tele = self.take[a.patient, k], self.tele[a.patient, k]
                reward.append(4 * taken + self.lead.get((k, a.clinician), 0) * 2)
                room = self.instance.room_by_id.get(a.room)  # None: the room is gone this week
                if room is not None:
                    reward.append(tele if room.telehealth else taken - tele)
                key = (k, kind_of.get(a.room))
                room_kinds_before[key] = room_kinds_before.get(key, 0) + 1
        for key, count in room_kinds_before.items():
            if key in self.rooms:
                kept = self.cp.new_int_var(0, count, f"kept_rooms[{key[0]},{key[1]}]")
                self.cp.add(kept <= self.rooms[key])
                reward.append(kept)
        return sum(reward)

    def add_hint(self, assignments: list[Assignment]) -> None:
        """A complete hint in the counted variables: CP-SAT starts from this schedule."""
        values: dict[int, int] = {}
        for a in assignments:
            if a.session:
                if (a.patient, a.session) in self.attend:
                    values[self.attend[a.patient, a.session].index] = 1
                continue
            k = self.class_of.get(a.slot)
            if (a.patient, k) not in self.take:
                continue
            values[self.take[a.patient, k].index] = 1
            if (k, a.clinician) in self.lead:
                values[self.lead[k, a.clinician].index] = 1
            kind = next((key for key, kind in self.kinds.items() if a.room in kind.rooms), None)
            if (k, kind) in self.rooms:
                index = self.rooms[k, kind].index
                values[index] = values.get(index, 0) + 1
            if (a.patient, k) in self.tele_vars:
                values[self.tele_vars[a.patient, k].index] = int(self.instance.room_by_id[a.room].telehealth)
            if (a.patient, k) in self.pair:
                primary = self.instance.patient_by_id[a.patient].primary_clinician
                values[self.pair[a.patient, k].index] = int(a.clinician == primary)
        for table in (self.attend, self.take, self.lead, self.rooms, self.tele_vars, self.pair):
            for var in table.values():
                self.cp.add_hint(var, values.get(var.index, 0))

    def read(self, solver: cp_model.CpSolver, previous: list[Assignment] | None) -> list[Assignment]:
        assignments = [
            Assignment(patient=p, session=g)
            for (p, g), var in self.attend.items()
            if solver.boolean_value(var)
        ]
        chosen = {}
        for (p, k), var in self.take.items():
            if solver.boolean_value(var):
                solution = chosen.setdefault(k, ClassSolution([], set(), set(), [], {}))
                solution.takers.append(p)
                if (p, k) in self.pair and solver.boolean_value(self.pair[p, k]):
                    solution.primary.add(p)
                if (
                    (p, k) in self.tele_vars
                    and solver.boolean_value(self.tele_vars[p, k])
                    or (self.tele[p, k] is var)
                ):
                    solution.telehealth.add(p)
        for k, solution in chosen.items():
            solution.clinicians = [
                c for c in self.classes[k].clinicians if solver.boolean_value(self.lead[k, c])
            ]
            solution.rooms_per_kind = {
                kind: solver.value(self.rooms[k, kind])
                for kind in self.usable_kinds[k]
                if solver.value(self.rooms[k, kind])
            }
        return assignments + decode(self.instance, self.classes, self.kinds, chosen, previous)
