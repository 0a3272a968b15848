from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse
from openiop.core.pdf import pdf_response, render_pdf

from ..diff import diff_plans
from ..editor import LABELS
from ..forms import PatientSignatureForm, ReasonForm, StaffSignatureForm
from ..models import Comparator, Modality, PlanStatus, SignatureRole, TreatmentPlan
from ..selectors import (
    episode_for_user,
    missing_signatures,
    plan_content,
    plan_for_user,
    plan_reviews,
    plan_state,
    plan_tree,
    plan_versions,
    signatures_of,
)
from ..services import (
    PlanLocked,
    plan_create,
    plan_new_version,
    plan_return_to_draft,
    plan_sign,
    plan_submit,
    plan_withdraw,
)
from .common import breaks_glass

SIGN_PERMISSIONS = {
    SignatureRole.CLINICIAN: "treatment.sign_as_clinician",
    SignatureRole.PHYSICIAN: "treatment.sign_as_physician",
    SignatureRole.PATIENT: "treatment.witness_patient_signature",
}


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@policy("treatment.view_plans")
@require_GET
@breaks_glass
def episode_plans(request, episode_uuid):
    """An episode's plan versions, newest first, with where the plan stands and what to do next."""
    episode = episode_for_user(request, episode_uuid, detail={"page": "plan_versions"})
    user = request.user
    versions = plan_versions(episode)
    context = {
        "episode": episode,
        "patient": episode.patient,
        "versions": versions,
        "state": plan_state(episode, today=timezone.localdate()),
        "reviews": list(plan_reviews(episode)[:20]),
        "can_write": user.has_perm("treatment.write_plan", episode.patient),
        "today": timezone.localdate(),
    }
    return render(request, "treatment/episode_plans.html", context)


@policy("treatment.view_plans")
@require_POST
@breaks_glass
def plan_start(request, episode_uuid):
    episode = episode_for_user(request, episode_uuid, permission="treatment.write_plan", audit=False)
    try:
        plan = plan_create(episode=episode, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("treatment:episode_plans", episode_uuid=episode.uuid)
    messages.success(request, _("Draft version %(n)s started.") % {"n": plan.number})
    return redirect("treatment:plan_edit", plan_uuid=plan.uuid)


def detail_context(request, plan: TreatmentPlan, **forms) -> dict:
    user = request.user
    patient = plan.episode.patient
    signatures = signatures_of(plan)
    awaiting = plan.status == PlanStatus.AWAITING_SIGNATURES
    may = {
        "write": user.has_perm("treatment.write_plan", patient),
        "export": user.has_perm("treatment.export_plan", patient),
        "sign_clinician": awaiting
        and SignatureRole.CLINICIAN not in signatures
        and user.has_perm("treatment.sign_as_clinician", plan),
        "sign_physician": awaiting
        and SignatureRole.PHYSICIAN not in signatures
        and user.has_perm("treatment.sign_as_physician", plan),
        "witness": awaiting
        and SignatureRole.PATIENT not in signatures
        and user.has_perm("treatment.witness_patient_signature", plan),
    }
    others = [v for v in plan_versions(plan.episode) if v.pk != plan.pk]
    return {
        "plan": plan,
        "episode": plan.episode,
        "patient": patient,
        "problems": plan_tree(plan),
        "signatures": signatures,
        "signature_rows": [(role, signatures.get(role)) for role in SignatureRole],
        "missing": missing_signatures(plan, signatures),
        "reviews": list(plan_reviews(plan)),
        "state": plan_state(plan.episode, today=timezone.localdate()),
        "other_versions": others,
        "may": may,
        "clinician_form": forms.get("clinician_form") or StaffSignatureForm(prefix="clinician"),
        "physician_form": forms.get("physician_form") or StaffSignatureForm(prefix="physician"),
        "patient_form": forms.get("patient_form") or PatientSignatureForm(prefix="patient"),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "today": timezone.localdate(),
    }


@policy("treatment.view_plans")
@require_GET
@breaks_glass
def plan_detail(request, plan_uuid):
    plan = plan_for_user(request, plan_uuid, detail={"page": "plan"})
    return render(request, "treatment/plan_detail.html", detail_context(request, plan))


@policy("treatment.view_plans")
@require_POST
@breaks_glass
def plan_send(request, plan_uuid):
    """Send a complete draft for signatures (its content freezes)."""
    plan = plan_for_user(request, plan_uuid, permission="treatment.write_plan", audit=False)
    try:
        plan_submit(plan=plan, by=request.user, request=request)
    except PlanLocked as locked:
        messages.error(request, locked.message)
    except ValidationError:
        messages.error(request, _("The plan is not complete yet: open the editor to see what is missing."))
        return redirect("treatment:plan_edit", plan_uuid=plan.uuid)
    else:
        messages.success(
            request, _("Sent for signatures. The content cannot change now unless returned to draft.")
        )
    return redirect("treatment:plan_detail", plan_uuid=plan.uuid)


@policy("treatment.view_plans")
@require_POST
@breaks_glass
def plan_sign_view(request, plan_uuid, role):
    """Record one signature: the clinician's, the physician's, or the patient's in person (witnessed)."""
    if role not in SIGN_PERMISSIONS:
        return redirect("treatment:plan_detail", plan_uuid=plan_uuid)
    plan = plan_for_user(request, plan_uuid, audit=False)
    permission = SIGN_PERMISSIONS[role]
    if not request.user.has_perm(permission, plan):
        refuse(request, permission=permission, patient=plan.episode.patient, obj=plan)
    if role == SignatureRole.PATIENT:
        form = PatientSignatureForm(request.POST, prefix="patient")
    else:
        form = StaffSignatureForm(request.POST, prefix=role)
    if form.is_valid():
        try:
            plan_sign(plan=plan, role=role, by=request.user, request=request, **form.cleaned_data)
        except PlanLocked as locked:
            messages.error(request, locked.message)
            return redirect("treatment:plan_detail", plan_uuid=plan.uuid)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                form.add_error(None, error)
        else:
            plan.refresh_from_db()
            if plan.status == PlanStatus.ACTIVE:
                messages.success(
                    request,
                    _("Signed. All signatures are in: version %(n)s is now the active plan.")
                    % {"n": plan.number},
                )
            else:
                messages.success(request, _("Signed."))
            return redirect("treatment:plan_detail", plan_uuid=plan.uuid)
    audit_record(
        action=Action.VIEW, request=request, patient=plan.episode.patient, obj=plan, detail={"page": "plan"}
    )
    context = detail_context(request, plan, **{f"{role}_form": form})
    return render(request, "treatment/plan_detail.html", context)


def _with_reason(request, plan_uuid, service, done_message):
    plan = plan_for_user(request, plan_uuid, permission="treatment.write_plan", audit=False)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            service(plan=plan, by=request.user, reason=form.cleaned_data["reason"], request=request)
        except PlanLocked as locked:
            messages.error(request, locked.message)
        else:
            messages.success(request, done_message)
        return redirect("treatment:plan_detail", plan_uuid=plan.uuid)
    audit_record(
        action=Action.VIEW, request=request, patient=plan.episode.patient, obj=plan, detail={"page": "plan"}
    )
    return render(request, "treatment/plan_detail.html", detail_context(request, plan, reason_form=form))


@policy("treatment.view_plans")
@require_POST
@breaks_glass
def plan_return(request, plan_uuid):
    return _with_reason(
        request, plan_uuid, plan_return_to_draft, _("Back to draft. Signatures given so far are voided.")
    )


@policy("treatment.view_plans")
@require_POST
@breaks_glass
def plan_withdraw_view(request, plan_uuid):
    return _with_reason(
        request, plan_uuid, plan_withdraw, _("Draft withdrawn. It stays in the plan's history.")
    )


@policy("treatment.view_plans")
@require_POST
@breaks_glass
def plan_revise(request, plan_uuid):
    """Start a new draft version from the active plan: the only way to change a signed plan."""
    plan = plan_for_user(request, plan_uuid, permission="treatment.write_plan", audit=False)
    try:
        draft = plan_new_version(plan=plan, by=request.user, request=request)
    except PlanLocked as locked:
        messages.error(request, locked.message)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Draft version %(n)s started from version %(old)s.") % {"n": draft.number, "old": plan.number},
        )
        return redirect("treatment:plan_edit", plan_uuid=draft.uuid)
    return redirect("treatment:plan_detail", plan_uuid=plan.uuid)


def readable_changes(changes) -> list[dict]:
    """Changes with field names and coded values in words, for the page and the PDF."""
    modality = dict(Modality.choices)
    comparator = dict(Comparator.choices)
    kinds = {"added": _("Added"), "removed": _("Removed"), "changed": _("Changed"), "moved": _("Moved")}
    rows = []
    for change in changes:
        before, after = change.before, change.after
        if change.field == "modality" or (change.item == "intervention" and change.kind != "changed"):
            before, after = modality.get(before, before), modality.get(after, after)
        if change.field == "measure_comparator":
            before, after = comparator.get(before, before), comparator.get(after, after)
        summary = (
            modality.get(change.summary, change.summary) if change.item == "intervention" else change.summary
        )
        rows.append(
            {
                "kind": change.kind,
                "kind_label": kinds[change.kind],
                "where": " › ".join(change.where) or _("Plan"),
                "summary": summary,
                "field": str(LABELS.get(change.field, change.field)) if change.field else "",
                "before": before,
                "after": after,
            }
        )
    return rows


@policy("treatment.view_plans")
@require_GET
@breaks_glass
def plan_diff(request, plan_uuid):
    """What changed between two versions of the same episode's plan (by default, from the one it is based on)."""
    plan = plan_for_user(request, plan_uuid, audit=False)
    against_uuid = request.GET.get("against") or (plan.based_on.uuid if plan.based_on else None)
    against = None
    if against_uuid:
        try:
            against = get_object_or_404(TreatmentPlan, uuid=against_uuid, episode=plan.episode)
        except ValidationError:  # not a uuid
            against = None
    older, newer = sorted([against, plan], key=lambda p: p.number) if against else (None, plan)
    changes = readable_changes(diff_plans(plan_content(older), plan_content(newer))) if older else []
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=plan.episode.patient,
        obj=plan,
        detail={"page": "plan_diff", "against": str(against.uuid) if against else ""},
    )
    context = {
        "plan": plan,
        "patient": plan.episode.patient,
        "episode": plan.episode,
        "older": older,
        "newer": newer,
        "changes": changes,
        "versions": [v for v in plan_versions(plan.episode) if v.pk != plan.pk],
    }
    return render(request, "treatment/plan_diff.html", context)


@policy("treatment.view_plans")
@require_GET
@breaks_glass
def plan_pdf(request, plan_uuid):
    """The plan as a PDF: patient, version, content, signatures with their times. Audited as an export."""
    plan = plan_for_user(request, plan_uuid, permission="treatment.export_plan", audit=False)
    context = {
        "plan": plan,
        "patient": plan.episode.patient,
        "episode": plan.episode,
        "problems": plan_tree(plan),
        "signature_rows": [(role, signatures_of(plan).get(role)) for role in SignatureRole],
        "generated_by": request.user,
    }
    pdf = render_pdf("treatment/plan_pdf.html", context, request=request)
    audit_record(
        action=Action.EXPORT,
        request=request,
        patient=plan.episode.patient,
        obj=plan,
        detail={"format": "pdf", "version": plan.number, "status": plan.status},
    )
    return pdf_response(pdf, f"treatment-plan-{plan.episode.patient.record_number}-v{plan.number}")
