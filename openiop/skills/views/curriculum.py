"""Views: the curriculum (clinical staff read it) and its editing (program directors)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openiop.core.access import policy

from ..curriculum import shipped_curriculum
from ..forms import LessonEditForm, LessonForm, ModuleEditForm, ModuleForm, add_service_errors, lesson_initial
from ..models import Lesson, Module
from ..selectors import curriculum_modules
from ..services import (
    EditConflict,
    curriculum_sync,
    lesson_create,
    lesson_update,
    module_create,
    module_update,
)


@policy("skills.view_curriculum")
def curriculum(request):
    modules = curriculum_modules()
    shipped = shipped_curriculum()
    synced = {module.curriculum_version for module in modules if module.is_shipped}
    context = {
        "modules": modules,
        "shipped": shipped,
        # Offer loading when the shipped file has never been loaded, or is newer than what was loaded.
        "may_load": request.user.has_perm("skills.edit_curriculum") and synced != {shipped.version},
        "may_edit": request.user.has_perm("skills.edit_curriculum"),
    }
    return render(request, "skills/curriculum.html", context)


@policy("skills.edit_curriculum")
@require_POST
def curriculum_load(request):
    result = curriculum_sync(curriculum=shipped_curriculum(), by=request.user, request=request)
    if result.changed:
        messages.success(
            request,
            _("Curriculum loaded: %(modules)s modules and %(lessons)s lessons added, %(updated)s updated.")
            % {
                "modules": len(result.modules_created),
                "lessons": len(result.lessons_created),
                "updated": len(result.modules_updated) + len(result.lessons_updated),
            },
        )
    else:
        messages.info(request, _("The curriculum is already up to date."))
    if result.kept_local_edits:
        messages.info(
            request,
            _("%(count)s items edited by your organization were kept as they are.")
            % {"count": len(result.kept_local_edits)},
        )
    return redirect("skills:curriculum")


@policy("skills.view_curriculum")
def module_detail(request, module_uuid):
    module = get_object_or_404(Module, uuid=module_uuid)
    lessons = list(module.lessons.order_by("position", "id"))
    return render(
        request,
        "skills/module.html",
        {"module": module, "lessons": lessons, "may_edit": request.user.has_perm("skills.edit_curriculum")},
    )


@policy("skills.view_curriculum")
def lesson_detail(request, lesson_uuid):
    lesson = get_object_or_404(
        Lesson.objects.select_related("module", "updated_by__staff_profile"), uuid=lesson_uuid
    )
    return render(
        request,
        "skills/lesson.html",
        {"lesson": lesson, "may_edit": request.user.has_perm("skills.edit_curriculum")},
    )


@policy("skills.edit_curriculum")
@require_http_methods(["GET", "POST"])
def module_add(request):
    form = ModuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            module = module_create(by=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Module added: %(title)s. Now add its lessons.") % {"title": module.title}
            )
            return redirect("skills:module_detail", module_uuid=module.uuid)
    return render(request, "skills/module_form.html", {"form": form, "module": None})


@policy("skills.edit_curriculum")
@require_http_methods(["GET", "POST"])
def module_edit(request, module_uuid):
    module = get_object_or_404(Module, uuid=module_uuid)
    form = ModuleEditForm(
        request.POST or None,
        initial={"title": module.title, "summary": module.summary, "version": module.version},
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            module = module_update(
                module=module,
                by=request.user,
                version=data["version"],
                title=data["title"],
                summary=data["summary"],
                request=request,
            )
        except EditConflict as stale:
            conflict = _keep_text_for_merge(form, stale.current)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Module saved: %(title)s.") % {"title": module.title})
            return redirect("skills:module_detail", module_uuid=module.uuid)
    return render(request, "skills/module_form.html", {"form": form, "module": module, "conflict": conflict})


@policy("skills.edit_curriculum")
@require_http_methods(["GET", "POST"])
def lesson_add(request, module_uuid):
    module = get_object_or_404(Module, uuid=module_uuid)
    form = LessonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lesson = lesson_create(module=module, by=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Lesson added: %(title)s.") % {"title": lesson.title})
            return redirect("skills:lesson_detail", lesson_uuid=lesson.uuid)
    return render(request, "skills/lesson_form.html", {"form": form, "module": module, "lesson": None})


@policy("skills.edit_curriculum")
@require_http_methods(["GET", "POST"])
def lesson_edit(request, lesson_uuid):
    lesson = get_object_or_404(Lesson.objects.select_related("module"), uuid=lesson_uuid)
    form = LessonEditForm(request.POST or None, initial=lesson_initial(lesson))
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            lesson = lesson_update(lesson=lesson, by=request.user, version=version, request=request, **data)
        except EditConflict as stale:
            conflict = _keep_text_for_merge(form, stale.current)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Lesson saved: %(title)s.") % {"title": lesson.title})
            return redirect("skills:lesson_detail", lesson_uuid=lesson.uuid)
    return render(
        request,
        "skills/lesson_form.html",
        {"form": form, "module": lesson.module, "lesson": lesson, "conflict": conflict},
    )


def _keep_text_for_merge(form, current):
    """After a stale save: keep the user's text in the form, move its version to the saved one (so saving
    again replaces it, deliberately) and return the saved item for the page to show next to it."""
    data = form.data.copy()
    data["version"] = str(current.version)
    form.data = data
    form.add_error(
        None,
        _(
            "Someone else saved this since you opened it. Your text is kept below and theirs is shown beside it: "
            "merge them, then save again."
        ),
    )
    return current
