"""The dashboard's pure core against hand-computed figures, and its properties on random programs.

The fixture (period Mon 2026-10-05 .. Sun 2026-10-25, today 2026-11-02), Mon/Wed/Fri sessions of 3 h, a
9 h weekly target:
- e1 admitted before the period (inpatient): week 1 all present, week 2 one absence (6 h, under target),
  week 3 the Wednesday closed for a holiday (target 6 h, attended 6 h: met).
- e2 admitted on Wednesday 10-07 (self; referral received 10-01): week 1 partial (not judged), then all
  present. Waitlisted 09-30..10-07.
- e3 admitted 09-14 (inpatient), discharged Wednesday 10-14 (completed), stepped down that day: week 1 all
  present, week 2 partial (Monday present, Wednesday absent).
- e4 only on the waitlist since 10-01. e5 admitted after the period.
"""

import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from openiop.operations import figures
from openiop.operations.figures import (
    AttendanceRecord,
    CaseloadRow,
    EpisodeRecord,
    TransitionRecord,
    WaitlistRecord,
)
from openiop.scheduling import ledger

D = datetime.date
START, END, TODAY = D(2026, 10, 5), D(2026, 10, 25), D(2026, 11, 2)
MWF = (0, 2, 4)


def sessions(statuses: dict[D, str], *, closed: frozenset = frozenset()) -> list[ledger.SessionRecord]:
    return [
        ledger.SessionRecord(date=day, scheduled_minutes=180, status=status, closed=day in closed)
        for day, status in statuses.items()
    ]


def mwf(monday: D, statuses=("present", "present", "present")) -> dict[D, str]:
    return {monday + datetime.timedelta(days=offset): s for offset, s in zip(MWF, statuses, strict=True)}


def episode(
    key, *, admitted, discharged=None, source="inpatient", received=None, reason=None, records=(), today=TODAY
):
    weeks = ()
    if admitted is not None:
        weeks = tuple(
            ledger.weekly_ledger(
                records, target_hours=Decimal(9), today=today, period_start=admitted, period_end=discharged
            ).weeks
        )
    record = EpisodeRecord(
        id=key,
        track="Morning",
        referral_source=source,
        referred_on=(admitted or D(2026, 10, 1)) - datetime.timedelta(days=7),
        referral_received_on=received,
        admitted_on=admitted,
        discharged_on=discharged,
        discharge_reason=reason,
        weeks=weeks,
    )
    return record, [AttendanceRecord(key, r.date, r.status) for r in records]


def fixture_board(start=START, end=END, today=TODAY):
    w1, w2, w3 = D(2026, 10, 5), D(2026, 10, 12), D(2026, 10, 19)
    e1 = sessions(
        {
            **mwf(w1),
            **mwf(w2, ("present", "absent_unexcused", "present")),
            **mwf(w3, ("present", "cancelled", "present")),
        },
        closed=frozenset({D(2026, 10, 21)}),
    )
    e2 = sessions({D(2026, 10, 7): "present", D(2026, 10, 9): "present", **mwf(w2), **mwf(w3)})
    e3 = sessions({**mwf(w1), D(2026, 10, 12): "present", D(2026, 10, 14): "absent_excused"})
    built = [
        episode("e1", admitted=D(2026, 9, 1), records=e1, today=today),
        episode(
            "e2", admitted=D(2026, 10, 7), source="self", received=D(2026, 10, 1), records=e2, today=today
        ),
        episode(
            "e3",
            admitted=D(2026, 9, 14),
            discharged=D(2026, 10, 14),
            reason="completed",
            records=e3,
            today=today,
        ),
        episode("e4", admitted=None),
        episode("e5", admitted=D(2026, 10, 26)),
    ]
    episodes = [record for record, _ in built]
    attendance = [a for _, rows in built for a in rows]
    return figures.dashboard(
        episodes=episodes,
        transitions=[
            TransitionRecord("e3", figures.STEP_DOWN, D(2026, 10, 14)),
            TransitionRecord("e1", figures.STEP_UP, D(2026, 9, 20)),
        ],
        waitlist=[
            WaitlistRecord("e2", D(2026, 9, 30), D(2026, 10, 7)),
            WaitlistRecord("e4", D(2026, 10, 1), None),
        ],
        attendance=attendance,
        caseload=[
            CaseloadRow("e1", "u-alice", "Alice", "Primary clinician"),
            CaseloadRow("e2", "u-alice", "Alice", "Primary clinician"),
            CaseloadRow("e3", "u-alice", "Alice", "Primary clinician"),
            CaseloadRow("e3", "u-bob", "Bob", "Therapist"),
        ],
        start=start,
        end=end,
        today=today,
    )


def test_census_today_and_over_time():
    board = fixture_board()
    assert board.census_day == END
    assert board.figures["census"].value == 2
    assert board.figures["census"].episode_ids == {"e1", "e2"}
    assert len(board.series) == 21  # a 21-day period: one point a day
    by_day = {p.on: p for p in board.series}
    assert by_day[D(2026, 10, 5)].census == 2
    assert by_day[D(2026, 10, 7)].census == 3  # e2 admitted mid-week
    assert by_day[D(2026, 10, 14)].census == 3  # e3's day of discharge still counts
    assert by_day[D(2026, 10, 15)].census == 2


def test_admissions_by_source_and_discharges_by_reason():
    board = fixture_board()
    assert board.figures["admissions"].episode_ids == {"e2"}
    assert [(f.id, f.value) for f in board.admissions_by_source] == [("admissions:self", 1)]
    assert board.figures["discharges"].episode_ids == {"e3"}
    assert [(f.id, f.value) for f in board.discharges_by_reason] == [("discharges:completed", 1)]


def test_waitlist_time_to_admission_and_length_of_stay():
    board = fixture_board()
    assert board.figures["waitlist"].episode_ids == {"e4"}
    by_day = {p.on: p for p in board.series}
    assert by_day[D(2026, 10, 5)].waitlist == 2
    assert by_day[D(2026, 10, 7)].waitlist == 1  # removed on the day of admission
    assert (board.time_to_admission.median, board.time_to_admission.mean) == (6.0, 6.0)  # 10-01 .. 10-07
    assert (board.length_of_stay.median, board.length_of_stay.count) == (30.0, 1)  # 09-14 .. 10-14


def test_attendance_rate_leaves_out_cancelled_sessions():
    rate = fixture_board().figures["attendance"]
    # e1 7 of 8 (the holiday not counted), e2 8 of 8, e3 4 of 5.
    assert (rate.numerator, rate.denominator) == (19, 21)
    assert rate.text == "90% (19 of 21)"


def test_hours_vs_target_judges_whole_ended_weeks_and_a_closure_lowers_the_target():
    board = fixture_board()
    met = board.figures["hours_met"]
    # e1: 3 weeks (the holiday week met at 6 of 6 h); e2: 2 (its week of admission is partial); e3: 1.
    assert (met.numerator, met.denominator) == (5, 6)
    assert board.figures["under_target"].episode_ids == {"e1"}
    [under] = board.under_target
    assert under.week.week_start == D(2026, 10, 12)
    assert under.week.attended_hours == Decimal("6.0")
    assert board.details["under_target"]["e1"] == "week of 2026-10-12: 6.0 of 9.0 h"


def test_the_current_week_is_not_judged():
    board = fixture_board(today=D(2026, 10, 22))
    # Week 3 has not ended: e1's holiday week and e2's third week wait.
    assert (board.figures["hours_met"].numerator, board.figures["hours_met"].denominator) == (3, 4)
    assert board.census_day == D(2026, 10, 22)


def test_step_rates_are_over_everyone_in_the_period():
    board = fixture_board()
    assert (board.figures["step_down"].numerator, board.figures["step_down"].denominator) == (1, 3)
    assert board.figures["step_up"].numerator == 0  # e1's step up was before the period


def test_caseloads_count_the_census_on_the_census_day():
    board = fixture_board()
    assert [(member, role, f.value) for member, role, f in board.caseloads] == [
        ("Alice", "Primary clinician", 2)
    ]


def test_an_empty_period_says_so_in_words():
    board = fixture_board(start=D(2026, 12, 1), end=D(2026, 12, 2), today=D(2026, 12, 10))
    assert board.figures["admissions"].value == 0
    assert board.figures["attendance"].text == "— (0 of 0)"
    assert board.figures["time_to_admission"].text == "—"
    assert board.length_of_stay.median is None
    tables = figures.tables(board)
    assert tables["stay"].rows[0].cells == ("Median", "—")


def test_a_long_period_is_shown_by_week():
    days = figures.series_days(D(2026, 1, 1), D(2026, 6, 30), D(2026, 12, 1))
    assert days[0] == D(2026, 1, 5) and all(d.weekday() == 0 for d in days)
    assert len(figures.series_days(D(2026, 1, 1), D(2026, 3, 3), D(2026, 12, 1))) == 62


# --- properties --------------------------------------------------------------------------------------------

BASE = D(2026, 1, 5)
STATUSES = sorted(ledger.ALL_STATUSES)


@st.composite
def programs(draw):
    n = draw(st.integers(0, 8))
    episodes, attendance, transitions, waitlist, caseload = [], [], [], [], []
    for i in range(n):
        key = f"e{i}"
        admitted = draw(st.one_of(st.none(), st.integers(0, 80)))
        admitted_on = None if admitted is None else BASE + datetime.timedelta(days=admitted)
        discharged_on = None
        if admitted_on is not None and draw(st.booleans()):
            discharged_on = admitted_on + datetime.timedelta(days=draw(st.integers(0, 60)))
        records = [
            ledger.SessionRecord(
                date=BASE + datetime.timedelta(days=draw(st.integers(0, 120))),
                scheduled_minutes=180,
                status=draw(st.sampled_from(STATUSES)),
            )
            for _ in range(draw(st.integers(0, 6)))
        ]
        record, rows = episode(
            key,
            admitted=admitted_on,
            discharged=discharged_on,
            source=draw(st.sampled_from(["self", "inpatient", ""])),
            reason=draw(st.sampled_from([None, "completed"])) if discharged_on else None,
            records=records,
        )
        episodes.append(record)
        attendance += rows
        if draw(st.booleans()):
            on = BASE + datetime.timedelta(days=draw(st.integers(0, 120)))
            transitions.append(
                TransitionRecord(key, draw(st.sampled_from([figures.STEP_UP, figures.STEP_DOWN])), on)
            )
        if draw(st.booleans()):
            added = BASE + datetime.timedelta(days=draw(st.integers(0, 80)))
            removed = draw(st.one_of(st.none(), st.integers(0, 40)))
            waitlist.append(
                WaitlistRecord(
                    key, added, None if removed is None else added + datetime.timedelta(days=removed)
                )
            )
        caseload.append(CaseloadRow(key, "u1", "One", "Primary clinician"))
    start = BASE + datetime.timedelta(days=draw(st.integers(0, 100)))
    end = start + datetime.timedelta(days=draw(st.integers(0, 100)))
    today = BASE + datetime.timedelta(days=draw(st.integers(0, 250)))
    return figures.dashboard(
        episodes=episodes,
        transitions=transitions,
        waitlist=waitlist,
        attendance=attendance,
        caseload=caseload,
        start=start,
        end=end,
        today=today,
    )


@settings(max_examples=150, deadline=None)
@given(programs())
def test_counts_match_their_people_and_rates_stay_within_bounds(board):
    for figure in board.figures.values():
        if figure.denominator is not None:
            assert 0 <= figure.numerator <= figure.denominator
            assert figure.value is None or 0 <= figure.value <= 1
        elif isinstance(figure.value, int):
            assert figure.value == len(figure.episode_ids) >= 0
    for point in board.series:
        assert point.census >= 0 and point.waitlist >= 0
        assert board.start <= point.on <= board.end


@settings(max_examples=150, deadline=None)
@given(programs())
def test_admissions_by_source_and_discharges_by_reason_partition_the_totals(board):
    sources = [f.episode_ids for f in board.admissions_by_source]
    assert sum(len(ids) for ids in sources) == board.figures["admissions"].value
    assert frozenset().union(*sources) == board.figures["admissions"].episode_ids
    reasons = [f.episode_ids for f in board.discharges_by_reason]
    assert sum(len(ids) for ids in reasons) == board.figures["discharges"].value
    assert frozenset().union(*reasons) == board.figures["discharges"].episode_ids


@settings(max_examples=150, deadline=None)
@given(programs())
def test_step_rates_and_caseloads_stay_inside_the_census(board):
    during = board.figures["census_during"].episode_ids
    for key in ("step_up", "step_down"):
        assert board.figures[key].episode_ids <= during
        assert board.figures[key].denominator == len(during)
    for _member, _role, figure in board.caseloads:
        assert figure.episode_ids <= board.figures["census"].episode_ids
    assert {u.episode_id for u in board.under_target} == board.figures["under_target"].episode_ids
