"""Pages: a patient's medication list (read with the chart, kept by the care team) and the transition
packet of an episode (sent through the disclosure service, so refused without a covering consent)."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.coordination import services as coordination
from openiop.coordination.selectors import DISCLOSE, patient_for_coordination
from openiop.coordination.views import report_transmission
from openiop.core.access import policy, refuse
from openiop.core.pdf import pdf_response
from openiop.patients.models import EpisodeOfCare
from openiop.patients.selectors import BreakGlassRequired, patient_for_user

from . import services
from .forms import DIRECT, FHIR, MedicationForm, MedicationStopForm, PacketForm
from .models import Medication
from .packet import DISCHARGE, build_packet

RECORD = "transitions.record_patient_medication"


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _may_record(user, patient) -> bool:
    return user.has_perm("transitions.record_medications") and user.has_perm(RECORD, patient)


@policy("transitions.view_medications")
@require_http_methods(["GET", "POST"])
def medications(request, patient_uuid):
    """The medication list as recorded: current and stopped. The care team adds entries here."""
    writing = request.method == "POST"
    try:
        # Read with the chart (VIEW is the chart's rule), so break-the-glass applies.
        patient = patient_for_user(request, patient_uuid, action=Action.VIEW, audit=not writing)
    except BreakGlassRequired as exc:
        return redirect("patients:break_glass", patient_uuid=exc.patient.uuid)
    may_record = _may_record(request.user, patient)
    if writing and not may_record:
        refuse(request, permission=RECORD, patient=patient, obj=patient)
    form = MedicationForm(request.POST if writing else None)
    if writing and form.is_valid():
        try:
            medication = services.medication_add(
                patient=patient, by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Recorded: %(medication)s.") % {"medication": medication})
            return redirect("transitions:medications", patient_uuid=patient.uuid)
    rows = list(Medication.objects.filter(patient=patient).order_by("stopped_on", "name", "id"))
    context = {
        "patient": patient,
        "current": [m for m in rows if m.stopped_on is None],
        "stopped": [m for m in rows if m.stopped_on is not None],
        "form": form if may_record else None,
        "stop_form": MedicationStopForm(initial={"stopped_on": timezone.localdate()}) if may_record else None,
    }
    return render(request, "transitions/medications.html", context, status=400 if form.errors else 200)


@policy("transitions.record_medications")
@require_POST
def medication_stop(request, medication_uuid):
    medication = get_object_or_404(Medication.objects.select_related("patient"), uuid=medication_uuid)
    patient = patient_for_user(request, medication.patient.uuid, permission=RECORD, audit=False)
    form = MedicationStopForm(request.POST)
    if form.is_valid():
        try:
            services.medication_stop(
                medication=medication,
                stopped_on=form.cleaned_data["stopped_on"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("Recorded as stopped: %(medication)s.") % {"medication": medication})
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    return redirect("transitions:medications", patient_uuid=patient.uuid)


@policy("coordination.disclose")
@require_http_methods(["GET", "POST"])
def packet(request, episode_uuid):
    """Prepare and send the transition packet of an episode, as a PDF or a FHIR document bundle."""
    episode = get_object_or_404(
        EpisodeOfCare.objects.select_related("patient", "program", "track"), uuid=episode_uuid
    )
    patient = patient_for_coordination(
        request,
        episode.patient.uuid,
        permission=DISCLOSE,
        audit=request.method == "GET",
        detail={"page": "transition_packet", "episode": str(episode.uuid)},
    )
    if episode.admitted_on is None:
        messages.error(request, _("This person was never admitted: there is no treatment to hand over."))
        return redirect("patients:chart", patient_uuid=patient.uuid)
    form = PacketForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["format"] == FHIR:
                from .fhir_packet import packet_send_bundle

                _disclosure, content = packet_send_bundle(
                    episode=episode,
                    kind=data["kind"],
                    recipient=data["recipient"],
                    purpose=data["purpose"],
                    by=request.user,
                    request=request,
                    base_url=request.build_absolute_uri("/fhir/r4"),
                )
            else:
                _disclosure, content = services.packet_send_pdf(
                    episode=episode,
                    kind=data["kind"],
                    recipient=data["recipient"],
                    purpose=data["purpose"],
                    by=request.user,
                    request=request,
                )
        except coordination.DisclosureRefused as exc:
            refusal = exc.decision.message
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            name = f"transition-{data['kind'].replace('_', '-')}-{patient.record_number}"
            if data["delivery"] == DIRECT:
                transmission = coordination.transmission_send(
                    disclosure=_disclosure,
                    content=content,
                    attachment_name=f"{name}.{'json' if data['format'] == FHIR else 'pdf'}",
                    by=request.user,
                    request=request,
                )
                report_transmission(request, transmission)
                return redirect("coordination:accounting", patient_uuid=patient.uuid)
            if data["format"] == FHIR:
                response = HttpResponse(content, content_type="application/fhir+json")
                response["Content-Disposition"] = f'attachment; filename="{name}.json"'
                response["X-Content-Type-Options"] = "nosniff"
                response["Cache-Control"] = "no-store"
                return response
            return pdf_response(content, name)
    # What would go out (the sections do not depend on the kind of transition).
    preview = build_packet(episode, kind=DISCHARGE, today=timezone.localdate())
    chosen = form.cleaned_data.get("recipient") if form.is_bound and form.is_valid() else None
    context = {
        "form": form,
        "patient": patient,
        "episode": episode,
        "refusal": refusal,
        "preview": preview,
        "direct_address": chosen.direct_address if chosen else "",
    }
    status = 409 if refusal else 400 if form.errors else 200
    return render(request, "transitions/packet.html", context, status=status)


def bundle_bytes(bundle: dict) -> bytes:
    """The exact bytes that leave: compact, key order kept, UTF-8."""
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()
