"""Not-on-track rules: when measures say a treatment plan needs a review (PRODUCT.md §5).

- Deterioration: any score after the baseline that is a reliable deterioration from it (the instrument's
  threshold or Jacobson–Truax index). Raised again only when a newer deteriorated score arrives after the
  last deterioration review was raised: a clinician who reviewed the plan is not asked again about the
  same score.
- No progress: `weeks` whole weeks after the start (the episode's admission; settings.OPENIOP_NOT_ON_TRACK_WEEKS,
  default 4) no score has shown a reliable improvement, with a baseline and at least one follow-up to judge
  by (no follow-up is a missing measure, which the measure schedule chases, not "no progress"). Raised
  again at most once every `weeks` weeks, and only when a score has arrived since the last time. Not raised
  for an instrument that already shows deterioration (the more urgent review covers it).

Plain Python: trajectories in, findings out; raising the review is review_triggers.py's job.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .change import RELIABLE_IMPROVEMENT
from .trajectory import Point, Trajectory

DETERIORATION = "deterioration"
NO_PROGRESS = "no_progress"
DEFAULT_WEEKS = 4  # PRODUCT.md §5: "no improvement by week N"; the setting overrides it


@dataclass(frozen=True)
class Finding:
    reason: str  # DETERIORATION or NO_PROGRESS (treatment's ReviewReason values)
    instrument_code: str
    evidence: Point  # the score that shows it: the newest deteriorated one, or the latest one
    detail: str  # for the review's detail line, staff-facing


def findings_for(
    trajectory: Trajectory, *, start: datetime.date, today: datetime.date, weeks: int = DEFAULT_WEEKS
) -> list[Finding]:
    """What `trajectory` (scores up to today) says, as of `today`, for an episode that started on `start`."""
    if weeks < 1:
        raise ValueError("The not-on-track week must be 1 or more.")
    points = [p for p in trajectory.points if p.on <= today]
    if len(points) < 2 or trajectory.criteria is None:
        return []
    baseline, follow_ups = points[0], points[1:]
    found = []
    deteriorated = [p for p in follow_ups if p.classification == "reliable_deterioration"]
    if deteriorated:
        newest = deteriorated[-1]
        found.append(
            Finding(
                DETERIORATION,
                trajectory.instrument_code,
                newest,
                f"{trajectory.instrument_code} reliable deterioration: {baseline.score} at baseline "
                f"({baseline.on.isoformat()}), {newest.score} on {newest.on.isoformat()}.",
            )
        )
    deadline = start + datetime.timedelta(weeks=weeks)
    improved = any(p.classification == RELIABLE_IMPROVEMENT for p in follow_ups)
    # Deterioration is the stronger and more urgent call: it is not raised twice as "no progress".
    if today >= deadline and not improved and not deteriorated:
        latest = follow_ups[-1]
        found.append(
            Finding(
                NO_PROGRESS,
                trajectory.instrument_code,
                latest,
                f"{trajectory.instrument_code}: no reliable improvement {weeks} weeks after admission "
                f"({baseline.score} at baseline, {latest.score} on {latest.on.isoformat()}).",
            )
        )
    return found


def to_raise(
    findings: Iterable[Finding],
    last_raised: Mapping[str, datetime.datetime],
    *,
    now: datetime.datetime,
    weeks: int = DEFAULT_WEEKS,
) -> dict[str, list[Finding]]:
    """The findings that call for a new review, by reason, given when each reason was last raised for this
    episode (by anyone). A finding whose evidence was recorded before that moment has been seen already."""
    due: dict[str, list[Finding]] = {}
    for finding in findings:
        previous = last_raised.get(finding.reason)
        if previous is not None:
            recorded = finding.evidence.recorded_at
            if recorded is None or recorded <= previous:  # unknown entry time: treat as seen, never spam
                continue
            if finding.reason == NO_PROGRESS and now - previous < datetime.timedelta(weeks=weeks):
                continue
        due.setdefault(finding.reason, []).append(finding)
    return due
