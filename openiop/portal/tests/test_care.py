"""The portal's care part: skills (homework, practice log, lessons had), progress charts, my record
(PDF and FHIR downloads, who it was disclosed to). Each page shows only the signed-in patient's own record."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from openiop.audit.models import Action, AuditEvent
from openiop.coordination.tests.factories import failed_transmission
from openiop.measures.tests.outcome_factories import series
from openiop.notes.services import note_sign, process_note_create
from openiop.notes.tests.factories import draft_note
from openiop.portal.views_care import record_bundle, record_html
from openiop.scheduling.models import AttendanceStatus, SessionAttendee
from openiop.skills.models import EntrySource, HomeworkStatus, PracticeLogEntry
from openiop.skills.services import session_lesson_set
from openiop.skills.tests.factories import a_lesson, homework_for, skills_session
from openiop.transitions.models import Medication

pytestmark = pytest.mark.django_db

PROCESS_SECRET = "ZZ-PROCESS-MARKER-7731 private hypothesis"
NOTE_MARKER = "Reports better sleep."
PAGES = ["portal:skills", "portal:practice_add", "portal:progress", "portal:record"]
DOWNLOADS = ["portal:record_pdf", "portal:record_fhir"]


def _episode(patient):
    return patient.episodes.get()


@pytest.fixture
def record_a(world):
    """patient_a's record: a signed note, a process note (never shown), scores, a medication, homework."""
    note = draft_note(world)
    note_sign(note=note, version=note.version, by=world.alice)
    process_note_create(
        patient=world.patient_a,
        by=world.alice,
        text=PROCESS_SECRET,
        written_on=_episode(world.patient_a).admitted_on,
    )
    series(_episode(world.patient_a), "PHQ-9", [18, 12, 9], start=datetime.date(2026, 9, 9))
    Medication.objects.create(patient=world.patient_a, name="Sertraline", dose="50 mg", created_by=world.paul)
    return homework_for(world)


# --- access ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES + DOWNLOADS)
def test_anonymous_is_sent_to_sign_in_and_staff_are_refused(world, client, client_for, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "login" in response["Location"]
    assert client_for(world.alice).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_each_page_opens_for_the_patient_and_audits_one_view(world, client_for, record_a, name):
    client = client_for(world.pat_a)
    before = AuditEvent.objects.count()
    response = client.get(reverse(name))
    assert response.status_code == 200
    events = list(AuditEvent.objects.order_by("pk")[before:])
    assert len(events) == 1 and events[0].action == Action.VIEW and events[0].patient_id == world.patient_a.pk


@pytest.mark.parametrize("name", PAGES)
def test_pat_b_never_sees_patient_a(world, client_for, record_a, name):
    body = client_for(world.pat_b).get(reverse(name)).content.decode()
    for text in ("Avery", world.patient_a.record_number, record_a.title, "PHQ-9 score went"):
        assert text not in body


# --- skills ------------------------------------------------------------------------------------------------


def test_skills_shows_homework_practice_and_lessons_had(world, client_for, record_a):
    lesson = a_lesson()
    session = skills_session(
        world, timezone.localdate() - datetime.timedelta(days=3), [_episode(world.patient_a)]
    )
    SessionAttendee.objects.filter(session=session).update(status=AttendanceStatus.PRESENT)
    session_lesson_set(session=session, lesson=lesson, by=world.alice)
    body = client_for(world.pat_a).get(reverse("portal:skills")).content.decode()
    assert record_a.title in body and lesson.title in body and "Lower arousal." in body
    assert reverse("portal:homework_done", args=[record_a.uuid]) in body


def test_marking_homework_done_with_a_note(world, client_for, record_a):
    url = reverse("portal:homework_done", args=[record_a.uuid])
    client = client_for(world.pat_a)
    assert client.get(url).status_code == 200
    response = client.post(url, {"note": "Did it twice."})
    assert response.status_code == 302
    record_a.refresh_from_db()
    assert record_a.status == HomeworkStatus.DONE and record_a.completion_note == "Did it twice."
    assert record_a.completion_recorded_by == world.pat_a
    # Already marked: not overwritten from the portal.
    client.post(url, {"note": "again"})
    record_a.refresh_from_db()
    assert record_a.completion_note == "Did it twice."


def test_another_patients_homework_is_404(world, client_for, record_a):
    url = reverse("portal:homework_done", args=[record_a.uuid])
    assert client_for(world.pat_b).get(url).status_code == 404
    assert client_for(world.pat_b).post(url, {"note": "x"}).status_code == 404
    record_a.refresh_from_db()
    assert record_a.status == HomeworkStatus.ASSIGNED


def test_practice_is_logged_with_the_patient_as_author(world, client_for):
    lesson = a_lesson()
    response = client_for(world.pat_a).post(
        reverse("portal:practice_add"),
        {
            "skill": f"lesson:{lesson.uuid}",
            "situation": "Crowded bus",
            "distress_before": "8",
            "distress_after": "4",
            "practiced_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    entry = PracticeLogEntry.objects.get()
    assert entry.patient == world.patient_a and entry.lesson == lesson
    assert entry.entered_by == world.pat_a and entry.source == EntrySource.PATIENT
    assert (entry.distress_before, entry.distress_after) == (8, 4)


@pytest.mark.parametrize(
    "data, field",
    [
        (
            {"skill_text": "Breathing", "situation": "x", "distress_before": "11", "distress_after": "3"},
            "distress_before",
        ),
        (
            {"skill_text": "Breathing", "situation": "x", "distress_before": "2", "distress_after": "-1"},
            "distress_after",
        ),
        ({"skill_text": "Breathing", "distress_before": "2", "distress_after": "1"}, "situation"),
        ({"situation": "x", "distress_before": "2", "distress_after": "1"}, "skill"),
        ({"skill_text": "Breathing", "situation": "x", "distress_after": "1"}, "distress_before"),
    ],
)
def test_invalid_practice_re_renders_with_errors_and_saves_nothing(world, client_for, data, field):
    data = {"practiced_on": timezone.localdate().isoformat(), **data}
    response = client_for(world.pat_a).post(reverse("portal:practice_add"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert PracticeLogEntry.objects.count() == 0


def test_practice_in_the_future_is_refused_by_the_service(world, client_for):
    data = {
        "skill_text": "Breathing",
        "situation": "x",
        "distress_before": "3",
        "distress_after": "1",
        "practiced_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
    }
    response = client_for(world.pat_a).post(reverse("portal:practice_add"), data)
    assert response.status_code == 200 and "practiced_on" in response.context["form"].errors
    assert PracticeLogEntry.objects.count() == 0


# --- progress ----------------------------------------------------------------------------------------------


def test_progress_shows_the_chart_and_plain_words(world, client_for, record_a):
    body = client_for(world.pat_a).get(reverse("portal:progress")).content.decode()
    assert "<svg" in body and "Your PHQ-9 score went from 18 to 9. Lower is better." in body
    assert "real improvement" in body


# --- my record ---------------------------------------------------------------------------------------------


def test_record_pdf_downloads_with_an_export_event(world, client_for, record_a):
    response = client_for(world.pat_a).get(reverse("portal:record_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.order_by("-pk").first()
    assert event.action == Action.EXPORT and event.detail == {"portal": "record_pdf"}
    assert event.patient_id == world.patient_a.pk


def test_record_pdf_source_has_the_record_but_never_a_process_note(world, record_a):
    html = record_html(world.patient_a)
    for text in ("Avery", world.patient_a.record_number, NOTE_MARKER, "Sertraline", "PHQ-9", "Alice Test"):
        assert text in html
    assert PROCESS_SECRET not in html and "Blake" not in html


def test_record_fhir_bundle_validates_and_never_holds_a_process_note(world, client_for, record_a):
    response = client_for(world.pat_a).get(reverse("portal:record_fhir"))
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    assert response["Cache-Control"] == "no-store" and "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert PROCESS_SECRET not in text and "Blake" not in text
    bundle = json.loads(text)
    Bundle.model_validate(bundle) if hasattr(Bundle, "model_validate") else Bundle.parse_obj(bundle)
    types = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {"Patient", "EpisodeOfCare", "Observation", "DocumentReference"} <= types
    event = AuditEvent.objects.order_by("-pk").first()
    assert event.action == Action.EXPORT and event.detail["portal"] == "record_fhir"


def test_record_bundle_of_pat_b_holds_nothing_of_patient_a(world, record_a):
    text = json.dumps(record_bundle(world.patient_b, base_url="https://x.example/fhir", self_url="https://x"))
    assert "Avery" not in text and NOTE_MARKER not in text and str(world.patient_a.uuid) not in text


def test_record_page_lists_disclosures_of_the_own_record_only(world, client_for):
    failed_transmission(world.patient_a, world.alice)
    body_a = client_for(world.pat_a).get(reverse("portal:record")).content.decode()
    assert "Synthetic test document" in body_a and "Jordan Outpatient" in body_a
    body_b = client_for(world.pat_b).get(reverse("portal:record")).content.decode()
    assert "Synthetic test document" not in body_b
