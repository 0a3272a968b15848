"""Builders for the dashboard tests (no tests here): a program week where someone is under the hours target.

Week of Monday 2026-11-16 (ended 2026-11-22), program A's 9 h target, three 3-hour sessions: patient_a
attends all three (9 h, at target); patient_b misses all three (0 h, under target).
"""

import datetime

from openiop.scheduling.models import AttendanceStatus
from openiop.scheduling.tests.factories import PAST_MONDAY, session_with

PERIOD = {"from": "2026-11-09", "to": "2026-11-22"}


def under_target_week(world, *, extra=()):
    a = world.patient_a.episodes.get()
    b = world.patient_b.episodes.get()
    for offset in (0, 2, 4):
        session = session_with(world, PAST_MONDAY + datetime.timedelta(days=offset), [a, b, *extra])
        session.attendees.filter(episode=a).update(status=AttendanceStatus.PRESENT)
        session.attendees.exclude(episode=a).update(status=AttendanceStatus.ABSENT_UNEXCUSED)
    return a, b


def query(world, **extra) -> dict:
    return {"program": str(world.program_a.uuid), "track": "", **PERIOD, **extra}
