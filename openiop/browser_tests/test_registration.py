"""Registering a patient: the form, the duplicate check and its override, the errors."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.patients.models import EpisodeStatus, Patient

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

BORN = "1985-11-03"


def field(page, label):
    """The form control labelled exactly `label` (required fields add "(required)" to their label)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(required\))?$"))


def open_registration_form(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    expect(page.get_by_role("heading", name="Patients", exact=True)).to_be_visible()
    page.get_by_role("link", name="Register a patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a patient")


def fill_identity(page, *, given="Jordan", family="Example", born=BORN):
    page.get_by_label("Legal first name").fill(given)
    page.get_by_label("Legal last name").fill(family)
    field(page, "Date of birth").fill(born)
    page.get_by_label("Program").select_option(label="Adult Mental Health IOP")


def test_intake_coordinator_registers_a_patient_and_is_warned_of_the_duplicate(page, world):
    sign_in(page, "ivan", PASSWORD)
    open_registration_form(page)
    assert_accessible(page)

    fill_identity(page)
    field(page, "Phone").fill("555-0100")
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Example")
    expect(page.locator(".chart-header")).to_contain_text("Referral")
    expect(page.locator(".chart-header")).to_contain_text("Adult Mental Health IOP")
    expect(page.get_by_role("status").filter(has_text="Registered Jordan Example")).to_be_visible()
    assert_accessible(page)
    first = Patient.objects.get(legal_given_name="Jordan", legal_family_name="Example")
    assert first.episodes.get().status == EpisodeStatus.REFERRAL
    expect(page.locator(".chart-header")).to_contain_text(first.record_number)

    # Same legal name and date of birth (different case and spaces): the form stops and names the record.
    open_registration_form(page)
    referred = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    typed = {
        "Legal first name": " jordan ",
        "Legal last name": "EXAMPLE",
        "Preferred name": "Jo",
        "Pronouns": "they/them",
        "Date of birth": BORN,
        "Phone": "555-0199",
        "Email": "jo@example.invalid",
        "Address": "1 Test Street\nSpringfield",
        "Emergency contact name": "Sam Example",
        "Emergency contact relationship": "Sibling",
        "Emergency contact phone": "555-0142",
        "Referral date": referred,
    }
    for label, value in typed.items():
        field(page, label).fill(value)
    page.get_by_label("Language").select_option(label="Spanish")
    page.get_by_label("Program").select_option(label="Adult Mental Health IOP")
    page.get_by_label("Track").select_option(label="Adult MH: Morning")
    page.get_by_role("button", name="Register").click()

    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("already exists")
    expect(summary).to_contain_text(f"(record {first.record_number})")
    expect(summary.get_by_role("link", name=f"Jordan Example ({first.record_number})")).to_have_attribute(
        "href", f"/patients/{first.uuid}/"
    )
    for label, value in typed.items():
        # Exactly as typed, surrounding spaces included: the form re-renders the submitted data.
        expect(field(page, label)).to_have_value(value)
    expect(page.get_by_label("Language")).to_have_value("es")
    expect(page.get_by_label("Program").locator("option:checked")).to_have_text("Adult Mental Health IOP")
    expect(page.get_by_label("Track").locator("option:checked")).to_have_text("Adult MH: Morning")
    assert_accessible(page)
    assert Patient.objects.filter(legal_family_name__iexact="Example").count() == 1

    page.get_by_label("I checked: this is a different person").check()
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Jo EXAMPLE")
    expect(page.locator(".chart-header")).to_contain_text("Referral")
    expect(page.locator(".chart-header")).to_contain_text("Morning")
    assert_accessible(page)
    second = Patient.objects.exclude(pk=first.pk).get(legal_family_name__iexact="Example")
    assert second.record_number != first.record_number
    assert second.preferred_name == "Jo"
    assert second.episodes.get().referred_on.isoformat() == referred
    expect(page).to_have_url(re.compile(rf"/patients/{second.uuid}/$"))


def test_a_date_of_birth_in_the_future_is_refused_and_the_typed_values_stay(page, world):
    sign_in(page, "ivan", PASSWORD)
    open_registration_form(page)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    fill_identity(page, given="Riley", family="Future", born=tomorrow)
    field(page, "Email").fill("riley@example.invalid")
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Register a patient")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Please correct the following")
    expect(
        summary.get_by_role("link", name="Date of birth: The date of birth is in the future.")
    ).to_be_visible()
    expect(page.locator("#id_date_of_birth_error")).to_have_text("The date of birth is in the future.")
    expect(field(page, "Date of birth")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Legal first name")).to_have_value("Riley")
    expect(page.get_by_label("Legal last name")).to_have_value("Future")
    expect(field(page, "Date of birth")).to_have_value(tomorrow)
    expect(field(page, "Email")).to_have_value("riley@example.invalid")
    expect(page.get_by_label("Program").locator("option:checked")).to_have_text("Adult Mental Health IOP")
    assert_accessible(page)
    assert not Patient.objects.filter(legal_family_name="Future").exists()
