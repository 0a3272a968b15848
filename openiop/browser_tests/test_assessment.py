"""A clinician records a level-of-care assessment: ratings, the live recommendation, an override that is
refused without a reason and accepted with one, and the signed assessment."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.intake.models import LevelOfCareAssessment

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# All rated 2: composite 14, intensive outpatient, no override rule fires.
DIMENSIONS = [
    "risk_of_harm",
    "functional_status",
    "co_occurring_conditions",
    "recovery_environment_stress",
    "recovery_environment_support",
    "treatment_history",
    "engagement",
]
REASON = "Lives alone two hours away; needs daily structure for the first weeks after discharge."


def test_clinician_overrides_the_recommendation_only_with_a_reason_and_signs(page, world):
    sign_in(page, "alice", PASSWORD)
    page.goto(reverse("intake:assessment_create", kwargs={"patient_uuid": world.patient_a.uuid}))
    expect(page.get_by_role("heading", level=1)).to_have_text("Level-of-care assessment")
    panel = page.locator("#recommendation")
    expect(panel).to_contain_text("0 of 7 rated")
    assert_accessible(page)

    for dimension in DIMENSIONS[:-1]:
        page.locator(f"#id_rating_{dimension}_1").check()
    expect(panel).to_contain_text("6 of 7 rated")  # htmx updates the panel as ratings change
    page.get_by_role("group", name="Engagement").get_by_label("3 · Ambivalent", exact=False).check()
    expect(panel.get_by_role("heading", level=2)).to_have_text("Recommendation: Intensive outpatient")
    expect(panel).to_contain_text("Composite score 15 (possible 7–35)")
    decision = page.get_by_role("group", name="Level of care you determine")
    expect(decision.get_by_label("Intensive outpatient (recommended)")).to_be_checked()
    page.locator("#id_rating_engagement_1").check()
    expect(panel).to_contain_text("Composite score 14")
    assert_accessible(page)

    decision.get_by_label("Partial hospitalization").check()
    page.get_by_role("button", name="Sign assessment").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(
        "You chose Partial hospitalization but the rubric recommends Intensive outpatient: say why"
    )
    assert not LevelOfCareAssessment.objects.exists()
    assert_accessible(page)

    page.get_by_label("Why a different level from the recommendation").fill(REASON)
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.get_by_role("status").filter(has_text="Assessment signed.")).to_be_visible()
    expect(page.locator(".banner-warning")).to_contain_text(REASON)
    expect(page.get_by_role("row", name="Risk of harm")).to_contain_text("2 · Low")
    assessment = LevelOfCareAssessment.objects.get()
    assert (assessment.recommended_level, assessment.determined_level) == (
        "intensive_outpatient",
        "partial_hospitalization",
    )
    assert_accessible(page)
    assert not page.console_errors
