"""The demo's clinical records: treatment plans, safety plans, skills and notes, loaded after the calendar.

Each app tests its own loader; this checks they work together in the real demo, in order, once.
"""

import datetime

import pytest
from django.urls import reverse

from openiop.accounts.models import User
from openiop.coordination.models import Consent, Disclosure, Provider
from openiop.demo.builder import load_demo
from openiop.notes.models import GroupNote, GroupNoteEntry, Note, NoteStatus
from openiop.patients.models import EpisodeStatus, Patient
from openiop.safety.models import Plan as SafetyPlan
from openiop.skills.models import Homework, PracticeLogEntry, SessionLesson
from openiop.treatment.models import PlanStatus, TreatmentPlan

TODAY = datetime.date(2026, 11, 27)


@pytest.fixture
def demo(db):
    return load_demo(today=TODAY)


def test_active_patients_have_plans_lessons_and_notes_and_a_reload_adds_nothing(demo):
    active = Patient.objects.filter(episodes__status=EpisodeStatus.ACTIVE).distinct()
    assert TreatmentPlan.objects.filter(status=PlanStatus.ACTIVE).count() >= active.count() // 2
    assert SafetyPlan.objects.exists() and SessionLesson.objects.exists()
    assert Homework.objects.exists() and PracticeLogEntry.objects.exists()
    assert Note.objects.filter(status=NoteStatus.SIGNED).exists()
    # The group note fans out to attendees, linked to objectives of their own active plans.
    entry = GroupNoteEntry.objects.filter(objectives__isnull=False).select_related("episode").first()
    assert entry is not None
    for objective in entry.objectives.all():
        plan = objective.goal.problem.plan
        assert plan.episode_id == entry.episode_id and plan.status == PlanStatus.ACTIVE
    assert GroupNote.objects.exists()
    # Care coordination: demo providers, a Part 2 consent and one disclosure in the accounting.
    assert Provider.objects.exists() and Consent.objects.exists() and Disclosure.objects.count() == 1
    assert not Patient.objects.filter(is_synthetic=False).exists()
    assert load_demo(today=TODAY).nothing_changed


def test_the_demo_clinicians_chart_pages_show_the_clinical_records(demo, client):
    clinician = User.objects.get(username="clinician")
    client.force_login(clinician)
    patient = Patient.objects.filter(
        episodes__status=EpisodeStatus.ACTIVE, episodes__care_team_members__user=clinician
    ).first()
    body = client.get(reverse("patients:chart", kwargs={"patient_uuid": patient.uuid})).content.decode()
    for heading in ("Treatment plan", "Safety plan", "Skills", "Notes"):
        assert heading in body, heading
    assert client.get(reverse("home:my_day")).status_code == 200
