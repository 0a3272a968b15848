"""A patient's own home page in the portal, on a phone."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_patient_lands_on_the_portal_on_a_phone_with_the_crisis_line_first(phone_page, world):
    page = phone_page
    sign_in(page, "pat_a", PASSWORD)

    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Avery")
    crisis = page.locator(".portal-crisis")
    expect(crisis).to_contain_text("988")
    expect(crisis).to_be_in_viewport()
    # First in the page's content: before the greeting, in reading order and on screen.
    first = page.locator("main .page .portal > *").first
    expect(first).to_have_class(re.compile(r"\bportal-crisis\b"))
    assert crisis.bounding_box()["y"] < page.get_by_role("heading", level=1).bounding_box()["y"]
    expect(page.get_by_role("link", name="Open my safety plan")).to_be_visible()

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
