"""Psychotherapy process notes: a page of the author's own notes about one patient, and editing one.
Nobody else reaches them: not the care team, the director, an auditor, break-the-glass or the patient."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse
from openiop.patients.selectors import patient_for_user

from ..forms import ProcessNoteForm, apply_service_errors
from ..selectors import process_note_for_user, process_notes_of
from ..services import process_note_create, process_note_update


@policy("notes.process_notes")
@require_http_methods(["GET", "POST"])
def process_notes(request, patient_uuid):
    """The author's own process notes about this patient, and a form for a new one (care team only)."""
    patient = patient_for_user(request, patient_uuid, permission="patients.list_patients", audit=False)
    if not request.user.has_perm("notes.write_process_note", patient):
        refuse(request, permission="notes.write_process_note", patient=patient, obj=patient)
    form = ProcessNoteForm(request.POST or None, initial={"written_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            process_note_create(patient=patient, by=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Process note saved. Only you can read it."))
            return redirect("notes:process_notes", patient_uuid=patient.uuid)
    own = process_notes_of(request.user, patient)
    # Access without content: which page, how many of one's own notes were shown.
    audit_record(
        action=Action.LIST,
        request=request,
        patient=patient,
        object_type="notes.processnote",
        detail={"process_note": True, "shown": len(own)},
    )
    return render(request, "notes/process_notes.html", {"patient": patient, "notes": own, "form": form})


@policy("notes.process_notes")
@require_http_methods(["GET", "POST"])
def process_note_edit(request, process_uuid):
    process_note = process_note_for_user(request, process_uuid, audit=False)
    form = ProcessNoteForm(
        request.POST or None, initial={"written_on": process_note.written_on, "text": process_note.text}
    )
    if request.method == "POST" and form.is_valid():
        try:
            process_note_update(
                process_note=process_note, by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Process note saved."))
            return redirect("notes:process_notes", patient_uuid=process_note.patient.uuid)
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=process_note.patient,
        obj=process_note,
        detail={"process_note": True},
    )
    return render(
        request,
        "notes/process_note_edit.html",
        {"process_note": process_note, "patient": process_note.patient, "form": form},
    )
