"""A clinician writes a safety plan with the patient, the patient signs in person, the plan shows on the
chart, and the pocket PDF downloads."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.safety.models import Plan, PlanStatus

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_clinician_writes_a_safety_plan_the_patient_signs_and_the_pdf_downloads(page, world):
    sign_in(page, "alice", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("My day")
    page.goto(f"/patients/{world.patient_a.uuid}/")
    panel = page.locator("#plan-safety-plan")
    expect(panel).to_contain_text("No safety plan yet.")
    assert_accessible(page)

    panel.get_by_role("button", name="Write a safety plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Safety plan of Avery Synthetic: draft of version 1"
    )
    assert_accessible(page)

    page.get_by_label("1. Signs that a crisis may be starting").fill(
        "I stop answering texts\nLying awake past 2 am"
    )
    page.get_by_label("2. Things I can do on my own to feel calmer").fill(
        "Walk the dog\nCold water on my face"
    )
    page.get_by_label("4. People I can ask for help: Name 1").fill("Maria (sister)")
    page.get_by_label("4. People I can ask for help: Phone 1").fill("not sure")
    page.get_by_label("6. Making my surroundings safer").fill("Maria keeps my prescriptions")
    page.get_by_label("What matters most to me and is worth living for").fill("My daughter Lily")
    page.get_by_role("button", name="Save draft").click()

    # A bad phone number: the page says what is wrong and keeps everything typed.
    expect(page.get_by_role("alert")).to_contain_text("does not look like a phone number")
    expect(page.get_by_label("4. People I can ask for help: Name 1")).to_have_value("Maria (sister)")
    expect(page.get_by_label("1. Signs that a crisis may be starting")).to_have_value(
        "I stop answering texts\nLying awake past 2 am"
    )
    assert_accessible(page)
    page.get_by_label("4. People I can ask for help: Phone 1").fill("(555) 201-7788")
    page.get_by_role("button", name="Save and sign with the patient").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign the Safety plan of Avery Synthetic")
    expect(page.locator("main")).to_contain_text("988")
    assert_accessible(page)
    page.get_by_label("Patient's full name, typed by the patient").fill("Avery Synthetic")
    page.get_by_label("I went through this plan with the patient").check()
    page.get_by_role("button", name="Sign the plan").click()

    expect(page.get_by_role("status")).to_contain_text("Signed. Version 1 is now the current plan")
    expect(page.locator("main")).to_contain_text("Current plan")
    expect(page.locator("main")).to_contain_text("witnessed by Alice Test, LCSW")
    assert_accessible(page)
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.SIGNED

    page.get_by_role("link", name="Back to the chart of Avery Synthetic").click()
    panel = page.locator("#plan-safety-plan")
    expect(panel).to_contain_text(f"Signed: version 1, {timezone.localtime(plan.signed_at):%Y-%m-%d}")
    assert_accessible(page)
    with page.expect_download() as download_info:
        panel.get_by_role("link", name="Download the safety plan (PDF, pocket size)").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"safety-plan-{world.patient_a.record_number.lower()}-v1-")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert page.console_errors == []
