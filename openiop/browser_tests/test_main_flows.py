"""Main flows clicked through real pages in Chromium, each page checked with axe-core."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.audit.models import Action, AuditEvent

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_clinician_sets_up_mfa_on_first_login_finds_a_patient_and_opens_the_chart(page, world, settings):
    settings.OPENIOP_REQUIRE_STAFF_MFA = True
    sign_in(page, "alice", PASSWORD)

    # First login: enrolment in an authenticator app is required before anything else, after
    # confirming the password once more (allauth asks before any change to sign-in methods).
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    assert_accessible(page)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recovery Codes")

    page.get_by_role("link", name="Patients").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name or record number").fill("Avery")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Avery Synthetic").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Avery Synthetic")
    expect(page.locator(".chart-header")).to_contain_text("Adult Mental Health IOP")
    expect(page.locator(".chart-header")).to_contain_text("Alice Test, LCSW (Primary clinician)")
    assert_accessible(page)
    assert AuditEvent.objects.filter(action=Action.VIEW, patient=world.patient_a, actor=world.alice).exists()


def test_clinician_of_another_program_is_refused_the_chart(page, world, live_server):
    sign_in(page, "charlie", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("My day")
    response = page.goto(f"/patients/{world.patient_a.uuid}/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Access refused")
    expect(page.locator("main")).not_to_contain_text("Avery")
    assert_accessible(page)


def test_auditor_sees_the_chart_view_and_the_refusal_in_the_audit_report(page, world, client_for):
    client = client_for(world.alice)
    client.get(f"/patients/{world.patient_a.uuid}/")
    client_for(world.charlie).get(f"/patients/{world.patient_a.uuid}/")

    sign_in(page, "audrey", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Audit")
    page.get_by_label("Patient record number").fill(world.patient_a.record_number)
    page.get_by_role("button", name=re.compile("Filter|Apply|Search")).click()
    rows = page.locator("table tbody tr")
    expect(rows.filter(has_text="alice").filter(has_text="View")).to_have_count(1)
    expect(rows.filter(has_text="charlie").filter(has_text="refused")).to_have_count(1)
    assert_accessible(page)


def test_my_day_and_patient_list_work_on_a_phone(phone_page, world):
    sign_in(phone_page, "alice", PASSWORD)
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text("My day")
    caseload = phone_page.get_by_role("region", name="My caseload")
    expect(caseload.get_by_role("link", name="Avery Synthetic")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page scrolls sideways on a phone ({width}px)"
    assert_accessible(phone_page)
