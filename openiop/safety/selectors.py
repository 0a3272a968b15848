"""Reads of plans for a user. Loaders check the rules with the patient and write the one audit event."""

from dataclasses import dataclass

from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.patients.models import Patient
from openiop.patients.selectors import BreakGlassRequired, open_break_glass

from .content import readable_content
from .models import SLUG_KINDS, Plan, PlanKind, PlanStatus, ReviewRequest
from .registry import get_structure
from .structure import Structure

VIEW = "safety.view_plan"
WRITE = "safety.write_plan"


def kind_of_slug(slug: str) -> PlanKind:
    try:
        return SLUG_KINDS[slug]
    except KeyError:
        raise Http404("No such kind of plan.") from None


def _authorize(request, patient: Patient, *, write: bool, obj=None) -> None:
    """Stop unless the user may read (or write) this patient's plans. Reading may need break-the-glass."""
    user = request.user
    permission = WRITE if write else VIEW
    if user.has_perm(permission, patient):
        return
    if not write and user.has_perm("patients.break_glass", patient):
        raise BreakGlassRequired(patient)
    refuse(request, permission=permission, patient=patient, obj=obj or patient)


def break_glass_detail(request, patient, detail: dict | None = None) -> dict:
    """`detail` plus the open break-the-glass access the user reads under, if any (for the review)."""
    access = open_break_glass(request.user, patient)
    extra = {"break_glass": str(access.uuid)} if access else {}
    return {**(detail or {}), **extra}


def patient_for_plans(
    request, patient_uuid, *, write: bool = False, action=Action.VIEW, audit: bool = True, detail=None
) -> Patient:
    """The patient whose plans the user opens: 404 unknown, BreakGlassRequired or 403 (audited)."""
    patient = get_object_or_404(Patient, uuid=patient_uuid)
    _authorize(request, patient, write=write)
    if audit:
        audit_record(
            action=action,
            request=request,
            patient=patient,
            obj=patient,
            detail=break_glass_detail(request, patient, detail),
        )
    return patient


def plan_for_user(
    request, plan_uuid, *, write: bool = False, action=Action.VIEW, audit: bool = True, detail=None
) -> Plan:
    """One plan version the user may read (or write): 404, BreakGlassRequired or 403 as `patient_for_plans`.

    Audits `action` on the plan unless `audit` is False (a write's service audits it instead)."""
    plan = get_object_or_404(
        Plan.objects.select_related("patient", "created_by", "updated_by", "revises"), uuid=plan_uuid
    )
    _authorize(request, plan.patient, write=write, obj=plan)
    if audit:
        audit_record(
            action=action,
            request=request,
            patient=plan.patient,
            obj=plan,
            detail={
                "kind": plan.kind,
                "number": plan.number,
                **break_glass_detail(request, plan.patient, detail),
            },
        )
    return plan


@dataclass(frozen=True)
class PlanState:
    """Where a patient's plan of one kind stands: the current signed version, the open draft, the
    open review request and how many versions there are."""

    kind: str
    current: Plan | None
    draft: Plan | None
    review: ReviewRequest | None
    versions: int

    @property
    def label(self) -> str:
        return PlanKind(self.kind).label

    @property
    def exists(self) -> bool:
        return self.versions > 0


def plan_state(patient: Patient, kind: str) -> PlanState:
    plans = list(
        Plan.objects.of(patient, kind).select_related("created_by", "updated_by").order_by("-number")
    )
    review = ReviewRequest.objects.filter(patient=patient, kind=kind, resolved_at__isnull=True).first()
    return _state(kind, plans, review)


def plan_states(patient: Patient, *, with_authors: bool = True) -> list[PlanState]:
    """`plan_state` of every kind, in PlanKind order, in two queries (the chart's panel shows them all).

    `with_authors=False` leaves out who created and last changed each version, for the chart's panel,
    which does not name them."""
    plans = Plan.objects.filter(patient=patient).order_by("-number")
    if with_authors:
        plans = plans.select_related("created_by", "updated_by")
    plans = list(plans)
    # At most one open review per patient and kind (constraint safety_one_open_review_per_kind).
    reviews = {r.kind: r for r in ReviewRequest.objects.filter(patient=patient, resolved_at__isnull=True)}
    return [_state(kind, [p for p in plans if p.kind == kind], reviews.get(kind)) for kind in PlanKind]


def current_plans(patient: Patient) -> list[Plan]:
    """The current signed version of each kind, in PlanKind order, with the signatures `rendered` reads:
    three queries however many kinds there are (the portal shows them all on one page)."""
    currents = [state.current for state in plan_states(patient) if state.current is not None]
    prefetch_related_objects(currents, "signatures")
    return currents


def _state(kind: str, plans: list[Plan], review: ReviewRequest | None) -> PlanState:
    """Plans of one kind, newest version first -> where the plan stands."""
    current = next((p for p in plans if p.status == PlanStatus.SIGNED), None)
    draft = next((p for p in plans if p.status == PlanStatus.DRAFT), None)
    return PlanState(kind=kind, current=current, draft=draft, review=review, versions=len(plans))


def plan_versions(patient: Patient, kind: str) -> list[Plan]:
    """Every version of the patient's plan of `kind`, newest first, with signatures."""
    return list(
        Plan.objects.of(patient, kind)
        .select_related("created_by", "updated_by")
        .prefetch_related("signatures__user", "signatures__witnessed_by")
        .order_by("-number")
    )


@dataclass(frozen=True)
class Rendered:
    """A plan version ready to show or print: its structure, crisis lines first, sections with content."""

    plan: Plan
    structure: Structure
    crisis_lines: tuple
    sections: list  # (Section, entries)
    signatures: dict  # role -> PlanSignature


def rendered(plan: Plan) -> Rendered:
    structure = get_structure(plan.structure_id, plan.structure_version)
    content = readable_content(structure, plan.content)
    signatures = {signature.role: signature for signature in plan.signatures.all()}
    return Rendered(
        plan=plan,
        structure=structure,
        crisis_lines=structure.all_crisis_lines,
        sections=[(section, content[section.id]) for section in structure.sections],
        signatures=signatures,
    )
