"""The patient portal on a phone (360 px): a patient accepts an invitation, completes a PHQ-9 one question
per screen, logs a skills practice, opens their safety plan and downloads their record; switching to
Spanish translates the portal and the PHQ-9. axe-core on every page."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import PASSWORD, make_patient
from openiop.invitations.services import invitation_create
from openiop.measures.models import Administration, MeasureSchedule, Source
from openiop.patients.models import CareTeamRole, Language
from openiop.safety.tests.factories import signed_plan
from openiop.skills.models import PracticeLogEntry

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
NEW_PASSWORD = "a long and quiet river 1987"


def _phq9_at_admission(world):
    MeasureSchedule.objects.get_or_create(
        program=world.program_a, instrument_code="PHQ-9", occasion="admission", defaults={"active": True}
    )


def _answer_all(page, choose, count=10):
    for number in range(1, count + 1):
        expect(
            page.get_by_text(re.compile(rf"(Question|Pregunta) {number} (of|de) {count}")).first
        ).to_be_visible()
        if number == 1:
            assert_accessible(page)
        page.get_by_label(choose(number)).check()
        page.get_by_role("button", name=re.compile("^(Next|Send|Siguiente|Enviar)$")).click()


def test_a_patient_accepts_the_invitation_and_uses_the_portal_on_a_phone(phone_page, world):
    page = phone_page
    _phq9_at_admission(world)
    patient = make_patient(
        given="Rosa",
        family="Synthetic",
        program=world.program_a,
        track=world.track_a,
        care_team=[(world.alice, CareTeamRole.PRIMARY_CLINICIAN)],
    )
    patient.email = "rosa.synthetic@example.org"
    patient.save()
    signed_plan(patient, world.alice)
    _invitation, token = invitation_create(patient=patient, by=world.alice)

    page.goto(reverse("portal:invite_accept", args=[token]))
    assert_accessible(page)
    page.get_by_label("Your date of birth").fill(patient.date_of_birth.isoformat())
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Rosa")
    expect(page.locator(".portal-crisis")).to_be_in_viewport()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("navigation", name="My care").get_by_role("link", name="Questionnaires").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start").first.click()
    # "Several days" (1) for the nine symptoms but "Not at all" for thoughts of self-harm; the last
    # question (how difficult) is answered too.
    _answer_all(page, lambda n: "Not at all" if n == 9 else "Several days" if n < 9 else "Somewhat difficult")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    administration = Administration.objects.get(patient=patient)
    assert (administration.total, administration.source) == (8, Source.PORTAL)

    page.get_by_role("navigation", name="My care").get_by_role("link", name="Skills").click()
    assert_accessible(page)
    page.get_by_role("link", name="Add practice").click()
    assert_accessible(page)
    page.get_by_label("Or say the skill in your own words").fill("Paced breathing")
    page.get_by_label("What was happening?").fill("Crowded bus on the way to work")
    page.get_by_label("How upset were you before?").fill("7")
    page.get_by_label("How upset were you after?").fill("4")
    page.get_by_label("When?").fill(patient.episodes.get().admitted_on.isoformat())
    page.get_by_role("button", name="Save").click()
    entry = PracticeLogEntry.objects.get(patient=patient)
    assert (entry.distress_before, entry.distress_after) == (7, 4)

    page.get_by_role("link", name="My safety plan").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("988")
    assert_accessible(page)

    page.get_by_role("navigation", name="My care").get_by_role("link", name="My record").click()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download as PDF")).click()
    assert open(download.value.path(), "rb").read().startswith(b"%PDF")


def test_switching_to_spanish_translates_the_portal_and_the_phq9(phone_page, world):
    page = phone_page
    _phq9_at_admission(world)
    sign_in(page, "pat_a", PASSWORD)
    page.get_by_role("navigation", name="My care").get_by_role("link", name="Settings").click()
    page.get_by_label("Español").check()
    page.get_by_role("button", name="Save my language").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    world.patient_a.refresh_from_db()
    assert world.patient_a.language == Language.SPANISH
    assert_accessible(page)

    page.goto(reverse("portal:home"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hola")
    nav = page.get_by_role("navigation", name="Mi atención")
    nav.get_by_role("link", name="Cuestionarios").click()
    page.get_by_role("button", name="Empezar").first.click()
    expect(page.locator("form.portal-question")).to_contain_text("Ningún día")
    expect(page.get_by_text("Pregunta 1 de 10")).to_be_visible()
    assert_accessible(page)
