"""A facilitator records a group's attendance on one screen: mark all present, then the exceptions."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.scheduling.models import AttendanceStatus, SessionAttendee
from openiop.scheduling.selectors import week_start_of
from openiop.scheduling.services import sessions_generate
from openiop.scheduling.tests.factories import enrol, extra_patients, group_series

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_facilitator_marks_all_present_then_records_the_exceptions(page, world):
    last_monday = week_start_of(timezone.localdate()) - datetime.timedelta(days=7)
    series = group_series(world, weekday=0, name="Monday process group", facilitators=[world.alice])
    episodes = extra_patients(world, 8)
    enrol(series, *episodes)
    (session,) = sessions_generate(program=world.program_a, week_start=last_monday, by=world.dana)

    sign_in(page, "alice", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    page.get_by_label("Week of").fill(last_monday.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text(last_monday.strftime("%A"))
    assert_accessible(page)
    page.get_by_role("link", name="Attendance", exact=False).first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Attendance: Monday process group")
    expect(page.locator("#attendance-table tbody tr")).to_have_count(8)
    assert_accessible(page)

    page.get_by_role("button", name="Mark all present").click()
    expect(page.get_by_role("status")).to_contain_text("Everyone is marked present")
    for i in range(8):
        expect(page.get_by_label(f"Attendance of Member{i:02d} Synthetic")).to_have_value("present")
        expect(page.get_by_label(f"Minutes attended by Member{i:02d} Synthetic")).to_have_value("180")
    page.get_by_label("Attendance of Member03 Synthetic").select_option(label="Late")
    page.get_by_label("Minutes attended by Member03 Synthetic").fill("120")
    page.get_by_label("Note about Member03 Synthetic").fill("Bus was late")
    page.get_by_label("Attendance of Member05 Synthetic").select_option(label="Absent, unexcused")
    page.get_by_role("button", name="Save attendance").click()

    expect(page.get_by_role("status")).to_contain_text("Attendance saved: 8 rows changed.")
    expect(page.get_by_label("Attendance of Member03 Synthetic")).to_have_value("late")
    expect(page.get_by_label("Minutes attended by Member03 Synthetic")).to_have_value("120")
    expect(page.get_by_label("Attendance of Member05 Synthetic")).to_have_value("absent_unexcused")
    expect(page.get_by_label("Minutes attended by Member05 Synthetic")).to_have_value("0")
    assert_accessible(page)

    stored = dict(
        SessionAttendee.objects.filter(session=session).values_list(
            "episode__patient__legal_given_name", "status"
        )
    )
    assert stored.pop("Member03") == AttendanceStatus.LATE
    assert stored.pop("Member05") == AttendanceStatus.ABSENT_UNEXCUSED
    assert set(stored.values()) == {AttendanceStatus.PRESENT}
