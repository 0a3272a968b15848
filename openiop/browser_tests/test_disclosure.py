"""A clinician sends a summary to an outpatient therapist: refused without consent, sent after the patient
signs a Part 2 consent, and the accounting shows it; the PDF carries the §2.32 notice."""

import hashlib

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.coordination.models import Disclosure
from openiop.coordination.tests.factories import therapist

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_summary_refused_without_consent_then_sent_with_the_notice(page, world):
    provider = therapist()
    patient = world.patient_a
    sign_in(page, "alice", PASSWORD)
    page.goto(f"/coordination/patients/{patient.uuid}/send-summary/")
    assert_accessible(page)
    page.get_by_label("Send to").select_option(label=str(provider))
    page.get_by_role("button", name="Send the summary").click()
    expect(page.get_by_role("alert")).to_contain_text("No signed authorization")

    page.get_by_role("link", name="Record a consent").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Record a consent")
    assert_accessible(page)
    page.get_by_label("Kind of consent").select_option(label="42 CFR Part 2 consent")
    page.get_by_label("Recipient (a named provider or organization)").select_option(label=str(provider))
    page.get_by_label("Attendance and hours").check()
    page.get_by_label("Treatment plan", exact=True).check()
    page.get_by_label("Treatment (continuity of care)").check()
    page.get_by_label("Expires when the patient is discharged from the program").check()
    page.get_by_label("I explained to the patient").check()
    page.get_by_label("Patient's full name, as signed").fill(
        f"{patient.legal_given_name} {patient.legal_family_name}"
    )
    page.get_by_label("Signed on screen: the patient read this consent").check()
    page.get_by_role("button", name="Record the consent").click()
    expect(page.get_by_role("status")).to_contain_text("Consent recorded.")

    page.goto(f"/coordination/patients/{patient.uuid}/send-summary/")
    page.get_by_label("Send to").select_option(label=str(provider))
    with page.expect_download() as download:
        page.get_by_role("button", name="Send the summary").click()
    content = open(download.value.path(), "rb").read()
    assert b"42 CFR part 2 prohibits unauthorized use or disclosure of these records." in content
    disclosure = Disclosure.objects.get()
    assert disclosure.sha256 == hashlib.sha256(content).hexdigest()

    page.goto(f"/coordination/patients/{patient.uuid}/disclosures/")
    expect(page.locator("#accounting tbody tr")).to_have_count(1)
    expect(page.locator("#accounting")).to_contain_text(provider.name)
    expect(page.locator("#accounting")).to_contain_text(disclosure.sha256)
    assert_accessible(page)
