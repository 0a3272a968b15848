"""A patient's scores on one instrument over one episode: points, bands, change from baseline, reliable
change over time, response and remission.

The baseline is the first scored administration of the episode; every later one is compared with it
(Jacobson & Truax 1991 compare pre and post, not neighbouring weeks), with the instrument's own rules
(change.py: a published threshold such as PHQ-9's 6 points, or the SD and reliability for the RCI).
Response and remission are judged on each point with the instrument's thresholds, which are cited in its
file. "First reliable improvement week" is the first point that reached a reliable improvement, counted in
whole weeks since the start (the episode's admission, or the baseline when no start is given).

Plain Python: observations in, a Trajectory out; no Django, no I/O.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from .change import (
    NO_RELIABLE_CHANGE,
    RELIABLE_DETERIORATION,
    RELIABLE_IMPROVEMENT,
    ChangeResult,
    assess_instrument_change,
)
from .instrument_schema import Instrument

CLASSIFICATION_LABELS = {
    RELIABLE_IMPROVEMENT: "Reliable improvement",
    NO_RELIABLE_CHANGE: "No reliable change",
    RELIABLE_DETERIORATION: "Reliable deterioration",
}


@dataclass(frozen=True)
class Observation:
    """One scored administration as the trajectory needs it. `score` None: not scored (incomplete form)."""

    on: datetime.date
    score: int | None
    key: str = ""  # the administration's public id, to link back
    prorated: bool = False
    recorded_at: datetime.datetime | None = None  # when it was entered (a paper form may come in later)


@dataclass(frozen=True)
class Point:
    on: datetime.date
    score: int
    week: int  # whole weeks since the start; 0 in the first week
    band: str | None
    key: str
    prorated: bool
    recorded_at: datetime.datetime | None
    is_baseline: bool
    change: ChangeResult | None  # from baseline; None for the baseline itself

    @property
    def difference(self) -> float | None:
        return None if self.change is None else self.change.difference

    @property
    def difference_text(self) -> str:
        return "" if self.change is None else signed(self.change.difference)

    @property
    def classification(self) -> str | None:
        return None if self.change is None else self.change.classification

    @property
    def classification_label(self) -> str:
        return CLASSIFICATION_LABELS.get(self.classification or "", "")


def signed(value: float) -> str:
    """+3, −9 (a true minus sign, read correctly by screen readers), 0."""
    text = f"{abs(value):g}"
    return text if value == 0 else ("+" if value > 0 else "−") + text


@dataclass(frozen=True)
class BandShade:
    """A severity band as a shaded strip: from `low` to `high` on the score axis (half-way between
    neighbouring bands, so strips meet), with its label; `level` 0 is the least severe."""

    low: float
    high: float
    label: str
    min: int
    max: int
    level: int


@dataclass(frozen=True)
class Criteria:
    """What the instrument's file says about change, with each rule's citation, to show next to results."""

    better: str
    reliable: str  # in words: "a change of 6 or more points" or "|RCI| > 1.96 (SD 5.1, r 0.84)"
    reliable_citation: str
    response: str
    response_citation: str
    remission: str
    remission_citation: str


@dataclass(frozen=True)
class Trajectory:
    instrument_code: str
    instrument_version: str
    title: str
    min_total: int
    max_total: int
    points: tuple[Point, ...]
    bands: tuple[BandShade, ...]
    criteria: Criteria | None  # None: the instrument has no change rules (a screen such as ASQ)
    unscored: int  # administrations left out because they have no total
    start: datetime.date | None

    @property
    def baseline(self) -> Point | None:
        return self.points[0] if self.points else None

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def change(self) -> ChangeResult | None:
        """Latest against baseline; None with fewer than two points or no change rules."""
        return self.latest.change if len(self.points) > 1 else None

    @property
    def classification(self) -> str | None:
        return self.change.classification if self.change else None

    @property
    def classification_label(self) -> str:
        return CLASSIFICATION_LABELS.get(self.classification or "", "")

    @property
    def first_reliable_improvement(self) -> Point | None:
        for point in self.points[1:]:
            if point.classification == RELIABLE_IMPROVEMENT:
                return point
        return None

    @property
    def first_reliable_improvement_week(self) -> int | None:
        point = self.first_reliable_improvement
        return None if point is None else point.week

    @property
    def deteriorations(self) -> tuple[Point, ...]:
        return tuple(p for p in self.points[1:] if p.classification == RELIABLE_DETERIORATION)

    @property
    def response(self) -> bool | None:
        return self.change.response if self.change else None

    @property
    def remission(self) -> bool | None:
        return self.change.remission if self.change else None


def band_shades(instrument: Instrument) -> tuple[BandShade, ...]:
    """The instrument's severity bands as strips that tile its score range (empty when it has none)."""
    bands = instrument.scoring.bands
    if not bands or instrument.min_total is None:
        return ()
    shades = []
    for index, band in enumerate(bands):
        low = instrument.min_total if index == 0 else (bands[index - 1].max + band.min) / 2
        high = instrument.max_total if index == len(bands) - 1 else (band.max + bands[index + 1].min) / 2
        shades.append(BandShade(low, high, band.label, band.min, band.max, index))
    return tuple(shades)


def criteria(instrument: Instrument) -> Criteria | None:
    rules = instrument.change
    if rules is None:
        return None
    reliable = reliable_citation = response = response_citation = remission = remission_citation = ""
    if rules.reliable_change is not None:
        rc = rules.reliable_change
        reliable_citation = rc.citation
        if rc.threshold is not None:
            reliable = f"a change of {_number(rc.threshold)} or more points"
        else:
            reliable = (
                f"|RCI| > 1.96 (Jacobson–Truax; SD {_number(rc.sd)}, reliability {_number(rc.reliability)})"
            )
    if rules.response is not None:
        response = (
            f"a reduction of at least {_number(rules.response.reduction_percent)}% "
            f"from a baseline of {rules.response.min_baseline} or more"
        )
        response_citation = rules.response.citation
    if rules.remission is not None:
        remission = f"a score below {rules.remission.below}"
        if rules.remission.min_baseline is not None:
            remission += f" (baseline {rules.remission.min_baseline} or more)"
        remission_citation = rules.remission.citation
    return Criteria(
        rules.better, reliable, reliable_citation, response, response_citation, remission, remission_citation
    )


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def week_of(day: datetime.date, start: datetime.date) -> int:
    """Whole weeks from `start` to `day`; a measure taken before the start (at the assessment) is week 0."""
    return max(0, (day - start).days // 7)


def build_trajectory(
    instrument: Instrument, observations: Iterable[Observation], *, start: datetime.date | None = None
) -> Trajectory:
    """The trajectory of `observations` (any order; same-day ones keep their given order) on `instrument`.

    The baseline is the earliest scored observation. Observations without a score are left out and counted.
    """
    given = list(observations)
    scored = sorted((o for o in given if o.score is not None), key=lambda o: o.on)  # stable: same day kept
    unscored = len(given) - len(scored)
    has_rules = instrument.change is not None and instrument.min_total is not None
    points: list[Point] = []
    origin = start or (scored[0].on if scored else None)
    for index, observation in enumerate(scored):
        band = instrument.band_for(observation.score) if instrument.scoring.bands else None
        change = None
        if index > 0 and has_rules:
            change = assess_instrument_change(instrument, scored[0].score, observation.score)
        points.append(
            Point(
                on=observation.on,
                score=observation.score,
                week=week_of(observation.on, origin),
                band=band.label if band else None,
                key=observation.key,
                prorated=observation.prorated,
                recorded_at=observation.recorded_at,
                is_baseline=index == 0,
                change=change,
            )
        )
    return Trajectory(
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        title=instrument.title_in(),
        min_total=instrument.min_total if instrument.min_total is not None else 0,
        max_total=instrument.max_total if instrument.max_total is not None else 0,
        points=tuple(points),
        bands=band_shades(instrument),
        criteria=criteria(instrument),
        unscored=unscored,
        start=start,
    )
