"""Writes of safety and relapse-prevention plans. Each is atomic and writes its one audit event.

A plan version is a draft until it is signed by the patient and a clinician; from then on nothing changes
it. Every write below that touches a version checks, in the same UPDATE that writes it, that the version
is still a draft and still at the `version` the caller started from (optimistic concurrency), so neither a
stale form nor a race with a signature can overwrite anything.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.home.services import task_create
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare
from openiop.patients.selectors import current_episode

from .content import clean_content, empty_content, missing_to_sign, name_matches
from .models import Plan, PlanKind, PlanSignature, PlanStatus, ReviewRequest, SignatureMethod, SignatureRole
from .registry import current_structure, get_structure

SIGNED_IS_FINAL = "This version is signed and can no longer be changed. Revise it to start a new version."


class PlanError(Exception):
    """A write the plan's state does not allow. The message is for the person acting; it names no patient."""


class PlanLocked(PlanError):
    """The version is signed: it is never edited in place."""

    def __init__(self, plan: Plan):
        super().__init__(SIGNED_IS_FINAL)
        self.plan = plan


class StalePlan(PlanError):
    """Someone saved the draft since the caller loaded it. `current` is the draft as saved now."""

    def __init__(self, current: Plan):
        super().__init__(
            f"Someone else saved this draft since you opened it (it is now at save {current.version}). "
            "Your text is kept below with the saved text beside it: merge them, then save again."
        )
        self.current = current


class PlanExists(PlanError):
    """A plan of this kind already exists: continue its draft or revise its signed version."""

    def __init__(self, plan: Plan, message: str):
        super().__init__(message)
        self.plan = plan


def _write_audit(*, action, plan: Plan, by, request, detail: dict) -> None:
    audit_record(
        action=action,
        request=request,
        actor=by,
        patient=plan.patient,
        obj=plan,
        detail={"kind": plan.kind, "number": plan.number, **detail},
    )


def plan_create(*, patient, kind: PlanKind | str, by, request=None) -> Plan:
    """Start the first plan of `kind` for `patient`: an empty draft, version 1.

    Raises PlanExists when the patient already has a plan of this kind (continue the draft, or revise).
    """
    structure = current_structure(kind)
    with transaction.atomic():
        existing = Plan.objects.of(patient, kind).order_by("-number").first()
        if existing is not None:
            message = (
                "A draft of this plan is already open: continue it."
                if existing.is_draft
                else "This plan already exists: revise the current version to change it."
            )
            raise PlanExists(existing, message)
        plan = _new_draft(patient=patient, kind=kind, by=by, number=1, content=empty_content(structure))
        _write_audit(action=Action.CREATE, plan=plan, by=by, request=request, detail={})
    return plan


def _new_draft(*, patient, kind, by, number: int, content: dict, revises: Plan | None = None) -> Plan:
    structure = current_structure(kind)
    try:
        with transaction.atomic():  # a savepoint: a concurrent draft must not break the caller's transaction
            return Plan.objects.create(
                patient=patient,
                episode=current_episode(patient),
                kind=kind,
                number=number,
                structure_id=structure.id,
                structure_version=structure.version,
                content=content,
                revises=revises,
                created_by=by,
                updated_by=by,
            )
    except IntegrityError:
        # Two people started a draft at the same moment: the other one's is the draft.
        draft = Plan.objects.of(patient, kind).drafts().first()
        if draft is None:
            raise
        raise PlanExists(
            draft, "A draft of this plan was just started by someone else: continue it."
        ) from None


def plan_revise(*, plan: Plan, by, request=None) -> Plan:
    """Start a new draft version copied from `plan`, the current signed version.

    The new draft is brought up to the current structure: sections it no longer has are dropped, new ones
    start empty. Raises PlanExists when a draft is already open (one draft at a time), PlanError when `plan`
    is not the current signed version.
    """
    with transaction.atomic():
        versions = Plan.objects.of(plan.patient, plan.kind)
        draft = versions.drafts().first()
        if draft is not None:
            raise PlanExists(draft, f"Version {draft.number} is already being revised: continue that draft.")
        current = versions.signed().order_by("-number").first()
        if current is None or current.pk != plan.pk:
            raise PlanError("Only the current signed version can be revised.")
        structure = current_structure(plan.kind)
        content, _ = clean_content(structure, {s.id: plan.content.get(s.id, []) for s in structure.sections})
        number = (versions.aggregate(n=Max("number"))["n"] or 0) + 1
        draft = _new_draft(
            patient=plan.patient, kind=plan.kind, by=by, number=number, content=content, revises=plan
        )
        _write_audit(
            action=Action.CREATE, plan=draft, by=by, request=request, detail={"revises": str(plan.uuid)}
        )
    return draft


def _update_draft_at(plan: Plan, version: int, **fields) -> None:
    """Write `fields` (and the next save number) if `plan` is, in the database now, a draft at `version`;
    else raise PlanLocked or StalePlan and write nothing. One conditional UPDATE: no lost update on any
    database, with or without row locks."""
    changed = Plan.objects.filter(pk=plan.pk, status=PlanStatus.DRAFT, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    if changed:
        plan.refresh_from_db()
        return
    saved = Plan.objects.get(pk=plan.pk)
    if saved.status != PlanStatus.DRAFT:
        raise PlanLocked(saved)
    raise StalePlan(saved)


def plan_save_draft(*, plan: Plan, content, version: int, by, request=None) -> Plan:
    """Save the draft's content, if nobody saved it since `version` and it is still a draft.

    Raises ValidationError (messages by section) for bad content, PlanLocked for a signed version,
    StalePlan when the draft moved on; nothing is written then.
    """
    if plan.status != PlanStatus.DRAFT:
        raise PlanLocked(plan)
    structure = get_structure(plan.structure_id, plan.structure_version)
    cleaned, errors = clean_content(structure, content)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _update_draft_at(plan, version, content=cleaned, updated_by=by)
        _write_audit(action=Action.UPDATE, plan=plan, by=by, request=request, detail={"saved": plan.version})
    return plan


def plan_sign(
    *,
    plan: Plan,
    by,
    version: int,
    patient_name: str,
    patient_signed_on: datetime.date,
    request=None,
    today: datetime.date | None = None,
) -> Plan:
    """Sign the draft: the patient in person (their typed full name and the date, witnessed by `by`)
    and `by` as the clinician, together. The version becomes the current plan and closes any open review
    request of its kind. Raises ValidationError (by field) when it cannot be signed yet, PlanLocked or
    StalePlan as `plan_save_draft`.
    """
    plan.refresh_from_db()  # judge the content as saved; the UPDATE below checks it is still `version`
    if plan.status != PlanStatus.DRAFT:
        raise PlanLocked(plan)
    today = today or timezone.localdate()
    structure = get_structure(plan.structure_id, plan.structure_version)
    errors: dict[str, list[str]] = {}
    missing = missing_to_sign(structure, plan.content)
    if missing:
        errors["__all__"] = [
            "Before signing, fill in: " + "; ".join(section.title for section in missing) + "."
        ]
    patient = plan.patient
    if not name_matches(
        patient_name,
        given=patient.legal_given_name,
        family=patient.legal_family_name,
        preferred=patient.preferred_name,
    ):
        errors["patient_name"] = [
            "Type the patient's full name as on their record (first and last name); "
            "the patient types it themselves when signing in person."
        ]
    if patient_signed_on > today:
        errors["patient_signed_on"] = ["The date of the patient's signature cannot be in the future."]
    elif patient_signed_on < timezone.localdate(plan.created_at):
        errors["patient_signed_on"] = ["The patient cannot have signed before this version was written."]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        _update_draft_at(plan, version, status=PlanStatus.SIGNED, signed_at=now, updated_by=by)
        PlanSignature.objects.create(
            plan=plan,
            role=SignatureRole.PATIENT,
            method=SignatureMethod.IN_PERSON,
            signer_name=" ".join(patient_name.split())[:160],
            signed_on=patient_signed_on,
            signed_at=now,
            witnessed_by=by,
        )
        PlanSignature.objects.create(
            plan=plan,
            role=SignatureRole.CLINICIAN,
            method=SignatureMethod.SIGNED_IN,
            signer_name=by.display_name[:160],
            signed_on=timezone.localdate(now),
            signed_at=now,
            user=by,
        )
        resolved = ReviewRequest.objects.filter(
            patient=plan.patient, kind=plan.kind, resolved_at__isnull=True
        ).update(resolved_at=now, resolved_by_plan=plan, updated_by=by, updated_at=now)
        _write_audit(
            action=Action.UPDATE,
            plan=plan,
            by=by,
            request=request,
            detail={"signed": True, "witnessed": True, "reviews_resolved": resolved},
        )
    return plan


def _reviewer_of(episode: EpisodeOfCare):
    """Who reviews the plan: the primary clinician, else the team's psychiatrist, else the program's director."""
    for role in (CareTeamRole.PRIMARY_CLINICIAN, CareTeamRole.PSYCHIATRIST):
        member = CareTeamMember.objects.filter(episode=episode, role=role).select_related("user").first()
        if member is not None:
            return member.user
    from openiop.accounts.models import Role, User

    return (
        User.objects.filter(
            role=Role.PROGRAM_DIRECTOR, staff_profile__programs=episode.program, is_active=True
        )
        .order_by("pk")
        .first()
    )


def safety_plan_review_request(
    episode: EpisodeOfCare, reason: str, by=None, *, request=None
) -> ReviewRequest:
    """Ask for the episode's patient's safety plan to be reviewed today (e.g. a critical item on a measure).

    Gives the primary clinician (or, failing one, the psychiatrist or the program's director) a task due
    today, and marks the plan "review requested" until a new version is signed. While a request is open,
    asking again returns it unchanged: one task, not one per alert. `reason` is shown to the care team
    ("PHQ-9 item 9 answered 2 on 2026-11-20"); it is not written to the audit trail.
    """
    try:
        return _review_request(episode, reason, by, request)
    except _ConcurrentRequest:
        return ReviewRequest.objects.get(
            patient=episode.patient, kind=PlanKind.SAFETY, resolved_at__isnull=True
        )


class _ConcurrentRequest(Exception):
    pass


def _review_request(episode, reason, by, request) -> ReviewRequest:
    reason = " ".join(str(reason).split())[:300] or "Review requested"
    kind = PlanKind.SAFETY
    with transaction.atomic():
        open_request = ReviewRequest.objects.filter(
            patient=episode.patient, kind=kind, resolved_at__isnull=True
        ).first()
        if open_request is not None:
            return open_request
        has_plan = Plan.objects.of(episode.patient, kind).exists()
        reviewer = _reviewer_of(episode)
        task = None
        if reviewer is not None:
            task = task_create(
                title="Review the safety plan" if has_plan else "Write a safety plan",
                assigned_to=reviewer,
                due_on=timezone.localdate(),
                patient=episode.patient,
                created_by=by,
                request=request,
            )
        try:
            with transaction.atomic():
                review = ReviewRequest.objects.create(
                    patient=episode.patient,
                    episode=episode,
                    kind=kind,
                    reason=reason,
                    task=task,
                    created_by=by,
                    updated_by=by,
                )
        except IntegrityError:
            # Another alert opened the request at the same moment: that one stands (with its task).
            raise _ConcurrentRequest from None
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=episode.patient,
            obj=review,
            detail={"kind": kind, "task": str(task.uuid) if task else None},
        )
    return review
