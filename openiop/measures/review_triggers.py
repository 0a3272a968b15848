"""Apply the not-on-track rules to episodes and raise treatment-plan reviews (treatment's
`plan_review_trigger`, which records the review, puts a task on the responsible clinician's list and audits).

Idempotent twice over: treatment returns the review already due for the same reason, and the rules here
(not_on_track.to_raise) do not raise a reason again for scores that an earlier review of that reason had
already seen. Run daily by `manage.py measures_not_on_track`, and after a questionnaire is saved through
`not_on_track_check(episode, today=...)`.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from openiop.patients.models import EpisodeOfCare, EpisodeStatus
from openiop.treatment.models import PlanReview
from openiop.treatment.services import plan_review_trigger

from . import not_on_track
from .selectors_outcomes import charted_instruments, counted_administrations, episode_trajectory


def not_on_track_weeks() -> int:
    """settings.OPENIOP_NOT_ON_TRACK_WEEKS (default 4): weeks without reliable improvement before review."""
    return int(getattr(settings, "OPENIOP_NOT_ON_TRACK_WEEKS", not_on_track.DEFAULT_WEEKS))


def episode_findings(
    episode: EpisodeOfCare, *, today: datetime.date, weeks: int | None = None
) -> list[not_on_track.Finding]:
    """What the not-on-track rules say about an admitted episode today, over every charted instrument."""
    if episode.admitted_on is None:
        return []
    weeks = weeks or not_on_track_weeks()
    given = set(
        counted_administrations()
        .filter(episode=episode, total__isnull=False)
        .values_list("instrument_code", flat=True)
        .distinct()
    )
    found = []
    for instrument in charted_instruments():
        if instrument.code in given:
            found += not_on_track.findings_for(
                episode_trajectory(episode, instrument), start=episode.admitted_on, today=today, weeks=weeks
            )
    return found


def not_on_track_check(
    episode: EpisodeOfCare, *, today: datetime.date, by=None, request=None, weeks: int | None = None
) -> list[PlanReview]:
    """Raise the plan reviews the episode's measures call for; returns the reviews newly raised (none when
    nothing is new). Only for active episodes: a discharged person's plan is not reviewed any more."""
    if episode.status != EpisodeStatus.ACTIVE:
        return []
    weeks = weeks or not_on_track_weeks()
    findings = episode_findings(episode, today=today, weeks=weeks)
    if not findings:
        return []
    last_raised = dict(
        PlanReview.objects.filter(episode=episode, reason__in=[f.reason for f in findings])
        .values("reason")
        .annotate(last=Max("created_at"))
        .values_list("reason", "last")
    )
    raised = []
    for reason, due in not_on_track.to_raise(findings, last_raised, now=timezone.now(), weeks=weeks).items():
        already_due = PlanReview.objects.filter(episode=episode, reason=reason, status="due").exists()
        review = plan_review_trigger(episode, reason, " ".join(f.detail for f in due), by, request=request)
        if not already_due:
            raised.append(review)
    return raised


@dataclass
class RunSummary:
    episodes: int = 0
    raised: dict[str, int] = field(
        default_factory=lambda: {not_on_track.DETERIORATION: 0, not_on_track.NO_PROGRESS: 0}
    )


def not_on_track_run(*, today: datetime.date, weeks: int | None = None) -> RunSummary:
    """Check every active episode with a scored questionnaire (the daily job)."""
    summary = RunSummary()
    with_scores = counted_administrations().filter(total__isnull=False).values("episode")
    episodes = (
        EpisodeOfCare.objects.filter(
            status=EpisodeStatus.ACTIVE, admitted_on__isnull=False, pk__in=with_scores
        )
        .select_related("patient")
        .order_by("pk")
    )
    for episode in episodes:
        summary.episodes += 1
        for review in not_on_track_check(episode, today=today, weeks=weeks):
            summary.raised[review.reason] += 1
    return summary
