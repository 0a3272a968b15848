from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from openiop.accounts.models import Role, User
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy
from openiop.patients.models import CareTeamMember

from .. import editor
from ..selectors import plan_content, plan_for_user, plan_tree
from ..services import (
    RESPONSIBLE_ROLES,
    PlanLocked,
    StaleRevision,
    locked_message,
    plan_draft_save,
    plan_submit,
)
from .common import breaks_glass
from .plans import readable_changes


def _choices(plan):
    episode = plan.episode
    staff = (
        User.objects.filter(
            staff_profile__programs=episode.program, role__in=RESPONSIBLE_ROLES, is_active=True
        )
        .select_related("staff_profile")
        .distinct()
    )
    staff_choices = [("", _("Choose…"))] + [(str(u.uuid), u.display_name) for u in staff]
    team = (
        CareTeamMember.objects.filter(episode=episode, user__role__in=[Role.CLINICIAN, Role.PSYCHIATRIST])
        .select_related("user__staff_profile")
        .order_by("user__last_name", "user__first_name")
    )
    seen, clinician_choices = set(), []
    for member in team:
        if member.user_id not in seen:
            seen.add(member.user_id)
            clinician_choices.append((str(member.user.uuid), member.user.display_name))
    return staff_choices, clinician_choices


@policy("treatment.view_plans")
@require_http_methods(["GET", "POST"])
@breaks_glass
def plan_edit(request, plan_uuid):
    """The one screen to write a draft: problems, goals, objectives and interventions, saved together."""
    plan = plan_for_user(request, plan_uuid, permission="treatment.write_plan", audit=False)
    if not plan.is_editable:
        messages.warning(request, locked_message(plan))
        return redirect("treatment:plan_detail", plan_uuid=plan.uuid)
    staff_choices, clinician_choices = _choices(plan)
    errors: dict[str, list[str]] = {}
    conflict = None
    revision = plan.revision
    if request.method == "GET":
        tree = editor.tree_from_content(
            plan_content(plan), responsible_clinician=str(plan.responsible_clinician.uuid)
        )
    else:
        tree = editor.tree_from_post(request.POST)
        try:
            revision = int(request.POST.get("revision", ""))
        except ValueError:
            revision = 0
        action = request.POST.get("action", "save")
        if action not in ("save", "save_and_send"):
            tree, note = editor.apply_action(tree, action)
            messages.info(request, _("%(note)s Not saved yet: save the draft to keep it.") % {"note": note})
        else:
            outcome = _save(request, plan, tree, revision, send=action == "save_and_send")
            if outcome["redirect"]:
                return outcome["redirect"]
            errors, conflict = outcome["errors"], outcome["conflict"]
            revision = outcome.get("revision", revision)
            if conflict is not None:
                revision = conflict.current_revision  # a save after reading the changes goes through
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=plan.episode.patient,
        obj=plan,
        detail={"page": "plan_editor", "conflict": conflict is not None},
    )
    context = {
        "plan": plan,
        "patient": plan.episode.patient,
        "episode": plan.episode,
        "revision": revision,
        "editor": editor.editor_view(
            tree, errors, staff_choices=staff_choices, clinician_choices=clinician_choices
        ),
        "conflict": conflict,
        "conflict_changes": readable_changes(conflict.changes) if conflict else [],
        "saved_problems": plan_tree(plan) if conflict else [],
    }
    return render(request, "treatment/plan_edit.html", context, status=409 if conflict else 200)


def _save(request, plan, tree, revision, *, send: bool) -> dict:
    result = {"redirect": None, "errors": {}, "conflict": None}
    content, issues = editor.content_from_tree(tree)
    if issues:
        for issue in issues:
            result["errors"].setdefault(issue.dotted, []).append(issue.message)
        return result
    chosen = tree.get("responsible_clinician", "")
    responsible = User.objects.filter(uuid=chosen).first() if _uuid(chosen) else None
    if responsible is None:
        result["errors"]["responsible_clinician"] = [
            _("Choose a clinician or psychiatrist on the care team.")
        ]
        return result
    try:
        saved = plan_draft_save(
            plan=plan,
            content=content,
            revision=revision,
            by=request.user,
            responsible_clinician=responsible,
            request=request,
        )
    except ValidationError as error:
        result["errors"] = error.message_dict
        return result
    except StaleRevision as stale:
        result["conflict"] = stale
        return result
    except PlanLocked as locked:
        messages.error(request, locked.message)
        result["redirect"] = redirect("treatment:plan_detail", plan_uuid=plan.uuid)
        return result
    result["revision"] = saved.revision
    if send:
        try:
            plan_submit(plan=saved, by=request.user, request=request)
        except ValidationError as error:
            messages.warning(request, _("Saved, but not sent for signatures: the plan is not complete yet."))
            result["errors"] = error.message_dict
            return result
        messages.success(request, _("Saved and sent for signatures."))
        result["redirect"] = redirect("treatment:plan_detail", plan_uuid=plan.uuid)
        return result
    messages.success(request, _("Draft saved."))
    result["redirect"] = redirect("treatment:plan_edit", plan_uuid=plan.uuid)
    return result


def _uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
