"""A week under the hours target: the ledger marks it, and the primary clinician's My day has the task."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.scheduling.models import AttendanceStatus
from openiop.scheduling.selectors import week_start_of
from openiop.scheduling.services import engagement_alerts_raise
from openiop.scheduling.tests.factories import active_episode, session_with

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_clinician_sees_a_week_under_target_and_the_follow_up_task(page, world):
    today = timezone.localdate()
    last_monday = week_start_of(today) - datetime.timedelta(days=7)
    episode = active_episode(world.patient_a)
    # Monday present (3 h); Wednesday and Friday absent: 3 of 9 hours.
    for offset, status in ((0, "present"), (2, "absent_excused"), (4, "absent_unexcused")):
        session = session_with(world, last_monday + datetime.timedelta(days=offset), [episode])
        session.attendees.update(
            status=status, minutes_attended=180 if status == AttendanceStatus.PRESENT else 0
        )
    engagement_alerts_raise(episode=episode, today=today)
    week = last_monday.isoformat()

    sign_in(page, "alice", PASSWORD)
    page.goto(f"/patients/{world.patient_a.uuid}/")
    page.get_by_role("link", name="Weekly hours").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Weekly hours: Avery Synthetic")
    row = page.locator("#ledger-table tbody tr").filter(has_text=week)
    expect(row).to_contain_text("9.0")
    expect(row).to_contain_text("3.0")
    expect(row).to_contain_text("Under target")
    alerts = page.locator("section").filter(has=page.get_by_role("heading", name="Engagement alerts"))
    expect(alerts).to_contain_text("Week under the hours target")
    expect(alerts).to_contain_text("Two consecutive absences")
    assert_accessible(page)

    page.get_by_role("link", name="My day").click()
    tasks = page.locator("section").filter(has=page.get_by_role("heading", name="Tasks"))
    expect(tasks).to_contain_text(f"Follow up: 3.0 h attended of 9 h target, week of {week}")
    expect(tasks).to_contain_text("Follow up: 2 consecutive absences")
    assert_accessible(page)
