"""A clinician writes a treatment plan on one screen, the patient signs in person, the physician signs, and
the plan becomes the active plan shown on the chart."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.treatment.models import PlanStatus, TreatmentPlan

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_clinician_writes_patient_and_physician_sign_plan_shows_on_chart(page, world):
    target = world.patient_a.episodes.get().admitted_on + datetime.timedelta(days=90)

    sign_in(page, "alice", PASSWORD)
    page.goto(f"/patients/{world.patient_a.uuid}/")
    chart_plan = page.get_by_role("region", name="Treatment plan")
    expect(chart_plan).to_contain_text("No plan yet")
    chart_plan.get_by_role("link", name="Write the treatment plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Treatment plan — Avery Synthetic")
    assert_accessible(page)
    page.get_by_role("button", name="Write the treatment plan").click()

    # The editor: an empty draft. Add a problem (it comes with a goal, an objective and an intervention).
    expect(page.get_by_role("heading", level=1)).to_contain_text("draft version 1")
    page.get_by_role("button", name="Add a problem").click()
    expect(page.get_by_role("status")).to_contain_text("Problem added.")
    page.get_by_label("Problem (required)", exact=True).fill("Major depressive disorder, recurrent, moderate")
    page.get_by_label("ICD-10-CM code").fill("f331")
    page.get_by_label("Goal, in the patient's own words").fill(
        "I want to feel like myself again and go back to work."
    )
    page.get_by_label("Objective (measurable)").fill("Use a coping skill when low mood starts")
    page.get_by_label("Baseline").fill("Rarely")
    page.get_by_label("Target (required)", exact=True).fill("5 of 7 days, logged")
    page.get_by_label("Target date").fill(target.isoformat())
    page.get_by_label("Modality").select_option(label="DBT skills")
    page.get_by_label("Frequency").fill("3 groups a week")
    page.get_by_label("Responsible staff").select_option(label="Alice Test, LCSW")
    assert_accessible(page)
    # A mistake first: the form comes back with the message at the field and the text kept.
    page.get_by_label("Target date").fill("")
    page.get_by_role("button", name="Save draft").first.click()
    expect(page.get_by_role("alert")).to_contain_text("Give a target date.")
    expect(page.get_by_label("Goal, in the patient's own words")).to_have_value(
        "I want to feel like myself again and go back to work."
    )
    assert_accessible(page)
    page.get_by_label("Target date").fill(target.isoformat())
    page.get_by_role("button", name="Save and send for signatures").click()
    expect(page.get_by_role("status")).to_contain_text("Saved and sent for signatures.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("version 1")
    expect(page.get_by_text("F33.1")).to_be_visible()

    # The clinician signs; the patient signs in person, witnessed by the clinician.
    page.get_by_label("I have reviewed this plan and agree with it.").check()
    page.get_by_role("button", name="Sign as clinician").click()
    expect(page.get_by_role("status")).to_contain_text("Signed.")
    page.get_by_label("Patient's full name, as they signed").fill("Avery Synthetic")
    page.get_by_label("Date signed").fill(timezone.localdate().isoformat())
    page.get_by_label("The patient read this plan").check()
    page.get_by_role("button", name="Record the patient's signature").click()
    expect(page.get_by_role("status")).to_contain_text("Signed.")
    expect(page.get_by_role("table", name="Signatures this version needs")).to_contain_text(
        "In person, witnessed"
    )
    assert_accessible(page)
    plan_url = page.url
    page.get_by_role("button", name="Sign out").click()

    # The physician signs: the plan becomes active.
    sign_in(page, "paul", PASSWORD)
    page.goto(plan_url)
    page.get_by_label("I have reviewed this plan and agree with it.").check()
    page.get_by_role("button", name="Sign as physician").click()
    expect(page.get_by_role("status")).to_contain_text("version 1 is now the active plan")
    assert_accessible(page)

    page.goto(f"/patients/{world.patient_a.uuid}/")
    chart_plan = page.get_by_role("region", name="Treatment plan")
    expect(chart_plan).to_contain_text("Active, version 1")
    expect(chart_plan).to_contain_text("I want to feel like myself again and go back to work.")
    expect(chart_plan).to_contain_text("Next review")
    assert_accessible(page)
    plan = TreatmentPlan.objects.get()
    assert plan.status == PlanStatus.ACTIVE
    assert plan.signatures.count() == 3
