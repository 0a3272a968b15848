"""The CP-SAT model and the greedy baseline: hard constraints, soft terms, optimality against brute force,
determinism and explanations. Every schedule is verified by the independent checker."""

import itertools
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openiop.scheduling.optimizer.aggregate import room_kinds, slot_classes
from openiop.scheduling.optimizer.candidates import candidates
from openiop.scheduling.optimizer.checker import check
from openiop.scheduling.optimizer.cpsat import solve
from openiop.scheduling.optimizer.explain import best_week, explain
from openiop.scheduling.optimizer.greedy import greedy
from openiop.scheduling.optimizer.instance import Assignment, Window, instance_from_dict, load_instance

from .optimizer_fixtures import ALL_DAY, instance, week

LIMIT = 5.0


def both(inst):
    """The CP-SAT and greedy schedules, each verified violation-free by the checker."""
    result = solve(inst, time_limit=LIMIT)
    greedy_schedule = greedy(inst, seed=0)
    for schedule in (result.assignments, greedy_schedule):
        assert check(inst, schedule).violations == []
    assert check(inst, result.assignments).objective == result.objective
    return result, greedy_schedule


# Hard constraints: each tempts the solver (the target asks for more) and must hold.


def test_patient_is_never_double_booked():
    data = week()
    data["group_sessions"][1].update(start="09:30", end="10:30", facilitators=["bob"], room="office")
    data["session_types"]["group_therapy"] = []
    result, _ = both(instance(**data))
    sessions = {a.session for a in result.assignments if a.patient == "p1" and a.session}
    assert len(sessions) == 1


def test_clinician_is_not_given_a_slot_while_facilitating_and_credentials_are_respected():
    data = week()
    data["slots"][0].update(start="09:00", end="10:00")  # alice facilitates g1 then
    result, _ = both(instance(**data))
    assert [a.clinician for a in result.assignments if a.slot] == ["bob"]
    data["session_types"]["individual_therapy"] = ["LCSW"]  # only alice, who is busy
    result, _ = both(instance(**data))
    assert [a for a in result.assignments if a.slot] == []


def test_session_capacity_and_weekly_cap_hold():
    data = week()
    data["group_sessions"][0]["capacity"] = 1
    data["patients"][1]["cap_hours"] = 1
    result, _ = both(instance(**data))
    assert sum(1 for a in result.assignments if a.session == "g1") == 1
    assert sum(1 for a in result.assignments if a.patient == "p2") == 1


def test_availability_of_patients_and_clinicians_and_room_capacity():
    data = week()
    data["patients"][1]["availability"] = [{"day": "mon", "start": "10:00", "end": "11:00"}]
    data["clinicians"][0]["availability"] = [{"day": "mon", "start": "08:00", "end": "11:00"}]
    data["rooms"][1]["capacity"] = 1  # too small for an individual session (2 people)
    result, _ = both(instance(**data))
    assert {a.session for a in result.assignments if a.patient == "p2"} == {"g2"}
    assert [(a.clinician, a.room) for a in result.assignments if a.slot] == [("bob", "oak")]


def test_rooms_are_not_double_booked_by_two_slots():
    data = week()
    data["slots"].append(
        {"id": "s2", "type": "individual_therapy", "day": "mon", "start": "12:00", "end": "13:00"}
    )
    data["patients"][1]["required"] = {"individual_therapy": 1}
    result, _ = both(instance(**data))
    rooms = [a.room for a in result.assignments if a.slot]
    assert len(rooms) == 2 and len(set(rooms)) == 2


# Soft terms: each one decides between otherwise equal schedules.


def test_required_session_is_met_and_target_reached():
    result, _ = both(instance())
    assert [(a.patient, a.slot) for a in result.assignments if a.slot] == [("p1", "s1")]
    assert check(instance(), result.assignments).terms["shortfall_minutes"] == 0


def test_current_group_is_kept():
    data = week()
    data["group_sessions"][1].update(start="09:00", end="10:00", facilitators=["bob"], room="office")
    data["session_types"]["group_therapy"] = []
    data["rooms"][1]["capacity"] = 12
    data["slots"] = []
    data["patients"] = [{"id": "p1", "target_hours": 1, "availability": ALL_DAY, "current_groups": ["b"]}]
    result, greedy_schedule = both(instance(**data))
    assert result.assignments == [Assignment("p1", session="g2")]
    assert greedy_schedule == [Assignment("p1", session="g2")]


def test_primary_clinician_and_modality_preference_are_honoured():
    data = week()
    data["rooms"].append({"id": "video", "capacity": 4, "telehealth": True})
    data["patients"][0].update(primary_clinician="bob", modality="telehealth")
    result, greedy_schedule = both(instance(**data))
    for schedule in (result.assignments, greedy_schedule):
        assert [(a.clinician, a.room) for a in schedule if a.slot] == [("bob", "video")]


def test_group_sizes_and_caseloads_are_balanced():
    data = week()
    data["group_sessions"][1].update(start="09:00", end="10:00", facilitators=["bob"], room="office")
    data["session_types"]["group_therapy"] = []
    data["rooms"][1]["capacity"] = 12
    for session in data["group_sessions"]:
        session["ideal_size"] = 1
    data["slots"] = []
    data["patients"] = [{"id": f"p{i}", "target_hours": 1, "availability": ALL_DAY} for i in range(2)]
    result, _ = both(instance(**data))
    assert sorted(a.session for a in result.assignments) == ["g1", "g2"]
    data = week()
    data["slots"].append(
        {"id": "s2", "type": "individual_therapy", "day": "mon", "start": "14:00", "end": "15:00"}
    )
    data["patients"][1]["required"] = {"individual_therapy": 1}
    result, _ = both(instance(**data))
    assert sorted(a.clinician for a in result.assignments if a.slot) == ["alice", "bob"]


# Brute force on tiny instances: the optimizer reaches the optimum; greedy is feasible and never better.


def brute_force_optimum(inst) -> int:
    patients = [p.id for p in inst.patients]
    per_session = [
        [
            [Assignment(p, session=g.id) for p in chosen]
            for r in range(len(patients) + 1)
            for chosen in itertools.combinations(patients, r)
        ]
        for g in inst.group_sessions
    ]
    per_slot = [
        [[]]
        + [
            [Assignment(p, slot=s.id, clinician=c.id, room=r.id)]
            for p in patients
            for c in inst.clinicians
            for r in inst.rooms
        ]
        for s in inst.slots
    ]
    best = None
    for parts in itertools.product(*per_session, *per_slot):
        schedule = [a for part in parts for a in part]
        report = check(inst, schedule)
        if not report.violations and (best is None or report.objective < best):
            best = report.objective
    return best


times = st.sampled_from([("09:00", "10:00"), ("09:30", "11:00"), ("10:00", "11:00"), ("11:00", "12:00")])


@st.composite
def tiny_instances(draw, max_patients=3, max_sessions=2, max_slots=1):
    clinicians = [
        {
            "id": f"c{i}",
            "credentials": [draw(st.sampled_from(["LCSW", "LPC"]))],
            "availability": [
                {"day": "mon", "start": draw(st.sampled_from(["08:00", "10:00"])), "end": "12:00"}
            ],
            "caseload_limit": draw(st.integers(0, 2)),
        }
        for i in range(2)
    ]
    rooms = [
        {
            "id": f"r{i}",
            "capacity": draw(st.integers(2, 4)),
            "accessible": draw(st.booleans()),
            "telehealth": i == 1,
        }
        for i in range(2)
    ]
    sessions = []
    for i in range(draw(st.integers(1, max_sessions))):
        start, end = draw(times)
        sessions.append(
            {
                "id": f"g{i}",
                "type": "group_therapy",
                "group": f"group{i}",
                "day": "mon",
                "start": start,
                "end": end,
                "capacity": draw(st.integers(1, 3)),
                "facilitators": [f"c{i}"],
                "room": f"r{i}" if draw(st.booleans()) else None,
                "ideal_size": draw(st.integers(1, 2)),
            }
        )
    slots = []
    for i in range(draw(st.integers(0, max_slots))):
        start, end = draw(times)
        kind = draw(st.sampled_from(["individual_therapy", "family_therapy"]))
        slots.append({"id": f"s{i}", "type": kind, "day": "mon", "start": start, "end": end})
    patients = []
    for i in range(draw(st.integers(1, max_patients))):
        start, end = draw(st.sampled_from([("09:00", "12:00"), ("09:00", "11:00"), ("10:00", "12:00")]))
        patients.append(
            {
                "id": f"p{i}",
                "target_hours": draw(st.sampled_from([1, 1.5, 2, 3])),
                "cap_hours": draw(st.sampled_from([1.5, 2, 19])),
                "availability": [{"day": "mon", "start": start, "end": end}],
                "current_groups": draw(st.lists(st.sampled_from(["group0", "group1"]), max_size=1)),
                "primary_clinician": draw(st.sampled_from([None, "c0", "c1"])),
                "required": {
                    draw(st.sampled_from(["individual_therapy", "family_therapy"])): draw(st.integers(0, 1))
                },
                "modality": draw(st.sampled_from(["", "in_person", "telehealth"])),
                "needs_accessible": draw(st.booleans()),
            }
        )
    return instance_from_dict(
        {
            "session_types": {
                "group_therapy": ["LCSW", "LPC"] if draw(st.booleans()) else ["LCSW"],
                "individual_therapy": ["LCSW", "LPC"],
                "family_therapy": ["LCSW"],
            },
            "rooms": rooms,
            "clinicians": clinicians,
            "group_sessions": sessions,
            "slots": slots,
            "patients": patients,
        }
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_optimizer_reaches_the_brute_force_optimum_and_greedy_never_beats_it(inst):
    optimum = brute_force_optimum(inst)
    result = solve(inst, time_limit=LIMIT)
    assert result.status == "optimal"
    assert result.objective == optimum == check(inst, result.assignments).objective
    greedy_report = check(inst, greedy(inst, seed=0))
    assert greedy_report.violations == []
    assert greedy_report.objective >= optimum


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(max_patients=4, max_sessions=2, max_slots=2), st.integers(0, 1000))
def test_every_schedule_returned_passes_the_checker(inst, seed):
    result = solve(inst, time_limit=LIMIT, seed=seed)
    assert check(inst, result.assignments).violations == []
    assert check(inst, greedy(inst, seed=seed)).violations == []


def test_same_input_and_seed_give_the_same_schedule():
    inst = load_instance("docs/scheduling-example.json")
    first, second = solve(inst, time_limit=LIMIT, seed=7), solve(inst, time_limit=LIMIT, seed=7)
    assert (first.assignments, first.objective, first.bound) == (
        second.assignments,
        second.objective,
        second.bound,
    )
    assert greedy(inst, seed=3) == greedy(inst, seed=3)


def test_the_documented_example_solves_to_optimality_without_violations():
    inst = load_instance("docs/scheduling-example.json")
    result, _ = both(inst)
    assert result.status == "optimal" and result.gap == 0.0


def test_a_patient_limited_by_availability_is_told_how_many_hours_they_could_have():
    inst = load_instance("docs/scheduling-example.json")
    result = solve(inst, time_limit=LIMIT)
    why = explain(inst, result.assignments)
    assert set(why) == {"p3"}
    assert why["p3"].reason == "availability"
    assert why["p3"].message == "available 3 h in sessions this week (target 6 h)"


def test_explanations_name_the_cap_and_capacity_taken_by_others():
    data = week()
    data["patients"][1].update(cap_hours=1)
    assert explain(instance(**data), [])["p2"].reason == "cap"
    data = week()
    data["group_sessions"][0]["capacity"] = 1
    data["group_sessions"][1]["capacity"] = 1
    data["patients"][1]["target_hours"] = 1
    taken = [Assignment("p1", session="g1"), Assignment("p1", session="g2")]
    why = explain(instance(**data), taken)["p2"]
    assert why.reason == "capacity" and "only 0 h have places left" in why.message


def test_re_planning_keeps_the_previous_assignments_it_can():
    inst = instance()
    first = solve(inst, time_limit=LIMIT)
    again = solve(inst, time_limit=LIMIT, previous=first.assignments)
    assert again.kept == len(first.assignments)
    assert again.objective == first.objective


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 20), st.integers(1, 6)), max_size=7))
def test_best_week_matches_brute_force(raw):
    items = [(Window(day, start * 30, (start + length) * 30), "group") for day, start, length in raw]
    best = 0
    for r in range(len(items) + 1):
        for chosen in itertools.combinations(items, r):
            if all(not a.overlaps(b) for (a, _), (b, _) in itertools.combinations(chosen, 2)):
                best = max(best, sum(w.minutes for w, _ in chosen))
    assert best_week(items, {}) == best


# Counting identical slots and rooms, deterministic limits, starting points, re-planning.


def generated(n: int):
    from bench.scheduling import generate  # the benchmark's seeded generator (bench/scheduling.py)

    return instance_from_dict(generate(n, seed=n))


def test_identical_slots_and_rooms_are_counted_not_numbered():
    data = week()
    data["slots"] = [
        {"id": f"s{i}", "type": "individual_therapy", "day": "mon", "start": "12:00", "end": "13:00"}
        for i in range(3)
    ]
    data["rooms"] = [{"id": "oak", "capacity": 12}] + [{"id": f"office-{i}", "capacity": 2} for i in range(3)]
    data["patients"] = [
        {"id": f"p{i}", "target_hours": 1, "availability": ALL_DAY, "required": {"individual_therapy": 1}}
        for i in range(3)
    ]
    inst = instance(**data)
    classes = slot_classes(inst, candidates(inst))
    assert [c.slots for c in classes.values()] == [("s0", "s1", "s2")]
    assert sorted(len(kind.rooms) for kind in room_kinds(inst).values()) == [1, 3]
    # Two clinicians: two of the three patients get a slot, each with their own clinician, slot and room.
    result, _ = both(inst)
    taken = [a for a in result.assignments if a.slot]
    assert len(taken) == 2
    assert (
        len({a.slot for a in taken}) == len({a.clinician for a in taken}) == len({a.room for a in taken}) == 2
    )


def test_rooms_of_a_kind_are_numbered_so_overlapping_slots_never_share_one():
    data = week()
    data["slots"] = [
        {"id": "a", "type": "individual_therapy", "day": "mon", "start": "12:00", "end": "13:00"},
        {"id": "b", "type": "individual_therapy", "day": "mon", "start": "12:30", "end": "13:30"},
        {"id": "c", "type": "individual_therapy", "day": "mon", "start": "13:00", "end": "14:00"},
    ]
    data["rooms"] = [{"id": "oak", "capacity": 12}] + [{"id": f"office-{i}", "capacity": 2} for i in range(2)]
    data["clinicians"] += [
        {"id": f"c{i}", "credentials": ["LPC"], "availability": ALL_DAY, "caseload_limit": 5}
        for i in range(3)
    ]
    data["patients"] = [
        {"id": f"p{i}", "target_hours": 1, "availability": ALL_DAY, "required": {"individual_therapy": 1}}
        for i in range(3)
    ]
    result, _ = both(instance(**data))
    assert len([a for a in result.assignments if a.slot]) == 3


def test_accessibility_and_modality_survive_counting_rooms():
    data = week()
    data["rooms"] = [
        {"id": "oak", "capacity": 12},
        {"id": "stairs", "capacity": 2, "accessible": False},
        {"id": "video", "capacity": 2, "telehealth": True, "accessible": False},
    ]
    data["slots"].append(
        {"id": "s2", "type": "individual_therapy", "day": "mon", "start": "12:00", "end": "13:00"}
    )
    data["patients"][0].update(needs_accessible=True, modality="in_person")
    data["patients"][1].update(required={"individual_therapy": 1}, modality="in_person")
    result, _ = both(instance(**data))
    rooms = {a.patient: a.room for a in result.assignments if a.slot}
    assert rooms == {"p1": "oak", "p2": "stairs"}


def test_the_optimizer_is_never_worse_than_the_schedule_it_starts_from():
    inst = generated(30)
    start = min((greedy(inst, seed=s) for s in range(3)), key=lambda a: check(inst, a).objective)
    result = solve(inst, time_limit=0.5, hint=start)
    assert check(inst, result.assignments).violations == []
    assert result.objective <= check(inst, start).objective


def test_a_deterministic_time_limit_gives_the_same_schedule_even_when_the_search_is_cut():
    inst = generated(30)
    first, second = (solve(inst, deterministic_time=0.02, seed=2) for _ in range(2))
    assert first.status != "optimal"  # the limit cut the search, yet the answers agree
    assert (first.assignments, first.objective, first.bound) == (
        second.assignments,
        second.objective,
        second.bound,
    )


def test_re_planning_an_unchanged_week_keeps_every_assignment():
    inst = generated(12)
    first = solve(inst, time_limit=LIMIT)
    again = solve(inst, time_limit=LIMIT, previous=first.assignments)
    assert first.assignments and again.kept == len(first.assignments)
    assert again.assignments == first.assignments and again.objective == first.objective


def test_re_planning_starts_from_what_is_still_valid_of_the_previous_week():
    inst = generated(12)
    first = solve(inst, time_limit=LIMIT)
    changed = generated(12)
    patient = changed.patients[0]
    narrower = replace(patient, availability=patient.availability[1:])
    changed = replace(changed, patients=(narrower, *changed.patients[1:]))
    again = solve(changed, time_limit=LIMIT, previous=first.assignments)
    assert check(changed, again.assignments).violations == []
    untouched = [a for a in first.assignments if a.patient != patient.id]
    assert len(set(untouched) & set(again.assignments)) >= 0.9 * len(untouched)


def test_re_planning_keeps_each_patients_room_not_only_the_number_of_rooms_in_use():
    data = week()
    data["rooms"][0]["telehealth"] = True  # oak becomes a video room; office stays in person
    data["group_sessions"] = []
    data["slots"].append(dict(data["slots"][0], id="s1b"))
    data["patients"][1]["required"] = {"individual_therapy": 1}
    inst = instance(**data)
    first = solve(inst, time_limit=LIMIT).assignments
    slots = [a for a in first if a.slot]
    assert sorted(a.room for a in slots) == ["oak", "office"]
    # Last week the two had each other's rooms: a modality neither prefers, so keeping it costs nothing.
    swapped = [a for a in first if a.session] + [
        replace(slots[0], room=slots[1].room),
        replace(slots[1], room=slots[0].room),
    ]
    assert check(inst, swapped).violations == []
    again = solve(inst, time_limit=LIMIT, previous=swapped)
    assert again.assignments == sorted(swapped) and again.kept == len(swapped)


def test_explanations_give_hours_to_one_decimal():
    from openiop.scheduling.optimizer.explain import hours

    assert [hours(m) for m in (0, 180, 410, 450, 539, 540)] == ["0", "3", "6.8", "7.5", "8.9", "9"]
