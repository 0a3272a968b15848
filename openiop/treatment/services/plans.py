"""Versions of a plan: settings, drafts (optimistic revision check), sending for signatures, returning
to draft, withdrawing, and new versions from the active plan."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.accounts.models import Role, User
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus

from .. import content as core
from ..diff import Change, diff_plans
from ..models import (
    MAX_REVIEW_INTERVAL_DAYS,
    MIN_REVIEW_INTERVAL_DAYS,
    DraftRevision,
    Goal,
    Intervention,
    Objective,
    PlanSignature,
    PlanStatus,
    Problem,
    ProgramPlanSettings,
    TreatmentPlan,
)
from ..selectors import plan_content, review_interval_for

# Staff who may be responsible for an intervention: those who treat, and the program's director.
RESPONSIBLE_ROLES = (Role.CLINICIAN, Role.PSYCHIATRIST, Role.PROGRAM_DIRECTOR)


class PlanLocked(Exception):
    """The version is not in a state that allows this change (e.g. it is active: make a new version)."""

    def __init__(self, plan: TreatmentPlan, message: str):
        super().__init__(message)
        self.plan = plan
        self.message = message


class StaleRevision(Exception):
    """Someone saved the draft after the revision this save started from. Nothing was saved."""

    def __init__(self, *, plan: TreatmentPlan, started_from: int, changes: list[Change], saved_by):
        self.plan = plan
        self.started_from = started_from
        self.current_revision = plan.revision
        self.changes = changes
        self.saved_by = saved_by
        super().__init__(
            _(
                "Someone else saved this draft while you were editing (your version %(mine)s, saved "
                "version %(theirs)s). Nothing of yours was saved."
            )
            % {"mine": started_from, "theirs": plan.revision}
        )


def locked_message(plan: TreatmentPlan) -> str:
    if plan.status in (PlanStatus.ACTIVE, PlanStatus.SUPERSEDED):
        return _(
            "Version %(n)s is %(status)s: a signed plan is never changed. Start a new version to change it."
        ) % {"n": plan.number, "status": plan.get_status_display().lower()}
    if plan.status == PlanStatus.AWAITING_SIGNATURES:
        return _("Version %(n)s is awaiting signatures. Return it to draft to change it.") % {
            "n": plan.number
        }
    return _("Version %(n)s is %(status)s.") % {"n": plan.number, "status": plan.get_status_display().lower()}


def _lock(plan: TreatmentPlan) -> TreatmentPlan:
    return (
        TreatmentPlan.objects.select_for_update()
        .select_related("episode__patient", "episode__program")
        .get(pk=plan.pk)
    )


def _require(plan: TreatmentPlan, *statuses) -> None:
    if plan.status not in statuses:
        raise PlanLocked(plan, locked_message(plan))


def _issues_to_error(issues: list[core.Issue]) -> ValidationError:
    errors: dict[str, list[str]] = {}
    for issue in issues:
        errors.setdefault(issue.dotted, []).append(issue.message)
    return ValidationError(errors)


# --- settings ------------------------------------------------------------------------------------------------


def plan_settings_update(*, program, review_interval_days: int, by, request=None) -> ProgramPlanSettings:
    """Set how often the program's plans are reviewed. Applies to versions created from now on."""
    low, high = core_interval_range()
    if not low <= review_interval_days <= high:
        raise ValidationError(
            {
                "review_interval_days": _("Review plans every %(low)s to %(high)s days.")
                % {"low": low, "high": high}
            }
        )
    with transaction.atomic():
        settings, _created = ProgramPlanSettings.objects.get_or_create(
            program=program, defaults={"created_by": by, "review_interval_days": review_interval_days}
        )
        settings.review_interval_days = review_interval_days
        settings.updated_by = by
        settings.save()
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            obj=settings,
            detail={"program": str(program.uuid), "review_interval_days": review_interval_days},
        )
    return settings


def core_interval_range() -> tuple[int, int]:
    return MIN_REVIEW_INTERVAL_DAYS, MAX_REVIEW_INTERVAL_DAYS


# --- versions ------------------------------------------------------------------------------------------------


def _primary_clinician(episode: EpisodeOfCare):
    member = (
        CareTeamMember.objects.filter(episode=episode, role=CareTeamRole.PRIMARY_CLINICIAN)
        .select_related("user")
        .first()
    )
    return member.user if member else None


def _next_number(episode: EpisodeOfCare) -> int:
    return (TreatmentPlan.objects.filter(episode=episode).aggregate(n=Max("number"))["n"] or 0) + 1


def _refuse_second_open_version(episode: EpisodeOfCare) -> None:
    open_version = TreatmentPlan.objects.open().filter(episode=episode).first()
    if open_version is not None:
        raise ValidationError(
            _("Version %(n)s is already in progress (%(status)s): finish or withdraw it first.")
            % {"n": open_version.number, "status": open_version.get_status_display().lower()}
        )


def plan_create(*, episode: EpisodeOfCare, by, request=None) -> TreatmentPlan:
    """Start an episode's plan as an empty draft. For a change to an active plan, use `plan_new_version`."""
    with transaction.atomic():
        episode = (
            EpisodeOfCare.objects.select_for_update().select_related("patient", "program").get(pk=episode.pk)
        )
        if episode.status != EpisodeStatus.ACTIVE:
            raise ValidationError(
                _("A treatment plan is written for an admitted patient in an active episode.")
            )
        if TreatmentPlan.objects.active().filter(episode=episode).exists():
            raise ValidationError(_("This episode has an active plan: start a new version from it instead."))
        _refuse_second_open_version(episode)
        primary = _primary_clinician(episode)
        plan = TreatmentPlan.objects.create(
            episode=episode,
            number=_next_number(episode),
            responsible_clinician=primary if primary is not None else by,
            review_interval_days=review_interval_for(episode.program),
            created_by=by,
            updated_by=by,
        )
        DraftRevision.objects.create(
            plan=plan, revision=1, content=core.to_dict(plan_content(plan)), saved_by=by
        )
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=episode.patient,
            obj=plan,
            detail={"version": plan.number},
        )
    return plan


def plan_new_version(*, plan: TreatmentPlan, by, request=None) -> TreatmentPlan:
    """A new draft version copied from the active one (same item keys, so the diff pairs items)."""
    with transaction.atomic():
        plan = _lock(plan)
        _require(plan, PlanStatus.ACTIVE)
        return _new_version_of_locked(plan, by=by, request=request)


def _new_version_of_locked(plan: TreatmentPlan, *, by, request) -> TreatmentPlan:
    """plan_new_version's work on an active plan its caller has locked (_lock) in the current transaction:
    a review asking for revision already holds the lock, and need not read the plan again."""
    episode = EpisodeOfCare.objects.select_for_update().get(pk=plan.episode_id)
    if episode.status != EpisodeStatus.ACTIVE:
        raise ValidationError(_("The episode is no longer active: its plan cannot change."))
    _refuse_second_open_version(episode)
    content = plan_content(plan)
    responsible = plan.responsible_clinician
    if not CareTeamMember.objects.filter(episode=episode, user=responsible).exists():
        responsible = _primary_clinician(episode) or by
    draft = TreatmentPlan.objects.create(
        episode=episode,
        number=_next_number(episode),
        based_on=plan,
        responsible_clinician=responsible,
        strengths=plan.strengths,
        discharge_criteria=plan.discharge_criteria,
        review_interval_days=plan.review_interval_days,
        created_by=by,
        updated_by=by,
    )
    _write_items(draft, content)
    DraftRevision.objects.create(plan=draft, revision=1, content=core.to_dict(content), saved_by=by)
    audit_record(
        action=Action.CREATE,
        request=request,
        actor=by,
        patient=plan.episode.patient,
        obj=draft,
        detail={"version": draft.number, "based_on": str(plan.uuid)},
    )
    return draft


def _responsible_users(episode: EpisodeOfCare, content: core.PlanContent) -> tuple[dict[str, User], list]:
    """Staff named as responsible for interventions, by uuid, and the issues of those who may not be."""
    wanted = {
        intervention.responsible
        for problem in content.problems
        for goal in problem.goals
        for intervention in goal.interventions
        if intervention.responsible
    }
    users = {
        str(user.uuid): user
        for user in User.objects.filter(
            uuid__in=[u for u in wanted if _is_uuid(u)],
            is_active=True,
            role__in=RESPONSIBLE_ROLES,
            staff_profile__programs=episode.program,
        )
    }
    issues = []
    for p, problem in enumerate(content.problems):
        for g, goal in enumerate(problem.goals):
            for i, intervention in enumerate(goal.interventions):
                if intervention.responsible and intervention.responsible not in users:
                    issues.append(
                        core.Issue(
                            ("problems", p, "goals", g, "interventions", i, "responsible"),
                            _("Choose a clinician, psychiatrist or director of this program."),
                        )
                    )
    return users, issues


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def plan_draft_save(
    *,
    plan: TreatmentPlan,
    content: core.PlanContent,
    revision: int,
    by,
    responsible_clinician=None,
    request=None,
) -> TreatmentPlan:
    """Replace a draft's content, if nobody saved it since `revision` (the revision the editor started from).

    Raises ValidationError (paths such as "problems.0.goals.1.text") for bad content, PlanLocked if the
    version is no longer a draft, StaleRevision if someone else saved first: then nothing is saved.
    """
    episode = plan.episode
    content = _normalized(content)
    issues = core.check(content, admitted_on=episode.admitted_on, interval_range=core_interval_range())
    users, responsible_issues = _responsible_users(episode, content)
    issues += responsible_issues
    if responsible_clinician is not None and not _may_be_responsible(episode, responsible_clinician):
        issues.append(
            core.Issue(("responsible_clinician",), _("Choose a clinician or psychiatrist on the care team."))
        )
    if issues:
        raise _issues_to_error(issues)
    with transaction.atomic():
        now = timezone.now()
        changed = TreatmentPlan.objects.filter(pk=plan.pk, status=PlanStatus.DRAFT, revision=revision).update(
            revision=F("revision") + 1,
            strengths=content.strengths,
            discharge_criteria=content.discharge_criteria,
            review_interval_days=content.review_interval_days,
            responsible_clinician=responsible_clinician or plan.responsible_clinician,
            updated_by=by,
            updated_at=now,
        )
        current = TreatmentPlan.objects.select_related("episode__patient").get(pk=plan.pk)
        if not changed:
            if current.status != PlanStatus.DRAFT:
                raise PlanLocked(current, locked_message(current))
            raise _stale(current, started_from=revision)
        _write_items(current, content, users=users)
        DraftRevision.objects.create(
            plan=current, revision=current.revision, content=core.to_dict(plan_content(current)), saved_by=by
        )
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=current.episode.patient,
            obj=current,
            detail={
                "version": current.number,
                "revision": current.revision,
                "problems": len(content.problems),
                "objectives": core.objective_count(content),
            },
        )
    return current


def _stale(current: TreatmentPlan, *, started_from: int) -> StaleRevision:
    base = DraftRevision.objects.filter(plan=current, revision=started_from).first()
    latest = (
        DraftRevision.objects.filter(plan=current)
        .select_related("saved_by__staff_profile")
        .order_by("-revision")
        .first()
    )
    changes = diff_plans(core.from_dict(base.content), plan_content(current)) if base else []
    return StaleRevision(
        plan=current,
        started_from=started_from,
        changes=changes,
        saved_by=latest.saved_by if latest else None,
    )


def _may_be_responsible(episode, user) -> bool:
    return (
        user.role in (Role.CLINICIAN, Role.PSYCHIATRIST)
        and CareTeamMember.objects.filter(episode=episode, user=user).exists()
    )


def _normalized(content: core.PlanContent) -> core.PlanContent:
    from dataclasses import replace

    return replace(
        content,
        strengths=content.strengths.strip(),
        discharge_criteria=content.discharge_criteria.strip(),
        problems=tuple(
            replace(
                problem,
                icd10_code=core.normalize_icd10(problem.icd10_code),
                description=problem.description.strip(),
                evidenced_by=problem.evidenced_by.strip(),
                goals=tuple(
                    replace(
                        goal,
                        text=goal.text.strip(),
                        objectives=tuple(
                            replace(
                                o,
                                text=o.text.strip(),
                                baseline=o.baseline.strip(),
                                target=o.target.strip(),
                                measure_instrument=o.measure_instrument.strip().upper(),
                            )
                            for o in goal.objectives
                        ),
                        interventions=tuple(
                            replace(i, frequency=i.frequency.strip(), description=i.description.strip())
                            for i in goal.interventions
                        ),
                    )
                    for goal in problem.goals
                ),
            )
            for problem in content.problems
        ),
    )


def _write_items(plan: TreatmentPlan, content: core.PlanContent, *, users: dict | None = None) -> None:
    """Replace the items of a draft (never of a signed version: callers hold the draft's lock)."""
    assert plan.status == PlanStatus.DRAFT, "only a draft's items are ever written"
    if users is None:
        users = {
            str(user.uuid): user
            for user in User.objects.filter(
                uuid__in=[
                    i.responsible
                    for p in content.problems
                    for g in p.goals
                    for i in g.interventions
                    if _is_uuid(i.responsible)
                ]
            )
        }
    Problem.objects.filter(plan=plan).delete()
    for p, problem in enumerate(content.problems):
        problem_row = Problem.objects.create(
            plan=plan,
            key=problem.key,
            position=p,
            icd10_code=problem.icd10_code,
            description=problem.description,
            evidenced_by=problem.evidenced_by,
        )
        for g, goal in enumerate(problem.goals):
            goal_row = Goal.objects.create(problem=problem_row, key=goal.key, position=g, text=goal.text)
            Objective.objects.bulk_create(
                Objective(
                    goal=goal_row,
                    key=o.key,
                    position=index,
                    text=o.text,
                    baseline=o.baseline,
                    target=o.target,
                    target_date=o.target_date,
                    measure_instrument=o.measure_instrument,
                    measure_comparator=o.measure_comparator,
                    measure_value=o.measure_value,
                )
                for index, o in enumerate(goal.objectives)
            )
            Intervention.objects.bulk_create(
                Intervention(
                    goal=goal_row,
                    key=i.key,
                    position=index,
                    modality=i.modality,
                    description=i.description,
                    frequency=i.frequency,
                    responsible=users[i.responsible],
                )
                for index, i in enumerate(goal.interventions)
            )


def plan_submit(*, plan: TreatmentPlan, by, request=None) -> TreatmentPlan:
    """Send a complete draft for signatures; its content is frozen from here."""
    with transaction.atomic():
        plan = _lock(plan)
        _require(plan, PlanStatus.DRAFT)
        content = plan_content(plan)
        issues = core.check(
            content,
            admitted_on=plan.episode.admitted_on,
            for_signatures=True,
            interval_range=core_interval_range(),
        )
        if issues:
            raise _issues_to_error(issues)
        plan.status = PlanStatus.AWAITING_SIGNATURES
        plan.submitted_at = timezone.now()
        plan.revision += 1
        plan.updated_by = by
        plan.save(update_fields=["status", "submitted_at", "revision", "updated_by", "updated_at"])
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=plan.episode.patient,
            obj=plan,
            detail={"version": plan.number, "status": plan.status},
        )
    return plan


def plan_return_to_draft(*, plan: TreatmentPlan, by, reason: str, request=None) -> TreatmentPlan:
    """Reopen a version awaiting signatures for changes. Signatures given so far are voided (kept, marked)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the plan goes back to draft.")})
    with transaction.atomic():
        plan = _lock(plan)
        _require(plan, PlanStatus.AWAITING_SIGNATURES)
        voided = PlanSignature.objects.filter(plan=plan, voided_at__isnull=True).update(
            voided_at=timezone.now(), void_reason=reason[:300]
        )
        plan.status = PlanStatus.DRAFT
        plan.submitted_at = None
        plan.revision += 1
        plan.updated_by = by
        plan.save(update_fields=["status", "submitted_at", "revision", "updated_by", "updated_at"])
        DraftRevision.objects.create(
            plan=plan, revision=plan.revision, content=core.to_dict(plan_content(plan)), saved_by=by
        )
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=plan.episode.patient,
            obj=plan,
            detail={"version": plan.number, "status": plan.status, "signatures_voided": voided},
        )
    return plan


def plan_withdraw(*, plan: TreatmentPlan, by, reason: str, request=None) -> TreatmentPlan:
    """Abandon a version in progress. It stays in the history as a withdrawn draft."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the draft is withdrawn.")})
    with transaction.atomic():
        plan = _lock(plan)
        _require(plan, PlanStatus.DRAFT, PlanStatus.AWAITING_SIGNATURES)
        PlanSignature.objects.filter(plan=plan, voided_at__isnull=True).update(
            voided_at=timezone.now(), void_reason=reason[:300]
        )
        plan.status = PlanStatus.WITHDRAWN
        plan.withdrawn_at = timezone.now()
        plan.withdrawal_reason = reason[:300]
        plan.revision += 1
        plan.updated_by = by
        plan.save(
            update_fields=[
                "status",
                "withdrawn_at",
                "withdrawal_reason",
                "revision",
                "updated_by",
                "updated_at",
            ]
        )
        audit_record(
            action=Action.UPDATE,
            request=request,
            actor=by,
            patient=plan.episode.patient,
            obj=plan,
            detail={"version": plan.number, "status": plan.status},
        )
    return plan
