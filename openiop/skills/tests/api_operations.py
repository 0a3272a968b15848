"""The skills operations in the API role walk (openiop/api/tests/test_role_walk.py merges OPERATIONS)."""

import datetime

from openiop.api.tests.walk import CHART_A, CLINICAL, Op, expect
from openiop.scheduling.tests.factories import PAST_MONDAY

from .factories import a_lesson, homework_for, skills_session

LEAD_SESSION_A = {"alice", "dana"}  # alice leads the session; dana directs program A
WORK_A = {"alice", "paul", "dana"}  # patient_a's treating care team and the program's director


def _session_a(w):
    return skills_session(w, PAST_MONDAY, [w.patient_a.episodes.get()])


def _today() -> str:
    return datetime.date.today().isoformat()  # noqa: DTZ011


OPERATIONS = {
    "GET /skills/modules": Op(lambda w: "/api/v1/skills/modules", expect(CLINICAL)),
    "GET /skills/lessons/{lesson_uuid}": Op(
        lambda w: f"/api/v1/skills/lessons/{a_lesson().uuid}", expect(CLINICAL)
    ),
    "GET /sessions/{session_uuid}/lesson": Op(
        lambda w: f"/api/v1/sessions/{_session_a(w).uuid}/lesson", expect(LEAD_SESSION_A)
    ),
    "POST /sessions/{session_uuid}/lesson": Op(
        lambda w: f"/api/v1/sessions/{_session_a(w).uuid}/lesson",
        expect(LEAD_SESSION_A),
        lambda w: {"lesson": str(a_lesson().uuid)},
    ),
    "GET /patients/{patient_uuid}/lessons": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/lessons", expect(CHART_A)
    ),
    "GET /patients/{patient_uuid}/homework": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/homework", expect(CHART_A)
    ),
    "POST /patients/{patient_uuid}/homework": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/homework",
        expect(WORK_A, ok=201),
        lambda w: {"lesson": str(a_lesson().uuid), "due_on": _today()},
    ),
    "POST /homework/{homework_uuid}/completion": Op(
        lambda w: f"/api/v1/homework/{homework_for(w).uuid}/completion",
        expect(WORK_A),
        lambda w: {"status": "done"},
    ),
    "GET /patients/{patient_uuid}/practice-log": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/practice-log", expect(CHART_A)
    ),
    "POST /patients/{patient_uuid}/practice-log": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/practice-log",
        expect(WORK_A, ok=201),
        lambda w: {
            "practiced_on": _today(),
            "skill_text": "Paced breathing",
            "situation": "Crowded bus.",
            "distress_before": 7,
            "distress_after": 4,
        },
    ),
}
