"""A director's outcomes page shows the program's rates with their denominators, by track and by primary
clinician; a wrong period comes back with the message at the field. axe-core checks each state."""

import datetime

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.measures.tests.outcome_factories import series

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ADMITTED = datetime.date(2026, 9, 8)


def test_director_sees_program_outcome_rates(page, world):
    series(world.patient_a.episodes.get(), "PHQ-9", [18, 12, 4], start=ADMITTED)  # improvement, remission
    series(world.patient_b.episodes.get(), "PHQ-9", [12, 14], start=ADMITTED)  # no reliable change

    sign_in(page, "dana", PASSWORD)
    page.goto("/measures/outcomes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Program outcomes")
    page.get_by_label("Instrument").select_option("PHQ-9")
    page.get_by_label("From", exact=True).fill("2026-09-01")
    page.get_by_label("To", exact=True).fill("2026-11-30")
    page.get_by_role("button", name="Show outcomes").click()

    figures = page.get_by_role("table", name="Outcome figures, each with its denominator")
    expect(figures.get_by_role("row", name="Reliable improvement")).to_contain_text("50% (1 of 2)")
    expect(figures.get_by_role("row", name="Response")).to_contain_text("50% (1 of 2)")
    expect(figures.get_by_role("row", name="Remission")).to_contain_text("50% (1 of 2)")
    expect(figures.get_by_role("row", name="Reliable improvement")).to_contain_text(
        "2 with baseline and follow-up"
    )
    expect(page.get_by_role("img", name="PHQ-9 outcomes, 2026-09-01 to 2026-11-30")).to_be_visible()
    expect(
        page.get_by_role("table", name="Outcomes by track; rates with their counts and denominators")
    ).to_contain_text("Morning")
    expect(
        page.get_by_role(
            "table", name="Outcomes by primary clinician; rates with their counts and denominators"
        )
    ).to_contain_text("Alice Test, LCSW")
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
    assert_accessible(page)

    # A period that ends before it starts: the message at the field, the dates kept.
    page.get_by_label("From", exact=True).fill("2026-11-30")
    page.get_by_label("To", exact=True).fill("2026-09-01")
    page.get_by_role("button", name="Show outcomes").click()
    expect(page.get_by_role("alert")).to_contain_text("Correct the filters above")
    expect(page.get_by_text("The end of the period must not be before its start.")).to_be_visible()
    expect(page.get_by_label("From", exact=True)).to_have_value("2026-11-30")
    assert_accessible(page)
    assert not page.console_errors
