"""The questionnaire pages: entering a paper form (validation, blanks, duplicates, languages), the result
with the crisis message, a patient's list, entered in error, and who may open what."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.home.models import Task
from openiop.measures.models import Administration, MeasureAlert, ScoreStatus
from openiop.patients.services import break_glass_open

from .routes import PHQ9_CALM, PHQ9_ITEM9, record


def enter_url(world, code="PHQ-9"):
    return reverse("measures:enter", kwargs={"patient_uuid": world.patient_a.uuid, "code": code})


def form_data(answers, **extra):
    data = {"completed_on": timezone.localdate().isoformat(), "occasion": "weekly", "language": "en"}
    data.update({f"item_{key}": "" if value is None else str(value) for key, value in answers.items()})
    data.update(extra)
    return data


def test_the_entry_page_shows_every_item_with_its_options(world, client_for):
    response = client_for(world.alice).get(enter_url(world))
    body = response.content.decode()
    assert "Enter a PHQ-9 for Avery Synthetic" in body
    assert "Thoughts that you would be better off dead or of hurting yourself in some way" in body
    assert body.count('name="item_9"') == 4 and "Nearly every day" in body
    assert "Over the last 2 weeks" in body
    [event] = AuditEvent.objects.filter(action=Action.VIEW, patient=world.patient_a)
    assert event.detail["page"] == "enter" and event.detail["instrument"] == "PHQ-9"


def test_the_entry_page_speaks_the_form_s_language(world, client_for):
    body = client_for(world.alice).get(enter_url(world) + "?language=es").content.decode()
    assert "Poco interés o placer en hacer cosas" in body and 'lang="es"' in body
    # GAD-7 has no Spanish form: English it is.
    body = client_for(world.alice).get(enter_url(world, "GAD-7") + "?language=es").content.decode()
    assert 'value="en"' in body


def test_an_unknown_instrument_is_404(world, client_for):
    assert client_for(world.alice).get(enter_url(world, "NOPE")).status_code == 404


def test_entering_item_9_positive_shows_the_crisis_message_and_makes_a_same_day_task(world, client_for):
    client = client_for(world.alice)
    response = client.post(enter_url(world), form_data(PHQ9_ITEM9), follow=True)
    body = response.content.decode()
    assert "Urgent alert raised" in body
    assert "Urgent: same-day clinical evaluation needed" in body and "988" in body
    assert "Minimal" in body and 'class="result-total">3' in body
    assert "Item 9 (thoughts of death or of self-harm) answered above 0" in body
    administration = Administration.objects.get()
    assert administration.occasion == "weekly" and administration.total == 3
    alert = MeasureAlert.objects.get()
    assert Task.objects.get(pk=alert.task_id).due_on == timezone.localdate()
    my_day = client.get(reverse("home:my_day")).content.decode()
    assert "URGENT today: risk assessment" in my_day


def test_unanswered_items_must_be_confirmed_and_the_answers_are_kept(world, client_for):
    client = client_for(world.alice)
    answers = {**PHQ9_CALM, "5": None}
    response = client.post(enter_url(world), form_data(answers))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Items 5 are unanswered" in body and 'role="alert"' in body
    assert 'value="1" id="id_item_2_1" checked' in body  # the answers typed are kept
    assert not Administration.objects.exists()
    response = client.post(enter_url(world), form_data(answers, confirm_missing="on"))
    assert response.status_code == 302
    assert Administration.objects.get().status == ScoreStatus.PRORATED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (form_data({**PHQ9_CALM, "9": 7}), "Select a valid choice"),
        (
            form_data(
                PHQ9_CALM, completed_on=(timezone.localdate() + datetime.timedelta(days=1)).isoformat()
            ),
            "cannot be in the future",
        ),
        (form_data(PHQ9_CALM, completed_on="2026-08-01"), "before this episode"),
        (form_data(dict.fromkeys(PHQ9_CALM)), "Answer at least one item"),
    ],
)
def test_invalid_forms_re_render_with_the_reason(world, client_for, data, message):
    response = client_for(world.alice).post(enter_url(world), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Administration.objects.exists()


def test_the_same_form_twice_warns_and_saves_only_when_confirmed(world, client_for):
    client = client_for(world.alice)
    assert client.post(enter_url(world), form_data(PHQ9_CALM)).status_code == 302
    response = client.post(enter_url(world), form_data(PHQ9_CALM))
    body = response.content.decode()
    assert response.status_code == 200 and "looks like a form already entered" in body
    assert "Save anyway: the patient really completed this form twice" in body
    assert Administration.objects.count() == 1
    assert client.post(enter_url(world), form_data(PHQ9_CALM, confirm_duplicate="on")).status_code == 302
    assert Administration.objects.count() == 2


@pytest.mark.parametrize("who", ["bob", "dana", "ivan", "charlie", "audrey", "adam", "pat_a"])
def test_only_the_care_team_enters(world, client_for, who):
    response = client_for(getattr(world, who)).post(enter_url(world), form_data(PHQ9_CALM))
    assert response.status_code == 403
    assert not Administration.objects.exists()


def test_the_patient_page_lists_results_and_marks_those_in_error(world, client_for):
    kept = record(world, PHQ9_CALM).administration
    wrong = record(world, PHQ9_ITEM9, day=timezone.localdate() - datetime.timedelta(days=3)).administration
    client = client_for(world.alice)
    client.post(
        reverse("measures:administration_in_error", kwargs={"administration_uuid": wrong.uuid}),
        {"reason": "Entered on the wrong patient."},
    )
    page = client.get(reverse("measures:patient_home", kwargs={"patient_uuid": world.patient_a.uuid}))
    body = page.content.decode()
    assert 'class="in-error"' in body and "Entered in error" in body
    assert str(kept.uuid) in body
    assert "Open urgent alerts" in body  # the alert of the wrong entry is still open, never dismissed


def test_the_in_error_page_needs_a_reason(world, client_for):
    administration = record(world, PHQ9_CALM).administration
    url = reverse("measures:administration_in_error", kwargs={"administration_uuid": administration.uuid})
    response = client_for(world.paul).post(url, {"reason": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    administration.refresh_from_db()
    assert not administration.entered_in_error


def test_marking_in_error_reminds_that_the_alert_stays_open(world, client_for):
    administration = record(world, PHQ9_ITEM9).administration
    url = reverse("measures:administration_in_error", kwargs={"administration_uuid": administration.uuid})
    response = client_for(world.alice).post(url, {"reason": "Wrong form."}, follow=True)
    body = response.content.decode()
    assert "Its urgent alert is still open" in body and "Entered in error" in body


def test_the_result_page_is_audited_once(world, client_for):
    administration = record(world, PHQ9_CALM).administration
    client = client_for(world.dana)
    before = AuditEvent.objects.count()
    response = client.get(
        reverse("measures:administration_detail", kwargs={"administration_uuid": administration.uuid})
    )
    assert response.status_code == 200
    assert "Answers, item by item" in response.content.decode()
    [event] = AuditEvent.objects.order_by("seq")[before:]
    assert (event.action, event.object_id, event.actor) == (Action.VIEW, str(administration.uuid), world.dana)


def test_break_the_glass_reads_and_is_recorded(world, client_for):
    administration = record(world, PHQ9_CALM).administration
    url = reverse("measures:administration_detail", kwargs={"administration_uuid": administration.uuid})
    client = client_for(world.bob)
    assert "/break-glass/" in client.get(url)["Location"]
    access = break_glass_open(user=world.bob, patient=world.patient_a, reason="Covering a crisis call")
    assert client.get(url).status_code == 200
    event = AuditEvent.objects.filter(action=Action.VIEW, object_id=str(administration.uuid)).get()
    assert event.detail["break_glass"] == str(access.uuid)


def test_the_enter_choice_puts_what_is_due_first(world, client_for):
    from openiop.measures.models import MeasureSchedule

    MeasureSchedule.objects.create(
        program=world.program_a,
        instrument_code="GAD-7",
        occasion="weekly",
        weekday=timezone.localdate().weekday(),
    )
    body = (
        client_for(world.alice)
        .get(reverse("measures:enter_choose", kwargs={"patient_uuid": world.patient_a.uuid}))
        .content.decode()
    )
    assert "Enter the GAD-7" in body and "?occasion=weekly" in body
    assert "Ask Suicide-Screening Questions" in body or "ASQ" in body
