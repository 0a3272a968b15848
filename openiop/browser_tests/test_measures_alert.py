"""A clinician types in a PHQ-9 with item 9 answered "several days" (total 3): the crisis message shows at
once, the urgent alert is on the chart and the same-day task on "my day"; the alert cannot be closed
without a note, and closes with an action and a note."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.measures.models import AlertStatus, MeasureAlert

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ANSWERS = {"1": "Several days", "2": "Several days", "9": "Several days"}


def test_item_9_positive_raises_an_alert_that_closes_only_with_action_and_note(page, world):
    sign_in(page, "alice", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("My day")
    page.goto(f"/patients/{world.patient_a.uuid}/")
    page.get_by_role("link", name="Enter a questionnaire").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Enter a questionnaire for Avery Synthetic")
    assert_accessible(page)
    page.get_by_role("link", name="Patient Health Questionnaire-9 (PHQ-9)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Enter a PHQ-9 for Avery Synthetic")
    assert_accessible(page)

    for key in map(str, range(1, 10)):
        page.locator(f"#item-{key}").get_by_label(ANSWERS.get(key, "Not at all")).check()
    page.get_by_role("button", name="Save and score").click()

    crisis = page.locator(".crisis").first
    expect(crisis).to_contain_text("Urgent: same-day clinical evaluation needed")
    expect(crisis).to_contain_text("988")
    expect(crisis).to_contain_text("Item 9 (thoughts of death or of self-harm) answered above 0")
    expect(page.locator(".result-total")).to_contain_text("3")
    expect(page.locator("main")).to_contain_text("Minimal")
    assert_accessible(page)

    page.get_by_role("link", name="Back to the chart of Avery Synthetic").click()
    expect(page.locator("#chart-urgent-alerts")).to_contain_text("PHQ-9 of")
    expect(page.locator("#chart-urgent-alerts")).to_contain_text("item 9 answered 1")
    assert_accessible(page)

    page.get_by_role("link", name="My day").click()
    expect(page.locator("#task-list")).to_contain_text("URGENT today: risk assessment and safety-plan review")
    expect(page.locator("#my-urgent-alerts")).to_contain_text("(yours today)")
    assert_accessible(page)

    page.locator("#my-urgent-alerts").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Urgent alert: Avery Synthetic")
    assert_accessible(page)
    page.get_by_label("Risk assessment completed").check()
    page.get_by_role("button", name="Close the alert").click()
    expect(page.get_by_role("alert")).to_contain_text("Write a note: what you did")
    expect(page.get_by_label("Risk assessment completed")).to_be_checked()
    assert_accessible(page)
    assert MeasureAlert.objects.get().status == AlertStatus.OPEN

    page.get_by_label("Note").fill(
        "Saw Avery at 2 pm: passive thoughts, no plan or intent; safety plan reviewed."
    )
    page.get_by_role("button", name="Close the alert").click()
    expect(page.get_by_role("status")).to_contain_text("Alert closed")
    expect(page.locator("main")).to_contain_text("Risk assessment completed")
    assert_accessible(page)
    alert = MeasureAlert.objects.get()
    assert alert.status == AlertStatus.CLOSED and alert.closing_note.startswith("Saw Avery")
    assert page.console_errors == []
