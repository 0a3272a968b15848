"""The plan pages: a patient's plan of one kind (current version, draft, history), one version, editing
a draft, signing it, revising a signed version, and the pocket PDF.

Loaders (selectors.py) check the rules with the patient and audit; writes go through services.py, which
audit each change. Reading follows the chart, break-the-glass included; writing is the care team's.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy
from openiop.core.pdf import pdf_response
from openiop.patients.selectors import BreakGlassRequired

from .forms import PlanForm, SignForm
from .models import KIND_SLUGS
from .pdf import render_pocket_pdf
from .registry import get_structure
from .selectors import (
    WRITE,
    break_glass_detail,
    kind_of_slug,
    patient_for_plans,
    plan_for_user,
    plan_state,
    plan_versions,
    rendered,
)
from .services import (
    PlanError,
    PlanExists,
    PlanLocked,
    StalePlan,
    plan_create,
    plan_revise,
    plan_save_draft,
    plan_sign,
)


def _break_glass(exc: BreakGlassRequired):
    return redirect("patients:break_glass", patient_uuid=exc.patient.uuid)


def _may_write(request, patient) -> bool:
    return request.user.has_perm("safety.write_plans") and request.user.has_perm(WRITE, patient)


@policy("safety.view_plans")
@require_GET
def plan_home(request, patient_uuid, kind):
    """A patient's plan of one kind: the current signed version in full, the open draft, every version."""
    kind = kind_of_slug(kind)
    try:
        patient = patient_for_plans(request, patient_uuid, detail={"page": "plans", "kind": kind})
    except BreakGlassRequired as exc:
        return _break_glass(exc)
    state = plan_state(patient, kind)
    context = {
        "patient": patient,
        "kind": kind,
        "slug": KIND_SLUGS[kind],
        "state": state,
        "current": rendered(state.current) if state.current else None,
        "versions": plan_versions(patient, kind),
        "may_write": _may_write(request, patient),
    }
    return render(request, "safety/plan_home.html", context)


@policy("safety.write_plans")
@require_POST
def plan_create_view(request, patient_uuid, kind):
    kind = kind_of_slug(kind)
    patient = patient_for_plans(request, patient_uuid, write=True, audit=False)
    try:
        plan = plan_create(patient=patient, kind=kind, by=request.user, request=request)
    except PlanExists as exc:
        messages.info(request, str(exc))
        if exc.plan.is_draft:
            return redirect("safety:plan_edit", plan_uuid=exc.plan.uuid)
        return redirect("safety:plan_home", patient_uuid=patient.uuid, kind=KIND_SLUGS[kind])
    messages.success(request, _("Draft started. Fill in each step with the patient, in their words."))
    return redirect("safety:plan_edit", plan_uuid=plan.uuid)


@policy("safety.view_plans")
@require_GET
def plan_detail(request, plan_uuid):
    """One version as it reads (and prints), with its signatures."""
    try:
        plan = plan_for_user(request, plan_uuid)
    except BreakGlassRequired as exc:
        return _break_glass(exc)
    state = plan_state(plan.patient, plan.kind)
    context = {
        "plan": plan,
        "patient": plan.patient,
        "shown": rendered(plan),
        "state": state,
        "is_current": state.current is not None and state.current.pk == plan.pk,
        "may_write": _may_write(request, plan.patient),
    }
    return render(request, "safety/plan_detail.html", context)


def _locked(request, plan):
    messages.error(request, PlanLocked(plan).args[0])
    return redirect("safety:plan_detail", plan_uuid=plan.uuid)


@policy("safety.write_plans")
@require_http_methods(["GET", "POST"])
def plan_edit(request, plan_uuid):
    """Edit the draft. A stale save keeps the person's text and shows the saved text beside it to merge."""
    plan = plan_for_user(request, plan_uuid, write=True, audit=False)
    if not plan.is_draft:
        return _locked(request, plan)
    structure = get_structure(plan.structure_id, plan.structure_version)
    saved_now = None
    if request.method == "POST":
        form = PlanForm(structure, plan.content, request.POST)
        if form.is_valid():
            try:
                plan = plan_save_draft(
                    plan=plan,
                    content=form.raw_content(),
                    version=form.cleaned_data["version"],
                    by=request.user,
                    request=request,
                )
            except PlanLocked:
                return _locked(request, plan)
            except StalePlan as exc:
                saved_now = exc.current
                messages.error(request, str(exc))
                # The person has now seen the saved text: their next save (after merging) starts from it.
                data = request.POST.copy()
                data["version"] = str(saved_now.version)
                form = PlanForm(structure, plan.content, data)
                form.is_valid()
            else:
                if "sign" in request.POST:
                    return redirect("safety:plan_sign", plan_uuid=plan.uuid)
                messages.success(request, _("Draft saved."))
                return redirect("safety:plan_edit", plan_uuid=plan.uuid)
    else:
        form = PlanForm(structure, plan.content, initial={"version": plan.version})
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=plan.patient,
        obj=plan,
        detail={"kind": plan.kind, "number": plan.number, "page": "edit", "stale": saved_now is not None},
    )
    context = {
        "plan": plan,
        "patient": plan.patient,
        "form": form,
        "structure": structure,
        "saved_now": rendered(saved_now) if saved_now else None,
    }
    return render(request, "safety/plan_edit.html", context)


@policy("safety.write_plans")
@require_http_methods(["GET", "POST"])
def plan_sign_view(request, plan_uuid):
    """The patient signs in person (typed full name, date) in front of the clinician, who signs too."""
    plan = plan_for_user(request, plan_uuid, write=True, audit=False)
    if not plan.is_draft:
        return _locked(request, plan)
    form = SignForm(request.POST or None, initial={"version": plan.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan_sign(
                plan=plan,
                by=request.user,
                version=data["version"],
                patient_name=data["patient_name"],
                patient_signed_on=data["patient_signed_on"],
                request=request,
            )
        except PlanLocked:
            return _locked(request, plan)
        except StalePlan:
            messages.error(
                request, _("The draft was changed since you opened this page. Read it again, then sign.")
            )
            return redirect("safety:plan_sign", plan_uuid=plan.uuid)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(None if field == "__all__" else field, problem)
        else:
            messages.success(
                request,
                _("Signed. Version %(number)s is now the current plan: print it for the patient to keep.")
                % {"number": plan.number},
            )
            return redirect("safety:plan_detail", plan_uuid=plan.uuid)
    plan.refresh_from_db()
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=plan.patient,
        obj=plan,
        detail={"kind": plan.kind, "number": plan.number, "page": "sign"},
    )
    context = {"plan": plan, "patient": plan.patient, "form": form, "shown": rendered(plan)}
    return render(request, "safety/plan_sign.html", context)


@policy("safety.write_plans")
@require_POST
def plan_revise_view(request, plan_uuid):
    plan = plan_for_user(request, plan_uuid, write=True, audit=False)
    try:
        draft = plan_revise(plan=plan, by=request.user, request=request)
    except PlanExists as exc:
        messages.info(request, str(exc))
        return redirect("safety:plan_edit", plan_uuid=exc.plan.uuid)
    except PlanError as exc:
        messages.error(request, str(exc))
        return redirect("safety:plan_detail", plan_uuid=plan.uuid)
    messages.success(
        request,
        _(
            "Version %(number)s started from version %(previous)s. The signed version stays current until this one is signed."
        )
        % {"number": draft.number, "previous": plan.number},
    )
    return redirect("safety:plan_edit", plan_uuid=draft.uuid)


@policy("safety.view_plans")
@require_GET
def plan_pdf(request, plan_uuid):
    """The pocket PDF of a version (a draft prints marked as a draft). Audited as an export."""
    try:
        plan = plan_for_user(request, plan_uuid, audit=False)
    except BreakGlassRequired as exc:
        return _break_glass(exc)
    document, pages = render_pocket_pdf(
        "safety/plan_pdf.html", {"shown": rendered(plan), "patient": plan.patient}, request=request
    )
    audit_record(
        action=Action.EXPORT,
        request=request,
        patient=plan.patient,
        obj=plan,
        detail=break_glass_detail(
            request, plan.patient, {"kind": plan.kind, "number": plan.number, "format": "pdf", "pages": pages}
        ),
    )
    filename = f"{plan.get_kind_display()} {plan.patient.record_number} v{plan.number} {timezone.localdate():%Y-%m-%d}"
    return pdf_response(document, filename)
