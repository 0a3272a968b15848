"""A director changes a group's roster from next Monday (last week's recorded session keeps its roster),
then cancels next Monday's session with a reason."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.scheduling.models import AttendanceStatus, Session, SessionStatus
from openiop.scheduling.selectors import week_start_of
from openiop.scheduling.services import attendance_record, sessions_generate
from openiop.scheduling.tests.factories import enrol, extra_patients, group_series

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_director_changes_a_roster_from_a_date_then_cancels_a_session(page, world):
    this_monday = week_start_of(timezone.localdate())
    last_monday = this_monday - datetime.timedelta(days=7)
    next_monday = this_monday + datetime.timedelta(days=7)
    series = group_series(world, weekday=0, name="Monday process group")
    first, second, newcomer = extra_patients(world, 3)
    enrol(series, first, second)
    (held,) = sessions_generate(program=world.program_a, week_start=last_monday, by=world.dana)
    attendance_record(
        session=held,
        entries=[(a, AttendanceStatus.PRESENT, None, "") for a in held.attendees.all()],
        by=world.alice,
    )
    (upcoming,) = sessions_generate(program=world.program_a, week_start=next_monday, by=world.dana)

    sign_in(page, "dana", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    page.get_by_label("Week of").fill(next_monday.isoformat())
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Roster of Monday process group").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Roster: Monday process group")
    expect(page.locator("#roster-table tbody tr")).to_have_count(2)
    assert_accessible(page)

    page.get_by_label("Patient to add").select_option(label="Member02 Synthetic")
    page.get_by_label("Joins from").fill(next_monday.isoformat())
    page.get_by_role("button", name="Add to the roster").click()
    expect(page.get_by_role("status")).to_contain_text("Member02 Synthetic joins Monday process group")
    expect(page.locator("#roster-table tbody tr")).to_have_count(3)
    # Next Monday books the newcomer; last Monday, already recorded, keeps its two.
    expect(page.locator(f"#session-{next_monday.isoformat()}")).to_contain_text("3")
    expect(page.locator(f"#session-{last_monday.isoformat()}")).to_contain_text("recorded (kept as it was)")
    expect(page.locator(f"#session-{last_monday.isoformat()} td").nth(1)).to_have_text("2")

    page.get_by_label("Member to remove").select_option(label="Member00 Synthetic")
    page.get_by_label("Leaves from").fill(last_monday.isoformat())
    page.get_by_role("button", name="Remove from the roster").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose today or a later date")
    assert_accessible(page)
    page.get_by_label("Leaves from").fill(next_monday.isoformat())
    page.get_by_role("button", name="Remove from the roster").click()
    expect(page.get_by_role("status")).to_contain_text("Member00 Synthetic leaves Monday process group")
    expect(page.locator(f"#session-{next_monday.isoformat()} td").nth(1)).to_have_text("2")
    expect(page.locator(f"#session-{last_monday.isoformat()} td").nth(1)).to_have_text("2")
    assert set(held.attendees.values_list("episode", flat=True)) == {first.pk, second.pk}
    assert set(upcoming.attendees.values_list("episode", flat=True)) == {second.pk, newcomer.pk}

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    page.get_by_label("Week of").fill(next_monday.isoformat())
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Cancel,").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel a session: Monday process group")
    assert_accessible(page)
    page.get_by_role("button", name="Cancel the session").click()
    expect(page.get_by_role("alert")).to_contain_text("Reason")
    page.get_by_label("Reason").fill("Facilitator ill")
    page.get_by_role("button", name="Cancel the session").click()
    expect(page.get_by_role("status")).to_contain_text("Session cancelled: Monday process group")
    expect(page.get_by_role("row", name="Monday process group")).to_contain_text("Cancelled: Facilitator ill")
    assert_accessible(page)
    assert Session.objects.get(pk=upcoming.pk).status == SessionStatus.CANCELLED
    assert Session.objects.get(pk=held.pk).status == SessionStatus.SCHEDULED
    assert not page.console_errors
