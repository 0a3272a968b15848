"""The independent checker finds each kind of hard-constraint violation and recomputes the objective."""

import pytest

from openiop.scheduling.optimizer import weights as w
from openiop.scheduling.optimizer.checker import check
from openiop.scheduling.optimizer.instance import Assignment

from .optimizer_fixtures import ALL_DAY, instance, week


def kinds(inst, assignments) -> set[str]:
    return {v.kind for v in check(inst, assignments).violations}


def individual(patient="p1", clinician="alice", room="office", slot="s1"):
    return Assignment(patient=patient, slot=slot, clinician=clinician, room=room)


def test_a_valid_schedule_has_no_violations_and_its_objective_terms():
    inst = instance()
    report = check(inst, [Assignment("p1", session="g1"), Assignment("p1", session="g2"), individual()])
    assert report.violations == []
    assert report.minutes == {"p1": 180, "p2": 0}
    assert report.terms["shortfall_minutes"] == w.SHORTFALL_PER_MINUTE * 120  # p2 has nothing
    assert report.terms["max_clinician_load"] == w.MAX_CLINICIAN_LOAD * 1
    assert report.objective == sum(report.terms.values())


def test_patient_double_booking():
    data = week()
    data["slots"][0].update(start="09:30", end="10:30")
    assert "patient_double_booked" in kinds(instance(**data), [Assignment("p1", session="g1"), individual()])


def test_clinician_double_booking_with_a_group_they_facilitate():
    data = week()
    data["slots"][0].update(start="09:00", end="10:00")
    assert "clinician_double_booked" in kinds(instance(**data), [individual()])


def test_room_double_booking():
    data = week()
    data["slots"].append(
        {"id": "s2", "type": "individual_therapy", "day": "mon", "start": "12:30", "end": "13:00"}
    )
    data["patients"][1]["required"] = {"individual_therapy": 1}
    schedule = [individual(), individual(patient="p2", clinician="bob", slot="s2")]
    assert kinds(instance(**data), schedule) == {"room_double_booked"}


def test_session_capacity_and_room_capacity():
    data = week()
    data["group_sessions"][0]["capacity"] = 1
    assert "session_capacity" in kinds(
        instance(**data), [Assignment("p1", session="g1"), Assignment("p2", session="g1")]
    )
    data = week()
    data["rooms"][0]["capacity"] = 2  # one facilitator + two patients do not fit
    assert "room_capacity" in kinds(
        instance(**data), [Assignment("p1", session="g1"), Assignment("p2", session="g1")]
    )


def test_credentials():
    data = week()
    data["session_types"]["individual_therapy"] = ["LPC"]
    assert "credential" in kinds(instance(**data), [individual(clinician="alice")])


def test_patient_and_clinician_availability():
    data = week()
    data["patients"][0]["availability"] = [{"day": "mon", "start": "09:00", "end": "10:00"}]
    assert "patient_unavailable" in kinds(instance(**data), [Assignment("p1", session="g2")])
    data = week()
    data["clinicians"][1]["availability"] = [{"day": "tue", "start": "08:00", "end": "18:00"}]
    assert "clinician_unavailable" in kinds(instance(**data), [individual(clinician="bob")])


def test_weekly_cap():
    data = week()
    data["patients"][0]["cap_hours"] = 1
    assert "over_cap" in kinds(
        instance(**data), [Assignment("p1", session="g1"), Assignment("p1", session="g2")]
    )


def test_slot_given_twice_not_prescribed_caseload_accessibility_unknown_and_duplicate():
    data = week()
    data["patients"][1]["required"] = {"individual_therapy": 1}
    found = kinds(instance(**data), [individual(), individual(patient="p2", clinician="bob", room="oak")])
    assert "slot_double_used" in found
    assert "not_prescribed" in kinds(instance(), [individual(patient="p2")])
    data = week()
    data["clinicians"][0]["caseload_limit"] = 0
    assert "caseload" in kinds(instance(**data), [individual()])
    data = week()
    data["rooms"][1]["accessible"] = False
    data["patients"][0]["needs_accessible"] = True
    assert "accessibility" in kinds(instance(**data), [individual()])
    assert "unknown_id" in kinds(instance(), [Assignment("p9", session="g1"), Assignment("p1", session="g9")])
    assert "duplicate" in kinds(instance(), [Assignment("p1", session="g1"), Assignment("p1", session="g1")])


@pytest.mark.parametrize(
    ("change", "schedule", "term", "expected"),
    [
        (lambda d: d["patients"][0].update(current_groups=["a"]), [], "left_current_group", 1),
        (lambda d: d["patients"][0].update(primary_clinician="bob"), ["s1"], "not_primary_clinician", 1),
        (lambda d: d["patients"][0].update(modality="telehealth"), ["g1"], "modality_mismatch", 1),
        (lambda d: d["group_sessions"][0].update(ideal_size=1), ["g1", "p2:g1"], "group_over_ideal_size", 1),
        (lambda d: None, [], "missing_required_sessions", 1),
    ],
)
def test_each_soft_term_is_charged_by_its_weight(change, schedule, term, expected):
    data = week()
    change(data)
    assignments = []
    for item in schedule:
        patient, _, item = item.rpartition(":")
        if item == "s1":
            assignments.append(individual())
        else:
            assignments.append(Assignment(patient or "p1", session=item))
    weight = {
        "left_current_group": w.LEFT_CURRENT_GROUP_SESSION,
        "not_primary_clinician": w.NOT_PRIMARY_CLINICIAN,
        "modality_mismatch": w.MODALITY_MISMATCH,
        "group_over_ideal_size": w.GROUP_OVER_IDEAL_SIZE,
        "missing_required_sessions": w.MISSING_REQUIRED_SESSION,
    }[term]
    assert check(instance(**data), assignments).terms[term] == weight * expected


def test_any_clinician_may_lead_a_type_with_no_credentials_listed():
    data = week(clinicians=[{"id": "alice", "credentials": [], "availability": ALL_DAY}])
    data["session_types"]["group_therapy"] = []
    data["slots"] = []
    data["patients"][0]["required"] = {}
    assert kinds(instance(**data), [Assignment("p1", session="g1")]) == set()
