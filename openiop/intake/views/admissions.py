"""Views: admission, waitlist, changes of level, physician certification and due items.

Each module lists its own URL patterns; openiop/intake/urls.py joins them. Every view: policy gate,
`episode_for_user` (object check and audit), form, one service call, redirect or render.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse
from openiop.patients.models import EpisodeStatus
from openiop.programs.models import Program

from ..forms_admissions import (
    AdmissionForm,
    CertificationForm,
    ProgramFilterForm,
    TransitionForm,
    WaitlistForm,
    add_service_errors,
)
from ..models import LevelOfCare
from ..selectors_admissions import (
    episode_for_user,
    group_due_items,
    latest_assessment,
    open_due_items_of_program,
    programs_of,
)
from ..services.admissions import (
    certification_record,
    episode_admit,
    level_transition_record,
    waitlist_add,
    waitlist_for_program,
)

ADMITTABLE = (EpisodeStatus.REFERRAL, EpisodeStatus.WAITLIST)


def _to_chart(episode):
    return redirect("patients:chart", patient_uuid=episode.patient.uuid)


def _not_now(request, episode, message):
    """The episode's state does not allow this action: say so on the chart instead of a dead form."""
    messages.warning(request, message)
    return _to_chart(episode)


@policy("intake.work_referrals")
@require_http_methods(["GET", "POST"])
def admit(request, episode_uuid):
    episode = episode_for_user(request, episode_uuid, "intake.admit")
    if episode.status not in ADMITTABLE:
        return _not_now(request, episode, _("Only a referral or a waitlisted person can be admitted."))
    form = AdmissionForm(request.POST or None, episode=episode)
    if request.method == "POST" and form.is_valid():
        try:
            episode = episode_admit(episode=episode, by=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            due = episode.due_items.open().order_by("due_on", "kind")
            messages.success(
                request,
                _("Admitted to %(track)s. Due: %(items)s.")
                % {
                    "track": episode.track.name,
                    "items": "; ".join(
                        f"{item.get_kind_display()} by {item.due_on:%Y-%m-%d}" for item in due
                    ),
                },
            )
            return _to_chart(episode)
    assessment = latest_assessment(episode.patient)
    context = {
        "episode": episode,
        "form": form,
        "assessment": assessment,
        "assessment_differs": assessment is not None
        and assessment.determined_level != LevelOfCare.INTENSIVE_OUTPATIENT,
    }
    return render(request, "intake/admissions/admit.html", context)


@policy("intake.work_referrals")
@require_http_methods(["GET", "POST"])
def waitlist_add_view(request, episode_uuid):
    # Waitlisting is a step of admission: the people who may admit to the program may waitlist for it.
    episode = episode_for_user(request, episode_uuid, "intake.admit")
    if episode.status not in ADMITTABLE:
        return _not_now(request, episode, _("Only a referral or a waitlisted person can be waitlisted."))
    form = WaitlistForm(request.POST or None, episode=episode)
    if request.method == "POST" and form.is_valid():
        try:
            waitlist_add(episode=episode, by=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Added to the waitlist of %(program)s.") % {"program": episode.program}
            )
            return _to_chart(episode)
    return render(request, "intake/admissions/waitlist_add.html", {"episode": episode, "form": form})


def _program_for_user(request, permission: str) -> Program | None:
    """The program chosen with ?program=<uuid>, else the user's first; refused (audited) if not theirs."""
    chosen = request.GET.get("program")
    if not chosen:
        return programs_of(request.user).first()
    try:
        program_uuid = uuid.UUID(chosen)
    except ValueError:
        raise Http404 from None
    program = get_object_or_404(Program, uuid=program_uuid)
    if not request.user.has_perm(permission, program):
        refuse(request, permission=permission, obj=program)
    return program


def _program_filter(request, program):
    return ProgramFilterForm(
        initial={"program": program.uuid if program else None}, programs=programs_of(request.user)
    )


@policy("intake.work_referrals")
def waitlist(request):
    program = _program_for_user(request, "intake.manage_waitlist")
    today = timezone.localdate()
    rows = waitlist_for_program(program, today=today) if program else []
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="intake.waitlistentry",
        detail={"program": str(program.uuid) if program else None, "shown": len(rows)},
    )
    context = {
        "program": program,
        "filter_form": _program_filter(request, program),
        "rows": [(entry, position, start, (today - entry.added_on).days) for entry, position, start in rows],
    }
    return render(request, "intake/admissions/waitlist.html", context)


@policy("intake.work_referrals")
def due_items(request):
    program = _program_for_user(request, "intake.view_program_due")
    today = timezone.localdate()
    groups = group_due_items(open_due_items_of_program(program) if program else [], today=today)
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="intake.dueitem",
        detail={"program": str(program.uuid) if program else None, "shown": len(groups)},
    )
    context = {"program": program, "filter_form": _program_filter(request, program), "groups": groups}
    return render(request, "intake/admissions/due_items.html", context)


@policy("patients.list_patients")
@require_http_methods(["GET", "POST"])
def transition_create(request, episode_uuid):
    episode = episode_for_user(request, episode_uuid, "intake.record_transition")
    if episode.status == EpisodeStatus.DISCHARGED:
        return _not_now(
            request, episode, _("This episode has ended: no change of level can be recorded on it.")
        )
    form = TransitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            transition = level_transition_record(
                episode=episode, by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            episode.refresh_from_db()
            message = _("Recorded: %(from)s → %(to)s.") % {
                "from": transition.get_from_level_display(),
                "to": transition.get_to_level_display(),
            }
            if episode.status == EpisodeStatus.DISCHARGED:
                message += " " + _("The episode is discharged on %(day)s.") % {
                    "day": f"{episode.discharged_on:%Y-%m-%d}"
                }
            messages.success(request, message)
            return _to_chart(episode)
    return render(request, "intake/admissions/transition_form.html", {"episode": episode, "form": form})


@policy("intake.certify")
@require_http_methods(["GET", "POST"])
def certify(request, episode_uuid):
    episode = episode_for_user(request, episode_uuid, "intake.certify_episode")
    if episode.status != EpisodeStatus.ACTIVE:
        return _not_now(request, episode, _("Only an active episode can be certified."))
    form = CertificationForm(request.POST or None, program=episode.program)
    if request.method == "POST" and form.is_valid():
        try:
            certification = certification_record(
                episode=episode, by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Certified until %(until)s. Recertification is due then.")
                % {"until": f"{certification.valid_until:%Y-%m-%d}"},
            )
            return _to_chart(episode)
    context = {
        "episode": episode,
        "form": form,
        "today": timezone.localdate(),
        "certifications": episode.certifications.select_related("certified_by__staff_profile"),
        "recertification_due": episode.due_items.open()
        .filter(kind__in=("certification", "recertification"))
        .order_by("due_on")
        .first(),
    }
    return render(request, "intake/admissions/certify.html", context)


urlpatterns = [
    path("intake/episodes/<uuid:episode_uuid>/admit/", admit, name="admit"),
    path("intake/episodes/<uuid:episode_uuid>/waitlist/", waitlist_add_view, name="waitlist_add"),
    path("intake/episodes/<uuid:episode_uuid>/transitions/new/", transition_create, name="transition_create"),
    path("intake/episodes/<uuid:episode_uuid>/certify/", certify, name="certify"),
    path("intake/waitlist/", waitlist, name="waitlist"),
    path("intake/due/", due_items, name="due_items"),
]
