"""Break-the-glass: a clinician outside the care team opens a chart with a reason; the director reviews it."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.patients.models import BreakGlassAccess

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "Avery called the front desk in crisis and Alice is on leave today."


def test_clinician_breaks_the_glass_and_the_director_reviews_the_access(page, world):
    sign_in(page, "bob", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("My day")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Avery Synthetic").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are not on this person's care team")
    expect(page.locator("main")).to_contain_text(world.patient_a.record_number)
    expect(page.locator("main")).not_to_contain_text("Avery")
    assert_accessible(page)

    reason = page.get_by_label("Why do you need this chart now?")
    reason.fill("Need it now")
    page.get_by_role("button", name="Open the chart (break the glass)").click()
    expect(page.locator("#id_reason_error")).to_contain_text("at least 20 characters")
    expect(reason).to_have_value("Need it now")
    expect(page.locator("main")).not_to_contain_text("Avery")
    assert_accessible(page)
    assert not BreakGlassAccess.objects.exists()

    reason.fill(REASON)
    page.get_by_role("button", name="Open the chart (break the glass)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Avery Synthetic")
    expect(page.locator(".banner-warning")).to_contain_text("Emergency (break-the-glass) access until")
    assert_accessible(page)
    access = BreakGlassAccess.objects.get(user=world.bob, patient=world.patient_a)
    assert access.review == BreakGlassAccess.Review.PENDING

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "dana", PASSWORD)
    queue = page.locator("section").filter(
        has=page.get_by_role("heading", name="Emergency accesses to review")
    )
    item = queue.get_by_role("link", name=f"Bob Test, LPC → {world.patient_a.record_number}")
    expect(item).to_be_visible()
    assert_accessible(page)
    item.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review emergency access")
    expect(page.locator("dl.details")).to_contain_text(REASON)
    opened = page.get_by_role("table").locator("tbody tr")
    expect(opened.filter(has_text="Break-the-glass access")).to_have_count(1)
    expect(opened.filter(has_text="View").filter(has_text="patients.patient")).not_to_have_count(0)
    assert_accessible(page)
    page.get_by_label("Appropriate", exact=True).check()
    page.get_by_role("button", name="Record review").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("My day")
    expect(page.get_by_role("status").filter(has_text="Review recorded.")).to_be_visible()
    expect(queue).to_contain_text("No emergency accesses wait for review.")
    expect(queue.get_by_role("link")).to_have_count(0)
    assert_accessible(page)
    access.refresh_from_db()
    assert access.review == BreakGlassAccess.Review.APPROPRIATE
    assert access.reviewed_by == world.dana
