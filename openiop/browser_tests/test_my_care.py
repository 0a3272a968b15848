"""A patient's own page, on a phone."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_patient_lands_on_my_care_on_a_phone_with_the_crisis_box_first(phone_page, world):
    page = phone_page
    sign_in(page, "pat_a", PASSWORD)

    expect(page).to_have_url(re.compile(r"/my-care/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Avery")
    crisis = page.get_by_role("complementary", name="If you are in crisis")
    expect(crisis).to_contain_text("988")
    expect(crisis).to_be_in_viewport()
    # First in the page's content: before the greeting, in reading order and on screen.
    first = page.locator("main .page *").first
    expect(first).to_have_class(re.compile(r"\bnarrow\b"))
    expect(first.locator("> *").first).to_have_class(re.compile(r"\bcrisis\b"))
    crisis_top = crisis.bounding_box()["y"]
    assert crisis_top < page.get_by_role("heading", level=1).bounding_box()["y"]

    program = page.get_by_role("region", name="Your program")
    expect(program).to_contain_text("Adult Mental Health IOP")
    expect(program).to_contain_text("Active")
    expect(program).to_contain_text("Your group meets: Morning")
    team = page.get_by_role("region", name="Your care team")
    expect(team).to_contain_text("Alice Test, LCSW — Primary clinician")
    expect(team).to_contain_text("Paul Test, MD — Psychiatrist")
    expect(page.locator("main")).not_to_contain_text("Blake")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page scrolls sideways on a phone ({width}px)"
    assert_accessible(page)
