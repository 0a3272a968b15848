"""Small hand-made instances for the optimizer tests, built as JSON-shaped dicts."""

from openiop.scheduling.optimizer.instance import instance_from_dict

ALL_DAY = [{"day": "mon", "start": "08:00", "end": "18:00"}]


def week(**overrides) -> dict:
    """One Monday: two group sessions, one individual slot, two clinicians, two rooms, two patients."""
    data = {
        "session_types": {"group_therapy": ["LCSW"], "individual_therapy": ["LCSW", "LPC"]},
        "rooms": [{"id": "oak", "capacity": 12}, {"id": "office", "capacity": 2}],
        "clinicians": [
            {"id": "alice", "credentials": ["LCSW"], "availability": ALL_DAY, "caseload_limit": 5},
            {"id": "bob", "credentials": ["LPC"], "availability": ALL_DAY, "caseload_limit": 5},
        ],
        "group_sessions": [
            {
                "id": "g1",
                "type": "group_therapy",
                "group": "a",
                "day": "mon",
                "start": "09:00",
                "end": "10:00",
                "capacity": 10,
                "facilitators": ["alice"],
                "room": "oak",
            },
            {
                "id": "g2",
                "type": "group_therapy",
                "group": "b",
                "day": "mon",
                "start": "10:00",
                "end": "11:00",
                "capacity": 10,
                "facilitators": ["alice"],
                "room": "oak",
            },
        ],
        "slots": [{"id": "s1", "type": "individual_therapy", "day": "mon", "start": "12:00", "end": "13:00"}],
        "patients": [
            {"id": "p1", "target_hours": 3, "availability": ALL_DAY, "required": {"individual_therapy": 1}},
            {"id": "p2", "target_hours": 2, "availability": ALL_DAY},
        ],
    }
    data.update(overrides)
    return data


def instance(**overrides):
    return instance_from_dict(week(**overrides))
