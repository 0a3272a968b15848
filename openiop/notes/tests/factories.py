"""Builders for the notes tests and browser tests: plain functions composing with the `world` personas."""

import datetime

from django.utils import timezone

from openiop.notes.services import EntryInput, group_note_save, note_create
from openiop.scheduling.models import AttendanceStatus, SessionAttendee
from openiop.scheduling.tests.factories import PAST_MONDAY, extra_patients, session_with
from openiop.treatment.models import Goal, Objective, PlanStatus, Problem, TreatmentPlan

DAP = {
    "data": "Reports better sleep.",
    "assessment": "Improving; no risk indicators.",
    "plan": "Continue CBT.",
}
ENTRY = {
    "participation": "Engaged, shared an example.",
    "mood_affect": "Euthymic, full range.",
    "progress": "Used the thought record twice.",
    "plan_next": "Practise opposite action.",
}


def active_plan_with_objectives(
    episode, *, by, texts=("Sleep 7 hours a night", "Use one coping skill daily")
):
    """An active treatment plan of `episode` with one problem, one goal and an objective per text."""
    number = TreatmentPlan.objects.filter(episode=episode).count() + 1
    plan = TreatmentPlan.objects.create(
        episode=episode,
        number=number,
        status=PlanStatus.ACTIVE,
        responsible_clinician=by,
        activated_at=timezone.now(),
    )
    problem = Problem.objects.create(plan=plan, description="Depressive episode")
    goal = Goal.objects.create(problem=problem, text="I want to feel like myself again")
    return [
        Objective.objects.create(
            goal=goal, text=text, target="Daily", target_date=datetime.date(2027, 1, 31), position=i
        )
        for i, text in enumerate(texts)
    ]


def episode_of(patient):
    return patient.episodes.get(status="active")


def attended_session(world, episodes, *, day=PAST_MONDAY, status=AttendanceStatus.PRESENT, clinicians=None):
    """A past group session of program A led by alice, everyone in `episodes` recorded with `status`."""
    session = session_with(world, day, episodes, clinicians=clinicians)
    minutes = None if status == AttendanceStatus.SCHEDULED else session.minutes
    if status in (AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY):
        minutes = session.minutes - 30
    SessionAttendee.objects.filter(session=session).update(status=status, minutes_attended=minutes)
    return session


def group_of(world, count, *, objectives=True):
    """`count` more patients of program A (alice primary) in a past group session, all present, each
    with an active plan of two objectives. Returns (session, episodes, {episode uuid: objectives})."""
    episodes = extra_patients(world, count)
    session = attended_session(world, episodes)
    plans = {
        episode.uuid: active_plan_with_objectives(episode, by=world.alice) if objectives else []
        for episode in episodes
    }
    return session, episodes, plans


def complete_entries(episodes, plans) -> dict:
    return {
        episode.uuid: EntryInput(
            **ENTRY, objectives=[plans[episode.uuid][0].uuid] if plans[episode.uuid] else []
        )
        for episode in episodes
    }


def written_group_note(world, session, episodes, plans, *, by=None):
    return group_note_save(
        session=session,
        by=by or world.alice,
        topic="Challenging unhelpful thoughts",
        interventions="CBT psychoeducation; thought record practice in pairs.",
        group_process="Cohesive; members offered each other alternative thoughts.",
        entries=complete_entries(episodes, plans),
        today=session.date + datetime.timedelta(days=1),
    )


def draft_note(world, *, patient=None, by=None, content=None, day=PAST_MONDAY, **extra):
    return note_create(
        patient=patient or world.patient_a,
        note_type=extra.pop("note_type", "individual"),
        format_id=extra.pop("format_id", "dap"),
        by=by or world.alice,
        content=DAP if content is None else content,
        date_of_service=day,
        start_time=datetime.time(10),
        end_time=datetime.time(10, 50),
        **extra,
    )
