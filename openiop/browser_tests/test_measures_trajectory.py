"""A patient's chart shows their PHQ-9 trajectory with a reliable improvement; the trajectory page charts it
with the severity bands and lists every score in a table. Both pages pass axe-core."""

import datetime

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.measures.tests.outcome_factories import series

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ADMITTED = datetime.date(2026, 9, 8)


def test_chart_shows_a_trajectory_with_reliable_improvement(page, world):
    episode = world.patient_a.episodes.get()
    series(episode, "PHQ-9", [18, 15, 11, 8], start=ADMITTED, by=world.alice)
    series(episode, "GAD-7", [12, 11], start=ADMITTED, by=world.alice)

    sign_in(page, "alice", PASSWORD)
    page.goto(f"/patients/{world.patient_a.uuid}/")
    progress = page.get_by_role("region", name="Progress on measures")
    phq9 = progress.get_by_role("article", name="PHQ-9")
    expect(phq9).to_contain_text("Baseline 18, latest 8 (−10): reliable improvement")
    expect(phq9.get_by_role("img", name="PHQ-9 scores over time")).to_be_visible()
    expect(progress.get_by_role("article", name="GAD-7")).to_contain_text("no reliable change")
    assert_accessible(page)

    phq9.get_by_role("link", name="PHQ-9 trajectory and scores").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("PHQ-9 trajectory — Avery Synthetic")
    expect(page.get_by_role("img", name="PHQ-9 scores over time")).to_be_visible()
    summary = page.get_by_role("region", name="Change from baseline")
    expect(summary).to_contain_text("Reliable improvement")
    expect(summary).to_contain_text("Week 2 (2026-09-22)")
    table = page.get_by_role("table", name="Every PHQ-9 score in this episode, oldest first")
    expect(table.get_by_role("row")).to_have_count(5)  # header + 4 scores
    expect(table.get_by_role("row", name="2026-09-22")).to_contain_text("Reliable improvement")
    expect(page.get_by_role("region", name="How change is judged")).to_contain_text(
        "a change of 6 or more points"
    )
    assert_accessible(page)
    assert not page.console_errors
