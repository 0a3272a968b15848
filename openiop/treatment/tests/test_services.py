import datetime
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.accounts.models import Role
from openiop.audit.models import Action, AuditEvent
from openiop.home.models import Task, TaskStatus
from openiop.intake.models import DueItem, DueItemKind
from openiop.patients.models import EpisodeStatus
from openiop.treatment import content as core
from openiop.treatment.diff import diff_plans
from openiop.treatment.models import (
    DraftRevision,
    Objective,
    PlanReview,
    PlanSignature,
    PlanStatus,
    ReviewReason,
    ReviewStatus,
    SignatureMethod,
    SignatureRole,
    TreatmentPlan,
)
from openiop.treatment.selectors import active_objectives, active_plan, plan_content
from openiop.treatment.services import (
    PlanLocked,
    StaleRevision,
    plan_create,
    plan_draft_save,
    plan_new_version,
    plan_return_to_draft,
    plan_review_record,
    plan_review_trigger,
    plan_settings_update,
    plan_sign,
    plan_submit,
    plan_withdraw,
)

from .factories import active_plan_of, complete_content, draft_with_content, episode_of, sign_all

pytestmark = pytest.mark.django_db


def events(action, obj_type="treatment.treatmentplan"):
    return AuditEvent.objects.filter(action=action, object_type=obj_type)


# --- drafts --------------------------------------------------------------------------------------------------


def test_a_new_plan_is_an_empty_draft_owned_by_the_primary_clinician(world):
    plan = plan_create(episode=episode_of(world.patient_a), by=world.paul)
    assert (plan.number, plan.status, plan.revision) == (1, PlanStatus.DRAFT, 1)
    assert plan.responsible_clinician == world.alice
    assert plan.review_interval_days == 30
    assert events(Action.CREATE).get().patient == world.patient_a


def test_the_programs_review_interval_applies_to_new_plans(world):
    plan_settings_update(program=world.program_a, review_interval_days=14, by=world.dana)
    assert plan_create(episode=episode_of(world.patient_a), by=world.alice).review_interval_days == 14


def test_review_interval_setting_is_bounded(world):
    with pytest.raises(ValidationError) as error:
        plan_settings_update(program=world.program_a, review_interval_days=200, by=world.dana)
    assert "review_interval_days" in error.value.message_dict


def test_a_plan_needs_an_admitted_episode(world):
    episode = episode_of(world.patient_a)
    episode.status = EpisodeStatus.DISCHARGED
    episode.discharged_on = episode.admitted_on
    episode.save()
    with pytest.raises(ValidationError, match="admitted"):
        plan_create(episode=episode, by=world.alice)


def test_only_one_version_is_in_progress_at_a_time(world):
    plan_create(episode=episode_of(world.patient_a), by=world.alice)
    with pytest.raises(ValidationError, match="already in progress"):
        plan_create(episode=episode_of(world.patient_a), by=world.alice)


def test_saving_a_draft_replaces_its_content_and_bumps_the_revision(world):
    plan = plan_create(episode=episode_of(world.patient_a), by=world.alice)
    saved = plan_draft_save(plan=plan, content=complete_content(world), revision=1, by=world.alice)
    assert saved.revision == 2
    assert plan_content(saved).problems[0].goals[0].text == "I want to get back to work without panicking."
    assert DraftRevision.objects.filter(plan=plan).count() == 2
    event = events(Action.UPDATE).get()
    assert event.detail["objectives"] == 2
    assert "panicking" not in str(event.detail)  # no clinical content in the audit trail


def test_codes_are_normalized_and_bad_ones_refused(world):
    plan = plan_create(episode=episode_of(world.patient_a), by=world.alice)
    content = complete_content(world)
    problem = replace(content.problems[0], icd10_code="f331")
    saved = plan_draft_save(
        plan=plan, content=replace(content, problems=(problem,)), revision=1, by=world.alice
    )
    assert plan_content(saved).problems[0].icd10_code == "F33.1"
    bad = replace(content, problems=(replace(problem, icd10_code="33.1F"),))
    with pytest.raises(ValidationError) as error:
        plan_draft_save(plan=saved, content=bad, revision=saved.revision, by=world.alice)
    assert "problems.0.icd10_code" in error.value.message_dict


def test_a_measure_needs_instrument_comparator_and_value(world):
    plan = plan_create(episode=episode_of(world.patient_a), by=world.alice)
    content = complete_content(world)
    goal = content.problems[0].goals[0]
    objective = replace(goal.objectives[0], measure_instrument="PHQ-9")
    goal = replace(goal, objectives=(objective,))
    content = replace(content, problems=(replace(content.problems[0], goals=(goal,)),))
    with pytest.raises(ValidationError) as error:
        plan_draft_save(plan=plan, content=content, revision=1, by=world.alice)
    assert set(error.value.message_dict) == {
        "problems.0.goals.0.objectives.0.measure_comparator",
        "problems.0.goals.0.objectives.0.measure_value",
    }


def test_responsible_staff_must_work_in_the_program(world):
    plan = plan_create(episode=episode_of(world.patient_a), by=world.alice)
    content = complete_content(world)
    goal = content.problems[0].goals[0]
    outsider = replace(goal.interventions[0], responsible=str(world.charlie.uuid))
    goal = replace(goal, interventions=(outsider,))
    content = replace(content, problems=(replace(content.problems[0], goals=(goal,)),))
    with pytest.raises(ValidationError) as error:
        plan_draft_save(plan=plan, content=content, revision=1, by=world.alice)
    assert "problems.0.goals.0.interventions.0.responsible" in error.value.message_dict


def test_two_saves_from_the_same_revision_the_second_is_refused_and_shows_what_changed(world):
    plan = draft_with_content(world)  # revision 2
    first = complete_content(world, goal="I want to sleep through the night.")
    first = replace(
        first,
        problems=(
            replace(
                first.problems[0],
                goals=(
                    replace(
                        plan_content(plan).problems[0].goals[0], text="I want to sleep through the night."
                    ),
                ),
                key=plan_content(plan).problems[0].key,
            ),
        ),
    )
    plan_draft_save(plan=plan, content=first, revision=2, by=world.alice)
    second = replace(plan_content(plan), strengths="Enjoys running.")
    with pytest.raises(StaleRevision) as stale:
        plan_draft_save(plan=plan, content=second, revision=2, by=world.paul)
    assert stale.value.current_revision == 3
    assert stale.value.saved_by == world.alice
    assert [(c.kind, c.field, c.after) for c in stale.value.changes] == [
        ("changed", "text", "I want to sleep through the night.")
    ]
    plan.refresh_from_db()
    assert plan.strengths != "Enjoys running."  # nothing of the stale save landed
    assert plan.revision == 3


# --- signatures and activation --------------------------------------------------------------------------------


def test_sending_for_signatures_needs_a_complete_plan(world):
    plan = plan_create(episode=episode_of(world.patient_a), by=world.alice)
    with pytest.raises(ValidationError) as error:
        plan_submit(plan=plan, by=world.alice)
    assert "problems" in error.value.message_dict
    content = complete_content(world)
    goal = replace(content.problems[0].goals[0], interventions=())
    content = replace(content, problems=(replace(content.problems[0], goals=(goal,)),))
    plan = plan_draft_save(plan=plan, content=content, revision=1, by=world.alice)
    with pytest.raises(ValidationError) as error:
        plan_submit(plan=plan, by=world.alice)
    assert "problems.0.goals.0.interventions" in error.value.message_dict


def test_all_three_signatures_activate_the_plan_and_complete_the_initial_plan_due_item(world):
    episode = episode_of(world.patient_a)
    item = DueItem.objects.create(
        episode=episode,
        kind=DueItemKind.INITIAL_TREATMENT_PLAN,
        due_on=episode.admitted_on,
        owner=world.alice,
    )
    plan = plan_submit(plan=draft_with_content(world), by=world.alice)
    plan_sign(plan=plan, role=SignatureRole.CLINICIAN, by=world.alice, attested=True)
    plan_sign(
        plan=plan,
        role=SignatureRole.PATIENT,
        by=world.alice,
        signed_name="  avery   SYNTHETIC ",
        signed_on=timezone.localdate(),
        attested=True,
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.AWAITING_SIGNATURES
    plan_sign(plan=plan, role=SignatureRole.PHYSICIAN, by=world.paul, attested=True)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and plan.activated_at is not None
    patient_signature = PlanSignature.objects.get(plan=plan, role=SignatureRole.PATIENT)
    assert patient_signature.method == SignatureMethod.IN_PERSON
    assert patient_signature.witnessed_by == world.alice
    assert patient_signature.signed_name == "avery SYNTHETIC"
    assert len({s.content_hash for s in plan.signatures.all()}) == 1
    item.refresh_from_db()
    assert item.completed_at is not None
    assert active_plan(episode) == plan
    assert [o.text for o in active_objectives(episode)] == [
        "Use one coping skill daily when anxious",
        "Reduce depressive symptoms",
    ]


def test_only_the_responsible_clinician_signs_as_clinician(world):
    plan = plan_submit(plan=draft_with_content(world), by=world.alice)
    with pytest.raises(ValidationError, match="responsible clinician"):
        plan_sign(plan=plan, role=SignatureRole.CLINICIAN, by=world.paul, attested=True)


def test_the_physician_signature_needs_physician_credentials_and_a_second_person(world):
    plan = plan_submit(plan=draft_with_content(world), by=world.alice)
    with pytest.raises(ValidationError, match="physician or nurse practitioner"):
        plan_sign(plan=plan, role=SignatureRole.PHYSICIAN, by=world.bob, attested=True)
    world.alice.staff_profile.credentials = "LCSW, PMHNP"
    world.alice.staff_profile.save()
    plan_sign(plan=plan, role=SignatureRole.CLINICIAN, by=world.alice, attested=True)
    with pytest.raises(ValidationError, match="two people"):
        plan_sign(plan=plan, role=SignatureRole.PHYSICIAN, by=world.alice, attested=True)


def test_the_patient_signature_checks_name_date_and_attestation(world):
    plan = plan_submit(plan=draft_with_content(world), by=world.alice)
    with pytest.raises(ValidationError) as error:
        plan_sign(
            plan=plan,
            role=SignatureRole.PATIENT,
            by=world.alice,
            signed_name="Someone Else",
            signed_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert set(error.value.message_dict) == {"signed_name", "signed_on", "attested"}
    assert not PlanSignature.objects.exists()


def test_a_portal_signature_is_the_patients_own(world):
    plan = plan_submit(plan=draft_with_content(world), by=world.alice)
    signature = plan_sign(plan=plan, role=SignatureRole.PATIENT, by=world.pat_a, attested=True)
    assert signature.method == SignatureMethod.PORTAL
    assert signature.signer == world.pat_a and signature.witnessed_by is None
    with pytest.raises(ValidationError):
        plan_sign(plan=plan, role=SignatureRole.PATIENT, by=world.pat_b, attested=True)


def test_a_role_signs_once(world):
    plan = plan_submit(plan=draft_with_content(world), by=world.alice)
    plan_sign(plan=plan, role=SignatureRole.CLINICIAN, by=world.alice, attested=True)
    with pytest.raises(ValidationError, match="already"):
        plan_sign(plan=plan, role=SignatureRole.CLINICIAN, by=world.alice, attested=True)


def test_returning_to_draft_voids_signatures_and_reopens_editing(world):
    plan = plan_submit(plan=draft_with_content(world), by=world.alice)
    plan_sign(plan=plan, role=SignatureRole.CLINICIAN, by=world.alice, attested=True)
    with pytest.raises(PlanLocked):
        plan_draft_save(plan=plan, content=complete_content(world), revision=plan.revision, by=world.alice)
    plan = plan_return_to_draft(plan=plan, by=world.alice, reason="Patient wants to reword the goal")
    assert plan.status == PlanStatus.DRAFT
    assert PlanSignature.objects.get().voided_at is not None
    plan_draft_save(plan=plan, content=plan_content(plan), revision=plan.revision, by=world.alice)


def test_a_withdrawn_draft_stays_in_history_and_frees_the_episode(world):
    plan = draft_with_content(world)
    with pytest.raises(ValidationError):
        plan_withdraw(plan=plan, by=world.alice, reason=" ")
    plan = plan_withdraw(plan=plan, by=world.alice, reason="Started on the wrong template")
    assert plan.status == PlanStatus.WITHDRAWN
    assert plan_create(episode=episode_of(world.patient_a), by=world.alice).number == 2


# --- signed versions are never edited in place -----------------------------------------------------------------


def test_an_active_plan_is_never_edited_in_place_by_any_service(world):
    plan = active_plan_of(world)
    before = plan_content(plan)
    with pytest.raises(PlanLocked, match="new version"):
        plan_draft_save(plan=plan, content=complete_content(world), revision=plan.revision, by=world.alice)
    with pytest.raises(PlanLocked):
        plan_submit(plan=plan, by=world.alice)
    with pytest.raises(PlanLocked):
        plan_return_to_draft(plan=plan, by=world.alice, reason="x")
    with pytest.raises(PlanLocked):
        plan_withdraw(plan=plan, by=world.alice, reason="x")
    with pytest.raises((PlanLocked, ValidationError)):
        plan_sign(plan=plan, role=SignatureRole.CLINICIAN, by=world.alice, attested=True)
    assert plan_content(plan) == before


def test_a_new_version_copies_the_active_one_and_supersedes_it_when_signed(world):
    first = active_plan_of(world)
    with pytest.raises(ValidationError, match="active plan"):
        plan_create(episode=first.episode, by=world.alice)
    second = plan_new_version(plan=first, by=world.alice)
    assert (second.number, second.based_on, second.status) == (2, first, PlanStatus.DRAFT)
    assert diff_plans(plan_content(first), plan_content(second)) == []
    content = plan_content(second)
    objective = replace(content.problems[0].goals[0].objectives[0], target="7 of 7 days")
    goal = replace(
        content.problems[0].goals[0], objectives=(objective, *content.problems[0].goals[0].objectives[1:])
    )
    content = replace(content, problems=(replace(content.problems[0], goals=(goal,)),))
    second = plan_draft_save(plan=second, content=content, revision=second.revision, by=world.alice)
    changes = diff_plans(plan_content(first), plan_content(second))
    assert [(c.kind, c.field, c.before, c.after) for c in changes] == [
        ("changed", "target", "5 of 7 days, logged", "7 of 7 days")
    ]
    with pytest.raises(ValidationError, match="already in progress"):
        plan_new_version(plan=first, by=world.alice)
    second = sign_all(world, second)
    first.refresh_from_db()
    assert (first.status, second.status) == (PlanStatus.SUPERSEDED, PlanStatus.ACTIVE)
    with pytest.raises(PlanLocked):
        plan_new_version(plan=first, by=world.alice)
    assert TreatmentPlan.objects.filter(status=PlanStatus.ACTIVE).count() == 1


# --- reviews ---------------------------------------------------------------------------------------------------


def test_a_trigger_records_a_due_review_and_a_task_once(world):
    plan = active_plan_of(world)
    review = plan_review_trigger(plan.episode, "deterioration", "PHQ-9 rose from 12 to 19")
    assert (review.status, review.plan, review.reason) == (ReviewStatus.DUE, plan, ReviewReason.DETERIORATION)
    assert review.due_on == timezone.localdate() + datetime.timedelta(days=2)
    assert review.task.assigned_to == world.alice and review.task.patient == world.patient_a
    assert plan_review_trigger(plan.episode, "deterioration", "again") == review
    assert Task.objects.count() == 1
    assert events(Action.CREATE, "treatment.planreview").count() == 1


def test_a_trigger_before_any_plan_goes_to_the_primary_clinician(world):
    review = plan_review_trigger(episode_of(world.patient_b), "step_up")
    assert review.plan is None and review.task.assigned_to == world.bob


def test_unknown_triggers_are_a_programming_error(world):
    with pytest.raises(ValueError):
        plan_review_trigger(episode_of(world.patient_a), "bored")


def progress_for(plan, value="progressing"):
    return {
        str(o.uuid): (value, "Logged 4 of 7 days") for o in Objective.objects.filter(goal__problem__plan=plan)
    }


def test_a_review_records_progress_on_every_objective_and_completes_due_reviews(world):
    plan = active_plan_of(world)
    plan_review_trigger(plan.episode, "no_progress")
    urgent = plan_review_trigger(plan.episode, "deterioration")  # due in 2 days, before the other
    with pytest.raises(ValidationError) as error:
        plan_review_record(
            plan=plan, by=world.alice, reviewed_on=timezone.localdate(), progress={}, summary="", outcome=""
        )
    assert {"summary", "outcome"} <= set(error.value.message_dict)
    assert any(key.startswith("progress.") for key in error.value.message_dict)
    review = plan_review_record(
        plan=plan,
        by=world.alice,
        reviewed_on=timezone.localdate(),
        progress=progress_for(plan),
        summary="Mood improving; keep the plan.",
        outcome="continue",
    )
    assert review.pk == urgent.pk  # the most urgent due review holds the record; the others are covered
    assert review.progress.count() == 2
    assert not PlanReview.objects.filter(status=ReviewStatus.DUE).exists()
    assert not Task.objects.filter(status=TaskStatus.OPEN).exists()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


def test_a_review_that_revises_the_plan_starts_a_new_version(world):
    plan = active_plan_of(world)
    review = plan_review_record(
        plan=plan,
        by=world.alice,
        reviewed_on=timezone.localdate(),
        progress=progress_for(plan, "worse"),
        summary="Panic attacks more often: add DBT skills.",
        outcome="revise",
    )
    assert review.reason == ReviewReason.CADENCE
    assert review.resulting_plan.based_on == plan
    assert review.resulting_plan.status == PlanStatus.DRAFT


def test_a_review_is_of_an_active_plan_only(world):
    plan = draft_with_content(world)
    with pytest.raises(PlanLocked):
        plan_review_record(
            plan=plan,
            by=world.alice,
            reviewed_on=timezone.localdate(),
            progress={},
            summary="x",
            outcome="continue",
        )


def test_the_content_modalities_match_the_models():
    from openiop.treatment.models import Modality

    assert set(core.MODALITIES) == set(Modality.values)


def test_psychiatrists_count_as_physicians_by_role(world):
    from openiop.treatment.rules import has_physician_credentials

    world.paul.staff_profile.credentials = ""
    assert world.paul.role == Role.PSYCHIATRIST and has_physician_credentials(world.paul)
    assert not has_physician_credentials(world.dana)
