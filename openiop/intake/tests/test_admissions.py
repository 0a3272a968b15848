"""Admission: the form, the service's rules, the due items it creates, and who may admit."""

import datetime
import uuid

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_patient, make_user
from openiop.accounts.models import Role, User
from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.intake.forms_admissions import AdmissionForm
from openiop.intake.models import Direction, DueItem, DueItemKind, LevelOfCareAssessment, LevelTransition
from openiop.intake.selectors_admissions import program_clinicians, program_psychiatrists
from openiop.patients.models import CareTeamRole, EpisodeStatus

REFERRED_ON = datetime.date(2026, 9, 1)


def assess(patient, by, *, level="intensive_outpatient", on=datetime.date(2026, 9, 5), override_reason=""):
    """A signed level-of-care assessment, made directly (the assessment UI is built elsewhere)."""
    return LevelOfCareAssessment.objects.create(
        patient=patient,
        rubric_id="openiop-loc",
        rubric_version="1.0.0",
        ratings={},
        recommended_level="intensive_outpatient",
        determined_level=level,
        override_reason=override_reason,
        assessed_on=on,
        assessed_by=by,
        signed_at=timezone.now(),
    )


def referred_patient(world, *, given="Drew", assessed=True, status=EpisodeStatus.REFERRAL):
    """A person referred to program A on 2026-09-01, assessed by alice unless `assessed` is False."""
    patient = make_patient(given=given, family="Referral", program=world.program_a, status=status)
    if assessed:
        assess(patient, world.alice)
    return patient


def admit_url(episode):
    return reverse("intake:admit", kwargs={"episode_uuid": episode.uuid})


def admission_data(world, **overrides):
    data = {
        "track": world.track_a.uuid,
        "admitted_on": timezone.localdate().isoformat(),
        "primary_clinician": world.alice.uuid,
        "psychiatrist": world.paul.uuid,
        "stepping_down_from": "",
        "from_setting": "",
        "transition_reason": "",
    }
    data.update(overrides)
    return data


def test_intake_coordinator_admits_an_assessed_referral_with_three_due_items(world, client_for):
    patient = referred_patient(world)
    episode = patient.episodes.get()
    response = client_for(world.ivan).post(admit_url(episode), admission_data(world), follow=True)
    today = timezone.localdate()

    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.ACTIVE
    assert episode.track == world.track_a and episode.admitted_on == today
    team = {(m.user.username, m.role) for m in episode.care_team_members.all()}
    assert team == {("alice", CareTeamRole.PRIMARY_CLINICIAN), ("paul", CareTeamRole.PSYCHIATRIST)}
    due = {item.kind: item for item in episode.due_items.all()}
    assert due[DueItemKind.BASELINE_MEASURES].due_on == today + datetime.timedelta(days=3)
    assert due[DueItemKind.INITIAL_TREATMENT_PLAN].due_on == today + datetime.timedelta(days=7)
    assert due[DueItemKind.CERTIFICATION].due_on == today + datetime.timedelta(days=3)
    assert due[DueItemKind.BASELINE_MEASURES].owner == world.alice
    assert due[DueItemKind.CERTIFICATION].owner == world.paul
    assert len(due) == 3

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("patients:chart", kwargs={"patient_uuid": patient.uuid})
    assert "Admitted to Morning. Due: Baseline measures by" in page
    assert "Initial treatment plan by" in page and "Physician certification of need by" in page
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, object_id=str(episode.uuid), actor=world.ivan, patient=patient
    ).exists()
    assert AuditEvent.objects.filter(
        action=Action.VIEW, object_id=str(episode.uuid), actor=world.ivan
    ).exists()


def test_the_programs_due_days_set_the_due_dates(world, client_for):
    world.program_a.baseline_measures_due_days = 2
    world.program_a.initial_plan_due_days = 10
    world.program_a.certification_due_days = 5
    world.program_a.save()
    episode = referred_patient(world).episodes.get()
    client_for(world.dana).post(admit_url(episode), admission_data(world))
    today = timezone.localdate()
    days = {item.kind: (item.due_on - today).days for item in DueItem.objects.filter(episode=episode)}
    assert days == {"baseline_measures": 2, "initial_treatment_plan": 10, "certification": 5}


def test_admission_without_an_assessment_is_refused_with_the_reason(world, client_for):
    episode = referred_patient(world, assessed=False).episodes.get()
    client = client_for(world.ivan)
    form_page = client.get(admit_url(episode)).content.decode()
    assert "No level-of-care assessment yet" in form_page
    response = client.post(admit_url(episode), admission_data(world))
    assert response.status_code == 200
    assert "Record a level-of-care assessment before admitting or waitlisting." in response.content.decode()
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.REFERRAL and not episode.due_items.exists()


def test_an_assessment_before_the_referral_does_not_count(world, client_for):
    patient = referred_patient(world, assessed=False)
    assess(patient, world.alice, on=REFERRED_ON - datetime.timedelta(days=30))
    response = client_for(world.ivan).post(admit_url(patient.episodes.get()), admission_data(world))
    assert "Record a level-of-care assessment" in response.content.decode()


def test_a_full_track_is_refused_on_the_track_field(world, client_for):
    world.track_a.capacity = 1  # patient_a already holds the one place
    world.track_a.save()
    episode = referred_patient(world).episodes.get()
    response = client_for(world.ivan).post(admit_url(episode), admission_data(world))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Morning is full (1 of 1 places). Add the person to the waitlist." in page
    assert 'id="id_track_error"' in page
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.REFERRAL


def test_the_form_shows_places_taken_and_the_determined_level(world, client_for):
    patient = referred_patient(world)
    page = client_for(world.ivan).get(admit_url(patient.episodes.get())).content.decode()
    assert "Morning (Mon/Wed/Fri 09:00–12:00): 1 of 12 places taken" in page
    assert "Latest assessment: Intensive outpatient" in page
    assert "Warning" not in page


def test_an_assessment_determining_another_level_is_warned_about(world, client_for):
    patient = referred_patient(world, assessed=False)
    assess(patient, world.alice, level="partial_hospitalization", override_reason="Daily support needed")
    page = client_for(world.ivan).get(admit_url(patient.episodes.get())).content.decode()
    assert "Warning: the assessment determined Partial hospitalization, not intensive outpatient." in page


def test_a_step_down_admission_records_the_transition(world, client_for):
    episode = referred_patient(world).episodes.get()
    data = admission_data(
        world,
        stepping_down_from="residential",
        from_setting="Hillside Residential",
        transition_reason="Completed 28 days; stable",
    )
    client_for(world.ivan).post(admit_url(episode), data)
    transition = LevelTransition.objects.get(episode=episode)
    assert (transition.from_level, transition.to_level) == ("residential", "intensive_outpatient")
    assert transition.direction == Direction.STEP_DOWN
    assert transition.from_setting == "Hillside Residential"
    assert transition.on == timezone.localdate()
    chart = client_for(world.ivan).get(
        reverse("patients:chart", kwargs={"patient_uuid": episode.patient.uuid})
    )
    assert "Residential → Intensive outpatient" in chart.content.decode()


def test_a_step_down_needs_a_reason(world, client_for):
    episode = referred_patient(world).episodes.get()
    response = client_for(world.ivan).post(
        admit_url(episode), admission_data(world, stepping_down_from="inpatient")
    )
    assert "Say why the person steps down to this program." in response.content.decode()
    assert not LevelTransition.objects.exists()


def test_the_primary_clinician_must_be_of_the_program(world, client_for):
    episode = referred_patient(world).episodes.get()
    response = client_for(world.ivan).post(
        admit_url(episode), admission_data(world, primary_clinician=world.charlie.uuid)
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


class _ReferenceStaffForm(forms.Form):
    """The admission form's staff fields as plain ModelChoiceFields, one get() each: the behaviour the
    single-query lookup of AdmissionForm must keep."""

    primary_clinician = forms.ModelChoiceField(queryset=None, to_field_name="uuid")
    psychiatrist = forms.ModelChoiceField(queryset=None, to_field_name="uuid", required=False)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["primary_clinician"].queryset = program_clinicians(program)
        self.fields["psychiatrist"].queryset = program_psychiatrists(program)


STAFF_CASES = {
    "both of the program": ("alice", "paul"),
    "a psychiatrist may be primary clinician": ("paul", "paul"),
    "no psychiatrist yet": ("alice", ""),
    "a clinician is not a psychiatrist": ("alice", "alice"),
    "a clinician of another program": ("charlie", "paul"),
    "a program director": ("dana", "paul"),
    "an inactive clinician": ("ines", "paul"),
    "no primary clinician": ("", "paul"),
    "an unknown uuid": (str(uuid.uuid4()), str(uuid.uuid4())),
    "not a uuid": ("not-a-uuid", "12"),
    "a null character": ("a\x00b", "paul"),
}


@pytest.mark.parametrize(("primary", "psychiatrist"), STAFF_CASES.values(), ids=STAFF_CASES.keys())
def test_the_staff_fields_validate_as_plain_model_choice_fields(world, primary, psychiatrist):
    make_user("ines", Role.CLINICIAN, programs=[world.program_a], is_active=False)
    people = {u.username: str(u.uuid) for u in User.objects.all()}
    data = admission_data(
        world,
        primary_clinician=people.get(primary, primary),
        psychiatrist=people.get(psychiatrist, psychiatrist),
    )
    episode = referred_patient(world).episodes.get()
    form = AdmissionForm(data, episode=episode)
    reference = _ReferenceStaffForm(data, program=world.program_a)
    form.is_valid(), reference.is_valid()
    for name in ("primary_clinician", "psychiatrist"):
        assert form.errors.get(name) == reference.errors.get(name)
        assert form.cleaned_data.get(name) == reference.cleaned_data.get(name)


def test_the_staff_fields_are_looked_up_in_one_query(world):
    episode = referred_patient(world).episodes.get()
    with CaptureQueriesContext(connection) as queries:
        form = AdmissionForm(admission_data(world), episode=episode)
        assert form.is_valid(), form.errors
    user_queries = [q["sql"] for q in queries if f'FROM "{User._meta.db_table}"' in q["sql"]]
    assert len(user_queries) == 1, user_queries
    assert form.cleaned_data["primary_clinician"] == world.alice
    assert form.cleaned_data["psychiatrist"] == world.paul


def test_an_active_episode_cannot_be_admitted_again(world, client_for):
    episode = world.patient_a.episodes.get()
    response = client_for(world.ivan).get(admit_url(episode), follow=True)
    assert "Only a referral or a waitlisted person can be admitted." in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("ivan", 200),
        ("dana", 200),
        ("alice", 403),
        ("bob", 403),
        ("paul", 403),
        ("charlie", 403),
        ("audrey", 403),
        ("adam", 403),
        ("pat_a", 403),
        ("pat_b", 403),
    ],
)
def test_who_may_open_the_admission_form(world, client_for, role, expected):
    episode = referred_patient(world).episodes.get()
    assert client_for(getattr(world, role)).get(admit_url(episode)).status_code == expected


def test_anonymous_is_sent_to_sign_in(world, client):
    episode = referred_patient(world).episodes.get()
    response = client.get(admit_url(episode))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_an_intake_coordinator_of_another_program_is_refused_and_audited(world, client_for):
    irene = make_user("irene", Role.INTAKE_COORDINATOR, programs=[world.program_b])
    episode = referred_patient(world).episodes.get()
    response = client_for(irene).post(admit_url(episode), admission_data(world))
    assert response.status_code == 403
    assert "Drew" not in response.content.decode()
    refusal = AuditEvent.objects.get(actor=irene, action=Action.ACCESS_REFUSED)
    assert refusal.outcome == Outcome.REFUSED and refusal.detail["permission"] == "intake.admit"
    assert refusal.patient == episode.patient
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.REFERRAL


def test_an_unknown_episode_is_not_found(world, client_for):
    url = reverse("intake:admit", kwargs={"episode_uuid": "00000000-0000-0000-0000-000000000000"})
    assert client_for(world.ivan).get(url).status_code == 404


def test_waitlisting_puts_the_episode_on_the_programs_waitlist(world, client_for):
    episode = referred_patient(world).episodes.get()
    url = reverse("intake:waitlist_add", kwargs={"episode_uuid": episode.uuid})
    response = client_for(world.ivan).post(
        url,
        {"track": "", "urgency": "soon", "stepping_down_from": "partial_hospitalization", "note": "Evenings"},
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    entry = episode.waitlist_entry
    assert episode.status == EpisodeStatus.WAITLIST
    assert (entry.urgency, entry.stepping_down_from, entry.track) == ("soon", "partial_hospitalization", None)
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(entry.uuid)).exists()


def test_waitlisting_without_an_assessment_is_refused(world, client_for):
    episode = referred_patient(world, assessed=False).episodes.get()
    url = reverse("intake:waitlist_add", kwargs={"episode_uuid": episode.uuid})
    response = client_for(world.dana).post(url, {"urgency": "routine"})
    assert "Record a level-of-care assessment" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("ivan", 200),
        ("dana", 200),
        ("alice", 403),
        ("charlie", 403),
        ("pat_b", 403),
        ("audrey", 403),
        ("adam", 403),
    ],
)
def test_who_may_open_the_waitlist_form(world, client_for, role, expected):
    episode = referred_patient(world).episodes.get()
    url = reverse("intake:waitlist_add", kwargs={"episode_uuid": episode.uuid})
    assert client_for(getattr(world, role)).get(url).status_code == expected
