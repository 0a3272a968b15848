"""The program director's dashboard figures: a pure core (no Django), plain records in, figures out.

Every figure carries its value, its numerator and denominator when it is a rate, and the ids of the
episodes behind it (the drill-down lists exactly those people). Rules, so a successor need not guess them:

- Census on day d: admitted_on <= d and (discharged_on is None or d <= discharged_on). Over time: one point
  per day when the period is 62 days or shorter, else one per week (each Monday in the period); no point
  after today. "Census today" (and the caseloads) is the census on the period's end or today, whichever is
  earlier: the census day.
- Admissions: admitted_on within [start, end], by referral source ("" when the episode has no referral).
  Discharges: discharged_on within [start, end], by reason (the values of
  measures.selectors_outcomes.discharge_reason; None counts as "not_recorded").
- Waitlist on day d: added_on <= d and (removed_on is None or removed_on > d); its figure is the waitlist on
  the census day. Time to admission: days from the referral's receipt (or referred_on without a referral)
  to admitted_on, for admissions in the period. Length of stay: (discharged_on - admitted_on).days for
  discharges in the period. Median and mean are None (shown "—") when there is no one.
- Attendance rate: bookings of non-cancelled sessions dated in the period whose attendance is recorded:
  (present + late + left early) / (those + absent excused + absent unexcused). Unrecorded and cancelled
  bookings are not counted.
- Hours vs target: patient-weeks from the weekly ledger (scheduling/ledger.py) whose Monday lies in the
  period. A week is judged only when the ledger can judge it: ended (its Sunday before today) and not
  partial (admission and discharge weeks). "At or above target" is a judged week that is not
  `WeekLine.under_target`; the ledger's own rules (closures lower the target) are not restated here.
- Step-up / step-down rates: distinct episodes with a transition of that direction dated in the period,
  over the episodes in census at any time in the period (a rate in [0, 1] whose people are its numerator).
- Staff caseloads: distinct episodes in census on the census day per care-team member and role.
"""

import datetime
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from openiop.scheduling import ledger

DAILY_POINTS_UP_TO_DAYS = 62
NOT_RECORDED = "not_recorded"
STEP_UP = "step_up"
STEP_DOWN = "step_down"


# --- records in --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EpisodeRecord:
    id: str
    track: str
    referral_source: str
    referred_on: datetime.date
    referral_received_on: datetime.date | None
    admitted_on: datetime.date | None
    discharged_on: datetime.date | None
    discharge_reason: str | None
    weeks: tuple[ledger.WeekLine, ...] = ()


@dataclass(frozen=True)
class TransitionRecord:
    episode_id: str
    direction: str  # STEP_UP, STEP_DOWN or lateral
    on: datetime.date


@dataclass(frozen=True)
class WaitlistRecord:
    episode_id: str
    added_on: datetime.date
    removed_on: datetime.date | None


@dataclass(frozen=True)
class AttendanceRecord:
    episode_id: str
    date: datetime.date
    status: str  # a ledger status; a cancelled session's bookings are ledger.CANCELLED


@dataclass(frozen=True)
class CaseloadRow:
    episode_id: str
    member_id: str
    member: str  # the staff member's shown name
    role: str


# --- figures out -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    id: str
    label: str
    value: float | int | None
    numerator: int | None = None
    denominator: int | None = None
    episode_ids: frozenset[str] = frozenset()

    @property
    def percent(self) -> float | None:
        if self.denominator is None:
            return None
        return None if self.denominator == 0 else 100 * (self.numerator or 0) / self.denominator

    @property
    def text(self) -> str:
        """ "40% (2 of 5)" for a rate, "—" for no value, else the value."""
        if self.denominator is not None:
            percent = self.percent
            shown = "—" if percent is None else f"{percent:.0f}%"
            return f"{shown} ({self.numerator} of {self.denominator})"
        if self.value is None:
            return "—"
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)


@dataclass(frozen=True)
class Point:
    on: datetime.date
    census: int
    waitlist: int


@dataclass(frozen=True)
class Days:
    """Median and mean of a number of days (None when there is no one)."""

    count: int
    median: float | None
    mean: float | None

    @staticmethod
    def of(values: list[int]) -> "Days":
        if not values:
            return Days(0, None, None)
        return Days(len(values), float(statistics.median(values)), statistics.fmean(values))


@dataclass(frozen=True)
class UnderTargetWeek:
    episode_id: str
    week: ledger.WeekLine


@dataclass(frozen=True)
class Dashboard:
    start: datetime.date
    end: datetime.date
    census_day: datetime.date
    series: list[Point]
    figures: dict[str, Figure]
    admissions_by_source: list[Figure]
    discharges_by_reason: list[Figure]
    time_to_admission: Days
    length_of_stay: Days
    under_target: list[UnderTargetWeek]
    caseloads: list[tuple[str, str, Figure]]  # (member, role, figure)
    # Per-episode detail columns for the drill-down (figure id -> episode id -> text).
    details: dict[str, dict[str, str]] = field(default_factory=dict)


def in_census(episode: EpisodeRecord, day: datetime.date) -> bool:
    return (
        episode.admitted_on is not None
        and episode.admitted_on <= day
        and (episode.discharged_on is None or day <= episode.discharged_on)
    )


def in_census_during(episode: EpisodeRecord, start: datetime.date, end: datetime.date) -> bool:
    return (
        episode.admitted_on is not None
        and episode.admitted_on <= end
        and (episode.discharged_on is None or episode.discharged_on >= start)
    )


def on_waitlist(entry: WaitlistRecord, day: datetime.date) -> bool:
    return entry.added_on <= day and (entry.removed_on is None or entry.removed_on > day)


def series_days(start: datetime.date, end: datetime.date, today: datetime.date) -> list[datetime.date]:
    """Every day of a period of up to 62 days, else each Monday in it; none after today."""
    last = min(end, today)
    if (end - start).days + 1 <= DAILY_POINTS_UP_TO_DAYS:
        first, step = start, datetime.timedelta(days=1)
    else:
        first = ledger.week_start_of(start)
        first = first if first >= start else first + ledger.ONE_WEEK
        step = ledger.ONE_WEEK
    days = []
    day = first
    while day <= last:
        days.append(day)
        day += step
    return days


def _count(fid: str, label: str, ids: Iterable[str]) -> Figure:
    ids = frozenset(ids)
    return Figure(fid, label, len(ids), episode_ids=ids)


def _rate(fid: str, label: str, numerator_ids: Iterable[str], denominator_ids: Iterable[str]) -> Figure:
    numerator, denominator = frozenset(numerator_ids), frozenset(denominator_ids)
    rate = None if not denominator else len(numerator) / len(denominator)
    return Figure(fid, label, rate, len(numerator), len(denominator), numerator)


def _days_text(days: int) -> str:
    return f"{days} days" if days != 1 else "1 day"


def dashboard(
    *,
    episodes: list[EpisodeRecord],
    transitions: list[TransitionRecord],
    waitlist: list[WaitlistRecord],
    attendance: list[AttendanceRecord],
    caseload: list[CaseloadRow],
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
    source_labels: dict[str, str] | None = None,
    reason_labels: dict[str, str] | None = None,
) -> Dashboard:
    """Every figure of the dashboard for one program (or track) and period."""
    source_labels = source_labels or {}
    reason_labels = reason_labels or {}
    census_day = min(end, today)
    by_id = {e.id: e for e in episodes}
    figures: dict[str, Figure] = {}
    details: dict[str, dict[str, str]] = {}

    series = [
        Point(
            day,
            sum(in_census(e, day) for e in episodes),
            sum(on_waitlist(w, day) for w in waitlist),
        )
        for day in series_days(start, end, today)
    ]
    figures["census"] = _count(
        "census", "In the program", (e.id for e in episodes if in_census(e, census_day))
    )
    during = {e.id for e in episodes if in_census_during(e, start, end)}
    figures["census_during"] = _count("census_during", "In the program at any time in the period", during)

    # Admissions, by source.
    admitted = [e for e in episodes if e.admitted_on is not None and start <= e.admitted_on <= end]
    figures["admissions"] = _count("admissions", "Admissions", (e.id for e in admitted))
    sources = sorted({e.referral_source for e in admitted})
    admissions_by_source = []
    for source in sources:
        fid = f"admissions:{source}"
        figure = _count(
            fid,
            source_labels.get(source, source or "No referral"),
            (e.id for e in admitted if e.referral_source == source),
        )
        figures[fid] = figure
        admissions_by_source.append(figure)

    # Discharges, by reason.
    discharged = [e for e in episodes if e.discharged_on is not None and start <= e.discharged_on <= end]
    figures["discharges"] = _count("discharges", "Discharges", (e.id for e in discharged))
    discharges_by_reason = []
    for reason in sorted({e.discharge_reason or NOT_RECORDED for e in discharged}):
        fid = f"discharges:{reason}"
        figure = _count(
            fid,
            reason_labels.get(reason, "Reason not recorded" if reason == NOT_RECORDED else reason),
            (e.id for e in discharged if (e.discharge_reason or NOT_RECORDED) == reason),
        )
        figures[fid] = figure
        discharges_by_reason.append(figure)

    # Waitlist and time to admission.
    figures["waitlist"] = _count(
        "waitlist", "On the waitlist", (w.episode_id for w in waitlist if on_waitlist(w, census_day))
    )
    waits = {e.id: (e.admitted_on - (e.referral_received_on or e.referred_on)).days for e in admitted}
    time_to_admission = Days.of(list(waits.values()))
    figures["time_to_admission"] = Figure(
        "time_to_admission",
        "Median days from referral to admission",
        time_to_admission.median,
        episode_ids=frozenset(waits),
    )
    details["time_to_admission"] = {k: _days_text(v) for k, v in waits.items()}

    # Length of stay.
    stays = {e.id: (e.discharged_on - e.admitted_on).days for e in discharged if e.admitted_on is not None}
    length_of_stay = Days.of(list(stays.values()))
    figures["length_of_stay"] = Figure(
        "length_of_stay", "Median length of stay, days", length_of_stay.median, episode_ids=frozenset(stays)
    )
    details["length_of_stay"] = {k: _days_text(v) for k, v in stays.items()}

    # Attendance rate.
    counted = [
        a
        for a in attendance
        if start <= a.date <= end and (a.status in ledger.ATTENDED or a.status in ledger.ABSENT)
    ]
    came = sum(a.status in ledger.ATTENDED for a in counted)
    per_episode: dict[str, list[int]] = {}
    for a in counted:
        tally = per_episode.setdefault(a.episode_id, [0, 0])
        tally[0] += a.status in ledger.ATTENDED
        tally[1] += 1
    figures["attendance"] = Figure(
        "attendance",
        "Attendance rate",
        None if not counted else came / len(counted),
        came,
        len(counted),
        frozenset(per_episode),
    )
    details["attendance"] = {k: f"{n} of {of} sessions attended" for k, (n, of) in per_episode.items()}

    # Hours delivered vs target (the ledger judges each week).
    judged = [
        UnderTargetWeek(e.id, w)
        for e in episodes
        for w in e.weeks
        if start <= w.week_start <= end and w.ended and not w.partial
    ]
    under = [u for u in judged if u.week.under_target]
    met = len(judged) - len(under)
    figures["hours_met"] = Figure(
        "hours_met",
        "Patient-weeks at or above the hours target",
        None if not judged else met / len(judged),
        met,
        len(judged),
        frozenset(u.episode_id for u in judged if not u.week.under_target),
    )
    figures["under_target"] = _count("under_target", "People under target", (u.episode_id for u in under))
    details["under_target"] = {}
    for u in sorted(under, key=lambda u: u.week.week_start):
        line = f"week of {u.week.week_start}: {u.week.attended_hours} of {u.week.target_hours} h"
        previous = details["under_target"].get(u.episode_id)
        details["under_target"][u.episode_id] = f"{previous}; {line}" if previous else line

    # Step-up and step-down rates.
    for direction, fid, label in (
        (STEP_UP, "step_up", "Step-up rate"),
        (STEP_DOWN, "step_down", "Step-down rate"),
    ):
        moved = {
            t.episode_id
            for t in transitions
            if t.direction == direction and start <= t.on <= end and t.episode_id in during
        }
        figures[fid] = _rate(fid, label, moved, during)

    # Caseloads on the census day.
    groups: dict[tuple[str, str, str], set[str]] = {}
    for row in caseload:
        episode = by_id.get(row.episode_id)
        if episode is not None and in_census(episode, census_day):
            groups.setdefault((row.member_id, row.member, row.role), set()).add(row.episode_id)
    caseloads = []
    for (member_id, member, role), ids in sorted(groups.items(), key=lambda item: (item[0][1], item[0][2])):
        fid = f"caseload:{member_id}:{role}"
        figure = _count(fid, f"{member} ({role})", ids)
        figures[fid] = figure
        caseloads.append((member, role, figure))

    return Dashboard(
        start=start,
        end=end,
        census_day=census_day,
        series=series,
        figures=figures,
        admissions_by_source=admissions_by_source,
        discharges_by_reason=discharges_by_reason,
        time_to_admission=time_to_admission,
        length_of_stay=length_of_stay,
        under_target=under,
        caseloads=caseloads,
        details=details,
    )


# --- tables (the page shows them, the CSV exports them) ----------------------------------------------------


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    figure: str = ""  # the figure whose people this row leads to ("" for none)
    label: str = ""  # names the link to those people when the first cell does not say it alone

    @property
    def link_label(self) -> str:
        return self.label or self.cells[0]


@dataclass(frozen=True)
class Table:
    key: str
    caption: str
    header: tuple[str, ...]
    rows: list[Row]


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def tables(board: Dashboard) -> dict[str, Table]:
    """Each dashboard table in display order; aggregate figures only (no names of patients)."""
    f = board.figures
    result = [
        Table(
            "census",
            "Census and waitlist over time",
            ("Day", "In the program", "On the waitlist"),
            [Row((p.on.isoformat(), str(p.census), str(p.waitlist))) for p in board.series],
        ),
        Table(
            "admissions",
            "Admissions by referral source",
            ("Referral source", "Admissions"),
            [Row((x.label, str(x.value)), x.id) for x in board.admissions_by_source]
            + [Row(("All sources", str(f["admissions"].value)), "admissions")],
        ),
        Table(
            "discharges",
            "Discharges by reason",
            ("Reason", "Discharges"),
            [Row((x.label, str(x.value)), x.id) for x in board.discharges_by_reason]
            + [Row(("All reasons", str(f["discharges"].value)), "discharges")],
        ),
        Table(
            "waitlist",
            "Waitlist and time to admission",
            ("Figure", "Value"),
            [
                Row((f"On the waitlist on {board.census_day}", str(f["waitlist"].value)), "waitlist"),
                Row(
                    ("Days from referral to admission, median", _num(board.time_to_admission.median)),
                    "time_to_admission",
                ),
                Row(
                    ("Days from referral to admission, mean", _num(board.time_to_admission.mean)),
                    "time_to_admission",
                ),
                Row(("Admissions measured", str(board.time_to_admission.count)), "time_to_admission"),
            ],
        ),
        Table(
            "stay",
            "Length of stay of the discharges in the period",
            ("Figure", "Days"),
            [
                Row(("Median", _num(board.length_of_stay.median)), "length_of_stay"),
                Row(("Mean", _num(board.length_of_stay.mean)), "length_of_stay"),
                Row(("Discharges measured", str(board.length_of_stay.count)), "length_of_stay"),
            ],
        ),
        Table(
            "rates",
            "Attendance, hours vs target and changes of level, each with its denominator",
            ("Figure", "Rate", "Count", "Denominator"),
            [
                Row((x.label, x.text, str(x.numerator), str(x.denominator)), x.id)
                for x in (f["attendance"], f["hours_met"], f["step_up"], f["step_down"])
            ]
            + [Row((f["under_target"].label, "", str(f["under_target"].value), ""), "under_target")],
        ),
        Table(
            "caseloads",
            f"Staff caseloads on {board.census_day}",
            ("Care-team member", "Role", "Active episodes"),
            [Row((member, role, str(x.value)), x.id, x.label) for member, role, x in board.caseloads],
        ),
    ]
    return {t.key: t for t in result}
