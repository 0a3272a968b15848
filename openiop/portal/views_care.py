"""Portal pages of the "care" part: skills (homework, practice log, lessons had), progress charts, and "My
record" (downloads and who the record was disclosed to).

Every page is about the signed-in patient's own record (`portal_patient`); objects named in a URL are the
patient's own or 404. Writes go through the skills services staff use, with the patient as the author.
"""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy
from openiop.core.pdf import pdf_response, render_pdf
from openiop.fhir.everything import SECTIONS, collect, counts, everything_bundle
from openiop.measures import svg
from openiop.measures.selectors_outcomes import counted_administrations, episode_trajectories
from openiop.notes.models import Note, NoteStatus
from openiop.notes.registry import get_format
from openiop.patients.selectors import current_episode
from openiop.safety.models import PlanKind
from openiop.safety.selectors import plan_state, rendered
from openiop.scheduling.models import SessionAttendee
from openiop.skills.forms import add_service_errors
from openiop.skills.models import EntrySource, Homework, HomeworkStatus, Lesson, Module
from openiop.skills.selectors import (
    ATTENDED,
    curriculum_modules,
    homework_of,
    lessons_had,
    practice_log_of,
)
from openiop.skills.services import homework_record_outcome, practice_log_add
from openiop.transitions.models import Medication
from openiop.treatment.selectors import active_plan, plan_tree

from .forms_care import HomeworkDoneForm, PracticeForm
from .progress_text import explain, facts_of
from .selectors import owned_or_404, portal_patient

USE = "portal.use"


# --- Skills ------------------------------------------------------------------------------------------------


@policy(USE)
@require_GET
def skills(request):
    """Homework (to do, then done), the practice log and the lessons the patient has had."""
    patient = portal_patient(request, page="skills")
    homework = homework_of(patient)
    had = lessons_had(patient)
    context = {
        "patient": patient,
        "today": timezone.localdate(),
        "homework_open": [h for h in homework if h.status == HomeworkStatus.ASSIGNED],
        "homework_done": [h for h in homework if h.status != HomeworkStatus.ASSIGNED],
        "practice": practice_log_of(patient),
        "had": had,
    }
    return render(request, "portal/care/skills.html", context)


@policy(USE)
@require_http_methods(["GET", "POST"])
def homework_done(request, homework_uuid):
    """Mark one's own homework done, with an optional note. Open homework only: an outcome already recorded
    (by the patient or by staff) is not overwritten from the portal."""
    patient = portal_patient(request, page="homework_done", audit=request.method == "GET")
    homework = owned_or_404(Homework.objects.select_related("lesson"), patient, uuid=homework_uuid)
    if homework.status != HomeworkStatus.ASSIGNED:
        if request.method == "POST":
            audit_record(
                action=Action.VIEW,
                request=request,
                patient=patient,
                obj=homework,
                detail={"portal": "homework_done"},
            )
        messages.info(request, _("This homework is already marked."))
        return redirect("portal:skills")
    form = HomeworkDoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            homework_record_outcome(
                homework=homework,
                by=request.user,
                status=HomeworkStatus.DONE,
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Well done! Your homework is marked done."))
            return redirect("portal:skills")
    if request.method == "POST":
        audit_record(
            action=Action.VIEW,
            request=request,
            patient=patient,
            obj=homework,
            detail={"portal": "homework_done"},
        )
    return render(request, "portal/care/homework_done.html", {"form": form, "homework": homework})


@policy(USE)
@require_http_methods(["GET", "POST"])
def practice_add(request):
    """Log one use of a skill, through the staff's practice-log service with the patient as author."""
    patient = portal_patient(request, page="practice_add", audit=request.method == "GET")
    had_lessons = list({item.lesson.pk: item.lesson for item in lessons_had(patient)}.values())
    form = PracticeForm(
        request.POST or None,
        had_lessons=had_lessons,
        modules=curriculum_modules(),
        initial={"practiced_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind, _sep, key = (data["skill"] or "").partition(":")
        lesson = (
            Lesson.objects.select_related("module").filter(uuid=key).first() if kind == "lesson" else None
        )
        module = Module.objects.filter(uuid=key).first() if kind == "module" else None
        try:
            practice_log_add(
                patient=patient,
                by=request.user,
                practiced_on=data["practiced_on"],
                lesson=lesson,
                module=module,
                skill_text=data["skill_text"],
                situation=data["situation"],
                distress_before=data["distress_before"],
                distress_after=data["distress_after"],
                source=EntrySource.PATIENT,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved. Thank you for practising!"))
            return redirect("portal:skills")
    if request.method == "POST":
        audit_record(
            action=Action.VIEW,
            request=request,
            patient=patient,
            obj=patient,
            detail={"portal": "practice_add"},
        )
    return render(request, "portal/care/practice_form.html", {"form": form})


# --- Progress ----------------------------------------------------------------------------------------------


@policy(USE)
@require_GET
def progress(request):
    """The patient's own score charts for the current (else last) episode: scores only, never item answers,
    alerts or staff comments."""
    patient = portal_patient(request, page="progress")
    episode = current_episode(patient)
    charts = []
    for trajectory in episode_trajectories(episode) if episode else []:
        if not trajectory.points:
            continue
        charts.append(
            {
                "trajectory": trajectory,
                "id": f"chart-{slugify(trajectory.instrument_code)}",
                "svg": mark_safe(  # noqa: S308 - every text escaped in svg.py
                    svg.trajectory_svg(trajectory, chart_id=f"chart-{slugify(trajectory.instrument_code)}")
                ),
                "explanation": explain(facts_of(trajectory)),
            }
        )
    return render(request, "portal/care/progress.html", {"episode": episode, "charts": charts})


# --- My record ---------------------------------------------------------------------------------------------


@policy(USE)
@require_GET
def record(request):
    """Downloads of the patient's own record, and the accounting of who it was disclosed to."""
    from openiop.coordination.selectors import disclosures_of

    patient = portal_patient(request, page="record")
    return render(request, "portal/care/record.html", {"disclosures": list(disclosures_of(patient))})


def record_summary(patient) -> dict:
    """The patient-facing summary for the PDF: demographics, episodes with care team, sessions attended,
    questionnaire scores, active plan goals and objectives, the signed safety plan, medications as recorded
    and signed notes' text. Psychotherapy process notes (notes.ProcessNote, another model) are never read."""
    episodes = sorted(patient.episodes.all(), key=lambda e: (e.referred_on, e.pk))
    plans = []
    for episode in episodes:
        plan = active_plan(episode)
        if plan is not None:
            goals = [goal for problem in plan_tree(plan) for goal in problem.goals.all()]
            plans.append({"episode": episode, "plan": plan, "goals": goals})
    safety = plan_state(patient, PlanKind.SAFETY).current
    notes = []
    signed = (
        Note.objects.filter(patient=patient, status=NoteStatus.SIGNED)
        .select_related("author")
        .prefetch_related("addenda__author")
        .order_by("date_of_service", "signed_at", "pk")
    )
    for note in signed:
        note_format = get_format(note.format_id, note.format_version)
        sections = [(s.label, note.content.get(s.key, "")) for s in note_format.sections]
        notes.append({"note": note, "sections": [(label, text) for label, text in sections if text]})
    return {
        "patient": patient,
        "episodes": episodes,
        "sessions": list(
            SessionAttendee.objects.filter(episode__patient=patient, status__in=ATTENDED)
            .select_related("session__session_type", "session__program")
            .order_by("session__date", "session__start_time", "pk")
        ),
        "scores": list(
            counted_administrations()
            .filter(patient=patient, total__isnull=False)
            .order_by("completed_on", "created_at", "pk")
        ),
        "plans": plans,
        "safety": rendered(safety) if safety else None,
        "medications": list(Medication.objects.filter(patient=patient).order_by("-started_on", "name", "pk")),
        "notes": notes,
        "generated_at": timezone.now(),
    }


def record_html(patient) -> str:
    """The PDF's source HTML (tests read it to prove what is in it and what is not)."""
    return render_to_string("portal/care/record_pdf.html", record_summary(patient))


@policy(USE)
@require_GET
def record_pdf(request):
    """The patient's record as a PDF. This is the patient's own right of access (HIPAA 164.524), not a
    disclosure to a third party: no consent check and no accounting row, one EXPORT audit event."""
    patient = portal_patient(request, page="record_pdf", action=Action.EXPORT)
    pdf = render_pdf("portal/care/record_pdf.html", record_summary(patient), request=request)
    return pdf_response(pdf, f"my-record-{timezone.localdate().isoformat()}")


def record_bundle(patient, *, base_url: str, self_url: str) -> dict:
    """Every $everything section of the patient's record. Process notes are excluded by construction:
    `collect` reads notes.Note (signed) only, never notes.ProcessNote."""
    found = collect(patient, [section.name for section in SECTIONS])
    return everything_bundle(base_url=base_url, self_url=self_url, found=found)


@policy(USE)
@require_GET
def record_fhir(request):
    """The patient's record as a FHIR R4 Bundle download (application/fhir+json). The patient's own right of
    access, not a disclosure: no consent check, no accounting row; one EXPORT audit event."""
    patient = portal_patient(request, page="record_fhir", audit=False)
    base = request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("/metadata")
    bundle = record_bundle(patient, base_url=base, self_url=request.build_absolute_uri())
    audit_record(
        action=Action.EXPORT,
        request=request,
        patient=patient,
        obj=patient,
        detail={"portal": "record_fhir", "counts": counts([e["resource"] for e in bundle["entry"]])},
    )
    response = HttpResponse(json.dumps(bundle, indent=2), content_type="application/fhir+json")
    response["Content-Disposition"] = (
        f'attachment; filename="my-record-{timezone.localdate().isoformat()}.json"'
    )
    response["Cache-Control"] = "no-store"
    return response
