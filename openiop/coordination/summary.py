"""The treatment summary: the first document that leaves through the disclosure service."""

from django.utils import timezone

from openiop.patients.selectors import current_episode
from openiop.scheduling.selectors import ledger_for_episode
from openiop.treatment.models import Goal
from openiop.treatment.selectors import active_plan

from .services import PdfSource


def summary_context(patient, *, recipient, include_plan: bool, today=None) -> dict:
    today = today or timezone.localdate()
    episode = current_episode(patient)
    weeks, goals = [], []
    if episode is not None and episode.admitted_on:
        weeks = ledger_for_episode(episode, today=today).weeks
    if include_plan and episode is not None:
        plan = active_plan(episode)
        if plan is not None:
            goals = [
                goal.text
                for goal in Goal.objects.filter(problem__plan=plan).order_by(
                    "problem__position", "position", "id"
                )
            ]
    return {
        "patient": patient,
        "episode": episode,
        "program": episode.program.name if episode else "",
        "recipient": recipient,
        "prepared_on": today,
        "weeks": weeks,
        "goals": goals,
        "show_attendance": True,
        "show_plan": include_plan,
    }


def summary_source(patient, *, recipient, include_plan: bool) -> PdfSource:
    return PdfSource(
        "coordination/pdf/summary.html",
        summary_context(patient, recipient=recipient, include_plan=include_plan),
    )
