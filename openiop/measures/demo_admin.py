"""Demo questionnaire schedules and administrations for the synthetic patients of the demo organization.

Schedules: every program gives the PHQ-9 and GAD-7 at admission and weekly on Mondays, and at discharge;
the adult (mental health) program adds the PCL-5 at admission, the co-occurring program the AUDIT-C.

Administrations: for every admitted episode (active or discharged), the admission set on the admission day,
then a PHQ-9 and GAD-7 each scheduled Monday up to today (or discharge), and the discharge pair for those
discharged. Most people improve (a PHQ-9 drop of 6 or more, so the trajectories show reliable improvement);
one deteriorates and one stays flat. Every fourth active patient has not done this week's forms yet, so
"due" shows on the chart and on "my day". One urgent alert (PHQ-9 item 9 answered 1) is left open for the
demo clinician ("clinician"), and an earlier one is closed with an action and a note.

Everything goes through the services (scores, alerts, tasks and audit events as in real use); review
tasks of forms older than a week are marked done, as the clinicians would have. Idempotent and
deterministic: an episode that already has administrations is left alone, and each person's answers come
from a generator seeded with their record number. Only synthetic patients.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from openiop.home.models import Task, TaskStatus
from openiop.home.services import task_complete
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus
from openiop.programs.models import Focus, Program

from .due import weekly_occurrences
from .models import Administration, ClosingAction, MeasureSchedule, Occasion
from .services import administration_record, alert_close

WEEKLY_DAY = 0  # Monday
DEMO_CLINICIAN = "clinician"
IMPROVING, DETERIORATING, FLAT = "improving", "deteriorating", "flat"
CLOSING_NOTE = (
    "Called the same afternoon: passive thoughts after an argument at home, no plan, no intent, no access "
    "to means. Safety plan reviewed together; sister aware. Seen in group two days later, settled."
)


def _schedules_for(program: Program) -> list[tuple[str, str]]:
    wanted = [
        (code, occasion)
        for code in ("PHQ-9", "GAD-7")
        for occasion in Occasion.values
        if occasion != "on_demand"
    ]
    if program.focus == Focus.MENTAL_HEALTH:
        wanted.append(("PCL-5", Occasion.ADMISSION))
    if program.focus == Focus.CO_OCCURRING:
        wanted.append(("AUDIT-C", Occasion.ADMISSION))
    return wanted


def _load_schedules() -> int:
    created = 0
    for program in Program.objects.filter(episodes__patient__is_synthetic=True).distinct():
        for code, occasion in _schedules_for(program):
            _, made = MeasureSchedule.objects.get_or_create(
                program=program,
                instrument_code=code,
                occasion=occasion,
                defaults={"weekday": WEEKLY_DAY if occasion == Occasion.WEEKLY else None},
            )
            created += made
    return created


def _spread(rng: random.Random, total: int, keys: list[str], high: int) -> dict[str, int]:
    """Answers on `keys` (0..high each) adding up to `total`, spread at random."""
    answers = dict.fromkeys(keys, 0)
    total = max(0, min(total, high * len(keys)))
    while sum(answers.values()) < total:
        key = rng.choice([k for k in keys if answers[k] < high])
        answers[key] += 1
    return answers


def _course(kind: str, start: float, week: int, rng: random.Random, *, rate: float, top: int) -> int:
    if kind == IMPROVING:
        value = start - rate * week
    elif kind == DETERIORATING:
        value = start + rate * 0.8 * week
    else:
        value = start
    return max(1, min(top, round(value + rng.choice((-1, 0, 0, 1)))))


def _phq9(rng, total: int, item9: int = 0) -> dict[str, int]:
    answers = _spread(rng, total - item9, [str(n) for n in range(1, 9)], 3)
    answers["9"] = item9
    answers["difficulty"] = 1 if total < 10 else 2
    return answers


def _gad7(rng, total: int) -> dict[str, int]:
    return {**_spread(rng, total, [str(n) for n in range(1, 8)], 3), "difficulty": 1 if total < 10 else 2}


def _primary(episode):
    member = (
        CareTeamMember.objects.filter(episode=episode, role=CareTeamRole.PRIMARY_CLINICIAN)
        .select_related("user")
        .first()
    )
    return member.user if member else None


def _record(episode, by, code, answers, day, occasion, context=None):
    return administration_record(
        episode=episode,
        instrument_code=code,
        answers=answers,
        completed_on=day,
        occasion=occasion,
        context=context,
        by=by,
        confirm_duplicate=True,  # the demo's answers are drawn, and two weeks may draw the same ones
    )


def _load_episode(
    episode, kind: str, today: datetime.date, *, skip_this_week: bool, item9_weeks: tuple
) -> int:
    patient = episode.patient
    by = _primary(episode)
    if by is None or episode.admitted_on is None:
        return 0
    rng = random.Random(f"measures-{patient.record_number}")  # noqa: S311 - fictional demo data
    adolescent = episode.program.focus == Focus.CO_OCCURRING
    phq_start = {
        IMPROVING: rng.randint(14, 20),
        DETERIORATING: rng.randint(8, 11),
        FLAT: rng.randint(11, 13),
    }[kind]
    gad_start = {IMPROVING: rng.randint(11, 16), DETERIORATING: rng.randint(7, 9), FLAT: rng.randint(9, 11)}[
        kind
    ]
    phq_rate = rng.uniform(1.2, 1.8)
    gad_rate = rng.uniform(0.8, 1.3)
    admitted = episode.admitted_on
    created = 0
    # Admission set.
    _record(episode, by, "PHQ-9", _phq9(rng, phq_start), admitted, Occasion.ADMISSION)
    _record(episode, by, "GAD-7", _gad7(rng, gad_start), admitted, Occasion.ADMISSION)
    created += 2
    if episode.program.focus == Focus.MENTAL_HEALTH:
        _record(
            episode,
            by,
            "PCL-5",
            _spread(rng, rng.randint(24, 46), [str(n) for n in range(1, 21)], 4),
            admitted,
            Occasion.ADMISSION,
        )
        created += 1
    if adolescent:
        drinks = _spread(rng, rng.randint(1, 6), ["1", "2", "3"], 4)
        _record(episode, by, "AUDIT-C", drinks, admitted, Occasion.ADMISSION)
        created += 1
    # Weekly, to today or discharge.
    end = min(episode.discharged_on or today, today)
    weeks = [day for day in weekly_occurrences(admitted, WEEKLY_DAY, end) if day > admitted]
    if skip_this_week and weeks and (today - weeks[-1]).days < 7:
        weeks = weeks[:-1]
    for week, day in enumerate(weeks, start=1):
        phq = _course(kind, phq_start, week, rng, rate=phq_rate, top=26)
        item9 = 1 if week in item9_weeks or (week - len(weeks)) in item9_weeks else 0
        _record(episode, by, "PHQ-9", _phq9(rng, max(phq, item9 + 1), item9), day, Occasion.WEEKLY)
        gad = _course(kind, gad_start, week, rng, rate=gad_rate, top=20)
        _record(episode, by, "GAD-7", _gad7(rng, gad), day, Occasion.WEEKLY)
        created += 2
    if episode.status == EpisodeStatus.DISCHARGED and episode.discharged_on:
        last = len(weeks) + 1
        day = episode.discharged_on
        phq = _course(kind, phq_start, last, rng, rate=phq_rate, top=26)
        _record(episode, by, "PHQ-9", _phq9(rng, phq), day, Occasion.DISCHARGE)
        _record(
            episode,
            by,
            "GAD-7",
            _gad7(rng, _course(kind, gad_start, last, rng, rate=gad_rate, top=20)),
            day,
            Occasion.DISCHARGE,
        )
        created += 2
    return created


def _close_earlier_alerts(patient, by) -> None:
    """All but the latest urgent alert of the patient closed, with an action and a note."""
    alerts = list(patient.measure_alerts.filter(status="open").order_by("administration__completed_on"))
    for alert in alerts[:-1]:
        alert_close(alert=alert, action=ClosingAction.RISK_ASSESSED, note=CLOSING_NOTE, by=by)


def _tidy_review_tasks(today: datetime.date) -> None:
    """Review tasks of forms older than a week were dealt with at the time."""
    week_ago = today - datetime.timedelta(days=7)
    old = Administration.objects.filter(
        patient__is_synthetic=True, completed_on__lt=week_ago, review_task__status=TaskStatus.OPEN
    ).values("review_task")
    for task in Task.objects.filter(pk__in=old).select_related("assigned_to", "patient"):
        task_complete(task=task, user=task.assigned_to)


@transaction.atomic
def load_demo_measures(*, today: datetime.date | None = None) -> int:
    """Add the demo schedules and administrations that are missing; returns how many records it created
    (schedules and administrations; 0 on a reload)."""
    today = today or timezone.localdate()
    created = _load_schedules()
    episodes = list(
        EpisodeOfCare.objects.filter(
            patient__is_synthetic=True,
            status__in=[EpisodeStatus.ACTIVE, EpisodeStatus.DISCHARGED],
            admitted_on__isnull=False,
        )
        .select_related("patient", "program")
        .order_by("status", "patient__record_number")
    )
    # The demo clinician's first active patient carries the open alert (latest week) and a closed one.
    alert_episode = next(
        (
            e
            for e in episodes
            if e.status == EpisodeStatus.ACTIVE
            and getattr(_primary(e), "username", "") == DEMO_CLINICIAN
            and len([d for d in weekly_occurrences(e.admitted_on, WEEKLY_DAY, today) if d > e.admitted_on])
            >= 3
        ),
        None,
    )
    active_index = 0
    for episode in episodes:
        active = episode.status == EpisodeStatus.ACTIVE
        kind = IMPROVING
        if active:
            kind = {1: DETERIORATING, 2: FLAT}.get(active_index, IMPROVING)
        if Administration.objects.filter(episode=episode).exists():
            active_index += active
            continue
        item9_weeks = (
            (0, 2) if episode == alert_episode else ()
        )  # the latest week (0 from the end) and week 2
        created += _load_episode(
            episode,
            kind,
            today,
            skip_this_week=active and active_index % 4 == 3,
            item9_weeks=item9_weeks,
        )
        if episode == alert_episode:
            _close_earlier_alerts(episode.patient, _primary(episode))
        active_index += active
    _tidy_review_tasks(today)
    return created
