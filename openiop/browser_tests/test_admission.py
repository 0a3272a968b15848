"""Admission end to end: the intake coordinator admits an assessed referral, the due items appear, and the
psychiatrist's certification completes one of them."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.intake.models import DueItem, DueItemKind
from openiop.intake.tests.test_admissions import referred_patient
from openiop.patients.models import EpisodeStatus

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_intake_admits_a_referral_and_the_psychiatrist_certifies(page, world):
    patient = referred_patient(world)
    episode = patient.episodes.get()

    sign_in(page, "ivan", PASSWORD)
    page.goto(f"/patients/{patient.uuid}/")
    expect(page.locator(".chart-header")).to_contain_text("Referral")
    assert_accessible(page)

    page.get_by_role("link", name="Admit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Admit Drew Referral")
    expect(page.get_by_text("Latest assessment: Intensive outpatient")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile("^Track")).select_option(
        label="Morning (Mon/Wed/Fri 09:00–12:00): 1 of 12 places taken"
    )
    page.get_by_label(re.compile("^Primary clinician")).select_option(label="Alice Test, LCSW")
    page.get_by_label(re.compile("^Psychiatrist")).select_option(label="Paul Test, MD")
    page.get_by_role("button", name="Admit").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Drew Referral")
    expect(page.locator(".chart-header")).to_contain_text("Active")
    expect(page.get_by_role("status").filter(has_text="Admitted to Morning")).to_be_visible()
    due_section = page.locator("section", has=page.get_by_role("heading", name="Due items"))
    expect(due_section.locator("tbody tr")).to_have_count(3)
    for kind in ("Baseline measures", "Initial treatment plan", "Physician certification of need"):
        expect(due_section).to_contain_text(kind)
    assert_accessible(page)
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.ACTIVE

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Due items").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Due items")
    expect(page.get_by_role("link", name="Drew Referral")).to_have_count(3)
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "paul", PASSWORD)
    page.goto(f"/patients/{patient.uuid}/")
    page.get_by_role("link", name="Certify", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Physician certification of need")
    expect(page.get_by_label(re.compile("^Hours per week"))).to_have_value("9.0")
    assert_accessible(page)
    page.get_by_label(re.compile("^Statement of need")).fill(
        "Needs 9 h/week of structure to stay out of hospital."
    )
    page.get_by_role("button", name="Sign the certification").click()

    expect(page.get_by_role("status").filter(has_text="Certified until")).to_be_visible()
    certification_row = page.locator("tr", has_text="Physician certification of need")
    expect(certification_row).to_contain_text("Completed")
    expect(page.locator("section", has=page.get_by_role("heading", name="Certification"))).to_contain_text(
        "Latest valid until"
    )
    assert_accessible(page)
    item = DueItem.objects.get(episode=episode, kind=DueItemKind.CERTIFICATION)
    assert item.completed_at is not None and item.completed_by == world.paul
