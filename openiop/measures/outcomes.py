"""Program outcomes in aggregate (Joint Commission CTS.03.01.09: population outcomes of measurement-based
care): for one instrument and one period, how many people have a baseline and a follow-up, the mean change,
how many changed reliably, response and remission rates, and how many discharges completed the program.

Who counts (every figure carries its denominator):
- The cohort is every episode in treatment at some point of the period (admitted on or before its last
  day, not discharged before its first day).
- Baseline: the episode's first score on the instrument (even if taken before the period); follow-up: its
  last score on or before the period's last day. One score only: baseline but no follow-up, so the episode
  is left out of every change figure.
- Reliable change, response and remission come from change.py with the instrument's rules; response and
  remission only count people whose baseline was high enough for the rule to apply (PHQ-9: 10 or more).
- Completion: episodes discharged within the period; completed = discharged with the reason "completed".
  A discharge without a recorded reason is counted and shown as such, never guessed.

Plain Python: plain records in, plain figures out.
"""

import datetime
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter

from .change import (
    NO_RELIABLE_CHANGE,
    RELIABLE_DETERIORATION,
    RELIABLE_IMPROVEMENT,
    ChangeResult,
    assess_instrument_change,
)
from .instrument_schema import Instrument

COMPLETED = "completed"
# Discharge reasons as PRODUCT.md §6 lists them; None when no reason is recorded.
DISCHARGE_REASONS = ("completed", "stepped_up", "stepped_down", "left_against_advice", "administrative")


@dataclass(frozen=True)
class EpisodeRecord:
    """What outcomes need of one episode, with no names of patients."""

    key: str
    admitted_on: datetime.date | None
    discharged_on: datetime.date | None
    discharge_reason: str | None  # one of DISCHARGE_REASONS, or None when not recorded
    scores: tuple[tuple[datetime.date, int], ...]  # this instrument's scores in the episode, any order
    track: str = ""
    clinician: str = ""  # the primary clinician, as shown


@dataclass(frozen=True)
class Rate:
    count: int
    of: int

    @property
    def percent(self) -> float | None:
        return None if self.of == 0 else 100 * self.count / self.of

    @property
    def text(self) -> str:
        """ "40% (2 of 5)", or "— (0 of 0)" when there is no denominator."""
        percent = self.percent
        shown = "—" if percent is None else f"{percent:.0f}%"
        return f"{shown} ({self.count} of {self.of})"

    def to_dict(self) -> dict:
        percent = self.percent
        return {"count": self.count, "of": self.of, "percent": None if percent is None else round(percent, 1)}


@dataclass(frozen=True)
class Summary:
    episodes: int  # in the cohort
    with_baseline: int
    with_follow_up: int  # baseline and a follow-up: the denominator of change figures
    mean_change: float | None  # follow-up minus baseline, in points
    sd_change: float | None  # sample SD; None with fewer than two
    reliable_improvement: Rate
    no_reliable_change: Rate
    reliable_deterioration: Rate
    response: Rate
    remission: Rate
    discharged: int  # within the period
    completed: Rate  # of the discharged
    reason_not_recorded: int

    @property
    def mean_change_text(self) -> str:
        """ "−4.5 (SD 2.1)"; the SD needs two people, the mean one."""
        if self.mean_change is None:
            return "—"
        mean = f"{abs(self.mean_change):.1f}"
        mean = mean if self.mean_change == 0 else ("+" if self.mean_change > 0 else "−") + mean
        return mean + ("" if self.sd_change is None else f" (SD {self.sd_change:.1f})")

    def to_dict(self) -> dict:
        return {
            "episodes": self.episodes,
            "with_baseline": self.with_baseline,
            "with_follow_up": self.with_follow_up,
            "mean_change": None if self.mean_change is None else round(self.mean_change, 2),
            "sd_change": None if self.sd_change is None else round(self.sd_change, 2),
            "reliable_improvement": self.reliable_improvement.to_dict(),
            "no_reliable_change": self.no_reliable_change.to_dict(),
            "reliable_deterioration": self.reliable_deterioration.to_dict(),
            "response": self.response.to_dict(),
            "remission": self.remission.to_dict(),
            "discharged": self.discharged,
            "completed": self.completed.to_dict(),
            "discharge_reason_not_recorded": self.reason_not_recorded,
        }


@dataclass(frozen=True)
class OutcomeReport:
    instrument_code: str
    start: datetime.date
    end: datetime.date
    overall: Summary
    by_track: dict[str, Summary] = field(default_factory=dict)
    by_clinician: dict[str, Summary] = field(default_factory=dict)
    has_response_rule: bool = False
    has_remission_rule: bool = False


def in_period(record: EpisodeRecord, start: datetime.date, end: datetime.date) -> bool:
    """In treatment at some point of the period."""
    if record.admitted_on is None or record.admitted_on > end:
        return False
    return record.discharged_on is None or record.discharged_on >= start


def _scores_up_to(record: EpisodeRecord, end: datetime.date) -> list[tuple[datetime.date, int]]:
    """The record's scores on or before `end`, in date order (the sort is stable: same-day scores keep the
    order they were given in)."""
    return sorted((s for s in record.scores if s[0] <= end), key=itemgetter(0))


def _first_and_last(scores: list[tuple[datetime.date, int]]) -> tuple[int, int] | None:
    return (scores[0][1], scores[-1][1]) if len(scores) > 1 else None


def pair(record: EpisodeRecord, end: datetime.date) -> tuple[int, int] | None:
    """(baseline, follow-up) scores: first in the episode, last on or before `end`; None with fewer than two."""
    return _first_and_last(_scores_up_to(record, end))


@dataclass(frozen=True)
class _Assessed:
    """One record with what every summary it falls in needs: assessed once, however many groups it is in."""

    record: EpisodeRecord
    has_baseline: bool  # a score on or before the end
    change: ChangeResult | None  # baseline to follow-up; None with fewer than two scores up to the end
    discharged_in_period: bool


def _assessed(
    instrument: Instrument,
    records: Iterable[EpisodeRecord],
    *,
    start: datetime.date,
    end: datetime.date,
) -> list[_Assessed]:
    # Totals are small integers (PHQ-9: 0-27), so a cohort repeats the same (baseline, follow-up) pairs:
    # each pair's change is assessed once (assess_instrument_change is pure, its result frozen).
    changes: dict[tuple[int, int], ChangeResult] = {}
    assessed = []
    for record in records:
        scores = _scores_up_to(record, end)
        first_and_last = _first_and_last(scores)
        change = None
        if first_and_last is not None:
            change = changes.get(first_and_last)
            if change is None:
                change = changes[first_and_last] = assess_instrument_change(instrument, *first_and_last)
        discharged = record.discharged_on is not None and start <= record.discharged_on <= end
        assessed.append(_Assessed(record, bool(scores), change, discharged))
    return assessed


def _summary(assessed: list[_Assessed]) -> Summary:
    """The figures for these assessed records (already in the cohort), counted in one pass."""
    changes = []
    counts = {RELIABLE_IMPROVEMENT: 0, NO_RELIABLE_CHANGE: 0, RELIABLE_DETERIORATION: 0}
    classified = responders = response_eligible = remitted = remission_eligible = 0
    with_baseline = discharged = completed = reason_not_recorded = 0
    for item in assessed:
        with_baseline += item.has_baseline
        if item.discharged_in_period:
            discharged += 1
            reason = item.record.discharge_reason
            completed += reason == COMPLETED
            reason_not_recorded += reason is None
        result = item.change
        if result is None:
            continue
        changes.append(result.difference)
        if result.classification is not None:
            classified += 1
            counts[result.classification] += 1
        if result.response is not None:
            response_eligible += 1
            responders += result.response
        if result.remission is not None:
            remission_eligible += 1
            remitted += result.remission
    return Summary(
        episodes=len(assessed),
        with_baseline=with_baseline,
        with_follow_up=len(changes),
        mean_change=statistics.fmean(changes) if changes else None,
        sd_change=statistics.stdev(changes) if len(changes) > 1 else None,
        reliable_improvement=Rate(counts[RELIABLE_IMPROVEMENT], classified),
        no_reliable_change=Rate(counts[NO_RELIABLE_CHANGE], classified),
        reliable_deterioration=Rate(counts[RELIABLE_DETERIORATION], classified),
        response=Rate(responders, response_eligible),
        remission=Rate(remitted, remission_eligible),
        discharged=discharged,
        completed=Rate(completed, discharged),
        reason_not_recorded=reason_not_recorded,
    )


def _grouped(assessed: list[_Assessed], key: Callable[[EpisodeRecord], str]) -> dict[str, Summary]:
    groups: dict[str, list[_Assessed]] = {}
    for item in assessed:
        groups.setdefault(key(item.record), []).append(item)
    return {label: _summary(groups[label]) for label in sorted(groups)}


def program_outcomes(
    instrument: Instrument,
    records: Iterable[EpisodeRecord],
    *,
    start: datetime.date,
    end: datetime.date,
    by_track: bool = True,
    by_clinician: bool = False,
    no_track: str = "No track",
    no_clinician: str = "No primary clinician",
) -> OutcomeReport:
    """Outcomes of the episodes in treatment during start..end on `instrument` (which needs change rules)."""
    if end < start:
        raise ValueError("The period ends before it starts.")
    if instrument.change is None:
        raise ValueError(f"{instrument.code} has no change rules: it has no outcomes to report.")
    # Each episode's change is assessed once and shared by the overall, track and clinician summaries.
    cohort = _assessed(instrument, (r for r in records if in_period(r, start, end)), start=start, end=end)
    return OutcomeReport(
        instrument_code=instrument.code,
        start=start,
        end=end,
        overall=_summary(cohort),
        by_track=_grouped(cohort, lambda r: r.track or no_track) if by_track else {},
        by_clinician=_grouped(cohort, lambda r: r.clinician or no_clinician) if by_clinician else {},
        has_response_rule=instrument.change.response is not None,
        has_remission_rule=instrument.change.remission is not None,
    )
