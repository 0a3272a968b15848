"""Loading and validating the optimizer's instance JSON."""

import json

import pytest

from openiop.scheduling.optimizer.instance import (
    InstanceError,
    assignments_from_dict,
    instance_from_dict,
    instance_to_dict,
    load_instance,
)

from .optimizer_fixtures import week


def test_the_documented_example_loads_and_round_trips():
    loaded = load_instance("docs/scheduling-example.json")
    assert instance_from_dict(json.loads(json.dumps(instance_to_dict(loaded)))) == loaded


def test_times_become_minutes_and_hours_become_minutes():
    instance = instance_from_dict(week())
    assert instance.session_by_id["g1"].when.start == 9 * 60
    assert instance.patient_by_id["p1"].target_minutes == 180
    assert instance.patient_by_id["p1"].cap_minutes == 19 * 60  # ASAM 2.1 default cap


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["patients"][0].update(target_hours="nine"), "patients[0].target_hours: expected"),
        (lambda d: d["group_sessions"][0].update(start="25:00"), "group_sessions[0].start: expected a time"),
        (lambda d: d["group_sessions"][0].update(end="08:00"), "ends (08:00) before it starts (09:00)"),
        (lambda d: d["group_sessions"][0].update(day="funday"), "group_sessions[0].day: expected one of"),
        (lambda d: d["group_sessions"][0].update(facilitators=["zed"]), "unknown clinician 'zed'"),
        (lambda d: d["group_sessions"][0].update(room="attic"), "unknown room 'attic'"),
        (lambda d: d["group_sessions"][1].update(start="09:30"), "g1 and g2 overlap and share alice"),
        (lambda d: d["slots"][0].update(type="yoga"), "slots[0].type: expected one of"),
        (lambda d: d["patients"][1].update(id="p1"), "patients[1].id: duplicate id 'p1'"),
        (lambda d: d["patients"][0].update(required={"individual_therapy": -1}), "expected a count"),
        (lambda d: d["patients"][0].update(modality="carrier pigeon"), "patients[0].modality"),
        (lambda d: d["patients"][0].update(primary_clinician="zed"), "unknown clinician 'zed'"),
        (lambda d: d["rooms"][0].update(capacity=0), "rooms[0].capacity: must be positive"),
        (lambda d: d["patients"][0].pop("availability"), "patients[0].availability: is required"),
    ],
)
def test_malformed_instances_are_refused_with_the_field_named(change, message):
    data = week()
    change(data)
    with pytest.raises(
        InstanceError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        instance_from_dict(data)


def test_a_schedule_entry_needs_a_session_or_a_slot():
    with pytest.raises(InstanceError, match="needs a 'session' or a 'slot'"):
        assignments_from_dict({"assignments": [{"patient": "p1"}]})
