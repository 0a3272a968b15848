"""A clinician opens her calendar's week, switches to a day, creates a private feed of her sessions and a
calendar app (here urllib) reads it without signing in."""

import datetime
import urllib.request

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.scheduling.models import Room
from openiop.scheduling.selectors import week_start_of
from openiop.scheduling.tests.factories import active_episode, session_with

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_clinician_reads_her_week_and_day_then_subscribes_to_her_feed(page, world, live_server):
    monday = week_start_of(timezone.localdate())
    tuesday = monday + datetime.timedelta(days=1)
    room = Room.objects.create(name="Room 1", capacity=12)
    group = session_with(world, monday, [active_episode(world.patient_a)], start=9, end=12)
    group.room = room
    group.save()
    session_with(world, tuesday, [active_episode(world.patient_a)], start=14, end=15)

    sign_in(page, "alice", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar")
    assert_accessible(page)
    page.get_by_role("link", name="My sessions").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Calendar of Alice Test")
    expect(page.get_by_role("heading", level=2)).to_have_count(7)
    monday_table = page.get_by_role("table", name=f"Sessions on {monday:%A} {monday.day} {monday:%B}")
    expect(monday_table).to_contain_text("09:00–12:00")
    expect(monday_table).to_contain_text("Room 1")
    expect(monday_table).to_contain_text("Avery Synthetic")
    assert_accessible(page)

    page.get_by_role("link", name=f"{tuesday:%A} {tuesday.day} {tuesday:%B} {tuesday.year}").click()
    expect(page.get_by_role("heading", level=2)).to_have_count(1)
    expect(page.get_by_role("table")).to_contain_text("14:00–15:00")
    expect(page.get_by_role("link", name="Week view")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Calendar feeds").click()
    expect(page.get_by_text("You have no calendar feeds.")).to_be_visible()
    page.get_by_role("button", name="Create a feed of my sessions").click()
    shown = page.get_by_label(
        "Your new feed's address. Copy it into your calendar app now: it will not be shown again."
    )
    expect(shown).to_be_visible()
    address = shown.input_value()
    assert address.startswith(live_server.url) and address.endswith(".ics")
    expect(page.get_by_role("table").locator("tbody tr")).to_contain_text("My sessions")
    assert_accessible(page)

    with urllib.request.urlopen(address, timeout=10) as response:  # noqa: S310 (the live test server)
        assert response.status == 200
        assert response.headers.get_content_type() == "text/calendar"
        body = response.read().decode()
    assert body.count("BEGIN:VEVENT") == 2
    assert "SUMMARY:Group therapy (1 booked)" in body
    assert "Avery" not in body

    page.reload()
    expect(page.locator("#new-feed")).to_have_count(0)
