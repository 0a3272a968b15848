"""Demo questionnaires for trajectories and outcomes: weekly PHQ-9 (and GAD-7 for every other person) of
the synthetic patients of the demo programs, from admission to discharge or today.

`load_demo_trajectories(today=...)` gives each admitted demo episode a story, by record-number order: most
improve (some reach response and remission), one in six stays flat (no reliable improvement by week 4:
a plan review is raised) and one in six gets worse (reliable deterioration: a plan review is raised), then
applies the not-on-track rules as the daily job would. Item 9 is always 0 here: urgent alerts are the
entry screens' demo. Idempotent (an episode that already has scores on an instrument is left alone) and
deterministic (no clock, a seeded generator per patient). Only synthetic patients are touched.
"""

import datetime
import random

from django.db import transaction

from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus

from .models import Administration, Occasion, Source
from .registry import get_instrument
from .review_triggers import not_on_track_check
from .scoring import score

WEEK = datetime.timedelta(weeks=1)
# (PHQ-9 at baseline, weekly change, GAD-7 at baseline, weekly change) per story.
STORIES = {
    "improving": (18, -2.0, 14, -1.5),
    "remission": (16, -3.0, 12, -2.0),
    "slow": (15, -0.8, 11, -0.6),
    "flat": (14, 0.0, 12, 0.0),
    "worse": (10, 1.5, 9, 1.2),
}
ORDER = ("improving", "remission", "slow", "improving", "flat", "worse")


def _answers(instrument, total: int) -> dict:
    """Answers adding up to `total`, spread evenly over the items that are not critical (item 9 stays 0)."""
    items = [i for i in instrument.scored_items if i.critical is None]
    answers = {i.key: i.min_value for i in instrument.scored_items}
    left = total
    while left > 0:
        for item in items:
            if left and answers[item.key] < item.max_value:
                answers[item.key] += 1
                left -= 1
    return answers


def _totals(start: float, step: float, weeks: int, rng: random.Random, ceiling: int) -> list[int]:
    return [
        max(0, min(ceiling, round(start + step * week + rng.choice((-1, 0, 0, 1))))) for week in range(weeks)
    ]


def _administer(episode, instrument, total, on, occasion, by) -> Administration:
    answers = _answers(instrument, total)
    result = score(instrument, answers)
    return Administration.objects.create(
        episode=episode,
        patient=episode.patient,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        occasion=occasion,
        source=Source.STAFF_ENTRY,
        completed_on=on,
        answers=answers,
        status=result.status,
        total=result.total,
        band=result.band.label if result.band else "",
        flags=[f.to_dict() for f in result.flags],
        result=result.to_dict(),
        created_by=by,
        updated_by=by,
    )


@transaction.atomic
def load_demo_trajectories(*, today: datetime.date) -> int:
    """Add the missing demo scores; returns how many administrations it created (0 on a reload)."""
    phq9, gad7 = get_instrument("PHQ-9"), get_instrument("GAD-7")
    episodes = (
        EpisodeOfCare.objects.filter(
            patient__is_synthetic=True,
            status__in=(EpisodeStatus.ACTIVE, EpisodeStatus.DISCHARGED),
            admitted_on__isnull=False,
            admitted_on__lte=today,
        )
        .select_related("patient")
        .order_by("patient__record_number", "admitted_on")
    )
    created = 0
    for index, episode in enumerate(episodes):
        primary = CareTeamMember.objects.filter(episode=episode, role=CareTeamRole.PRIMARY_CLINICIAN).first()
        by = primary.user if primary else None
        story = STORIES[ORDER[index % len(ORDER)]]
        rng = random.Random(f"measures-{episode.patient.record_number}-{episode.admitted_on}")  # noqa: S311 - fictional
        last = min(episode.discharged_on or today, today)
        weeks = (last - episode.admitted_on).days // 7 + 1
        plan = [(phq9, story[0], story[1])] + ([(gad7, story[2], story[3])] if index % 2 == 0 else [])
        for instrument, start, step in plan:
            # Both drawn every time, so a person's scores do not depend on what was loaded before.
            totals = _totals(start, step, weeks, rng, ceiling=24 if instrument is phq9 else 21)
            if Administration.objects.filter(episode=episode, instrument_code=instrument.code).exists():
                continue
            for week, total in enumerate(totals):
                on = episode.admitted_on + week * WEEK
                occasion = Occasion.ADMISSION if week == 0 else Occasion.WEEKLY
                if episode.discharged_on and on == episode.discharged_on:
                    occasion = Occasion.DISCHARGE
                _administer(episode, instrument, total, on, occasion, by)
                created += 1
        if episode.status == EpisodeStatus.ACTIVE:
            not_on_track_check(episode, today=today, by=by)
    return created
