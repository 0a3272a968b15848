from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from openiop.audit.models import Action, AuditEvent
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse
from openiop.core.panels import CHART, panels_of
from openiop.intake.selectors_admissions import chart_intake

from .forms import BreakGlassForm, BreakGlassReviewForm, PatientCreateForm, PatientSearchForm
from .models import BreakGlassAccess, EpisodeStatus
from .selectors import (
    BreakGlassRequired,
    current_episode,
    open_break_glass,
    patient_census,
    patient_for_user,
    with_list_episodes,
)
from .services import break_glass_open, break_glass_review, patient_create

PAGE_SIZE = 25


@policy("patients.list_patients")
def patient_list(request):
    form = PatientSearchForm(request.GET or None, user=request.user)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {key: str(getattr(value, "uuid", value)) for key, value in data.items() if value}
    patients = patient_census(
        request.user,
        text=filters.get("q", ""),
        program_uuid=filters.get("program"),
        status=filters.get("status", ""),
        clinician_uuid=filters.get("clinician"),
    )
    page = Paginator(with_list_episodes(patients), PAGE_SIZE)
    page_obj = page.get_page(request.GET.get("page"))
    rows = [(patient, current_episode(patient)) for patient in page_obj.object_list]
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="patients.patient",
        detail={"filters": filters, "page": page_obj.number, "shown": len(rows)},
    )
    context = {"form": form, "rows": rows, "page_obj": page_obj, "query_string": _query_without_page(request)}
    template = "patients/_results.html" if request.htmx else "patients/list.html"
    return render(request, template, context)


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@policy("patients.add_patient")
@require_http_methods(["GET", "POST"])
def patient_add(request):
    form = PatientCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        patient = patient_create(
            created_by=request.user,
            request=request,
            program=data.pop("program"),
            track=data.pop("track"),
            referred_on=data.pop("referred_on"),
            duplicate_confirmed=data.pop("duplicate_confirmed"),
            **data,
        )
        messages.success(
            request,
            _("Registered %(name)s (%(number)s).")
            % {"name": patient.display_name, "number": patient.record_number},
        )
        return redirect("patients:chart", patient_uuid=patient.uuid)
    viewable_duplicates = [p for p in form.duplicates if request.user.has_perm("patients.view_chart", p)]
    return render(request, "patients/add.html", {"form": form, "viewable_duplicates": viewable_duplicates})


@policy("patients.list_patients")
def chart(request, patient_uuid):
    try:
        patient = patient_for_user(request, patient_uuid)
    except BreakGlassRequired:
        return redirect("patients:break_glass", patient_uuid=patient_uuid)
    episodes = sorted(patient.episodes.all(), key=lambda e: (e.referred_on, e.created_at), reverse=True)
    episode = current_episode(patient)
    context = {
        "patient": patient,
        "episode": episode,
        "episodes": episodes,
        "break_glass": open_break_glass(request.user, patient),
        "intake": chart_intake(patient, episode),
        "intake_actions": _intake_actions(request.user, episode),
        "today": timezone.localdate(),
        "panels": panels_of(CHART, request, patient, episode),
    }
    return render(request, "patients/chart.html", context)


def _intake_actions(user, episode) -> dict[str, bool]:
    """Which intake actions the chart offers: the user holds the permission and the episode's state allows."""
    if episode is None:
        return {}
    waiting = episode.status in (EpisodeStatus.REFERRAL, EpisodeStatus.WAITLIST)
    active = episode.status == EpisodeStatus.ACTIVE
    may_admit = waiting and user.has_perm("intake.work_referrals") and user.has_perm("intake.admit", episode)
    return {
        "admit": may_admit,
        "waitlist": may_admit,
        "transition": active and user.has_perm("intake.record_transition", episode),
        "certify": active
        and user.has_perm("intake.certify")
        and user.has_perm("intake.certify_episode", episode),
    }


@policy("patients.list_patients")
@require_http_methods(["GET", "POST"])
def break_glass(request, patient_uuid):
    patient = patient_for_user(request, patient_uuid, permission="patients.break_glass", audit=False)
    if request.user.has_perm("patients.view_chart", patient):
        return redirect("patients:chart", patient_uuid=patient.uuid)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        break_glass_open(
            user=request.user, patient=patient, reason=form.cleaned_data["reason"], request=request
        )
        messages.warning(request, _("Emergency access granted for 4 hours. It will be reviewed."))
        return redirect("patients:chart", patient_uuid=patient.uuid)
    return render(
        request,
        "patients/break_glass.html",
        {"form": form, "patient_uuid": patient.uuid, "record_number": patient.record_number},
    )


@policy("patients.review_break_glass_queue")
@require_http_methods(["GET", "POST"])
def break_glass_review_view(request, access_uuid):
    access = get_object_or_404(
        BreakGlassAccess.objects.select_related(
            "user__staff_profile", "reviewed_by__staff_profile", "patient"
        ),
        uuid=access_uuid,
    )
    if not request.user.has_perm("patients.review_break_glass", access):
        refuse(request, permission="patients.review_break_glass", patient=access.patient, obj=access)
    form = BreakGlassReviewForm(request.POST or None)
    if request.method == "POST" and access.review == BreakGlassAccess.Review.PENDING and form.is_valid():
        break_glass_review(
            access=access,
            reviewer=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            request=request,
        )
        messages.success(request, _("Review recorded."))
        return redirect("home:index")
    audit_record(action=Action.VIEW, request=request, patient=access.patient, obj=access)
    # What the person did with the chart while the glass was broken: the reviewer judges this.
    events = AuditEvent.objects.filter(
        actor=access.user,
        patient=access.patient,
        occurred_at__gte=access.granted_at,
        occurred_at__lte=access.expires_at,
    ).order_by("seq")
    return render(
        request, "patients/break_glass_review.html", {"access": access, "form": form, "events": events}
    )
