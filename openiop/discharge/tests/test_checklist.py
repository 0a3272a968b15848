"""The pure checklist: each requirement's rule, waivers, and closing allowed iff all done or waived."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from openiop.discharge import checklist as c

DAY = datetime.date(2026, 11, 20)


def snap(**kw):
    values = {"reason": c.COMPLETED, "started_on": DAY, "planned_on": DAY}
    values.update(kw)
    return c.Snapshot(**values)


def states(snapshot):
    return {item.requirement: item.state for item in c.evaluate(snapshot)}


def test_nothing_done_everything_missing():
    items = c.evaluate(snap(discharge_instruments=("PHQ-9",)))
    assert [i.requirement for i in items] == list(c.REQUIREMENTS)
    assert all(i.state == c.MISSING for i in items)
    assert not c.may_close(items)


def test_everything_done():
    items = c.evaluate(
        snap(
            aftercare_count=1,
            support_groups="AA Monday",
            crisis_plan="Call 988",
            signed_summary_dates=(DAY,),
            discharge_instruments=("PHQ-9", "GAD-7"),
            latest_administered={"PHQ-9": DAY, "GAD-7": DAY - datetime.timedelta(days=7)},
        )
    )
    assert c.may_close(items)
    assert {i.state for i in items} == {c.DONE}


def test_signed_safety_plan_is_the_crisis_plan():
    assert states(snap(has_signed_safety_plan=True))[c.CRISIS_PLAN] == c.DONE


def test_summary_note_window():
    assert states(snap(signed_summary_dates=(DAY - datetime.timedelta(days=14),)))[c.SUMMARY_NOTE] == c.DONE
    assert (
        states(snap(signed_summary_dates=(DAY - datetime.timedelta(days=15),)))[c.SUMMARY_NOTE] == c.MISSING
    )


def test_final_measures_must_be_from_the_early_window():
    old = snap(
        discharge_instruments=("PHQ-9",), latest_administered={"PHQ-9": DAY - datetime.timedelta(days=8)}
    )
    item = c.evaluate(old)[c.REQUIREMENTS.index(c.FINAL_MEASURES)]
    assert item.state == c.MISSING and "PHQ-9" in item.message
    assert states(snap())[c.FINAL_MEASURES] == c.DONE  # nothing scheduled at discharge


def test_short_waiver_reason_does_not_count():
    assert states(snap(waivers={c.SUPPORT_GROUPS: "no"}))[c.SUPPORT_GROUPS] == c.MISSING
    assert states(snap(waivers={c.SUPPORT_GROUPS: "   declined all   "}))[c.SUPPORT_GROUPS] == c.WAIVED


def test_aftercare_waivable_only_for_unplanned_reasons():
    reason = "Person left and cannot be reached"
    assert states(snap(waivers={c.AFTERCARE: reason}))[c.AFTERCARE] == c.MISSING
    for unplanned in c.UNPLANNED_REASONS:
        assert states(snap(reason=unplanned, waivers={c.AFTERCARE: reason}))[c.AFTERCARE] == c.WAIVED
    assert not c.waivable(c.STEPPED_UP, c.AFTERCARE)
    assert c.waivable(c.COMPLETED, c.SUPPORT_GROUPS)


reasons = st.sampled_from(c.REQUIREMENTS)
text = st.text(max_size=30)


@given(
    reason=st.sampled_from(c.REASONS),
    aftercare=st.integers(min_value=0, max_value=3),
    groups=text,
    crisis=text,
    safety=st.booleans(),
    note_age=st.none() | st.integers(min_value=-5, max_value=30),
    measure_age=st.none() | st.integers(min_value=-5, max_value=20),
    waivers=st.dictionaries(reasons, text),
)
def test_may_close_iff_every_item_done_or_validly_waived(
    reason, aftercare, groups, crisis, safety, note_age, measure_age, waivers
):
    snapshot = snap(
        reason=reason,
        aftercare_count=aftercare,
        support_groups=groups,
        crisis_plan=crisis,
        has_signed_safety_plan=safety,
        signed_summary_dates=() if note_age is None else (DAY - datetime.timedelta(days=note_age),),
        discharge_instruments=("PHQ-9",),
        latest_administered={}
        if measure_age is None
        else {"PHQ-9": DAY - datetime.timedelta(days=measure_age)},
        waivers=waivers,
    )
    items = c.evaluate(snapshot)
    assert len(items) == len(c.REQUIREMENTS)
    for item in items:
        assert item.state in (c.DONE, c.WAIVED, c.MISSING)
        if item.state == c.WAIVED:
            # Waived needs a valid reason and a requirement that may be waived for this discharge reason.
            assert c.valid_waiver_reason(waivers.get(item.requirement, ""))
            assert c.waivable(reason, item.requirement)
    assert c.may_close(items) == all(i.state in (c.DONE, c.WAIVED) for i in items)
    # Removing every waiver can only turn waived items into missing ones, never make closing easier.
    bare = c.evaluate(snap(**{**snapshot.__dict__, "waivers": {}}))
    assert c.may_close(bare) <= c.may_close(items)
    assert all(b.state == c.DONE for b, i in zip(bare, items, strict=True) if i.state == c.DONE)
