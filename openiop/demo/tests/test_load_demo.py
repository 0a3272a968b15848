import datetime
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from openiop.accounts.models import Role, User
from openiop.demo import builder
from openiop.demo.builder import DEMO_PASSWORD, PORTAL_USERNAMES, STAFF, load_demo, plan_patients
from openiop.home.models import Task, TaskStatus
from openiop.intake import selfcheck
from openiop.intake.models import (
    Certification,
    Direction,
    DueItem,
    DueItemKind,
    LevelOfCare,
    LevelOfCareAssessment,
    LevelTransition,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralStatus,
    WaitlistEntry,
)
from openiop.intake.rubric import recommend
from openiop.intake.rubric_registry import get_rubric
from openiop.intake.services.referrals import referral_possible_patients
from openiop.patients.models import (
    CareTeamMember,
    CareTeamRole,
    EpisodeOfCare,
    EpisodeStatus,
    Language,
    Patient,
)
from openiop.programs.models import Population, Program, Track

TODAY = datetime.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _without_the_calendar(monkeypatch):
    """The generated calendar and the clinical records take most of a load's time; test_demo_scheduling.py
    and test_demo_clinical.py cover them (idempotency included), so these tests of people, intake and
    tasks load without them."""
    monkeypatch.setattr(builder, "load_scheduling", lambda *args, **kwargs: None)
    monkeypatch.setattr(builder, "load_clinical_records", lambda *args, **kwargs: None)
    monkeypatch.setattr(builder, "load_demo_coordination", lambda *args, **kwargs: 0)


@pytest.fixture
def loaded(db):
    return load_demo(today=TODAY)


def table_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def snapshot() -> dict:
    """Everything a second load could plausibly touch, field by field."""
    return {
        "counts": table_counts(),
        "patients": list(Patient.objects.order_by("record_number").values()),
        "episodes": list(EpisodeOfCare.objects.order_by("patient__record_number").values()),
        "care_team": list(CareTeamMember.objects.order_by("pk").values()),
        "tasks": list(Task.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("username").values()),
        "programs": list(Program.objects.order_by("pk").values()),
        "tracks": list(Track.objects.order_by("pk").values()),
        **{
            model.__name__: list(model.objects.order_by("pk").values())
            for model in (
                Referral,
                ReferralEvent,
                LevelOfCareAssessment,
                WaitlistEntry,
                LevelTransition,
                DueItem,
                Certification,
            )
        },
    }


def run_command() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_loading_creates_both_programs_with_tracks_that_meet_their_weekly_target(loaded):
    adult = Program.objects.get(short_name="Adult MH")
    teen = Program.objects.get(short_name="Teen COD")
    assert (adult.name, adult.population, adult.focus, adult.weekly_hours_target) == (
        "Adult Mental Health IOP",
        "adult",
        "mental_health",
        9,
    )
    assert (teen.name, teen.population, teen.focus, teen.weekly_hours_target) == (
        "Adolescent Co-occurring IOP",
        "adolescent",
        "co_occurring",
        6,
    )
    assert adult.description and teen.description
    tracks = {(t.program.short_name, t.name): t for t in Track.objects.all()}
    assert set(tracks) == {("Adult MH", "Morning"), ("Adult MH", "Evening"), ("Teen COD", "After school")}
    morning, evening, after_school = (
        tracks[("Adult MH", "Morning")],
        tracks[("Adult MH", "Evening")],
        tracks[("Teen COD", "After school")],
    )
    assert (morning.weekdays, morning.start_time, morning.end_time) == (
        [0, 2, 4],
        datetime.time(9),
        datetime.time(12),
    )
    assert (evening.weekdays, evening.start_time, evening.end_time) == (
        [0, 1, 3],
        datetime.time(18),
        datetime.time(21),
    )
    assert after_school.weekdays == [0, 2, 3]
    assert (morning.hours_per_week, evening.hours_per_week, after_school.hours_per_week) == (9, 9, 6)
    assert (morning.capacity, evening.capacity, after_school.capacity) == (12, 12, 10)
    for record in [adult, teen, *tracks.values()]:
        record.full_clean()


def test_loading_creates_staff_for_every_role_with_credentials_and_programs(loaded):
    by_role = {role: list(User.objects.filter(role=role)) for role in Role}
    assert len(by_role[Role.INTAKE_COORDINATOR]) >= 2
    assert len(by_role[Role.CLINICIAN]) == 5
    assert len(by_role[Role.PSYCHIATRIST]) == 2
    assert len(by_role[Role.PROGRAM_DIRECTOR]) == 2
    assert len(by_role[Role.AUDITOR]) == 1
    assert len(by_role[Role.PATIENT]) == 2
    [admin] = by_role[Role.ADMINISTRATOR]
    assert admin.is_staff and admin.is_superuser
    clinician_credentials = {u.staff_profile.credentials for u in by_role[Role.CLINICIAN]}
    assert clinician_credentials == {"LCSW", "LPC", "LMFT", "PsyD", "LCADC"}
    assert {u.staff_profile.credentials for u in by_role[Role.PSYCHIATRIST]} == {"MD"}
    for role in (Role.PSYCHIATRIST, Role.PROGRAM_DIRECTOR):
        programs = sorted(p.short_name for u in by_role[role] for p in u.staff_profile.programs.all())
        assert programs == ["Adult MH", "Teen COD"], role
    clinician = User.objects.get(username="clinician")
    assert {p.short_name for p in clinician.staff_profile.programs.all()} == {"Adult MH", "Teen COD"}


def test_every_demo_login_signs_in_with_the_demo_password(loaded):
    usernames = [s.username for s in STAFF] + list(PORTAL_USERNAMES)
    for username in usernames:
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD), username
    assert len(DEMO_PASSWORD) >= 12


def test_loading_creates_forty_synthetic_patients_with_the_planned_status_spread(loaded):
    assert Patient.objects.count() == 40
    assert not Patient.objects.filter(is_synthetic=False).exists()
    statuses = {status: EpisodeOfCare.objects.filter(status=status).count() for status in EpisodeStatus}
    assert statuses == {"referral": 8, "waitlist": 6, "active": 18, "discharged": 8}
    assert all(p.episodes.count() == 1 for p in Patient.objects.all())
    adolescents = EpisodeOfCare.objects.filter(program__population=Population.ADOLESCENT).count()
    assert 12 <= adolescents <= 15
    assert Patient.objects.filter(record_number__regex=r"^OI9\d{6}$").count() == 40


def test_every_active_episode_has_a_primary_clinician_a_psychiatrist_and_a_track(loaded):
    for episode in EpisodeOfCare.objects.filter(status=EpisodeStatus.ACTIVE):
        roles = set(episode.care_team_members.values_list("role", flat=True))
        assert {CareTeamRole.PRIMARY_CLINICIAN, CareTeamRole.PSYCHIATRIST} <= roles
        assert episode.track is not None and episode.track.program_id == episode.program_id
    assert CareTeamMember.objects.filter(role=CareTeamRole.FAMILY_THERAPIST).exists()


def test_referral_and_waitlist_episodes_have_an_intake_coordinator_and_waitlist_a_track(loaded):
    for episode in EpisodeOfCare.objects.filter(status__in=[EpisodeStatus.REFERRAL, EpisodeStatus.WAITLIST]):
        assert episode.admitted_on is None
        members = list(episode.care_team_members.all())
        assert [m.role for m in members] == [CareTeamRole.INTAKE_COORDINATOR]
        assert members[0].user.role == Role.INTAKE_COORDINATOR
        assert episode.created_by == members[0].user
        if episode.status == EpisodeStatus.WAITLIST:
            assert episode.track is not None


def test_care_team_members_work_in_the_episode_program(loaded):
    for member in CareTeamMember.objects.select_related("episode", "user"):
        assert member.user.staff_profile.programs.filter(pk=member.episode.program_id).exists()


def test_episode_dates_fall_within_the_last_twelve_weeks_in_order(loaded):
    earliest = TODAY - datetime.timedelta(weeks=12)
    for episode in EpisodeOfCare.objects.all():
        assert earliest <= episode.referred_on <= TODAY
        if episode.status in (EpisodeStatus.ACTIVE, EpisodeStatus.DISCHARGED):
            assert episode.referred_on <= episode.admitted_on <= TODAY
        if episode.status == EpisodeStatus.DISCHARGED:
            assert episode.admitted_on <= episode.discharged_on < TODAY
        else:
            assert episode.discharged_on is None


def test_adolescents_are_13_to_17_and_adults_19_to_64_on_the_day_of_loading(loaded):
    for episode in EpisodeOfCare.objects.select_related("patient", "program"):
        age = episode.patient.age_on(TODAY)
        if episode.program.population == Population.ADOLESCENT:
            assert 13 <= age <= 17
        else:
            assert 19 <= age <= 64


def test_contact_details_are_fictional_and_some_patients_speak_spanish(loaded):
    for patient in Patient.objects.all():
        assert "555-01" in patient.phone
        assert "555-01" in patient.emergency_contact_phone
        assert patient.emergency_contact_name and patient.emergency_contact_relationship
        assert patient.email == "" or patient.email.endswith("@example.org")
        assert patient.pronouns
        patient.full_clean()
    assert Patient.objects.filter(language=Language.SPANISH).exists()


def test_portal_accounts_belong_to_two_active_adult_patients(loaded):
    for username in PORTAL_USERNAMES:
        user = User.objects.get(username=username)
        assert user.role == Role.PATIENT
        episode = user.patient.episodes.get()
        assert episode.status == EpisodeStatus.ACTIVE
        assert episode.program.population == Population.ADULT
        assert user.get_full_name() == user.patient.legal_name


def test_clinician_and_intake_coordinator_have_open_tasks_some_due_today_and_one_overdue(loaded):
    for username in ("clinician", "intake"):
        tasks = Task.objects.filter(assigned_to__username=username, status=TaskStatus.OPEN)
        assert tasks.filter(due_on=TODAY).exists(), username
        assert all(task.patient is not None and task.created_by is not None for task in tasks)
    assert Task.objects.filter(due_on__lt=TODAY).count() == 1
    assert Task.objects.filter(title="Call back new referral", assigned_to__username="intake").exists()
    assert Task.objects.filter(title="Review waitlist start date", assigned_to__username="intake").exists()


def test_clinician_tasks_are_about_patients_on_their_care_team(loaded):
    clinician = User.objects.get(username="clinician")
    for task in Task.objects.filter(assigned_to=clinician):
        assert clinician.has_perm("patients.view_chart", task.patient)


def test_records_are_created_by_the_staff_who_would_have_created_them(loaded):
    assert not Patient.objects.filter(created_by__isnull=True).exists()
    assert not Patient.objects.exclude(created_by__role=Role.INTAKE_COORDINATOR).exists()
    for program in Program.objects.all():
        assert program.created_by.role == Role.PROGRAM_DIRECTOR
    assert not Track.objects.filter(created_by__isnull=True).exists()


def test_the_plan_is_the_same_every_time():
    assert plan_patients(TODAY) == plan_patients(TODAY)
    names = [(p.given, p.family) for p in plan_patients(TODAY)]
    assert len(set(names)) == len(names)


def test_loading_twice_changes_no_row_count_and_no_field(loaded):
    before = snapshot()
    second = load_demo(today=TODAY)
    assert second.nothing_changed
    assert snapshot() == before


def test_loading_again_weeks_later_moves_no_date(loaded):
    before = snapshot()
    assert load_demo(today=TODAY + datetime.timedelta(weeks=3)).nothing_changed
    assert snapshot() == before


def test_loading_again_keeps_a_password_the_user_changed(loaded):
    clinician = User.objects.get(username="clinician")
    clinician.set_password("a different passphrase")
    clinician.save()
    load_demo(today=TODAY)
    clinician.refresh_from_db()
    assert clinician.check_password("a different passphrase")


def test_a_failure_midway_leaves_nothing_behind(db, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(builder, "_load_tasks", fail)
    with pytest.raises(RuntimeError):
        load_demo(today=TODAY)
    assert Patient.objects.count() == 0
    assert User.objects.count() == 0
    assert Program.objects.count() == 0


def test_loading_refuses_a_database_with_real_patients(db):
    Patient.objects.create(
        record_number="OI1234567",
        legal_given_name="Real",
        legal_family_name="Person",
        date_of_birth=datetime.date(1980, 1, 1),
    )
    with pytest.raises(CommandError, match="real patients"):
        run_command()
    assert not User.objects.exists()


def test_command_prints_every_demo_login_the_password_and_what_it_created(db):
    output = run_command()
    for username in [s.username for s in STAFF] + list(PORTAL_USERNAMES):
        assert f"  {username} " in output, username
    assert DEMO_PASSWORD in output
    assert "Created" in output and "40 patients" in output
    assert Patient.objects.count() == 40
    assert Task.objects.filter(due_on=timezone.localdate()).exists()


def test_command_run_twice_says_already_loaded_and_changes_nothing(db):
    run_command()
    before = snapshot()
    output = run_command()
    assert "already loaded, nothing changed" in output
    assert "openiop-demo" in output and "  patient2 " in output
    assert snapshot() == before


def test_demo_director_views_charts_of_their_own_program_only(loaded):
    director = User.objects.get(username="director")
    for patient in Patient.objects.prefetch_related("episodes__program"):
        in_adult_program = patient.episodes.get().program.short_name == "Adult MH"
        assert director.has_perm("patients.view_chart", patient) is in_adult_program


def test_demo_clinician_views_their_caseload_but_not_other_charts(loaded):
    clinician = User.objects.get(username="clinician")
    caseload = Patient.objects.filter(episodes__care_team_members__user=clinician).distinct()
    assert caseload.count() >= 5
    for patient in Patient.objects.all():
        assert clinician.has_perm("patients.view_chart", patient) is (patient in caseload)


def test_auditor_and_administrator_view_no_charts_and_patients_only_their_own(loaded):
    auditor = User.objects.get(username="auditor")
    admin = User.objects.get(username="admin")
    patient_user = User.objects.get(username="patient")
    some_patient = Patient.objects.exclude(user=patient_user).first()
    assert not auditor.has_perm("patients.view_chart", some_patient)
    assert not admin.has_perm("patients.view_chart", some_patient)
    assert not patient_user.has_perm("patients.view_chart", some_patient)


# --- Intake ---------------------------------------------------------------------------------------------


def test_every_episode_has_one_referral_linked_to_its_patient(loaded):
    for episode in EpisodeOfCare.objects.select_related("patient"):
        referral = episode.referral
        assert referral.patient == episode.patient and referral.program_id == episode.program_id
        assert (referral.given_name, referral.family_name, referral.date_of_birth) == (
            episode.patient.legal_given_name,
            episode.patient.legal_family_name,
            episode.patient.date_of_birth,
        )
        assert timezone.localdate(referral.received_at) == episode.referred_on
        referral.full_clean()
        if episode.status in (EpisodeStatus.ACTIVE, EpisodeStatus.DISCHARGED):
            assert referral.status == ReferralStatus.ADMITTED
            assert timezone.localdate(referral.admitted_at) == episode.admitted_on
        elif episode.status == EpisodeStatus.WAITLIST:
            assert referral.status == ReferralStatus.ASSESSED


def test_referral_statuses_sources_and_urgencies_are_spread(loaded):
    waiting = Counter(
        Referral.objects.filter(episode__status=EpisodeStatus.REFERRAL).values_list("status", flat=True)
    )
    assert waiting == {"new": 2, "contacted": 2, "assessment_booked": 2, "assessed": 2}
    sources = set(Referral.objects.values_list("source", flat=True))
    assert set(ReferralSource.values) - {ReferralSource.OTHER} <= sources
    assert len(set(Referral.objects.values_list("urgency", flat=True))) == 3
    for referral in Referral.objects.exclude(referring_organization=""):
        assert referral.referring_organization.endswith("(fictional)")


def test_referral_events_walk_the_pipeline_in_order_and_first_contact_is_prompt(loaded):
    now = timezone.now()
    path = ["", "new", "contacted", "assessment_booked", "assessed", "admitted"]
    for referral in Referral.objects.prefetch_related("events"):
        events = list(referral.events.all())
        steps = [event.from_status for event in events] + [events[-1].to_status]
        assert steps == path[: len(steps)], referral
        assert events[-1].to_status == referral.status
        times = [event.at for event in events]
        assert times == sorted(times) and times[0] == referral.received_at and times[-1] <= now
        if referral.first_contact_at:
            assert referral.first_contact_at == events[1].at
            assert (
                datetime.timedelta(0)
                < referral.first_contact_at - referral.received_at
                <= (datetime.timedelta(days=4))
            )
        if referral.status == ReferralStatus.ASSESSMENT_BOOKED:
            assert timezone.localdate(referral.assessment_booked_for) > TODAY


def test_unlinked_referrals_include_two_self_checks_and_one_possible_duplicate(loaded):
    unlinked = list(Referral.objects.filter(patient__isnull=True))
    assert len(unlinked) == 4
    assert all(r.status == ReferralStatus.NEW and r.episode_id is None for r in unlinked)
    self_checks = [r for r in unlinked if r.self_check]
    assert len(self_checks) == 2
    for referral in self_checks:
        assert referral.source == ReferralSource.SELF and referral.created_by is None
        answers = selfcheck.validate(referral.self_check["answers"])
        assert referral.self_check["outcome"] == selfcheck.evaluate(answers).outcome
    assert {r.self_check["outcome"] for r in self_checks} == {"iop", "outpatient"}
    matches = {r.pk: list(referral_possible_patients(r)) for r in unlinked}
    [duplicate] = [pk for pk, patients in matches.items() if patients]
    [patient] = matches[duplicate]
    assert patient.episodes.get().status == EpisodeStatus.DISCHARGED


def test_assessments_use_the_shipped_rubric_and_two_document_an_override(loaded):
    rubric = get_rubric("openiop-loc")
    assessed = Referral.objects.filter(status__in=[ReferralStatus.ASSESSED, ReferralStatus.ADMITTED])
    assert LevelOfCareAssessment.objects.count() == assessed.count() == 34
    for assessment in LevelOfCareAssessment.objects.select_related("referral", "episode"):
        assert (assessment.rubric_id, assessment.rubric_version) == (rubric.id, rubric.version)
        recommendation = recommend(rubric, assessment.ratings)
        assert assessment.recommended_level == recommendation.level
        assert assessment.recommendation_reasons == list(recommendation.reasons)
        assert assessment.determined_level == LevelOfCare.INTENSIVE_OUTPATIENT
        assert bool(assessment.override_reason) is assessment.is_override
        assert assessment.referral.episode == assessment.episode
        assert assessment.episode.referred_on <= assessment.assessed_on <= TODAY
        assert assessment.assessed_by.role in (Role.CLINICIAN, Role.PSYCHIATRIST)
        assessment.full_clean()
    overrides = [a for a in LevelOfCareAssessment.objects.all() if a.is_override]
    assert {a.recommended_level for a in overrides} == {"outpatient", "partial_hospitalization"}


def test_waitlist_entries_for_every_waitlist_episode_some_stepping_down(loaded):
    entries = list(WaitlistEntry.objects.select_related("episode"))
    assert {e.episode for e in entries} == set(EpisodeOfCare.objects.filter(status=EpisodeStatus.WAITLIST))
    assert sum(bool(e.stepping_down_from) for e in entries) == 2
    assert len({e.urgency for e in entries}) >= 2 and len({e.added_on for e in entries}) >= 3
    for entry in entries:
        assessed = entry.episode.loc_assessments.get().assessed_on
        assert assessed <= entry.added_on <= TODAY and entry.track == entry.episode.track


def test_every_active_episode_has_a_referral_an_assessment_and_its_admission_due_items(loaded):
    for episode in EpisodeOfCare.objects.filter(status=EpisodeStatus.ACTIVE).select_related("program"):
        assert episode.referral.status == ReferralStatus.ADMITTED
        assert episode.loc_assessments.filter(assessed_on__gte=episode.referred_on).exists()
        program = episode.program
        due = {item.kind: item.due_on for item in episode.due_items.exclude(kind="recertification")}
        days = datetime.timedelta
        assert due == {
            DueItemKind.BASELINE_MEASURES: episode.admitted_on + days(program.baseline_measures_due_days),
            DueItemKind.INITIAL_TREATMENT_PLAN: episode.admitted_on + days(program.initial_plan_due_days),
            DueItemKind.CERTIFICATION: episode.admitted_on + days(program.certification_due_days),
        }
    active_items = DueItem.objects.filter(episode__status=EpisodeStatus.ACTIVE)
    assert active_items.open().exists() and active_items.filter(completed_at__isnull=False).exists()
    assert 1 <= active_items.overdue(TODAY).count() <= 2
    for item in DueItem.objects.filter(completed_at__isnull=False):
        assert item.completed_by is not None and timezone.localdate(item.completed_at) <= TODAY


def test_certifications_are_by_the_program_psychiatrist_and_schedule_recertification(loaded):
    active = EpisodeOfCare.objects.filter(status=EpisodeStatus.ACTIVE)
    certified = active.filter(certifications__isnull=False).distinct().count()
    assert certified >= active.count() * 2 // 3
    for certification in Certification.objects.select_related("episode__program", "certified_by"):
        episode = certification.episode
        assert certification.certified_by.role == Role.PSYCHIATRIST
        assert certification.certified_by.staff_profile.programs.filter(pk=episode.program_id).exists()
        assert certification.valid_until == certification.certified_on + datetime.timedelta(
            days=episode.program.recertification_interval_days
        )
        assert certification.hours_per_week >= episode.program.weekly_hours_target
        assert episode.admitted_on <= certification.certified_on <= TODAY
        assert episode.due_items.filter(kind="recertification", due_on=certification.valid_until).exists()
    for episode in active.filter(certifications__isnull=False).distinct():
        latest = episode.certifications.first()
        assert latest.valid_until > TODAY
        assert not episode.due_items.filter(kind="certification", completed_at__isnull=True).exists()


def test_level_transitions_step_down_at_admission_and_one_step_up_at_discharge(loaded):
    downs = LevelTransition.objects.filter(direction=Direction.STEP_DOWN).select_related("episode")
    assert downs.count() >= 2
    for transition in downs:
        assert transition.episode.status == EpisodeStatus.ACTIVE
        assert transition.on == transition.episode.admitted_on
        assert transition.from_level in ("residential", "inpatient")
        assert transition.to_level == LevelOfCare.INTENSIVE_OUTPATIENT
    [up] = LevelTransition.objects.filter(direction=Direction.STEP_UP).select_related("episode")
    assert up.episode.status == EpisodeStatus.DISCHARGED and up.on == up.episode.discharged_on
    assert (up.from_level, up.to_level) == ("intensive_outpatient", "partial_hospitalization")


def test_loading_over_a_demo_without_intake_adds_it_once(db, monkeypatch):
    monkeypatch.setattr(builder, "_load_intake", lambda *args, **kwargs: None)
    load_demo(today=TODAY - datetime.timedelta(weeks=3))
    assert not Referral.objects.exists()
    monkeypatch.undo()
    result = load_demo(today=TODAY)
    assert result.created["referrals"] == 44 and result.created["patients"] == 0
    assert LevelOfCareAssessment.objects.count() == 34
    for episode in EpisodeOfCare.objects.filter(status=EpisodeStatus.ACTIVE):
        assert episode.loc_assessments.filter(assessed_on__gte=episode.referred_on).exists()
        assert episode.due_items.exists()
    before = snapshot()
    assert load_demo(today=TODAY).nothing_changed
    assert snapshot() == before


def test_command_summarises_what_the_demo_holds(db):
    output = run_command()
    assert "44 referrals" in output and "4 unlinked referrals" in output
    assert "34 level-of-care assessments" in output and "6 on the waitlist" in output
