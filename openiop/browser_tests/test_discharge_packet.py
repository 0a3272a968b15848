"""A clinician discharges a patient to an outpatient therapist: plans the discharge, books the aftercare
appointment, waives what cannot be done, closes the episode, then sends the transition packet, refused
without a consent and sent after the patient signs one; the PDF carries the §2.32 notice."""

import datetime
import hashlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.coordination.models import Disclosure
from openiop.coordination.tests.factories import therapist
from openiop.patients.models import EpisodeStatus

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_clinician_discharges_to_an_outpatient_therapist_and_sends_the_packet(page, world):
    provider = therapist()
    patient = world.patient_a
    today = timezone.localdate()
    sign_in(page, "alice", PASSWORD)
    page.goto(f"/patients/{patient.uuid}/")
    page.get_by_role("link", name="Plan discharge").click()
    assert_accessible(page)
    page.get_by_label("Reason (required)").select_option(label="Completed the program")
    page.get_by_label("Planned last day").fill(today.isoformat())
    page.get_by_label("Support groups").fill("SMART Recovery, Tuesdays 7 pm, community center")
    page.get_by_label("Crisis plan").fill("Call 988; my sister Ana; go to the nearest emergency department.")
    page.get_by_role("button", name="Start discharge planning").click()
    expect(page.locator("#discharge-checklist")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add an aftercare appointment").first.click()
    starts = datetime.datetime.combine(today + datetime.timedelta(days=6), datetime.time(16, 0))
    page.get_by_label("Date and time").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Provider from the directory").select_option(label=str(provider))
    page.get_by_label("What for").fill("Weekly outpatient therapy")
    page.get_by_label("Location").fill("Harbor Counseling, 12 Elm Street, Suite 4")
    page.get_by_role("button", name="Add the appointment").click()
    expect(page.locator("#requirement-aftercare")).to_contain_text("Done")

    for requirement, reason in (
        ("summary_note", "Summary dictated to the outpatient therapist by phone; note to follow."),
    ):
        page.locator(f"#requirement-{requirement}").get_by_role("link", name="Waive with a reason").click()
        assert_accessible(page)
        page.get_by_label("Reason").fill(reason)
        page.get_by_role("button", name="Waive").click()
        expect(page.locator(f"#requirement-{requirement}")).to_contain_text("Waived")

    # The test program schedules no questionnaire at discharge, so final measures are already complete.
    expect(page.locator("#requirement-final_measures")).not_to_contain_text("Missing")
    page.get_by_role("link", name="Close episode").first.click()
    page.get_by_label("Day of discharge").fill(today.isoformat())
    page.get_by_role("button", name="Close episode").click()
    episode = patient.episodes.get()
    assert episode.status == EpisodeStatus.DISCHARGED and episode.discharged_on == today

    page.goto(f"/transitions/episodes/{episode.uuid}/packet/")
    assert_accessible(page)
    page.get_by_label("Send to").select_option(label=str(provider))
    page.get_by_role("button", name="Send the packet").click()
    expect(page.get_by_role("alert")).to_contain_text("No signed authorization")
    assert not Disclosure.objects.exists()

    page.get_by_role("link", name="Record a consent").first.click()
    page.get_by_label("Kind of consent").select_option(label="42 CFR Part 2 consent")
    page.get_by_label("Recipient (a named provider or organization)").select_option(label=str(provider))
    page.get_by_label("Transition packet").check()
    page.get_by_label("Treatment (continuity of care)").check()
    page.get_by_label("Or expires on another event").fill("One year after discharge")
    page.get_by_label("I explained to the patient").check()
    page.get_by_label("Patient's full name, as signed").fill(
        f"{patient.legal_given_name} {patient.legal_family_name}"
    )
    page.get_by_label("Signed on screen: the patient read this consent").check()
    page.get_by_role("button", name="Record the consent").click()
    expect(page.get_by_role("status")).to_contain_text("Consent recorded.")

    page.goto(f"/transitions/episodes/{episode.uuid}/packet/")
    page.get_by_label("Send to").select_option(label=str(provider))
    with page.expect_download() as download:
        page.get_by_role("button", name="Send the packet").click()
    content = open(download.value.path(), "rb").read()
    assert b"42 CFR part 2 prohibits unauthorized use or disclosure of these records." in content
    disclosure = Disclosure.objects.get()
    assert disclosure.sha256 == hashlib.sha256(content).hexdigest()
    assert disclosure.description == "Discharge transition packet"
