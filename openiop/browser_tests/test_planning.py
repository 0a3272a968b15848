"""A director plans the week: builds it with the optimizer, reviews each patient's hours, publishes it."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.scheduling.models import SessionAttendee, WeekPlan, WeekPlanStatus
from openiop.scheduling.tests.test_planning import arrange_week

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_director_builds_reviews_and_publishes_the_week(page, world, settings):
    settings.OPENIOP_PLANNING_TIME_LIMIT = 1
    arrange_week(world)

    sign_in(page, "dana", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="Plan the week").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Plan the week: Adult MH")
    assert_accessible(page)

    page.get_by_role("button", name="Build the week").click()
    expect(page.get_by_role("status")).to_contain_text("The week is planned")
    hours = page.locator("#plan-hours-table tbody tr")
    expect(hours).to_have_count(6)
    expect(hours.filter(has_text="Avery Synthetic")).to_contain_text("9.833 h")
    expect(hours.filter(has_text="Member00 Synthetic")).to_contain_text(
        "available 3 h in sessions this week (target 9 h)"
    )
    expect(page.get_by_text("Hard violations: none.")).to_be_visible()
    expect(page.locator("#plan-state")).to_have_text("Draft")
    assert_accessible(page)

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published:")
    expect(page.locator("#plan-state")).to_contain_text("Published")
    expect(page.locator("#plan-state")).to_contain_text("Dana Test")
    assert_accessible(page)
    assert WeekPlan.objects.get().status == WeekPlanStatus.PUBLISHED
    bookings = SessionAttendee.objects.count()

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Already published: nothing changed.")
    assert SessionAttendee.objects.count() == bookings
    assert not page.console_errors
