"""One person's path from referral to admission, through the real pages and across roles: the intake
coordinator records and works the referral, a clinician of the program assesses the level of care, the
coordinator admits, and the primary clinician finds the new patient and their due items on "My day"."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.intake.models import DueItem, LevelOfCareAssessment, Referral, ReferralStatus
from openiop.intake.rubric_registry import DEFAULT_RUBRIC_ID, get_rubric
from openiop.patients.models import EpisodeStatus

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "Riley Journey"
REASON = "Discharged from the inpatient unit after a depressive episode; needs structure at home."
STEP_DOWN_REASON = "Stable after two weeks inpatient; ready for a lower level with daily structure."
DUE_KINDS = ("Baseline measures", "Initial treatment plan", "Physician certification of need")


def field(page, label):
    """A form field by its label, with or without the "(required)" the field template adds."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(required\))?$"))


def main_nav(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def change_status(page, label, **fields):
    page.get_by_label(label, exact=True).check()
    for name, value in fields.items():
        field(page, name).fill(value)
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status").filter(has_text=f"Moved to “{label}”")).to_be_visible()


def rate_every_dimension(page, rating):
    """Tick `rating` in each dimension's group, named by its legend, as a clinician would."""
    for dimension in get_rubric(DEFAULT_RUBRIC_ID).dimensions:
        anchor = dimension.anchor(rating)
        group = page.get_by_role("group", name=dimension.title, exact=True)
        group.get_by_label(f"{rating} · {anchor.label}:", exact=False).check()


def ivan_records_and_works_the_referral(page) -> str:
    """Step 1. Returns the address of the assessment page offered on the referral."""
    sign_in(page, "ivan", PASSWORD)
    main_nav(page, "Referrals")
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
    assert_accessible(page)

    page.get_by_role("link", name="Record a referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a referral")
    assert_accessible(page)
    page.get_by_label("Program").select_option(label="Adult Mental Health IOP")
    page.get_by_label("Referral source").select_option(label="Inpatient unit")
    page.get_by_label("Urgency").select_option(label="Urgent (within 72 hours)")
    field(page, "Reason for referral").fill(REASON)
    field(page, "First name").fill("Riley")
    field(page, "Last name").fill("Journey")
    field(page, "Date of birth").fill("1988-03-09")
    field(page, "Phone").fill("555-0142")
    page.get_by_role("button", name="Record referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_role("status").filter(has_text=f"Referral recorded for {NAME}.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="All referrals").click()
    new_column = page.get_by_role("region", name=re.compile(r"^New"))
    card = new_column.get_by_role("listitem").filter(has=page.get_by_role("link", name=NAME))
    expect(card).to_contain_text("Inpatient unit")
    expect(card.get_by_text("Urgent", exact=True)).to_be_visible()
    card.get_by_role("link", name=NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)

    change_status(page, "Contacted")
    expect(page.locator(".timeline")).to_contain_text("New → Contacted")
    change_status(page, "Assessment booked", **{"Assessment date and time": "2030-01-15T10:30"})
    expect(page.locator(".timeline")).to_contain_text("Contacted → Assessment booked")
    expect(page.locator(".chart-header")).to_contain_text("2030-01-15 10:30")
    assert_accessible(page)

    patient_section = page.locator("section", has=page.get_by_role("heading", name="Patient", exact=True))
    expect(patient_section).to_contain_text("No existing patient has this name and date of birth.")
    patient_section.get_by_text("Register as a new patient").click()
    expect(page.get_by_label("Legal first name")).to_have_value("Riley")
    expect(page.get_by_label("Legal last name")).to_have_value("Journey")
    page.get_by_role("button", name="Register and link").click()

    referral = Referral.objects.get(family_name="Journey")
    assert referral.patient is not None and referral.episode.status == EpisodeStatus.REFERRAL
    number = referral.patient.record_number
    expect(page.get_by_role("status").filter(has_text=f"Linked to {NAME} ({number}).")).to_be_visible()
    expect(page.get_by_role("link", name=f"{NAME} ({number})")).to_be_visible()
    assessment_link = page.get_by_role("link", name="Record the level-of-care assessment")
    expect(assessment_link).to_be_visible()
    expect(page.get_by_role("link", name="Admit", exact=True)).to_have_count(0)  # not assessed yet
    assert_accessible(page)
    href = assessment_link.get_attribute("href")
    sign_out(page)
    return href


def alice_assesses(page, assessment_url):
    """Step 2. alice is a clinician of the program but on no care team of this person yet: she finds them
    in the patient list and opens the assessment offered on the referral (no break-the-glass needed)."""
    sign_in(page, "alice", PASSWORD)
    main_nav(page, "Patients")
    page.get_by_label("Name or record number").fill("Journey")
    results = page.locator("#results")
    row = results.get_by_role("row").filter(has=page.get_by_role("link", name=NAME))
    expect(row).to_contain_text("Referral")
    expect(results).to_contain_text("1 patient")
    assert_accessible(page)

    page.goto(assessment_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Level-of-care assessment")
    expect(page.locator("dl.facts")).to_contain_text(NAME)
    expect(page.locator("dl.facts")).to_contain_text("(Assessment booked)")
    panel = page.locator("#recommendation")
    expect(panel).to_contain_text("0 of 7 rated")
    assert_accessible(page)

    rate_every_dimension(page, 2)
    expect(panel.get_by_role("heading", level=2)).to_have_text("Recommendation: Intensive outpatient")
    expect(panel).to_contain_text("Composite score 14")
    decision = page.get_by_role("group", name="Level of care you determine")
    expect(decision.get_by_label("Intensive outpatient (recommended)")).to_be_checked()
    assert_accessible(page)

    decision.get_by_label("Partial hospitalization").check()
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "You chose Partial hospitalization but the rubric recommends Intensive outpatient: say why"
    )
    assert not LevelOfCareAssessment.objects.exists()
    assert_accessible(page)

    decision = page.get_by_role("group", name="Level of care you determine")
    expect(decision.get_by_label("Partial hospitalization")).to_be_checked()  # her choice is kept
    decision.get_by_label("Intensive outpatient (recommended)").check()
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.get_by_role("status").filter(has_text="Assessment signed.")).to_be_visible()
    expect(page.get_by_role("row", name="Risk of harm")).to_contain_text("2 · Low")
    assert_accessible(page)
    assessment = LevelOfCareAssessment.objects.get()
    assert assessment.assessed_by.username == "alice"
    assert assessment.determined_level == assessment.recommended_level == "intensive_outpatient"
    assert Referral.objects.get(family_name="Journey").status == ReferralStatus.ASSESSED
    sign_out(page)


def ivan_admits(page):
    """Step 3."""
    sign_in(page, "ivan", PASSWORD)
    main_nav(page, "Referrals")
    assessed_column = page.get_by_role("region", name=re.compile(r"^Assessed"))
    assessed_column.get_by_role("link", name=NAME).click()
    expect(page.locator(".chart-header")).to_contain_text("Assessed")
    expect(page.locator(".timeline")).to_contain_text("Assessment booked → Assessed")
    assert_accessible(page)

    page.get_by_role("link", name="Admit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Admit {NAME}")
    expect(page.get_by_text("Latest assessment: Intensive outpatient")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile("^Track")).select_option(
        label="Morning (Mon/Wed/Fri 09:00–12:00): 1 of 12 places taken"
    )
    page.get_by_label(re.compile("^Primary clinician")).select_option(label="Alice Test, LCSW")
    page.get_by_label(re.compile("^Psychiatrist")).select_option(label="Paul Test, MD")
    page.get_by_label(re.compile("^Stepping down from")).select_option(label="Inpatient")
    field(page, "From which organization").fill("County Hospital inpatient unit")
    field(page, "Reason for the step down").fill(STEP_DOWN_REASON)
    page.get_by_role("button", name="Admit", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_role("status").filter(has_text="Admitted to Morning")).to_be_visible()
    header = page.locator(".chart-header")
    expect(header).to_contain_text("Active")
    expect(header).to_contain_text("Alice Test, LCSW (Primary clinician)")
    path = page.locator("section", has=page.get_by_role("heading", name="Path through care"))
    expect(path).to_contain_text("Inpatient → Intensive outpatient")
    expect(path).to_contain_text(STEP_DOWN_REASON)
    due_section = page.locator("section", has=page.get_by_role("heading", name="Due items"))
    expect(due_section.locator("tbody tr")).to_have_count(3)
    for kind in DUE_KINDS:
        expect(due_section.get_by_role("row").filter(has_text=kind)).to_contain_text("Open")
    assert_accessible(page)

    main_nav(page, "Due items")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Due items")
    due_rows = page.get_by_role("row").filter(has=page.get_by_role("link", name=NAME))
    expect(due_rows).to_have_count(3)
    for kind in DUE_KINDS:
        expect(due_rows.filter(has_text=kind)).to_have_count(1)
    assert_accessible(page)

    main_nav(page, "Referrals")
    board = page.locator(".board")
    expect(board.get_by_role("link", name=NAME)).to_have_count(0)
    closed = page.locator("details.closed-referrals")
    closed.locator("summary").click()
    card = closed.get_by_role("listitem").filter(has=page.get_by_role("link", name=NAME))
    expect(card).to_contain_text("Admitted")
    assert_accessible(page)
    sign_out(page)


def alice_sees_her_new_patient(page):
    """Step 4."""
    sign_in(page, "alice", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("My day")
    caseload = page.locator("section", has=page.get_by_role("heading", name="My caseload"))
    entry = caseload.get_by_role("listitem").filter(has=page.get_by_role("link", name=NAME))
    expect(entry).to_contain_text("Morning")
    expect(entry).to_contain_text("Active")
    due = page.locator("#due-item-list")
    expect(due.get_by_role("listitem").filter(has_text=NAME)).to_have_count(2)
    expect(due).to_contain_text(f"Baseline measures — {NAME}")
    expect(due).to_contain_text(f"Initial treatment plan — {NAME}")
    expect(due).not_to_contain_text("Physician certification")  # paul's, not hers
    assert_accessible(page)

    entry.get_by_role("link", name=NAME).click()  # now on the care team: the chart opens directly
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.locator(".banner-warning")).to_have_count(0)


def test_a_person_goes_from_referral_to_admission_across_roles(page, world):
    assessment_url = ivan_records_and_works_the_referral(page)
    alice_assesses(page, assessment_url)
    ivan_admits(page)
    alice_sees_her_new_patient(page)

    referral = Referral.objects.get(family_name="Journey")
    assert referral.status == ReferralStatus.ADMITTED
    owners = dict(DueItem.objects.filter(episode=referral.episode).values_list("kind", "owner__username"))
    assert owners == {
        "baseline_measures": "alice",
        "initial_treatment_plan": "alice",
        "certification": "paul",
    }
    assert not page.console_errors
