"""Working a referral: record it with a document, find it on the board, move it along the pipeline, and
register the person as a patient."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.intake.models import Referral, ReferralStatus

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# The smallest file our upload check accepts as a PDF: it is recognised by its first bytes.
TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def field(page, label):
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(required\))?$"))


def test_intake_coordinator_works_a_referral_to_a_new_patient(page, world, tmp_path):
    letter = tmp_path / "referral-letter.pdf"
    letter.write_bytes(TINY_PDF)
    sign_in(page, "ivan", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
    expect(page.get_by_text("No referrals match")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Record a referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a referral")
    assert_accessible(page)
    page.get_by_label("Program").select_option(label="Adult Mental Health IOP")
    page.get_by_label("Referral source").select_option(label="Emergency department")
    page.get_by_label("Urgency").select_option(label="Urgent (within 72 hours)")
    field(page, "Reason for referral").fill("Seen in the ED after a crisis; stepping down.")
    field(page, "First name").fill("Morgan")
    field(page, "Last name").fill("Sample")
    field(page, "Date of birth").fill("1994-06-15")
    field(page, "Phone").fill("555-0123")
    page.get_by_label("Documents").set_input_files(str(letter))
    page.get_by_role("button", name="Record referral").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Morgan Sample")
    expect(page.get_by_role("link", name="referral-letter.pdf")).to_be_visible()
    assert_accessible(page)
    referral = Referral.objects.get(family_name="Sample")
    assert referral.documents.get().content_type == "application/pdf"

    page.get_by_role("link", name="All referrals").click()
    new_column = page.get_by_role("region", name=re.compile(r"^New"))
    expect(new_column.get_by_role("link", name="Morgan Sample")).to_be_visible()
    expect(new_column.get_by_text("Urgent", exact=True)).to_be_visible()
    assert_accessible(page)
    new_column.get_by_role("link", name="Morgan Sample").click()

    page.get_by_label("Contacted").check()
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status").filter(has_text="Moved to “Contacted”")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("New → Contacted")

    page.get_by_label("Assessment booked").check()
    field(page, "Assessment date and time").fill("2030-01-15T10:30")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".timeline")).to_contain_text("Contacted → Assessment booked")
    expect(page.locator(".chart-header")).to_contain_text("2030-01-15 10:30")
    assert_accessible(page)

    page.get_by_text("Register as a new patient").click()
    expect(page.get_by_label("Legal first name")).to_have_value("Morgan")
    expect(field(page, "Date of birth").last).to_have_value("1994-06-15")
    assert_accessible(page)
    page.get_by_role("button", name="Register and link").click()

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ASSESSMENT_BOOKED
    assert referral.patient is not None
    chart_link = page.get_by_role("link", name=f"Morgan Sample ({referral.patient.record_number})")
    expect(chart_link).to_be_visible()
    assert_accessible(page)
    chart_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Morgan Sample")
