"""The patient list searches as you type (htmx), and the address keeps the search."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_typing_a_name_updates_the_results_and_the_address_without_submitting(page, world):
    sign_in(page, "alice", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Avery Synthetic")).to_be_visible()
    expect(results.get_by_role("link", name="Blake Synthetic")).to_be_visible()
    expect(results).not_to_contain_text("Casey")  # program B: not in alice's census
    assert_accessible(page)
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_label("Name or record number").press_sequentially("blak")

    expect(results.get_by_role("link", name="Avery Synthetic")).to_have_count(0)
    expect(results.get_by_role("link", name="Blake Synthetic")).to_be_visible()
    expect(results).to_contain_text("1 patient")
    expect(page).to_have_url(re.compile(r"/patients/\?(.*&)?q=blak(&|$)"))
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    assert_accessible(page)

    # By record number, replacing the text.
    page.get_by_label("Name or record number").fill(world.patient_a.record_number)
    expect(results.get_by_role("link", name="Blake Synthetic")).to_have_count(0)
    expect(results.get_by_role("link", name="Avery Synthetic")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"[?&]q={world.patient_a.record_number}(&|$)"))

    page.get_by_label("Name or record number").fill("nobody")
    expect(results).to_contain_text("No patients match.")
    assert page.evaluate("window.stillTheSamePage") is True
    assert_accessible(page)

    # The pushed address is a real page: loading it shows the same search.
    page.reload()
    expect(page.get_by_label("Name or record number")).to_have_value("nobody")
    expect(results).to_contain_text("No patients match.")
