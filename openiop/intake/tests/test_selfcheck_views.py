"""The public self-check pages at /check/: questions, results, the consultation request and its guards."""

import time

import pytest
from django.urls import reverse

from openiop.intake.forms_selfcheck import read_answers, sign_answers
from openiop.intake.models import Referral, ReferralSource, ReferralStatus

try:
    from openiop.intake.services import referral_create_from_self_check  # noqa: F401

    HAS_SERVICE = True
except ImportError:  # being written by another engineer
    HAS_SERVICE = False

needs_service = pytest.mark.skipif(not HAS_SERVICE, reason="referral_create_from_self_check not written yet")

URL = "/check/"

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
IOP_ANSWERS = {**CALM, "recent_care": "residential"}
CRISIS_ANSWERS = {**CALM, "harm_self": "plan"}


@pytest.fixture(autouse=True)
def _no_minimum_delay(settings):
    settings.OPENIOP_SELFCHECK_MIN_SECONDS = 0


def evaluate(client, answers, *, lang="", **headers):
    data = {"step": "evaluate", **answers, **({"lang": lang} if lang else {})}
    return client.post(URL, data, **headers)


def contact_data(world, answers=CALM, **changes):
    data = {
        "step": "contact",
        "token": sign_answers(answers),
        "given_name": "Robin",
        "family_name": "Example",
        "phone": "555-0100",
        "email": "",
        "program": str(world.program_a.uuid),
        "best_time_to_contact": "Weekday mornings",
        "consent": "on",
        "website": "",
        "lang": "en",
    }
    data.update(changes)
    return data


# --- The questions -----------------------------------------------------------------------------------


def test_the_url_is_check_at_the_site_root():
    assert reverse("intake:selfcheck") == "/check/"
    assert reverse("intake:selfcheck_thanks") == "/check/thanks/"


@pytest.mark.django_db
def test_anyone_can_open_the_questions(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Is IOP right for me?</h1>" in html
    assert html.count("<fieldset") == 10
    assert html.count('type="radio"') == 3 * 4 + 2 * 4 + 5 + 3 + 4 + 3 + 3
    assert "not a diagnosis" in html
    assert 'href="tel:988"' in html


@pytest.mark.django_db
def test_a_signed_in_user_can_open_the_questions_too(world, client_for):
    assert client_for(world.alice).get(URL).status_code == 200


@pytest.mark.django_db
def test_every_option_has_a_label_and_every_question_a_legend(client):
    html = client.get(URL).content.decode()
    assert html.count("<legend>") == 10
    assert html.count('<label for="id_impact_work_') == 4


@pytest.mark.django_db
def test_missing_answers_rerender_with_errors_and_keep_the_others(client):
    partial = dict(CALM)
    del partial["harm_others"]
    response = evaluate(client, partial)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please answer every question" in html
    assert 'href="#id_harm_others_0"' in html
    assert 'value="plan"' in html
    assert 'name="impact_relationships" value="1" id="id_impact_relationships_1" required checked' in html
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_option_is_an_error_not_a_crash(client):
    response = evaluate(client, {**CALM, "harm_self": "whatever"})
    assert response.status_code == 200
    assert "Please choose an answer." in response.content.decode()


# --- Results -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_crisis_answers_show_988_before_the_outcome_heading(client):
    response = evaluate(client, CRISIS_ANSWERS)
    html = response.content.decode()
    assert response.status_code == 200
    crisis = html.index('id="crisis"')
    assert crisis < html.index('href="tel:988"') < html.index('id="outcome-heading"')
    assert html.index('href="tel:911"') < html.index('id="outcome-heading"')
    assert "emergency department" in html[crisis : html.index('id="outcome-heading"')]
    assert "A more intensive level of care may be safer right now" in html
    assert Referral.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "title"),
    [
        (CALM, "Outpatient care may be enough"),
        (IOP_ANSWERS, "An intensive outpatient program (IOP) may fit"),
        (
            {**CALM, "home_support": "unsafe", "impact_daily": "3"},
            "A more intensive level of care may be safer",
        ),
    ],
)
def test_each_outcome_is_shown_with_reasons_and_a_consultation_form(client, world, answers, title):
    html = evaluate(client, answers).content.decode()
    assert f'<h1 id="outcome-heading">{title}' in html
    assert 'id="crisis"' not in html
    assert '<ul class="selfcheck-reasons">' in html and "<li>" in html
    assert "This is not a diagnosis" in html
    assert "I agree that the program may store my answers and contact me" in html
    assert world.program_a.name in html and world.program_b.name in html
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_only_active_programs_are_offered(client, world):
    world.program_b.is_active = False
    world.program_b.save()
    html = evaluate(client, CALM).content.decode()
    assert world.program_a.name in html and world.program_b.name not in html


@pytest.mark.django_db
def test_the_answers_travel_signed_in_the_consultation_form(client, world):
    html = evaluate(client, IOP_ANSWERS).content.decode()
    start = html.index('name="token" value="') + len('name="token" value="')
    token = html[start : html.index('"', start)]
    assert read_answers(token).answers == IOP_ANSWERS


# --- The consultation request -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_consent_nothing_is_stored_and_the_form_says_why(client, world):
    data = contact_data(world)
    del data["consent"]
    response = client.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "tick the box to agree" in html
    assert 'value="Robin"' in html
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_a_phone_or_an_email_is_needed(client, world):
    response = client.post(URL, contact_data(world, phone=""))
    assert "Give a phone number or an email address" in response.content.decode()
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_an_invalid_email_is_refused_keeping_the_input(client, world):
    response = client.post(URL, contact_data(world, email="not-an-email"))
    html = response.content.decode()
    assert 'value="not-an-email"' in html
    assert 'aria-describedby="id_email_error"' in html
    assert Referral.objects.count() == 0


@needs_service
@pytest.mark.django_db
def test_with_consent_one_self_referral_is_created_with_the_answers(client, world):
    response = client.post(URL, contact_data(world, answers=IOP_ANSWERS, email="robin@example.invalid"))
    assert response.status_code == 302
    assert response["Location"] == "/check/thanks/?lang=en"
    referral = Referral.objects.get()
    assert referral.source == ReferralSource.SELF
    assert referral.status == ReferralStatus.NEW
    assert referral.program == world.program_a
    assert (referral.given_name, referral.family_name) == ("Robin", "Example")
    assert (referral.phone, referral.email) == ("555-0100", "robin@example.invalid")
    assert referral.best_time_to_contact == "Weekday mornings"
    assert referral.self_check["answers"] == IOP_ANSWERS
    assert referral.self_check["outcome"] == "iop"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "What happens next" in thanks.content.decode()
    assert 'href="tel:988"' in thanks.content.decode()


@needs_service
@pytest.mark.django_db
def test_sending_the_same_result_twice_makes_one_referral(client, world):
    data = contact_data(world)
    assert client.post(URL, data)["Location"] == "/check/thanks/?lang=en"
    assert client.post(URL, data)["Location"] == "/check/thanks/?lang=en"
    assert Referral.objects.count() == 1


@needs_service
@pytest.mark.django_db
def test_a_request_in_spanish_is_stored_with_its_language(client, world):
    response = client.post(URL, contact_data(world, lang="es"))
    assert response["Location"] == "/check/thanks/?lang=es"
    assert Referral.objects.get().preferred_language == "es"


@pytest.mark.django_db
def test_a_filled_honeypot_stores_nothing_and_clears_the_trap(client, world):
    response = client.post(URL, contact_data(world, website="http://spam.example"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "We could not send your request" in html
    assert "spam.example" not in html
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_the_honeypot_is_hidden_from_people_and_assistive_technology(client, world):
    html = evaluate(client, CALM).content.decode()
    trap = html[html.index('class="selfcheck-hp"') - 20 : html.index('name="website"') + 80]
    assert 'aria-hidden="true"' in trap
    assert 'tabindex="-1"' in trap
    assert "Leave this empty" in trap


@pytest.mark.django_db
def test_a_request_sent_too_fast_is_refused_with_a_message(client, world, settings):
    settings.OPENIOP_SELFCHECK_MIN_SECONDS = 3
    response = client.post(URL, contact_data(world))
    assert response.status_code == 200
    assert "quicker than we expected" in response.content.decode()
    assert Referral.objects.count() == 0


@needs_service
@pytest.mark.django_db
def test_a_request_sent_after_the_minimum_delay_is_accepted(client, world, settings):
    settings.OPENIOP_SELFCHECK_MIN_SECONDS = 3
    data = contact_data(world, token=sign_answers(CALM, now=time.time() - 5))
    assert client.post(URL, data).status_code == 302
    assert Referral.objects.count() == 1


@pytest.mark.django_db
def test_a_request_from_a_page_open_more_than_two_hours_is_refused(client, world):
    data = contact_data(world, token=sign_answers(CALM, now=time.time() - 2 * 60 * 60 - 5))
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "more than 2 hours" in response.content.decode()
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_tampered_answers_are_refused(client, world):
    token = sign_answers(CALM)
    value, signature = token.rsplit(":", 1)
    forged = sign_answers(CRISIS_ANSWERS).rsplit(":", 1)[0] + ":" + signature
    for bad in (value + ":" + signature[::-1], forged, "", "nonsense"):
        response = client.post(URL, contact_data(world, token=bad))
        assert response.status_code == 400
        html = response.content.decode()
        assert "We could not read your answers" in html
        assert 'href="tel:988"' in html
    assert Referral.objects.count() == 0


# --- Rate limits ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_too_many_evaluations_from_one_address_get_429_with_the_crisis_line(client, world, settings):
    settings.OPENIOP_SELFCHECK_EVALUATIONS_PER_HOUR = 3
    for _ in range(3):
        assert evaluate(client, CALM).status_code == 200
    response = evaluate(client, CALM)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many requests" in html
    assert 'href="tel:988"' in html and 'href="tel:911"' in html
    # Another address is not affected.
    assert evaluate(client, CALM, REMOTE_ADDR="192.0.2.7").status_code == 200


@pytest.mark.django_db
def test_too_many_consultation_requests_from_one_address_get_429(client, world, settings):
    settings.OPENIOP_SELFCHECK_REQUESTS_PER_HOUR = 2
    data = contact_data(world)
    del data["consent"]  # refused requests count too
    for _ in range(2):
        assert client.post(URL, data).status_code == 200
    assert client.post(URL, data).status_code == 429
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_showing_the_questions_is_not_rate_limited(client, settings):
    settings.OPENIOP_SELFCHECK_EVALUATIONS_PER_HOUR = 1
    for _ in range(5):
        assert client.get(URL).status_code == 200


# --- Spanish ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_questions_in_spanish(client):
    response = client.get(URL + "?lang=es")
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "¿Es un IOP adecuado para mí?" in html
    assert "¿Ha tenido pensamientos de hacerse daño o de quitarse la vida?" in html
    assert 'name="lang" value="es"' in html
    assert response["Content-Language"] == "es"


@pytest.mark.django_db
def test_the_crisis_result_in_spanish(client, world):
    html = evaluate(client, CRISIS_ANSWERS, lang="es").content.decode()
    assert "Si está en peligro, busque ayuda ahora" in html
    assert "Llamar al 988" in html
    assert "Puede que un nivel de atención más intensivo sea más seguro ahora" in html
    assert "Esto no es un diagnóstico" in html
    assert html.index('href="tel:988"') < html.index('id="outcome-heading"')


@pytest.mark.django_db
def test_the_browser_language_is_used_when_none_is_chosen(client):
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "¿Es un IOP adecuado para mí?" in html


@pytest.mark.django_db
def test_an_unknown_language_falls_back(client):
    html = client.get(URL + "?lang=xx").content.decode()
    assert "Is IOP right for me?" in html
