"""Who may see the calendar, generate sessions, record attendance and cancel sessions.

Sessions belong to a program: its clinicians, psychiatrists and director see them. Attendance is recorded,
and a session cancelled, by those who lead the session (its clinicians, or the group's facilitators) and
by the program's director. Generating a week's sessions from the recurring groups, changing a group's
roster and closing the program for a day are the director's. The weekly hours
ledger follows the chart (`patients.view_chart`), so it is not declared here.
"""

import rules

from openiop.core.predicates import is_clinical_staff, is_director, is_treating_role


@rules.predicate
def in_program(user, program) -> bool:
    return program.staff_profiles.filter(user=user).exists()


@rules.predicate
def leads_session(user, session) -> bool:
    if session.clinicians.filter(pk=user.pk).exists():
        return True
    return session.series_id is not None and session.series.facilitators.filter(pk=user.pk).exists()


@rules.predicate
def directs_session_program(user, session) -> bool:
    return in_program(user, session.program)


works_sessions = is_treating_role | is_director

# Gates (no object): may open the pages at all.
rules.add_perm("scheduling.view_sessions", works_sessions)
rules.add_perm("scheduling.generate", is_director)
# Objects.
rules.add_perm("scheduling.generate_sessions", is_director & in_program)
rules.add_perm(
    "scheduling.record_attendance",
    (is_treating_role & leads_session) | (is_director & directs_session_program),
)
# Whoever records a session's attendance may call it off (a facilitator who is ill, a director).
rules.add_perm(
    "scheduling.cancel_session",
    (is_treating_role & leads_session) | (is_director & directs_session_program),
)


@rules.predicate
def in_series_program(user, series) -> bool:
    return in_program(user, series.program)


# A program's recurring groups, their rosters and the program's closures: the program's director. The gate
# opens the pages; the object checks name the program, or the group (GroupSeries) whose roster changes.
rules.add_perm("scheduling.manage_groups", is_director)
rules.add_perm("scheduling.manage_program_groups", is_director & in_program)
rules.add_perm("scheduling.change_roster", is_director & in_series_program)


# Calendars and calendar feeds (openiop/scheduling/calendars.py). A clinician's calendar is theirs and
# their program director's; a room's shows occupancy only, so any clinical staff may see it; a program's
# is for its staff. Patient calendars and patient feeds follow the chart (`patients.view_chart`).
@rules.predicate
def is_same_user(user, other) -> bool:
    return user.pk == other.pk


@rules.predicate
def shares_a_program_with(user, other) -> bool:
    from openiop.programs.models import Program

    return Program.objects.filter(staff_profiles__user=user).filter(staff_profiles__user=other).exists()


rules.add_perm("scheduling.view_calendars", is_clinical_staff)
rules.add_perm(
    "scheduling.view_clinician_calendar",
    is_clinical_staff & (is_same_user | (is_director & shares_a_program_with)),
)
rules.add_perm("scheduling.view_program_calendar", is_clinical_staff & in_program)
rules.add_perm("scheduling.manage_own_feeds", is_clinical_staff)
# A feed of one's own sessions: those who lead sessions.
rules.add_perm("scheduling.create_clinician_feed", works_sessions)

# Planning the week with the optimizer (build, change, publish): the program's director.
rules.add_perm("scheduling.plan", is_director)
rules.add_perm("scheduling.plan_week", is_director & in_program)
