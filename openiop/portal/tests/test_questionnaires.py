"""The portal's questionnaires: one question per screen, progress saved, crisis resources after a critical
answer (with exactly one staff alert), Spanish texts, results shared by a clinician, and nobody else's
draft or result."""

import re

import pytest
from django.urls import reverse

from openiop.audit.models import AuditEvent
from openiop.measures.models import Administration, MeasureAlert, MeasureSchedule, ResponseDraft, Source
from openiop.measures.services import administration_share
from openiop.measures.tests.routes import PHQ9_CALM, record

PHQ9 = {"1": 1, "2": 2, "3": 0, "4": 3, "5": 1, "6": 0, "7": 2, "8": 1, "9": 0}  # total 10
CRISIS = 'id="crisis-now"'


@pytest.fixture
def due_phq9(world):
    """Program A gives the PHQ-9 at admission: patient_a (admitted in September) has it due."""
    return MeasureSchedule.objects.create(
        program=world.program_a, instrument_code="PHQ-9", occasion="admission"
    )


def start(client):
    response = client.post(reverse("portal:questionnaire_start", args=["PHQ-9", "admission"]))
    assert response.status_code == 302
    return ResponseDraft.objects.get(), response["Location"]


def step_url(draft, number):
    return reverse("portal:questionnaire_step", args=[draft.uuid, number])


def answer(client, draft, number, value):
    return client.post(step_url(draft, number), {"answer": value})


def test_the_list_shows_what_is_due(world, client_for, due_phq9):
    response = client_for(world.pat_a).get(reverse("portal:questionnaires"))
    assert response.status_code == 200
    assert "Patient Health Questionnaire-9" in response.content.decode()
    assert reverse("portal:questionnaire_start", args=["PHQ-9", "admission"]) in response.content.decode()


def test_one_question_per_screen_through_all_items_records_the_total(world, client_for, due_phq9):
    client = client_for(world.pat_a)
    draft, location = start(client)
    assert location == step_url(draft, 1)
    page = client.get(location).content.decode()
    assert "Question 1 of 10" in page
    assert "Over the last 2 weeks" in page
    assert "Little interest or pleasure in doing things" in page
    for number, (key, value) in enumerate(PHQ9.items(), 1):
        response = answer(client, draft, number, value)
        assert response["Location"] == step_url(draft, number + 1)
        assert ResponseDraft.objects.get().answers[key] == value  # saved at once
    response = answer(client, draft, 10, 1)
    assert response["Location"] == reverse("portal:questionnaire_thanks")
    administration = Administration.objects.get()
    assert (administration.total, administration.source, administration.language) == (10, Source.PORTAL, "en")
    assert administration.occasion == "admission"
    assert not ResponseDraft.objects.exists()
    thanks = client.get(response["Location"]).content.decode()
    assert "Your care team will see them" in thanks
    assert CRISIS not in thanks and ">10<" not in thanks  # the score is not shown unless shared


def test_the_last_question_may_be_left_blank_when_optional(world, client_for, due_phq9):
    client = client_for(world.pat_a)
    draft, _ = start(client)
    for number, value in enumerate(PHQ9.values(), 1):
        answer(client, draft, number, value)
    response = client.post(step_url(draft, 10), {})
    assert response["Location"] == reverse("portal:questionnaire_thanks")
    assert Administration.objects.get().answers["difficulty"] is None


def test_leaving_midway_and_coming_back_resumes_where_you_stopped(world, client_for, due_phq9):
    client = client_for(world.pat_a)
    draft, _ = start(client)
    for number in (1, 2, 3):
        answer(client, draft, number, 1)
    listing = client.get(reverse("portal:questionnaires")).content.decode()
    assert "You answered 3 of 10 questions" in listing
    assert step_url(draft, 4) in listing
    again, location = start(client)
    assert again == draft and location == step_url(draft, 4)
    back = client.get(step_url(draft, 2)).content.decode()
    assert back.count(" checked") == 1 and re.search(r"value=\"1\"[^>]* checked", back)


def test_a_critical_answer_shows_crisis_help_next_and_raises_one_alert(world, client_for, due_phq9):
    client = client_for(world.pat_a)
    draft, _ = start(client)
    for number in range(1, 9):
        answer(client, draft, number, 0)
    assert CRISIS not in client.get(step_url(draft, 9)).content.decode()
    response = answer(client, draft, 9, 2)
    page = client.get(response["Location"]).content.decode()
    assert CRISIS in page and 'href="tel:988"' in page and 'href="sms:988"' in page and "tel:911" in page
    alert = MeasureAlert.objects.get()
    assert alert.administration is None and alert.draft == draft and alert.patient == world.patient_a
    assert alert.assigned_to == world.alice and alert.task is not None
    assert "not finished" in alert.message
    # Back and forth: change the answer, answer again: still one alert.
    answer(client, draft, 9, 0)
    answer(client, draft, 9, 3)
    client.get(step_url(draft, 9))
    assert MeasureAlert.objects.count() == 1
    response = answer(client, draft, 10, 0)
    assert response["Location"] == reverse("portal:questionnaire_thanks") + "?crisis=1"
    assert CRISIS in client.get(response["Location"]).content.decode()
    alert.refresh_from_db()
    assert MeasureAlert.objects.count() == 1
    assert alert.administration == Administration.objects.get() and alert.draft is None


def test_staff_can_open_an_alert_from_an_unfinished_questionnaire(world, client_for, due_phq9):
    client = client_for(world.pat_a)
    draft, _ = start(client)
    answer(client, draft, 9, 1)
    alert = MeasureAlert.objects.get()
    page = client_for(world.alice).get(reverse("measures:alert_detail", args=[alert.uuid]))
    assert page.status_code == 200
    assert "has not finished this questionnaire" in page.content.decode()


def test_spanish_patient_reads_the_spanish_text(world, client_for, due_phq9):
    world.patient_a.language = "es"
    world.patient_a.save()
    client = client_for(world.pat_a)
    draft, _ = start(client)
    page = client.get(step_url(draft, 9)).content.decode()
    assert "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera" in page
    assert "Casi todos los días" in page
    for number, value in enumerate(PHQ9.values(), 1):
        answer(client, draft, number, value)
    answer(client, draft, 10, 0)
    assert Administration.objects.get().language == "es"


@pytest.mark.parametrize("value", ["4", "-1", "x", ""])
def test_answers_out_of_range_are_refused_and_nothing_saved(world, client_for, due_phq9, value):
    client = client_for(world.pat_a)
    draft, _ = start(client)
    response = client.post(step_url(draft, 1), {"answer": value})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.answers == {}


def test_a_question_number_outside_the_questionnaire_is_not_found(world, client_for, due_phq9):
    client = client_for(world.pat_a)
    draft, _ = start(client)
    assert client.get(step_url(draft, 11)).status_code == 404
    assert client.get(step_url(draft, 0)).status_code == 404


def test_only_due_questionnaires_can_be_started(world, client_for, due_phq9):
    url = reverse("portal:questionnaire_start", args=["GAD-7", "admission"])
    assert client_for(world.pat_a).post(url).status_code == 404
    assert not ResponseDraft.objects.exists()


def test_another_patients_draft_is_not_found(world, client_for, due_phq9):
    draft, _ = start(client_for(world.pat_a))
    client = client_for(world.pat_b)
    assert client.get(step_url(draft, 1)).status_code == 404
    assert client.post(step_url(draft, 1), {"answer": 3}).status_code == 404
    assert ResponseDraft.objects.get().answers == {}
    listing = client.get(reverse("portal:questionnaires")).content.decode()
    assert str(draft.uuid) not in listing
    assert world.patient_a.record_number not in listing and "Avery" not in listing


def test_shared_results_only_and_only_ones_own(world, client_for):
    kept = record(world, PHQ9_CALM).administration
    shared = record(world, {**PHQ9_CALM, "1": 3}).administration
    administration_share(administration=shared, shared=True, by=world.alice)
    page = client_for(world.pat_a).get(reverse("portal:questionnaires")).content.decode()
    assert "Results your clinician shared" in page
    assert f"<td>{shared.total}</td>" in page and f"<td>{kept.total}</td>" not in page
    other = client_for(world.pat_b).get(reverse("portal:questionnaires")).content.decode()
    assert "Results your clinician shared" not in other


def test_each_page_leaves_an_audit_event(world, client_for, due_phq9):
    client = client_for(world.pat_a)
    before = AuditEvent.objects.count()
    client.get(reverse("portal:questionnaires"))
    assert AuditEvent.objects.count() == before + 1


@pytest.mark.parametrize("who", ["alice", "dana", "adam", "audrey"])
def test_staff_are_refused(world, client_for, due_phq9, who):
    assert client_for(getattr(world, who)).get(reverse("portal:questionnaires")).status_code == 403
    url = reverse("portal:questionnaire_start", args=["PHQ-9", "admission"])
    assert client_for(getattr(world, who)).post(url).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(reverse("portal:questionnaires"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_care_team_shares_a_result_from_the_staff_page(world, client_for):
    administration = record(world, PHQ9_CALM).administration
    detail = reverse("measures:administration_detail", args=[administration.uuid])
    share = reverse("measures:administration_share", args=[administration.uuid])
    alice = client_for(world.alice)
    assert "Share this result with the patient" in alice.get(detail).content.decode()
    assert alice.post(share, {"shared": "1"})["Location"] == detail
    administration.refresh_from_db()
    assert administration.shared_with_patient
    event = AuditEvent.objects.filter(detail__shared_with_patient=True).get()
    assert event.patient_id == world.patient_a.pk
    page = client_for(world.pat_a).get(reverse("portal:questionnaires")).content.decode()
    assert f"<td>{administration.total}</td>" in page
    client_for(world.alice).post(share, {"shared": "0"})
    administration.refresh_from_db()
    assert not administration.shared_with_patient


@pytest.mark.parametrize("who", ["bob", "dana", "charlie", "pat_a"])
def test_only_the_care_team_shares(world, client_for, who):
    administration = record(world, PHQ9_CALM).administration
    share = reverse("measures:administration_share", args=[administration.uuid])
    assert client_for(getattr(world, who)).post(share, {"shared": "1"}).status_code == 403
    administration.refresh_from_db()
    assert not administration.shared_with_patient


def test_the_api_lists_an_alert_from_an_unfinished_questionnaire(world, client_for, due_phq9, client):
    from openiop.accounts.services import token_create

    draft, _ = start(client_for(world.pat_a))
    answer(client_for(world.pat_a), draft, 9, 1)
    _, raw = token_create(user=world.alice, name="test")
    response = client.get("/api/v1/alerts", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    [alert] = response.json()
    assert alert["administration"] is None and alert["uuid"] == str(MeasureAlert.objects.get().uuid)
