"""A director opens the program dashboard, filters to a track, follows "under target" to the people behind
it, and downloads the people CSV and the monthly PDF. axe-core checks each page."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.operations.tests.test_dashboard_factories import PERIOD, under_target_week

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_director_follows_under_target_to_the_people_and_downloads(page, world):
    # patient_b (no track) misses the week; put them on the Morning track so the track filter keeps them.
    world.patient_b.episodes.update(track=world.track_a)
    under_target_week(world)

    sign_in(page, "dana", PASSWORD)
    page.goto("/operations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Program dashboard")
    assert_accessible(page)

    page.get_by_label("Track").select_option(label="Adult MH · Morning")
    page.get_by_label("From", exact=True).fill(PERIOD["from"])
    page.get_by_label("To", exact=True).fill(PERIOD["to"])
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_text("Adult Mental Health IOP · Morning")).to_be_visible()
    rates = page.get_by_role("table", name="Attendance, hours vs target and changes of level")
    expect(rates.get_by_role("row", name="Patient-weeks at or above the hours target")).to_contain_text(
        "50% (1 of 2)"
    )
    expect(
        page.get_by_role("img", name="Attendance, hours at or above target, step-up and step-down rates")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Under target: 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People under target")
    people = page.get_by_role("table", name="1 person behind this figure")
    expect(people).to_contain_text(world.patient_b.record_number)
    expect(people.get_by_role("link", name="Blake Synthetic")).to_be_visible()
    expect(people).to_contain_text("week of 2026-11-16: 0.0 of 9.0 h")
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("people-under_target")
    content = open(download.path(), encoding="utf-8").read()
    assert world.patient_b.record_number in content and "Blake Synthetic" in content

    page.get_by_role("link", name="Back to the dashboard").click()
    page.get_by_label("Month", exact=True).fill("2026-11")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the monthly report").click()
    report = download_info.value
    assert report.suggested_filename.endswith(".pdf")
    assert open(report.path(), "rb").read(4) == b"%PDF"
    assert not page.console_errors
