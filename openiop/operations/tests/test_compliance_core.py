"""The compliance lists' pure core: hand-computed classifications, order and counts, plus properties."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from openiop.operations import compliance as core

TODAY = datetime.date(2026, 11, 18)
UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def dated(due_on, *, kind=core.INITIAL_PLAN, record="OI0000001", owner="Alice Test", owner_id=1):
    return core.Candidate(kind, 1, record, "Avery Synthetic", owner_id, owner, "Initial plan", due_on=due_on)


def note(ended, *, owner="Alice Test", owner_id=1):
    return core.Candidate(
        core.UNSIGNED_NOTE,
        1,
        "OI0000001",
        "Avery Synthetic",
        owner_id,
        owner,
        "Individual",
        service_ended=ended,
    )


def test_dated_obligation_is_due_soon_within_seven_days_and_not_listed_after():
    assert core.classify_dated(TODAY + datetime.timedelta(days=7), TODAY) == (core.DUE_SOON, 0)
    assert core.classify_dated(TODAY + datetime.timedelta(days=1), TODAY) == (core.DUE_SOON, 0)
    assert core.classify_dated(TODAY + datetime.timedelta(days=8), TODAY) is None


def test_dated_obligation_is_due_today_on_the_day_and_overdue_with_days_after():
    assert core.classify_dated(TODAY, TODAY) == (core.DUE_TODAY, 0)
    assert core.classify_dated(TODAY - datetime.timedelta(days=1), TODAY) == (core.OVERDUE, 1)
    assert core.classify_dated(datetime.date(2026, 10, 31), TODAY) == (core.OVERDUE, 18)


def test_note_is_listed_only_after_24_hours_since_the_service_ended():
    assert core.classify_note(NOW - datetime.timedelta(hours=24), NOW) is None
    assert core.classify_note(NOW - datetime.timedelta(hours=24, minutes=1), NOW) == (core.PAST_24H, 0)
    assert core.classify_note(NOW - datetime.timedelta(hours=72), NOW) == (core.PAST_24H, 2)
    # 73 h after the service: past 72 h, and 49 h (2 whole days) past the 24-hour deadline.
    assert core.classify_note(NOW - datetime.timedelta(hours=73), NOW) == (core.PAST_72H, 2)
    assert core.classify_note(NOW - datetime.timedelta(days=10), NOW) == (core.PAST_72H, 9)


def test_note_deadline_is_24_hours_after_the_service():
    ended = NOW - datetime.timedelta(hours=30)
    item = core.classify(note(ended), NOW, TODAY)
    assert item.deadline == ended + datetime.timedelta(hours=24)
    assert item.is_late


def test_candidate_without_a_date_is_an_error():
    bad = core.Candidate(core.MEASURES, 1, "OI1", "A", None, "", "PHQ-9")
    try:
        core.classify(bad, NOW, TODAY)
    except ValueError:
        return
    raise AssertionError("expected ValueError")


def test_most_overdue_first_then_due_today_then_due_soon():
    candidates = [
        dated(TODAY + datetime.timedelta(days=3), record="OI3"),
        dated(TODAY - datetime.timedelta(days=2), record="OI2"),
        dated(TODAY, record="OI4"),
        dated(TODAY - datetime.timedelta(days=9), record="OI1"),
        dated(TODAY + datetime.timedelta(days=30), record="OI5"),
    ]
    items = core.classify_all(candidates, NOW, TODAY)
    assert [i.candidate.record_number for i in items] == ["OI1", "OI2", "OI4", "OI3"]
    assert [i.status for i in items] == [core.OVERDUE, core.OVERDUE, core.DUE_TODAY, core.DUE_SOON]
    assert [i.days_overdue for i in items] == [9, 2, 0, 0]


def test_counts_per_kind_and_owner():
    candidates = [
        dated(TODAY - datetime.timedelta(days=1), kind=core.INITIAL_PLAN, owner="Alice Test"),
        dated(TODAY, kind=core.INITIAL_PLAN, owner="Bob Test", owner_id=2),
        dated(TODAY + datetime.timedelta(days=2), kind=core.CERTIFICATION, owner="", owner_id=None),
        note(NOW - datetime.timedelta(hours=100)),
    ]
    items = core.classify_all(candidates, NOW, TODAY)
    per_kind = core.counts_per_kind(items)
    assert per_kind[core.INITIAL_PLAN] == {core.OVERDUE: 1, core.DUE_TODAY: 1}
    assert per_kind[core.CERTIFICATION] == {core.DUE_SOON: 1}
    assert per_kind[core.UNSIGNED_NOTE] == {core.PAST_72H: 1}
    assert per_kind[core.DISCHARGE] == {}
    per_owner = core.counts_per_owner(items)
    assert list(per_owner) == ["", "Alice Test", "Bob Test"]
    assert per_owner["Alice Test"] == {core.OVERDUE: 1, core.PAST_72H: 1}


def test_select_filters_by_kind_owner_and_lateness():
    candidates = [
        dated(TODAY - datetime.timedelta(days=1), kind=core.INITIAL_PLAN),
        dated(TODAY + datetime.timedelta(days=1), kind=core.INITIAL_PLAN, owner_id=2, owner="Bob"),
        note(NOW - datetime.timedelta(hours=30)),
    ]
    items = core.classify_all(candidates, NOW, TODAY)
    assert len(core.select(items, kind=core.INITIAL_PLAN)) == 2
    assert len(core.select(items, owner_id=2)) == 1
    assert {i.status for i in core.select(items, late_only=True)} == {core.OVERDUE, core.PAST_24H}
    assert len(core.select(items, status=core.DUE_SOON)) == 1


# --- properties ----------------------------------------------------------------------------------------------

offsets = st.integers(min_value=-400, max_value=400)
RANK = {None: 0, core.DUE_SOON: 1, core.DUE_TODAY: 2, core.OVERDUE: 3}
NOTE_RANK = {None: 0, core.PAST_24H: 1, core.PAST_72H: 2}


@given(offsets, st.integers(min_value=0, max_value=50))
def test_dated_classification_is_monotone_in_time(offset, later_by):
    due_on = TODAY + datetime.timedelta(days=offset)
    now = core.classify_dated(due_on, TODAY)
    later = core.classify_dated(due_on, TODAY + datetime.timedelta(days=later_by))
    assert RANK[later and later[0]] >= RANK[now and now[0]]
    assert (later[1] if later else 0) >= (now[1] if now else 0)


@given(st.integers(min_value=-1000, max_value=20000), st.integers(min_value=0, max_value=5000))
def test_note_classification_is_monotone_in_time(minutes_ago, later_by):
    ended = NOW - datetime.timedelta(minutes=minutes_ago)
    now = core.classify_note(ended, NOW)
    later = core.classify_note(ended, NOW + datetime.timedelta(minutes=later_by))
    assert NOTE_RANK[later and later[0]] >= NOTE_RANK[now and now[0]]


@given(st.lists(st.tuples(st.sampled_from(core.KINDS), offsets, st.integers(min_value=0, max_value=3))))
def test_counts_add_up_and_order_is_most_overdue_first(specs):
    candidates = []
    for kind, offset, owner in specs:
        if kind == core.UNSIGNED_NOTE:
            candidates.append(
                note(NOW - datetime.timedelta(hours=abs(offset)), owner=f"O{owner}", owner_id=owner)
            )
        else:
            candidates.append(
                dated(TODAY + datetime.timedelta(days=offset), kind=kind, owner=f"O{owner}", owner_id=owner)
            )
    items = core.classify_all(candidates, NOW, TODAY)
    assert sum(sum(c.values()) for c in core.counts_per_kind(items).values()) == len(items)
    assert sum(sum(c.values()) for c in core.counts_per_owner(items).values()) == len(items)
    assert sum(len(v) for v in core.by_kind(items).values()) == len(items)
    assert sum(len(core.select(items, owner_id=o)) for o in range(4)) == len(items)
    lateness = [i.lateness for i in items]
    assert lateness == sorted(lateness, reverse=True)
    for item in items:
        assert item.days_overdue >= 0
        assert item.is_late == (item.days_overdue > 0 or item.status in (core.PAST_24H, core.PAST_72H))
