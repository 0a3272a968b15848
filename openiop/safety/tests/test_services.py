"""The plan services: drafts, optimistic saves, signing, versions, and review requests.

A signed version is never changed: every service that writes refuses it (the views and the API are
tested in their own files)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.home.models import Task
from openiop.patients.models import CareTeamMember
from openiop.safety.models import Plan, PlanKind, PlanSignature, PlanStatus, ReviewRequest
from openiop.safety.selectors import plan_state
from openiop.safety.services import (
    PlanError,
    PlanExists,
    PlanLocked,
    StalePlan,
    plan_create,
    plan_revise,
    plan_save_draft,
    plan_sign,
    safety_plan_review_request,
)

from .factories import draft_of, full_safety_content, sign, signed_plan, yesterday


def _events(obj, action):
    return AuditEvent.objects.filter(object_id=str(obj.uuid), action=action)


def test_a_first_plan_starts_as_an_empty_draft_of_version_1(world):
    plan = plan_create(patient=world.patient_a, kind=PlanKind.SAFETY, by=world.alice)
    assert (plan.number, plan.status, plan.version) == (1, PlanStatus.DRAFT, 1)
    assert plan.episode == world.patient_a.episodes.get()
    assert plan.structure_id == "openiop-safety-plan"
    assert all(entries == [] for entries in plan.content.values())
    event = _events(plan, Action.CREATE).get()
    assert event.patient == world.patient_a and event.actor == world.alice


def test_a_second_plan_of_the_same_kind_is_refused_but_the_other_kind_is_its_own(world):
    draft = plan_create(patient=world.patient_a, kind=PlanKind.SAFETY, by=world.alice)
    with pytest.raises(PlanExists) as exc:
        plan_create(patient=world.patient_a, kind=PlanKind.SAFETY, by=world.paul)
    assert exc.value.plan == draft
    relapse = plan_create(patient=world.patient_a, kind=PlanKind.RELAPSE_PREVENTION, by=world.alice)
    assert relapse.number == 1


def test_saving_a_draft_cleans_the_content_and_counts_the_save(world):
    plan = plan_create(patient=world.patient_a, kind=PlanKind.SAFETY, by=world.alice)
    plan = plan_save_draft(
        plan=plan, content={"warning_signs": "- Can't sleep\n- Can't sleep\nPacing"}, version=1, by=world.paul
    )
    assert plan.version == 2 and plan.updated_by == world.paul
    assert plan.content["warning_signs"] == ["Can't sleep", "Pacing"]
    assert plan.content["reasons_for_living"] == []
    event = _events(plan, Action.UPDATE).get()
    assert event.detail == {"kind": "safety", "number": 1, "saved": 2}  # no clinical text in the audit trail


def test_bad_content_is_refused_by_section_and_nothing_is_saved(world):
    plan = plan_create(patient=world.patient_a, kind=PlanKind.SAFETY, by=world.alice)
    with pytest.raises(ValidationError) as error:
        plan_save_draft(
            plan=plan,
            content={"help_contacts": [{"name": "Maria", "phone": "soon"}]},
            version=1,
            by=world.alice,
        )
    assert list(error.value.message_dict) == ["help_contacts"]
    plan.refresh_from_db()
    assert plan.version == 1 and plan.content["help_contacts"] == []


def test_two_saves_from_the_same_version_the_second_is_refused_as_stale(world):
    plan = plan_create(patient=world.patient_a, kind=PlanKind.SAFETY, by=world.alice)
    alices_copy = Plan.objects.get(pk=plan.pk)
    pauls_copy = Plan.objects.get(pk=plan.pk)
    plan_save_draft(plan=alices_copy, content={"warning_signs": ["Alice's line"]}, version=1, by=world.alice)
    with pytest.raises(StalePlan) as exc:
        plan_save_draft(plan=pauls_copy, content={"warning_signs": ["Paul's line"]}, version=1, by=world.paul)
    assert exc.value.current.content["warning_signs"] == ["Alice's line"]
    assert exc.value.current.version == 2
    assert "Someone else saved this draft" in str(exc.value)
    plan.refresh_from_db()
    assert plan.content["warning_signs"] == ["Alice's line"]
    assert _events(plan, Action.UPDATE).count() == 1


def test_signing_records_the_patient_in_person_and_the_clinician(world):
    plan = draft_of(world.patient_a, world.alice)
    signed = plan_sign(
        plan=plan,
        by=world.alice,
        version=plan.version,
        patient_name="avery synthetic",
        patient_signed_on=timezone.localdate(),
    )
    assert signed.status == PlanStatus.SIGNED and signed.signed_at is not None
    patient_sig = signed.signatures.get(role="patient")
    assert (patient_sig.method, patient_sig.signer_name, patient_sig.witnessed_by, patient_sig.user) == (
        "in_person",
        "avery synthetic",
        world.alice,
        None,
    )
    clinician_sig = signed.signatures.get(role="clinician")
    assert (clinician_sig.user, clinician_sig.signer_name) == (world.alice, "Alice Test, LCSW")
    event = _events(signed, Action.UPDATE).filter(detail__signed=True).get()
    assert event.patient == world.patient_a
    assert plan_state(world.patient_a, PlanKind.SAFETY).current == signed


def test_a_plan_missing_required_steps_or_with_the_wrong_name_or_date_is_not_signed(world):
    plan = draft_of(world.patient_a, world.alice, content={"warning_signs": ["Can't sleep"]})
    with pytest.raises(ValidationError) as error:
        plan_sign(
            plan=plan,
            by=world.alice,
            version=plan.version,
            patient_name="Blake Synthetic",
            patient_signed_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    errors = error.value.message_dict
    assert errors["__all__"] == [
        "Before signing, fill in: 2. Things I can do on my own to feel calmer; 6. Making my surroundings "
        "safer; What matters most to me and is worth living for."
    ]
    assert "patient_name" in errors and errors["patient_signed_on"] == [
        "The date of the patient's signature cannot be in the future."
    ]
    plan.refresh_from_db()
    assert plan.is_draft and not PlanSignature.objects.exists()


def test_the_patient_cannot_have_signed_before_the_version_was_written(world):
    plan = draft_of(world.patient_a, world.alice)
    with pytest.raises(ValidationError) as error:
        sign(plan, world.alice, on=yesterday())
    assert "before this version was written" in str(error.value)


def test_a_signed_version_is_never_changed_by_any_service(world):
    plan = signed_plan(world.patient_a, world.alice)
    before = (plan.content, plan.version, plan.signed_at)
    with pytest.raises(PlanLocked, match="signed and can no longer be changed"):
        plan_save_draft(plan=plan, content=full_safety_content(), version=plan.version, by=world.alice)
    with pytest.raises(PlanLocked):
        sign(plan, world.paul)
    # A copy loaded while it was a draft: the conditional update still refuses it.
    stale = Plan.objects.get(pk=plan.pk)
    stale.status, stale.version = PlanStatus.DRAFT, plan.version
    with pytest.raises(PlanLocked):
        plan_save_draft(
            plan=stale, content={"warning_signs": ["changed"]}, version=plan.version, by=world.alice
        )
    plan.refresh_from_db()
    assert (plan.content, plan.version, plan.signed_at) == before
    assert plan.signatures.count() == 2


def test_signing_a_stale_draft_is_refused(world):
    plan = draft_of(world.patient_a, world.alice)
    old_version = plan.version
    plan_save_draft(
        plan=Plan.objects.get(pk=plan.pk), content=full_safety_content(), version=old_version, by=world.paul
    )
    with pytest.raises(StalePlan):
        plan_sign(
            plan=plan,
            by=world.alice,
            version=old_version,
            patient_name="Avery Synthetic",
            patient_signed_on=timezone.localdate(),
        )
    assert Plan.objects.get(pk=plan.pk).is_draft


def test_revising_copies_the_current_version_into_a_new_draft_and_the_signed_one_stays_current(world):
    v1 = signed_plan(world.patient_a, world.alice)
    v2 = plan_revise(plan=v1, by=world.paul)
    assert (v2.number, v2.status, v2.revises, v2.version) == (2, PlanStatus.DRAFT, v1, 1)
    assert v2.content == v1.content
    state = plan_state(world.patient_a, PlanKind.SAFETY)
    assert state.current == v1 and state.draft == v2 and state.versions == 2
    with pytest.raises(PlanExists) as exc:
        plan_revise(plan=v1, by=world.alice)
    assert exc.value.plan == v2
    with pytest.raises(PlanExists):
        plan_revise(plan=v2, by=world.alice)  # a draft is not revised: it is edited
    v2 = plan_save_draft(
        plan=v2, content={**v1.content, "reasons_for_living": ["My daughter Lily"]}, version=1, by=world.alice
    )
    v2 = sign(v2, world.alice)
    assert plan_state(world.patient_a, PlanKind.SAFETY).current == v2
    with pytest.raises(PlanError, match="Only the current signed version"):
        plan_revise(plan=v1, by=world.alice)  # replaced: only the current version is revised
    v1.refresh_from_db()
    assert v1.is_signed and v1.content["reasons_for_living"] != ["My daughter Lily"]
    assert _events(v2, Action.CREATE).get().detail["revises"] == str(v1.uuid)


def test_a_review_request_gives_the_primary_clinician_a_task_and_stays_until_a_new_version_is_signed(world):
    v1 = signed_plan(world.patient_a, world.alice)
    episode = world.patient_a.episodes.get()
    review = safety_plan_review_request(episode, "PHQ-9 item 9 answered 2", by=world.paul)
    task = review.task
    assert (task.assigned_to, task.patient, task.due_on, task.title) == (
        world.alice,
        world.patient_a,
        timezone.localdate(),
        "Review the safety plan",
    )
    assert plan_state(world.patient_a, PlanKind.SAFETY).review == review
    # Asking again while it is open changes nothing: one task, not one per alert.
    assert safety_plan_review_request(episode, "Again", by=world.paul) == review
    assert Task.objects.count() == 1
    assert AuditEvent.objects.filter(object_id=str(review.uuid), action=Action.CREATE).count() == 1
    v2 = plan_revise(plan=v1, by=world.alice)
    assert plan_state(world.patient_a, PlanKind.SAFETY).review == review  # a draft does not close it
    sign(v2, world.alice)
    review.refresh_from_db()
    assert review.resolved_by_plan == v2 and review.resolved_at is not None
    assert plan_state(world.patient_a, PlanKind.SAFETY).review is None


def test_a_review_request_without_a_plan_asks_for_one_and_falls_back_to_the_psychiatrist(world):
    episode = world.patient_a.episodes.get()
    CareTeamMember.objects.filter(episode=episode, role="primary_clinician").delete()
    review = safety_plan_review_request(episode, "ASQ positive")
    assert review.task.title == "Write a safety plan" and review.task.assigned_to == world.paul
    assert ReviewRequest.objects.get() == review


def test_a_review_request_falls_back_to_the_director_and_records_even_without_anyone(world):
    episode = world.patient_a.episodes.get()
    CareTeamMember.objects.filter(episode=episode).delete()
    assert safety_plan_review_request(episode, "x").task.assigned_to == world.dana
    ReviewRequest.objects.all().delete()
    Task.objects.all().delete()
    world.dana.staff_profile.programs.clear()
    review = safety_plan_review_request(episode, "")
    assert review.task is None and review.reason == "Review requested"
