"""The public self-check "Is IOP right for me?" clicked through in Chromium, each page checked with axe."""

import pytest
from playwright.sync_api import expect

from openiop.intake.models import Referral, ReferralSource
from openiop.intake.selfcheck_content import QUESTIONS_BY_ID

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

CALM = {
    "impact_work": "0",
    "impact_relationships": "1",
    "impact_daily": "0",
    "harm_self": "none",
    "harm_others": "none",
    "recent_care": "none",
    "home_support": "safe",
    "substance_use": "none",
    "can_attend": "yes",
    "weekly_therapy": "no",
}
OUTCOMES = {
    "outpatient": (CALM, "Outpatient care may be enough"),
    "iop": (
        {**CALM, "impact_daily": "3", "can_attend": "maybe"},
        "An intensive outpatient program (IOP) may fit",
    ),
    "more_intensive": (
        {**CALM, "impact_daily": "3", "home_support": "unsafe"},
        "A more intensive level of care may be safer right now",
    ),
}
CRISIS = {**CALM, "harm_self": "plan"}


def answer(page, answers):
    """Tick each answer by its label, inside the group its question's legend names."""
    for question_id, value in answers.items():
        question = QUESTIONS_BY_ID[question_id]
        label = str(next(option.label for option in question.options if option.value == value))
        page.get_by_role("group", name=str(question.text)).get_by_label(label, exact=True).check()


def take_the_self_check(page, answers):
    page.goto("/check/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Is IOP right for me?")
    answer(page, answers)
    page.get_by_role("button", name="See my result").click()


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_each_outcome_is_explained_with_reasons(page, world, outcome):
    answers, title = OUTCOMES[outcome]
    page.goto("/check/")
    assert_accessible(page)
    take_the_self_check(page, answers)

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("#crisis")).to_have_count(0)
    expect(page.locator(".selfcheck-reasons li").first).to_be_visible()
    expect(page.get_by_text("This is not a diagnosis.")).to_be_visible()
    expect(page.get_by_role("heading", name="Ask for a consultation")).to_be_visible()
    assert_accessible(page)
    assert Referral.objects.count() == 0
    assert not page.console_errors


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_a_crisis_answer_shows_988_first_above_the_result(request, world, viewport):
    page = request.getfixturevalue(viewport)
    take_the_self_check(page, CRISIS)

    crisis = page.locator("#crisis")
    outcome = page.locator("#outcome-heading")
    expect(crisis).to_be_visible()
    expect(crisis.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(crisis.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")
    expect(crisis.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    expect(crisis).to_contain_text("emergency department")
    expect(outcome).to_have_text("A more intensive level of care may be safer right now")
    # First visually: the whole crisis box sits above the outcome heading, and in the first screenful.
    box, heading = crisis.bounding_box(), outcome.bounding_box()
    assert box["y"] + box["height"] <= heading["y"]
    assert box["y"] < page.viewport_size["height"]
    # First in the DOM: the first heading on the page is the crisis box's.
    expect(page.get_by_role("heading", level=1)).to_have_text("If you are in danger, get help now")
    assert_accessible(page)


def test_asking_for_a_consultation_with_consent(page, world, settings):
    settings.OPENIOP_SELFCHECK_MIN_SECONDS = 0
    answers, _title = OUTCOMES["iop"]
    take_the_self_check(page, answers)

    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Example")
    page.get_by_label("Email").fill("robin@example.invalid")
    page.get_by_label("Program you are interested in").select_option(label=world.program_a.name)
    page.get_by_label("Best time to contact you").fill("Weekday mornings")

    # Without consent nothing is sent, and the form says why, keeping what was typed.
    page.get_by_role("button", name="Ask to be contacted").click()
    expect(page.get_by_role("alert")).to_contain_text("tick the box to agree")
    expect(page.get_by_label("First name")).to_have_value("Robin")
    assert_accessible(page)
    assert Referral.objects.count() == 0

    page.get_by_label("I agree that the program may store my answers and contact me").check()
    page.get_by_role("button", name="Ask to be contacted").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your request was sent")
    expect(page.get_by_role("link", name="Call 988")).to_be_visible()
    assert_accessible(page)
    referral = Referral.objects.get()
    assert referral.source == ReferralSource.SELF
    assert referral.self_check["answers"] == answers
    assert referral.program == world.program_a


def test_a_request_sent_within_seconds_is_refused_with_a_message(page, world, settings):
    settings.OPENIOP_SELFCHECK_MIN_SECONDS = 60
    take_the_self_check(page, CALM)
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Example")
    page.get_by_label("Phone", exact=True).fill("555-0100")
    page.get_by_label("Program you are interested in").select_option(label=world.program_a.name)
    page.get_by_label("I agree that the program may store my answers and contact me").check()
    page.get_by_role("button", name="Ask to be contacted").click()
    expect(page.get_by_role("alert")).to_contain_text("quicker than we expected")
    assert Referral.objects.count() == 0


def test_the_self_check_in_spanish(phone_page, world):
    page = phone_page
    page.goto("/check/")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("¿Es un IOP adecuado para mí?")
    assert page.locator("html").get_attribute("lang") == "es"
    assert_accessible(page)
    # The harm question answered "a plan or intent now" in Spanish: the crisis box comes first, in Spanish.
    for question_id, value in CRISIS.items():
        page.locator(f'input[name="{question_id}"][value="{value}"]').check()
    page.get_by_role("button", name="Ver mi resultado").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Si está en peligro, busque ayuda ahora")
    expect(page.get_by_role("link", name="Llamar al 988")).to_be_visible()
    assert_accessible(page)


def test_the_self_check_works_without_javascript(browser, live_server, world):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        take_the_self_check(page, OUTCOMES["iop"][0])
        expect(page.get_by_role("heading", level=1)).to_have_text(OUTCOMES["iop"][1])
    finally:
        context.close()


def test_unanswered_questions_are_named_and_answers_kept(page, world):
    page.goto("/check/")
    answer(page, {"impact_work": "2", "harm_self": "none"})
    page.get_by_role("button", name="See my result").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please answer every question")
    expect(page.locator("input[name=impact_work][value='2']")).to_be_checked()
    summary.get_by_role("link").first.click()
    assert_accessible(page)
