"""The patient's questionnaires in the portal: what is due, one question per screen with each answer saved
at once (stop and go on later, on any device), crisis resources on the screen after a critical answer,
and the results a clinician chose to share.

The rules live in measures.services (draft_start, draft_answer, draft_submit, portal_critical_answer):
these views only find the signed-in patient's own objects and turn posts into service calls."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy
from openiop.measures.instrument_schema import text_in
from openiop.measures.models import Administration, MeasureAlert, ResponseDraft
from openiop.measures.registry import get_instrument
from openiop.measures.selectors import due_questionnaires
from openiop.measures.services import (
    draft_answer,
    draft_instrument,
    draft_start,
    draft_submit,
    is_urgent_answer,
    portal_language,
)

from .forms_questionnaires import AnswerForm
from .selectors import owned_or_404, portal_episode, portal_patient

SHARED_LIMIT = 50


def _title(code: str, patient, version: str | None = None) -> str:
    """The instrument's title in the language the patient reads it in."""
    try:
        instrument = get_instrument(code, version)
    except LookupError:
        return code
    return text_in(instrument.title, portal_language(instrument, patient, get_language()))


def _first_unanswered(draft: ResponseDraft) -> int:
    items = draft_instrument(draft).items
    return next((n for n, item in enumerate(items, 1) if item.key not in draft.answers), len(items))


@policy("portal.use")
@require_GET
def questionnaires(request):
    """Due now, in progress (continue where you stopped) and the results your clinician shared."""
    patient = portal_patient(request, page="questionnaires")
    drafts = list(ResponseDraft.objects.filter(patient=patient).order_by("created_at"))
    started = {(d.episode_id, d.instrument_code, d.occasion) for d in drafts}
    due = [
        {"due": d, "title": _title(d.instrument_code, patient)}
        for d in due_questionnaires(portal_episode(patient), timezone.localdate())
        if (d.episode.pk, d.instrument_code, d.occasion) not in started
    ]
    in_progress = [
        {
            "draft": d,
            "title": _title(d.instrument_code, patient, d.instrument_version),
            "answered": len(d.answers),
            "count": len(draft_instrument(d).items),
            "resume": _first_unanswered(d),
        }
        for d in drafts
    ]
    shared = [
        {"administration": a, "title": _title(a.instrument_code, patient, a.instrument_version)}
        for a in Administration.objects.in_use()
        .filter(patient=patient, shared_with_patient=True)
        .order_by("-completed_on", "-created_at")[:SHARED_LIMIT]
    ]
    context = {"due": due, "in_progress": in_progress, "shared": shared}
    return render(request, "portal/questionnaires/list.html", context)


@policy("portal.use")
@require_POST
def questionnaire_start(request, code, occasion):
    """Start a due questionnaire, or go back to the one in progress. Only what is due (or started) can be
    started here: the portal does not hand out instruments the program did not ask for."""
    patient = portal_patient(request, page="questionnaire_start", audit=False)
    episode = portal_episode(patient)
    if episode is None:
        raise Http404
    due = {(d.instrument_code, d.occasion) for d in due_questionnaires(episode, timezone.localdate())}
    started = ResponseDraft.objects.filter(episode=episode, instrument_code=code, occasion=occasion).exists()
    if (code, occasion) not in due and not started:
        raise Http404
    instrument = get_instrument(code)
    draft = draft_start(
        episode=episode,
        instrument_code=code,
        occasion=occasion,
        language=portal_language(instrument, patient, get_language()),
        by=request.user,
        request=request,
    )
    return redirect("portal:questionnaire_step", draft_uuid=draft.uuid, number=_first_unanswered(draft))


@policy("portal.use")
@require_http_methods(["GET", "POST"])
def questionnaire_step(request, draft_uuid, number):
    """One question. Next saves the answer at once; the last one sends the questionnaire."""
    patient = portal_patient(request, page="questionnaire_step", audit=request.method == "GET")
    draft = owned_or_404(ResponseDraft.objects.select_related("episode"), patient, uuid=draft_uuid)
    instrument = draft_instrument(draft)
    items = instrument.items
    if not 1 <= number <= len(items):
        raise Http404
    item = items[number - 1]
    language = portal_language(instrument, patient, get_language())
    question = text_in(item.text, language)
    initial = {"answer": draft.answers.get(item.key)}
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        item=item,
        language=language,
        question=question,
    )
    if request.method == "POST":
        if form.is_valid():
            value = form.cleaned_data["answer"]
            try:
                if value is not None:
                    draft_answer(
                        draft=draft,
                        item_key=item.key,
                        value=value,
                        by=request.user,
                        language=language,
                        request=request,
                    )
            except ValidationError as error:
                for problems in error.message_dict.values():
                    for problem in problems:
                        form.add_error("answer", problem)
            else:
                return _after_answer(request, draft, number)
        audit_record(
            action=Action.VIEW,
            request=request,
            patient=patient,
            obj=draft,
            detail={"portal": "questionnaire_step", "invalid": True},
        )
    draft.refresh_from_db()
    crisis = MeasureAlert.objects.filter(draft=draft).exists() or any(
        is_urgent_answer(i, draft.answers.get(i.key)) for i in items
    )
    context = {
        "draft": draft,
        "form": form,
        "number": number,
        "count": len(items),
        "title": text_in(instrument.title, language),
        "stem": text_in(instrument.stem, language) if instrument.stem else "",
        "instructions": text_in(instrument.instructions, language) if instrument.instructions else "",
        "last": number == len(items),
        "back_url": reverse("portal:questionnaire_step", args=[draft.uuid, number - 1])
        if number > 1
        else reverse("portal:questionnaires"),
        "crisis": crisis,
        "language": language,
    }
    return render(request, "portal/questionnaires/step.html", context)


def _after_answer(request, draft: ResponseDraft, number: int):
    draft.refresh_from_db()
    items = draft_instrument(draft).items
    if number < len(items):
        return redirect("portal:questionnaire_step", draft_uuid=draft.uuid, number=number + 1)
    missing = next((n for n, i in enumerate(items, 1) if i.required and i.key not in draft.answers), None)
    if missing is not None:
        messages.warning(request, _("Please answer this question before you send the questionnaire."))
        return redirect("portal:questionnaire_step", draft_uuid=draft.uuid, number=missing)
    try:
        recorded = draft_submit(draft=draft, by=request.user, request=request)
    except ValidationError:
        # Not the patient's to fix (e.g. their episode closed meanwhile): the draft stays for the team to see.
        messages.error(
            request,
            _(
                "We could not send your answers. They are saved. Please try again later or tell your care team."
            ),
        )
        return redirect("portal:questionnaires")
    url = reverse("portal:questionnaire_thanks")
    if recorded.alert is not None or recorded.result.urgent:
        url += "?crisis=1"
    return redirect(url)


@policy("portal.use")
@require_GET
def questionnaire_thanks(request):
    """Sent. The score is not shown here: a clinician chooses which results to share."""
    portal_patient(request, page="questionnaire_thanks")
    return render(request, "portal/questionnaires/thanks.html", {"crisis": request.GET.get("crisis") == "1"})
